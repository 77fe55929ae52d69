// What every yum channel shares, whatever keeps it: the rules for its name, the view of a package
// that keep and promote work on (channel-versions.ts), and repodata's whole-second times.
import { UserError } from '../../errors.js';
import type { RpmNevra } from '../../rpm/read-rpm.js';

/** A package of a channel, as keep and promote's version match see it. */
export interface Member {
  nevra: RpmNevra;
  /** Where its bytes are read from, when they are (empty for state entries). */
  read: string;
  /** Its file name under the channel's Packages/. */
  file: string;
  sha256: string;
  /** The file time primary.xml shows, in seconds. */
  mtime: number;
}

const CHANNEL = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Names under yum/ that are not channels ("pool": where directories published before the state objects kept the rpms). */
const RESERVED = new Set(['pool', 'repodata', 'Packages']);

/** Refuses a channel name that is not a plain directory name, or one of the reserved names. */
export function checkChannel(name: string): void {
  if (!CHANNEL.test(name) || RESERVED.has(name)) {
    throw new UserError(
      `yum channel "${name}" must be letters, digits, ".", "_" or "-", and not ${[...RESERVED].join(', ')}`,
      {
        code: 'PKGAPP_YUM_CHANNEL_INVALID',
        hint: 'Give --suite (promote: --from, --to) another name, such as stable, staging or production',
      },
    );
  }
}

/** Whole seconds of a millisecond time (repodata's file times and timestamps). */
export function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}
