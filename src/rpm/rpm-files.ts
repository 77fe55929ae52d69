// The package's file list as rpm sees it: owned paths only, in rpm's byte order, with st_mode
// and flags derived from each entry when asked (no object or string kept per file).
import type { ContentEntry } from '../contents/content-entry.js';
import type { Manifest } from '../manifest/manifest.js';
import { rpmLayout } from './rpm-layout.js';
import { FILEFLAG } from './tags.js';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

export class RpmFileList {
  /** The listed entries, in rpm's path order (byte order, as its binary search expects, docs/internals/rpm-package.md#file-list). */
  readonly entries: Iterable<ContentEntry>;
  /** How many entries are listed; how many are directories and regular files. */
  readonly count: number;
  readonly dirs: number;
  readonly files: number;
  /** Bytes of regular files; of the whole payload (files and symlink targets). */
  readonly fileBytes: number;
  readonly totalSize: number;
  /** True when a file is %config. */
  readonly hasConfig: boolean;
  private readonly docPrefix: string;

  constructor(entries: Iterable<ContentEntry>, manifest: Manifest) {
    this.entries = entries;
    this.docPrefix = `${rpmLayout(manifest.name).docDir.slice(1)}/`;
    let count = 0;
    let dirs = 0;
    let files = 0;
    let fileBytes = 0;
    let totalSize = 0;
    let hasConfig = false;
    for (const e of entries) {
      count++;
      if (e.kind === 'dir') dirs++;
      else if (e.kind === 'file') {
        files++;
        fileBytes += e.size;
        if (e.conffile) hasConfig = true;
      }
      totalSize += this.size(e);
    }
    this.count = count;
    this.dirs = dirs;
    this.files = files;
    this.fileBytes = fileBytes;
    this.totalSize = totalSize;
    this.hasConfig = hasConfig;
  }

  /** Full st_mode: type bits and permissions. */
  mode(entry: ContentEntry): number {
    return entry.kind === 'dir'
      ? S_IFDIR | entry.mode
      : entry.kind === 'symlink'
        ? S_IFLNK | 0o777
        : S_IFREG | entry.mode;
  }

  /** Bytes in the payload: a symlink's target, a file's contents, nothing for a directory. */
  size(entry: ContentEntry): number {
    return entry.kind === 'file' ? entry.size : entry.kind === 'symlink' ? Buffer.byteLength(entry.target) : 0;
  }

  /** %config(noreplace) for conffiles, %doc under the doc directory. */
  flags(entry: ContentEntry): number {
    if (entry.kind !== 'file') return 0;
    return entry.conffile
      ? FILEFLAG.CONFIG | FILEFLAG.NOREPLACE
      : entry.path.startsWith(this.docPrefix)
        ? FILEFLAG.DOC
        : 0;
  }

  /** Owner and group: root, or a directory's owner (the service's state directory). */
  user(entry: ContentEntry): string {
    return entry.kind === 'dir' ? (entry.owner ?? 'root') : 'root';
  }

  linkTo(entry: ContentEntry): string {
    return entry.kind === 'symlink' ? entry.target : '';
  }
}

/**
 * Selects what the rpm lists from entries in rpm's order: every file and symlink, but only the
 * directories the package owns (its app, doc and state directories), never system ones such as
 * /usr or /etc that the filesystem package owns.
 */
export function rpmFiles(entries: Iterable<ContentEntry>, manifest: Manifest): RpmFileList {
  const owned = [manifest.paths.appDir, rpmLayout(manifest.name).docDir, manifest.paths.stateDir].map((dir) =>
    dir.slice(1),
  );
  const isOwned = (p: string) =>
    owned.some((dir) => p === dir || (p.startsWith(dir) && p.charCodeAt(dir.length) === 0x2f));
  const listed: Iterable<ContentEntry> = {
    *[Symbol.iterator]() {
      for (const e of entries) if (e.kind !== 'dir' || isOwned(e.path)) yield e;
    },
  };
  return new RpmFileList(listed, manifest);
}
