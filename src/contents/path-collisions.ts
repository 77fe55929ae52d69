// What happens when two entries name one path: the one set of rules for the collected app, the
// files a format generates, and the two put together (contents/entry-store.ts applies them).
import { UserError } from '../errors.js';

/**
 * Kinds of entry as the store keeps them. IMPLICIT is a directory no entry names, made because
 * something lies below it (root-owned, 0755): dpkg needs every directory before its contents
 * (docs/internals/deb-archive.md).
 */
export const IMPLICIT = 0;
export const DIR = 1;
export const FILE = 2;
export const SYMLINK = 3;
export type EntryKind = typeof IMPLICIT | typeof DIR | typeof FILE | typeof SYMLINK;

const KIND_NAME = ['directory', 'directory', 'file', 'symlink'] as const;

/**
 * `incoming` arrives at `path`, which holds `existing`: 'keep' the existing entry, 'replace' it,
 * or throw PKGAPP_PATH_CONFLICT.
 * - Two directories are one: a named directory replaces what was there (the later mode and owner
 *   win), an implicit one keeps it.
 * - A file or symlink where something lies below (an implicit directory) is a conflict.
 * - Any other pair (file twice, a symlink and a file, a named directory and a file) is the path
 *   twice: in practice the app ships a file where pkgapp generates one.
 */
export function resolveCollision(path: string, existing: EntryKind, incoming: EntryKind): 'keep' | 'replace' {
  if (existing <= DIR && incoming <= DIR) return incoming === DIR ? 'replace' : 'keep';
  if (existing === IMPLICIT || incoming === IMPLICIT) {
    const other = existing === IMPLICIT ? incoming : existing;
    throw new UserError(`/${path} is both a ${KIND_NAME[other]} and a directory in the package`, {
      code: 'PKGAPP_PATH_CONFLICT',
    });
  }
  throw new UserError(`/${path} would be in the package twice: the app ships a file where pkgapp generates one`, {
    code: 'PKGAPP_PATH_CONFLICT',
    hint: "Rename or exclude the app's file (pkgapp writes /opt/NAME/.pkgapp/, the unit, the environment file and /usr/share/doc/NAME/)",
  });
}
