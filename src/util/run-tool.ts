// Runs external programs (npm, compressors) through execa, turning failures into UserErrors.
// execa is loaded when a tool runs: a --no-install build never needs it.
import { execFile } from 'node:child_process';
import type { Options } from 'execa';
import { EXIT_FAILURE, UserError } from '../errors.js';
import { operationSignal } from './atomic-output.js';

/** How long a tool gets to exit after SIGTERM, once its operation was aborted, before SIGKILL. */
const KILL_AFTER_MS = 3_000;

/** Process groups of the tools running now, for the pkgapp executable's exit hook. */
const runningGroups = new Set<number>();

/**
 * Runs `file args` and returns stdout; a failure names the command and shows stderr's end.
 *
 * The tool runs in a process group of its own (detached), which an abort of the current operation
 * (build(), publish(): util/atomic-output.ts) ends as a whole: `npm run build` starts a shell that
 * starts the script, and killing npm alone would leave the script running and holding the pipes
 * (execa waits for them). Being detached also keeps execa from hooking the process's signals to
 * kill it on exit (signal-exit): that is the embedding program's business, and the pkgapp
 * executable's exit hook calls stopRunningToolsSync().
 */
export async function runTool(
  file: string,
  args: readonly string[],
  options: Options & { what: string; code: string },
): Promise<string> {
  const { what, code, ...execaOptions } = options;
  const { execa } = await import('execa');
  const signal = operationSignal();
  signal?.throwIfAborted();
  const subprocess = execa(file, args, { ...execaOptions, detached: true, cleanup: false, stripFinalNewline: true });
  const group = subprocess.pid;
  let killer: NodeJS.Timeout | undefined;
  const stop = () => {
    killGroup(group, 'SIGTERM');
    killer = setTimeout(() => killGroup(group, 'SIGKILL'), KILL_AFTER_MS);
    killer.unref();
  };
  if (group !== undefined) runningGroups.add(group);
  signal?.addEventListener('abort', stop, { once: true });
  try {
    const result = await subprocess;
    return String(result.stdout ?? '');
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    const e = error as { shortMessage?: string; stderr?: unknown; stdout?: unknown; code?: string };
    if (e.code === 'ENOENT') {
      throw new UserError(`${what}: "${file}" is not installed`, {
        code: `${code}_NOT_FOUND`,
        exitCode: EXIT_FAILURE,
        hint: `Install ${file} and retry`,
        cause: error,
      });
    }
    // Some tools (tsc, for one) report errors on stdout: show whichever said something.
    const text = (v: unknown) => (typeof v === 'string' ? v : v instanceof Uint8Array ? Buffer.from(v).toString() : '');
    const output = text(e.stderr).trim() || text(e.stdout).trim();
    const tail = output.split('\n').slice(-15).join('\n');
    throw new UserError(`${what} failed: ${e.shortMessage ?? String(error)}${tail ? `\n${tail}` : ''}`, {
      code,
      exitCode: EXIT_FAILURE,
      cause: error,
    });
  } finally {
    signal?.removeEventListener('abort', stop);
    if (group !== undefined) runningGroups.delete(group);
    // The group may outlive the tool itself (a script's background child): SIGKILL stays due.
  }
}

/** Signals every process of a tool's group; a group that is gone already is fine. */
function killGroup(group: number | undefined, signal: NodeJS.Signals): void {
  if (group === undefined) return;
  try {
    process.kill(-group, signal);
  } catch {
    // ESRCH: nothing left to stop
  }
}

/** Stops every tool still running (SIGTERM to its group): the pkgapp executable's exit hook. */
export function stopRunningToolsSync(): void {
  for (const group of runningGroups) killGroup(group, 'SIGTERM');
  runningGroups.clear();
}

/**
 * Runs a command whose failure is an answer, not an error (e.g. `git` outside a checkout): stdout
 * without its final newline, or undefined when it failed or could not start.
 */
export function tryTool(file: string, args: readonly string[], cwd: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, encoding: 'utf8', maxBuffer: 100 * 1024 * 1024 }, (error, stdout) => {
      resolve(error ? undefined : stdout.replace(/\r?\n$/, ''));
    });
  });
}
