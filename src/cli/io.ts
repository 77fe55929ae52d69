// What the CLI touches of the process, injectable so tests run main() without a subprocess; and
// the short report of an unexpected failure, shared by main() and the stream handlers below.
import { inspect } from 'node:util';
import { pkgappVersion } from '../util/pkgapp-version.js';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** stderr is a terminal: progress may redraw a line. */
  interactive: boolean;
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  interactive: Boolean(process.stderr.isTTY) && !process.env['CI'],
};

/** Stack frames an unexpected failure shows (PKGAPP_DEBUG=1 shows everything). */
const FRAMES = 5;

/** What a bug report needs to say about where pkgapp ran. */
export function versions(): { pkgapp: string; node: string; platform: string } {
  let pkgapp: string;
  try {
    pkgapp = pkgappVersion();
  } catch {
    pkgapp = 'unknown';
  }
  return { pkgapp, node: process.version, platform: `${process.platform}-${process.arch}` };
}

/** The message of anything thrown, on one line per line it has. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`;
  return String(error);
}

/**
 * The short report of an unexpected failure: the message, the first stack frames, the cause's
 * message, and the versions; `debug` (PKGAPP_DEBUG) gives the whole error with every cause.
 */
export function unexpectedReport(error: unknown, debug: boolean): string {
  const lines = [`pkgapp: unexpected failure: ${errorMessage(error)}`];
  if (debug) {
    lines.push(inspect(error, { depth: 6 }));
  } else {
    const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack.split('\n') : [];
    const frames = stack.filter((l) => /^\s+at /.test(l));
    lines.push(...frames.slice(0, FRAMES));
    if (frames.length > FRAMES) lines.push(`    ... ${frames.length - FRAMES} more (PKGAPP_DEBUG=1 shows them)`);
    const cause = error instanceof Error ? error.cause : undefined;
    if (cause !== undefined) lines.push(`  cause: ${errorMessage(cause)}`);
  }
  const v = versions();
  lines.push(`  pkgapp ${v.pkgapp}, node ${v.node}, ${v.platform}`);
  lines.push('  hint: this is a bug in pkgapp or a failure of the system (a full disk?): report it with the command you ran and these lines');
  lines.push('  code: PKGAPP_UNEXPECTED (docs/errors.md)');
  return `${lines.join('\n')}\n`;
}

// `pkgapp inspect x | head` closes stdout early: that is the reader's choice, not a failure.
// Any other write error (`> /dev/full`: ENOSPC) is an unexpected failure: the short report, exit 1.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    if (stream === process.stderr) process.exit(1);
    try {
      process.stderr.write(unexpectedReport(error, Boolean(process.env['PKGAPP_DEBUG'])));
    } finally {
      process.exit(1);
    }
  });
}
