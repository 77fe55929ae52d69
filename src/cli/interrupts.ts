// Ctrl-C, or a CI job's cancel (SIGTERM), during a command: the CLI aborts the library operation
// through its AbortSignal, the operation stops and removes its temporary files, and the command
// fails with PKGAPP_INTERRUPTED and the usual exit code 128 + N (130, 143). The library itself
// never listens to signals (src/util/atomic-output.ts); the listening is io.onInterrupt (io.ts).
import { UserError } from '../errors.js';

export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

/** Calls `handler` on SIGINT or SIGTERM until the returned function is called. */
export type InterruptListener = (handler: (signal: InterruptSignal) => void) => () => void;

/** What a shell reports for a process killed by the signal: 128 + its number. */
export const INTERRUPT_EXIT: Record<InterruptSignal, number> = { SIGINT: 130, SIGTERM: 143 };

/** The abort reason the operation rejects with, reported like any UserError. */
export function interruptedError(signal: InterruptSignal): UserError {
  return new UserError(
    `interrupted by ${signal}: stopped and removed its temporary files; what was there before is unchanged`,
    {
      code: 'PKGAPP_INTERRUPTED',
      exitCode: INTERRUPT_EXIT[signal],
      hint: 'Run the command again to finish it',
    },
  );
}

/** Runs `work` with a signal that SIGINT/SIGTERM abort while it runs (io.onInterrupt; none in tests' in-process io). */
export async function withInterrupts<T>(
  listen: InterruptListener | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const stop = listen?.((signal) => controller.abort(interruptedError(signal)));
  try {
    return await work(controller.signal);
  } finally {
    stop?.();
  }
}
