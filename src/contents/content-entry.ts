// ContentEntry: one path in the package, and the rules every entry list obeys.
import { UserError } from '../errors.js';

interface EntryBase {
  /** Path in the package without a leading "/" or "./", e.g. "opt/myapp/server.js". */
  path: string;
}

export interface DirEntry extends EntryBase {
  kind: 'dir';
  mode: number;
  /** Owner and group when not root (the service's state directory in an rpm). */
  owner?: string;
}

export interface FileEntry extends EntryBase {
  kind: 'file';
  mode: number;
  size: number;
  /** Absolute path of the file to stream, or the generated body. */
  source: { file: string } | { body: Buffer };
  /** A configuration file the admin may edit (deb conffile, rpm %config(noreplace)). */
  conffile?: boolean;
  /** Replace the first `skip` bytes of the source with `insert` (a rewritten #! line); `size` is after it. */
  rewriteHead?: { skip: number; insert: Buffer };
}

export interface SymlinkEntry extends EntryBase {
  kind: 'symlink';
  target: string;
}

export type ContentEntry = DirEntry | FileEntry | SymlinkEntry;

/**
 * Sorts entries, adds every missing parent directory (dpkg needs each directory before its
 * contents, formats.md §1.2) and refuses two entries for one path.
 */
export function finalizeEntries(entries: readonly ContentEntry[]): ContentEntry[] {
  const byPath = new Map<string, ContentEntry>();
  for (const entry of entries) {
    const existing = byPath.get(entry.path);
    if (existing && !(existing.kind === 'dir' && entry.kind === 'dir')) {
      throw new UserError(`/${entry.path} would be in the package twice: the app ships a file where pkgapp generates one`, {
        code: 'PKGAPP_PATH_CONFLICT',
        hint: 'Rename or exclude the app\'s file (pkgapp writes /opt/NAME/.pkgapp/, the unit, the environment file and /usr/share/doc/NAME/)',
      });
    }
    byPath.set(entry.path, entry);
  }
  for (const entry of entries) {
    const parts = entry.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const existing = byPath.get(parent);
      if (existing === undefined) byPath.set(parent, { kind: 'dir', path: parent, mode: 0o755 });
      else if (existing.kind !== 'dir') {
        throw new UserError(`/${parent} is both a ${existing.kind} and a directory in the package`, { code: 'PKGAPP_PATH_CONFLICT' });
      }
    }
  }
  // Sorting "a/b" after "a" and before "a-b" needs '/' to sort first: compare path segments.
  return [...byPath.values()].sort((a, b) => comparePaths(a.path, b.path));
}

/**
 * Path order with "/" before every other character, so a directory's entries follow it directly
 * ("a", "a/b", "a-b"). Compares UTF-16 code units without allocating: 40k+ entries are sorted.
 */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return (x === 0x2f ? -1 : x) - (y === 0x2f ? -1 : y);
  }
  return a.length - b.length;
}
