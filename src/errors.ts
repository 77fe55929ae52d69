// The one error type users see: what went wrong, where, and what to do, with an exit code.

/** Exit code for bad usage or bad input (docs/errors.md). */
export const EXIT_USAGE = 2;
/** Exit code for a build step that failed. */
export const EXIT_FAILURE = 1;

export interface UserErrorOptions {
  /** Stable identifier, e.g. PKGAPP_LOCKFILE_MISSING. */
  code: string;
  /** 2 for bad input or usage (default), 1 for a failed build step. */
  exitCode?: number;
  /** What the user can do about it. */
  hint?: string;
  cause?: unknown;
}

/** An expected failure caused by input or environment; printed without a stack. */
export class UserError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly hint: string | undefined;

  constructor(message: string, { code, exitCode = EXIT_USAGE, hint, cause }: UserErrorOptions) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'UserError';
    this.code = code;
    this.exitCode = exitCode;
    this.hint = hint;
  }
}

/** True for errors meant for the user (works across module copies). */
export function isUserError(error: unknown): error is UserError {
  return error instanceof Error && error.name === 'UserError' && typeof (error as UserError).code === 'string';
}
