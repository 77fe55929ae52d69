// Reads SOURCE_DATE_EPOCH in one place, so every timestamp in a package comes from here.
import { UserError } from '../errors.js';

/**
 * The build time in whole seconds: SOURCE_DATE_EPOCH when set (reproducible builds,
 * https://reproducible-builds.org/specs/source-date-epoch/), else `now`.
 */
export function sourceDateEpoch(env: NodeJS.ProcessEnv, now: Date = new Date()): number {
  const raw = env['SOURCE_DATE_EPOCH'];
  if (raw === undefined || raw === '') return Math.floor(now.getTime() / 1000);
  if (!/^\d{1,11}$/.test(raw)) {
    throw new UserError(`SOURCE_DATE_EPOCH must be a whole number of seconds since 1970, got "${raw}"`, {
      code: 'PKGAPP_SOURCE_DATE_EPOCH_INVALID',
      hint: 'Set it with SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)',
    });
  }
  return Number(raw);
}
