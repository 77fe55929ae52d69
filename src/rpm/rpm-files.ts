// The package's file list as rpm sees it: owned paths only, in rpm's byte order, with st_mode
// and flags derived from each entry when asked (no object or string kept per file).
import type { ContentEntry } from '../contents/content-entry.js';
import type { Manifest } from '../manifest/manifest.js';
import { FILEFLAG } from './tags.js';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

export class RpmFileList {
  /** The listed entries, sorted by full path as rpm's binary search expects (§2.7). */
  readonly entries: readonly ContentEntry[];
  private readonly docPrefix: string;

  constructor(entries: readonly ContentEntry[], manifest: Manifest) {
    this.entries = entries;
    this.docPrefix = `${manifest.paths.docDir.slice(1)}/`;
  }

  /** Full st_mode: type bits and permissions. */
  mode(entry: ContentEntry): number {
    return entry.kind === 'dir' ? S_IFDIR | entry.mode : entry.kind === 'symlink' ? S_IFLNK | 0o777 : S_IFREG | entry.mode;
  }

  /** Bytes in the payload: a symlink's target, a file's contents, nothing for a directory. */
  size(entry: ContentEntry): number {
    return entry.kind === 'file' ? entry.size : entry.kind === 'symlink' ? Buffer.byteLength(entry.target) : 0;
  }

  /** %config(noreplace) for conffiles, %doc under the doc directory. */
  flags(entry: ContentEntry): number {
    if (entry.kind !== 'file') return 0;
    return entry.conffile ? FILEFLAG.CONFIG | FILEFLAG.NOREPLACE : entry.path.startsWith(this.docPrefix) ? FILEFLAG.DOC : 0;
  }

  /** Owner and group: root, or a directory's owner (the service's state directory). */
  user(entry: ContentEntry): string {
    return entry.kind === 'dir' ? entry.owner ?? 'root' : 'root';
  }

  linkTo(entry: ContentEntry): string {
    return entry.kind === 'symlink' ? entry.target : '';
  }
}

/**
 * Selects what the rpm lists: every file and symlink, but only the directories the package
 * owns (its app, doc and state directories), never system ones such as /usr or /etc that the
 * filesystem package owns.
 */
export function rpmFiles(entries: readonly ContentEntry[], manifest: Manifest): RpmFileList {
  const owned = [manifest.paths.appDir, manifest.paths.docDir, manifest.paths.stateDir].map((dir) => dir.slice(1));
  const isOwned = (p: string) => owned.some((dir) => p === dir || (p.startsWith(dir) && p.charCodeAt(dir.length) === 0x2f));
  const listed = entries.filter((e) => e.kind !== 'dir' || isOwned(e.path));
  return new RpmFileList(listed.sort((a, b) => compareCodePoints(a.path, b.path)), manifest);
}

/**
 * Code point order, which is the byte order of the UTF-8 paths rpm compares, without encoding
 * them: UTF-16 code units compare the same way except that surrogates (code points past U+FFFF)
 * must sort after U+E000-U+FFFF.
 */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  return unit < 0xd800 ? unit : unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}
