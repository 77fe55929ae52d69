// Runs external programs (npm, compressors) through execa, turning failures into UserErrors.
// execa is loaded when a tool runs: a --no-install build never needs it.
import { execFile } from 'node:child_process';
import type { Options } from 'execa';
import { EXIT_FAILURE, UserError } from '../errors.js';
import { operationSignal } from './atomic-output.js';

/** How long a tool gets to exit after SIGTERM, once its operation was aborted, before SIGKILL. */
const KILL_AFTER_MS = 3_000;

/**
 * Runs `file args` and returns stdout; a failure names the command and shows stderr's end. The
 * current operation's abort (build(), publish(): util/atomic-output.ts) stops the tool and
 * rejects with the abort reason.
 */
export async function runTool(file: string, args: readonly string[], options: Options & { what: string; code: string }): Promise<string> {
  const { what, code, ...execaOptions } = options;
  const { execa } = await import('execa');
  const signal = operationSignal();
  signal?.throwIfAborted();
  try {
    const result = await execa(file, args, { ...(signal ? { cancelSignal: signal, forceKillAfterDelay: KILL_AFTER_MS } : {}), ...execaOptions, stripFinalNewline: true });
    return String(result.stdout ?? '');
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    const e = error as { shortMessage?: string; stderr?: unknown; stdout?: unknown; code?: string };
    if (e.code === 'ENOENT') {
      throw new UserError(`${what}: "${file}" is not installed`, { code: `${code}_NOT_FOUND`, exitCode: EXIT_FAILURE, hint: `Install ${file} and retry`, cause: error });
    }
    // Some tools (tsc, for one) report errors on stdout: show whichever said something.
    const output = String(e.stderr ?? '').trim() || String(e.stdout ?? '').trim();
    const tail = output.split('\n').slice(-15).join('\n');
    throw new UserError(`${what} failed: ${e.shortMessage ?? String(error)}${tail ? `\n${tail}` : ''}`, { code, exitCode: EXIT_FAILURE, cause: error });
  }
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
