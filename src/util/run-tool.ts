// Runs external programs (npm, compressors) through execa, turning failures into UserErrors.
// execa is loaded when a tool runs: a --no-install build never needs it.
import { execFile } from 'node:child_process';
import type { Options } from 'execa';
import { EXIT_FAILURE, UserError } from '../errors.js';

/** Runs `file args` and returns stdout; a failure names the command and shows stderr's end. */
export async function runTool(file: string, args: readonly string[], options: Options & { what: string; code: string }): Promise<string> {
  const { what, code, ...execaOptions } = options;
  const { execa } = await import('execa');
  try {
    const result = await execa(file, args, { ...execaOptions, stripFinalNewline: true });
    return String(result.stdout ?? '');
  } catch (error) {
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
