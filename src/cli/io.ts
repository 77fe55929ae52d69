// What the CLI touches of the process, injectable so tests run main() without a subprocess; and
// the short report of an unexpected failure, shared by main() and the stream handlers that
// process-hooks.ts installs. Importing this module changes nothing in the process.
import { inspect } from 'node:util';
import { pkgappVersion } from '../util/pkgapp-version.js';
import { INTERRUPT_EXIT, INTERRUPT_SIGNALS, type InterruptListener, type InterruptSignal } from './interrupts.js';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
  /** stderr is a terminal: progress may redraw a line. */
  interactive: boolean;
  /**
   * Calls `handler` on SIGINT or SIGTERM until the returned function is called (a command that
   * can stop cleanly listens while it runs). Absent: nothing interrupts (tests' in-process io).
   */
  onInterrupt?: InterruptListener;
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  interactive: Boolean(process.stderr.isTTY) && !process.env['CI'],
  onInterrupt: listenForInterrupts,
};

/**
 * The first SIGINT/SIGTERM goes to `handler` (the command aborts and cleans up); a second one
 * exits at once, with the temporary files removed by the exit hook (process-hooks.ts).
 */
function listenForInterrupts(handler: (signal: InterruptSignal) => void): () => void {
  let interrupted = false;
  const listeners = INTERRUPT_SIGNALS.map((signal) => {
    const listener = () => {
      if (interrupted) {
        process.stderr.write(`pkgapp: ${signal} again: exiting without waiting\n`);
        process.exit(INTERRUPT_EXIT[signal]);
      }
      interrupted = true;
      handler(signal);
    };
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  };
}

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
  lines.push(
    '  hint: this is a bug in pkgapp or a failure of the system (a full disk?): report it with the command you ran and these lines',
  );
  lines.push('  code: PKGAPP_UNEXPECTED (docs/errors.md)');
  return `${lines.join('\n')}\n`;
}

/**
 * `pkgapp inspect x | head` closes stdout early: that is the reader's choice, not a failure.
 * Any other write error (`> /dev/full`: ENOSPC) is an unexpected failure: the short report, exit 1.
 * Installed by the pkgapp executable only (process-hooks.ts).
 */
export function handleStreamErrors(): void {
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
}
