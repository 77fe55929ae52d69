// Test-only crash points: where a publish changes the repository (a rename or upload into place, a
// delete), so test/oracle/publish-crash.test.ts can kill it there and check that clients still see
// a whole repository (docs/internals/publish-crash-safety.md).
//
//   PKGAPP_TEST_KILL_AT=N        the process SIGKILLs itself at the Nth point: no cleanup, no
//                                exit hooks, exactly as a killed runner or a power cut leaves it
//   PKGAPP_TEST_KILL_TRACE=FILE  appends "N before|after OP KEY" for every point (counts the
//                                points of a whole publish, so the test can cover each of them)
//
// Each change has two points, just before and just after it. Unset (always, outside the tests),
// a point costs one comparison. Read at start-up: the test sets them on the child it starts.
import { appendFileSync } from 'node:fs';

const killAt = Number.parseInt(process.env.PKGAPP_TEST_KILL_AT ?? '', 10);
const traceFile = process.env.PKGAPP_TEST_KILL_TRACE;
const active = Number.isInteger(killAt) || traceFile !== undefined;
let count = 0;

function point(when: 'before' | 'after', what: string): void {
  count++;
  if (traceFile !== undefined) appendFileSync(traceFile, `${count} ${when} ${what}\n`);
  if (count === killAt) process.kill(process.pid, 'SIGKILL');
}

/** Runs `change` (one rename, upload or delete that readers can see) between two crash points. */
export async function crashPoints<T>(what: string, change: () => Promise<T>): Promise<T> {
  if (!active) return change();
  point('before', what);
  const result = await change();
  point('after', what);
  return result;
}
