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
 *
 * One sort and one linear pass, without a map of every path: in this order a path's ancestors
 * come before it (ancestors are prefixes, and "/" sorts first), and equal paths are adjacent.
 * Collected entries arrive nearly sorted, which the (stable) sort handles in about n comparisons.
 */
export function finalizeEntries(entries: readonly ContentEntry[]): ContentEntry[] {
  const sorted = entries.slice().sort((a, b) => comparePaths(a.path, b.path));
  // Equal paths: two directories merge (the later one wins), anything else is a conflict.
  const unique: ContentEntry[] = [];
  for (const entry of sorted) {
    const last = unique[unique.length - 1];
    if (last !== undefined && last.path === entry.path) {
      if (!(last.kind === 'dir' && entry.kind === 'dir')) {
        throw new UserError(`/${entry.path} would be in the package twice: the app ships a file where pkgapp generates one`, {
          code: 'PKGAPP_PATH_CONFLICT',
          hint: 'Rename or exclude the app\'s file (pkgapp writes /opt/NAME/.pkgapp/, the unit, the environment file and /usr/share/doc/NAME/)',
        });
      }
      unique[unique.length - 1] = entry;
    } else {
      unique.push(entry);
    }
  }
  // Missing parents go right before their first descendant; `open` holds the entries whose
  // subtree the walk is in, deepest last.
  const out: ContentEntry[] = [];
  const open: ContentEntry[] = [];
  for (const entry of unique) {
    const p = entry.path;
    while (open.length && !isBelow(p, open[open.length - 1]!.path)) open.pop();
    const ancestor = open[open.length - 1];
    if (ancestor !== undefined && ancestor.kind !== 'dir') {
      throw new UserError(`/${ancestor.path} is both a ${ancestor.kind} and a directory in the package`, { code: 'PKGAPP_PATH_CONFLICT' });
    }
    for (let i = p.indexOf('/', ancestor === undefined ? 1 : ancestor.path.length + 1); i !== -1; i = p.indexOf('/', i + 1)) {
      const parent: ContentEntry = { kind: 'dir', path: p.slice(0, i), mode: 0o755 };
      out.push(parent);
      open.push(parent);
    }
    out.push(entry);
    open.push(entry);
  }
  return out;
}

/** True when `p` lies inside the directory `dir` ("a/b" is below "a", "a-b" is not). */
function isBelow(p: string, dir: string): boolean {
  return p.length > dir.length && p.charCodeAt(dir.length) === 0x2f && p.startsWith(dir);
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
