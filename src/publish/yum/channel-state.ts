// What a yum channel holds now: DIR/yum/<suite>/Packages/ is its only state, rescanned with
// readRpm (headers only) on every run, so metadata cannot drift from the files. File checksums
// are cached in DIR/yum/.pkgapp-checksums.json, keyed by path, size, inode, mtime and ctime;
// deleting it only costs rehashing.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../../errors.js';
import { readRpm, rpmNevra, type RpmNevra } from '../../rpm/read-rpm.js';
import { writeFileAtomic } from '../../util/atomic-output.js';

/** A package of a channel (as it is, or as its next generation will be). */
export interface Member {
  nevra: RpmNevra;
  /** Where to read its header now (the channel's file, or the incoming file not linked yet). */
  read: string;
  /** Its path in the channel: DIR/yum/<suite>/Packages/<file>. */
  file: string;
  sha256: string;
  /** The file time primary.xml shows, in seconds. */
  mtime: number;
}

const CHANNEL = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Names under DIR/yum that are not channels. */
const RESERVED = new Set(['pool', 'repodata', 'Packages']);
const CACHE_FILE = '.pkgapp-checksums.json';

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

/** The rpms in DIR/yum/<suite>/Packages/ (none when the channel does not exist yet). */
export async function listChannel(root: string, suite: string, cache: ChecksumCache): Promise<Member[]> {
  const dir = path.join(root, suite, 'Packages');
  const names = (await readdir(dir).catch(() => [] as string[]))
    .filter((n) => n.endsWith('.rpm') && !n.startsWith('.'))
    .sort();
  const listed: Member[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const st = await lstat(file);
    if (!st.isFile()) continue;
    listed.push({
      file,
      read: file,
      nevra: rpmNevra(await readRpm(file)),
      sha256: await cache.digest(file),
      mtime: seconds(st.mtimeMs),
    });
  }
  return listed;
}

/** Every channel directory under DIR/yum. */
export async function channels(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory() && CHANNEL.test(e.name) && !RESERVED.has(e.name))
    .map((e) => e.name)
    .sort();
}

/** Whole seconds of a millisecond time (repodata's file times and timestamps). */
export function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** True when `file` exists (follows links). */
export async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** sha256 of files under DIR/yum, remembered by path with size, inode, mtime and ctime. */
export class ChecksumCache {
  private readonly entries: Record<
    string,
    { size: number; ino: number; mtimeMs: number; ctimeMs: number; sha256: string }
  >;
  private readonly root: string;
  private dirty = false;

  private constructor(root: string, entries: ChecksumCache['entries']) {
    this.root = root;
    this.entries = entries;
  }

  /** The cache of DIR/yum (`root`); empty when the file is missing or unreadable. */
  static async load(root: string): Promise<ChecksumCache> {
    try {
      const data = JSON.parse(await readFile(path.join(root, CACHE_FILE), 'utf8')) as {
        version?: number;
        files?: ChecksumCache['entries'];
      };
      return new ChecksumCache(
        root,
        data.version === 1 && data.files && typeof data.files === 'object' ? data.files : {},
      );
    } catch {
      return new ChecksumCache(root, {});
    }
  }

  /** The file's sha256, from the cache when the file is unchanged; rejects when it does not exist. */
  async digest(file: string): Promise<string> {
    const st = await stat(file);
    const key = path.relative(this.root, file);
    const hit = this.entries[key];
    if (hit && hit.size === st.size && hit.ino === st.ino && hit.mtimeMs === st.mtimeMs && hit.ctimeMs === st.ctimeMs)
      return hit.sha256;
    const hash = createHash('sha256');
    await pipeline(createReadStream(file), hash);
    const sha256 = hash.digest('hex');
    this.entries[key] = { size: st.size, ino: st.ino, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, sha256 };
    this.dirty = true;
    return sha256;
  }

  /** Records a digest known from another copy of the same bytes (after a link or copy); ignores files outside DIR/yum. */
  async remember(file: string, sha256: string): Promise<void> {
    const key = path.relative(this.root, file);
    if (key.startsWith('..') || path.isAbsolute(key)) return;
    const st = await stat(file);
    this.entries[key] = { size: st.size, ino: st.ino, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, sha256 };
    this.dirty = true;
  }

  /** Writes the cache, dropping entries for files that are gone. */
  async save(): Promise<void> {
    for (const key of Object.keys(this.entries)) {
      if (!(await exists(path.join(this.root, key)))) {
        delete this.entries[key];
        this.dirty = true;
      }
    }
    if (this.dirty)
      await writeFileAtomic(
        path.join(this.root, CACHE_FILE),
        `${JSON.stringify({ version: 1, files: this.entries })}\n`,
      );
  }
}
