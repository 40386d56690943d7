import { DeepLensError } from '@deeplens/core';

/** A mistake in how the command was called (unknown flag, missing argument). */
export class UsageError extends DeepLensError {
  constructor(message: string, hint?: string) {
    super('DEEPLENS_USAGE', message, hint ? { hint } : {});
  }
}

/**
 * Exit codes of the deeplens command:
 *   0   success
 *   1   user error: bad flag or config, missing or unreadable file, bad data (message + hint, no stack)
 *   2   internal error: a bug in DeepLens TS (stack trace + please report)
 *   130 training interrupted by SIGINT/SIGTERM after saving its state (resume with --resume)
 */
export const EXIT = { ok: 0, user: 1, internal: 2, interrupted: 130 } as const;

/**
 * Errors a user can fix: typed DeepLens errors of kind 'user' (config, flags, files, data, backends,
 * memory). A DeepLens error of kind 'internal' (a broken invariant: shapes, dtypes, indices, a failed
 * worker) and anything untyped is a bug.
 */
export function isUserError(error: unknown): error is DeepLensError {
  return error instanceof DeepLensError && error.kind === 'user';
}
