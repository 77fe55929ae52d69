// Kills `pkgapp publish` at chosen points, for test/oracle/publish-crash.test.ts.
//
// Two ways, both SIGKILL (no cleanup, no exit hooks: what a killed CI runner or a power cut leaves):
// - at the Nth crash point: PKGAPP_TEST_KILL_AT=N makes the process kill itself just before or just
//   after its Nth change to the repository (src/util/crash-point.ts). Deterministic: the same N is
//   the same step for the same publish. PKGAPP_TEST_KILL_TRACE lists the points of a whole publish.
// - by a timer from outside, anywhere (also between points: reading, signing, copying to temp files).
// Publishes nobody kills (the references, the next publish after a kill) run in this process
// through the CLI's main() (publishWhole): the same flags and code path, without a node start-up
// and module load each, which made up most of their time.
import { mkdtemp, readFile, readdir, rm, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { main } from '../../src/cli/main.js';
import { CLI, REPO_ROOT } from './testdir.js';

export interface PublishRun {
  /** 0 when the publish completed. */
  exitCode: number | undefined;
  /** 'SIGKILL' when it was killed. */
  signal: string | undefined;
  stdout: string;
  stderr: string;
  ms: number;
}

async function runPublish(args: string[], env: Record<string, string>, killAfterMs?: number): Promise<PublishRun> {
  const started = Date.now();
  const child = execa('node', [CLI, 'publish', ...args], { cwd: REPO_ROOT, env, reject: false });
  const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const result = await child;
  clearTimeout(timer);
  return {
    exitCode: result.exitCode,
    signal: result.signal ?? undefined,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
    ms: Date.now() - started,
  };
}

/** One crash point of a traced publish: "before|after OP KEY". */
export interface CrashPoint {
  n: number;
  when: 'before' | 'after';
  /** e.g. "rename /tmp/x/apt/dists/stable/InRelease", "delete pool/main/a/acme/acme_1.0_all.deb". */
  what: string;
}

/** Runs a whole publish, recording every crash point it passes; throws unless it completes. */
export async function tracePublish(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ points: CrashPoint[]; run: PublishRun }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pkgapp-trace-'));
  try {
    const trace = path.join(dir, 'trace');
    const run = await runPublish(args, { ...env, PKGAPP_TEST_KILL_TRACE: trace });
    if (run.exitCode !== 0) throw new Error(`traced publish failed (${run.exitCode}): ${run.stderr}`);
    const points = (await readFile(trace, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => {
        const [, n, when, what] = /^(\d+) (before|after) (.*)$/.exec(line)!;
        return { n: Number(n), when: when as 'before' | 'after', what: what! };
      });
    return { points, run };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A publish that kills itself at crash point `n` (it completes if it has fewer points). */
export function publishKilledAt(args: string[], n: number, env: Record<string, string> = {}): Promise<PublishRun> {
  return runPublish(args, { ...env, PKGAPP_TEST_KILL_AT: String(n) });
}

/** A publish killed from outside `ms` milliseconds after it was started. */
export function publishKilledAfter(args: string[], ms: number, env: Record<string, string> = {}): Promise<PublishRun> {
  return runPublish(args, env, ms);
}

/**
 * A publish left alone, run in this process by the CLI's main() with `args` (no crash point is
 * armed here: PKGAPP_TEST_KILL_* is only ever set on a child). `env` goes to process.env as well,
 * since the AWS SDK's credential chain reads it there; callers pass the same credentials each time.
 */
export async function publishWhole(args: string[], env: Record<string, string> = {}): Promise<PublishRun> {
  for (const name of Object.keys(env))
    if (name.startsWith('PKGAPP_TEST_KILL')) throw new Error(`${name}: only a child publish can be killed`);
  Object.assign(process.env, env);
  const started = Date.now();
  let stdout = '';
  let stderr = '';
  const exitCode = await main(['publish', ...args], {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    env: { ...process.env, ...env },
    interactive: false,
  });
  return { exitCode, signal: undefined, stdout, stderr, ms: Date.now() - started };
}

/**
 * Makes the locks a killed publisher left in DIR look a minute old, as they are when the next
 * publish comes along a minute later: a lock nobody refreshes is stale after 30 s (src/publish/
 * publish.ts) or 10 s (per-key locks, src/publish/storage/local-storage.ts) and is taken over.
 * Returns how many were aged (the lock a SIGKILL leaves behind).
 */
export async function ageLocalLocks(repoDir: string): Promise<number> {
  const past = new Date(Date.now() - 60_000);
  const locks = [path.join(repoDir, '.pkgapp-publish.lock')];
  const keyLocks = path.join(repoDir, '.pkgapp-locks');
  for (const name of await readdir(keyLocks).catch(() => [] as string[]))
    if (name.endsWith('.lock')) locks.push(path.join(keyLocks, name));
  let aged = 0;
  for (const lock of locks)
    aged += await utimes(lock, past, past).then(
      () => 1,
      () => 0,
    );
  return aged;
}

/** Runs `work` over `items`, at most `limit` at once, results in order. */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const runner = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
  return results;
}
