// ContentEntry: one path in the package. The types only: contents/entry-store.ts holds the
// entries of a package, contents/path-collisions.ts the rules for two entries at one path.

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
