// The package's file list as rpm sees it: owned paths only, byte-sorted, with st_mode and flags.
import type { ContentEntry } from '../contents/content-entry.js';
import type { Manifest } from '../manifest/manifest.js';
import { FILEFLAG } from './tags.js';

export interface RpmFile {
  /** Absolute path, e.g. "/opt/myapp/server.js". */
  path: string;
  entry: ContentEntry;
  /** Full st_mode: type bits and permissions. */
  mode: number;
  size: number;
  flags: number;
  user: string;
  group: string;
  linkTo: string;
}

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

/**
 * Selects what the rpm lists: every file and symlink, but only the directories the package
 * owns (its app, doc and state directories), never system ones such as /usr or /etc that the
 * filesystem package owns. Sorted by full path, as rpm's binary search expects (§2.7).
 */
export function rpmFiles(entries: readonly ContentEntry[], manifest: Manifest): RpmFile[] {
  const owned = [manifest.paths.appDir, manifest.paths.docDir, manifest.paths.stateDir];
  const isOwned = (p: string) => owned.some((dir) => p === dir || p.startsWith(`${dir}/`));
  const files: RpmFile[] = [];
  for (const entry of entries) {
    const path = `/${entry.path}`;
    if (entry.kind === 'dir') {
      if (!isOwned(path)) continue;
      const user = entry.owner ?? 'root';
      files.push({ path, entry, mode: S_IFDIR | entry.mode, size: 0, flags: 0, user, group: user, linkTo: '' });
    } else if (entry.kind === 'symlink') {
      files.push({ path, entry, mode: S_IFLNK | 0o777, size: Buffer.byteLength(entry.target), flags: 0, user: 'root', group: 'root', linkTo: entry.target });
    } else {
      const flags = entry.conffile ? FILEFLAG.CONFIG | FILEFLAG.NOREPLACE : path.startsWith(`${manifest.paths.docDir}/`) ? FILEFLAG.DOC : 0;
      files.push({ path, entry, mode: S_IFREG | entry.mode, size: entry.size, flags, user: 'root', group: 'root', linkTo: '' });
    }
  }
  return files.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}
