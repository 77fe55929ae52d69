// The build cache's store: entries (a file, or a directory tree) under a kind and a key, in a plain
// directory that CI caches (actions/cache) can save and restore. docs/internals/build-cache.md
// describes the layout and the guarantees; in short:
//
// - Writes never show half an entry: an entry is built in DIR/v1/tmp/ and renamed into
//   DIR/v1/entries/ in one rename(2). Two builds putting the same key race on that rename; the
//   loser's copy is dropped (same key, same content).
// - Reads never trust an entry: meta.json carries a digest of itself, the blob's (or the tree
//   manifest's) SHA-256, and a tree manifest the SHA-256, size and mode of every file. A mismatch
//   (a truncated or changed file, a missing one) discards the entry and the caller rebuilds it.
// - Eviction renames an entry into DIR/v1/trash/ (atomic) and removes it there. A reader holding
//   an open blob keeps its file (an open descriptor survives unlink); a restored tree is made of
//   hard links (or copies), which survive the entry's removal. A reader that loses the race sees a
//   missing file: a miss, never a wrong hit.
// - A killed build leaves at most a directory in DIR/v1/tmp/ named after its process; prune()
//   removes those whose process is gone (or that are a day old, from another machine).
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants as fsConstants,
  copyFileSync,
  fstatSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeSync,
  type Stats,
} from 'node:fs';
import {
  copyFile,
  link,
  lstat,
  mkdir,
  mkdtemp,
  open,
  readFile,
  readdir,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { temporaryDir, type TemporaryDir } from '../util/atomic-output.js';
import { DEFAULT_CACHE_MAX_BYTES } from './cache-dir.js';

/** The layout version: a new layout lives beside the old one (DIR/v2) and never misreads it. */
const LAYOUT = 'v1';
/** Scratch directories of another machine (a cache shared over CI) older than this are leftovers. */
const FOREIGN_LEFTOVER_MS = 24 * 3600 * 1000;

/** A verified blob: read it through `fd` (positioned reads; the file may be unlinked meanwhile). */
export interface CachedBlob {
  path: string;
  fd: number;
  size: number;
  sha256: string;
  /** The JSON value given to putBlob. */
  info: unknown;
  close(): Promise<void>;
}

/** One entry of a tree manifest, paths relative and "/"-separated, sorted by code unit. */
export type TreeFile =
  | { path: string; type: 'dir'; mode: number }
  | {
      path: string;
      type: 'file';
      mode: number;
      size: number;
      sha256: string;
      /** The stored file's inode and mtime when it was stored: a hard link to it, still the same, is trusted unread. */
      ino?: number;
      mtimeMs?: number;
    }
  | { path: string; type: 'symlink'; target: string };

export interface RestoredTree {
  /** Every directory, file and symlink restored, each file's content verified against its SHA-256. */
  files: TreeFile[];
  info: unknown;
  /** How the files were restored: hard links into the cache, or copies (another file system). */
  linked: boolean;
  /** True when a tree kept by parkTree was taken and checked, rather than every file linked anew. */
  reused: boolean;
}

export interface PruneReport {
  /** False when another process was pruning: nothing was done. */
  ran: boolean;
  /** True when every entry was listed; false when the usage record showed the cache within its bound. */
  scanned: boolean;
  entries: number;
  bytes: number;
  evicted: number;
  freedBytes: number;
  leftovers: number;
}

interface Meta {
  layout: 1;
  type: 'blob' | 'tree';
  /** Blob: its size; tree: the sum of its files' sizes. */
  size: number;
  /** Blob: its SHA-256; tree: the SHA-256 of files.json. */
  sha256: string;
  /**
   * Blob: its data file's inode, mtime and ctime when stored; a file still so is trusted unread.
   * ctime too (unlike a tree's files, linked into staging copies): no utimes or copy can set it,
   * so a copied cache whose inode numbers happen to repeat is still read.
   */
  ino?: number;
  mtimeMs?: number;
  ctimeMs?: number;
  info: unknown;
  /** SHA-256 of this object's JSON without `check`: a damaged meta.json is caught too. */
  check?: string;
}

const KIND = /^[a-z][a-z0-9-]{0,31}$/;
const KEY = /^[0-9a-f]{32,128}$/;

/** Opens (creating) the cache directory; fails when it cannot be created or written. */
export async function openCacheStore(dir: string, maxBytes = DEFAULT_CACHE_MAX_BYTES): Promise<CacheStore> {
  const root = path.join(dir, LAYOUT);
  for (const sub of ['entries', 'tmp', 'trash']) await mkdir(path.join(root, sub), { recursive: true });
  // Backup and archiving tools skip a directory holding this tag (https://bford.info/cachedir/).
  const tag = path.join(dir, 'CACHEDIR.TAG');
  await writeFile(
    tag,
    'Signature: 8a477f597d28d172789f06886806bc55\n# This directory is the pkgapp build cache: it can be removed at any time.\n',
    { flag: 'wx' },
  ).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return new CacheStore(dir, maxBytes);
}

export class CacheStore {
  private readonly root: string;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {
    this.root = path.join(dir, LAYOUT);
  }

  /**
   * A scratch directory on the cache's file system (so trees can be hard-linked to and from it),
   * registered with the current operation like temporaryDir(); a killed build's is swept by prune().
   */
  scratchDir(label: string): Promise<TemporaryDir> {
    return temporaryDir(`${ownerTag()}~${label}-`, path.join(this.root, 'tmp'));
  }

  /**
   * The blob stored under kind/key, verified, or undefined. The caller closes it. Verified as a
   * tree's files are: the data file still the inode with the mtime, ctime and size recorded when
   * it was stored is not read; any other (a copied cache, a file written since) is read whole and its
   * SHA-256 checked.
   * `onRejected` is called when an entry was there but damaged (and so discarded): a statistic.
   */
  async getBlob(kind: string, key: string, onRejected?: () => void): Promise<CachedBlob | undefined> {
    const entry = this.entryDir(kind, key);
    const meta = readMeta(entry, 'blob');
    if (meta === DAMAGED) {
      // Discarded, or the entry would block its own rebuild (a put finds the directory taken).
      await this.discard(entry);
      onRejected?.();
      return undefined;
    }
    if (!meta) return undefined;
    const file = path.join(entry, 'data');
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return undefined; // evicted meanwhile
    }
    try {
      const st = fstatSync(fd);
      if (!isStoredBlob(st, meta) && (st.size !== meta.size || hashFdSync(fd, st.size) !== meta.sha256)) {
        closeSync(fd);
        await this.discard(entry);
        onRejected?.();
        return undefined;
      }
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    touch(entry);
    return { path: file, fd, size: meta.size, sha256: meta.sha256, info: meta.info, close: async () => closeSync(fd) };
  }

  /**
   * Stores a blob: `source` is a file (hard-linked in, or copied: it must not change afterwards)
   * or a function writing the blob to the path it is given. False when the key was there already,
   * unless `replace`: then the old entry is taken out (a reader meanwhile sees a miss, never a mix)
   * and the new one put in its place; false when a concurrent writer put its own first. A blob
   * that changes under one key is a pointer (the newest install of a family, install-cache.ts), not
   * content: its readers must not assume that one key always holds the same bytes.
   */
  async putBlob(
    kind: string,
    key: string,
    source: string | ((file: string) => Promise<void>),
    info: unknown = null,
    options: { replace?: boolean } = {},
  ): Promise<boolean> {
    const entry = this.entryDir(kind, key);
    const existing = readMeta(entry, 'blob');
    if (existing === DAMAGED) await this.discard(entry);
    else if (existing && !options.replace) {
      touch(entry);
      return false;
    }
    const tmp = await this.newTemp('put');
    try {
      const data = path.join(tmp, 'data');
      const written = typeof source !== 'string';
      if (written) {
        await source(data);
        // Its mtime set back in time (see putTree): any later write moves it, and getBlob reads it then.
        const settled = new Date(Date.now() - 2 * RACY_MS);
        utimesSync(data, settled, settled);
      } else await linkOrCopy(source, data); // the caller's file, its mtime left alone: always read
      const fd = openSync(data, 'r');
      let stat: Stats;
      let sha256: string;
      try {
        stat = fstatSync(fd);
        sha256 = hashFdSync(fd, stat.size);
      } finally {
        closeSync(fd);
      }
      const { size, ino, mtimeMs, ctimeMs } = stat;
      await writeMeta(tmp, {
        layout: 1,
        type: 'blob',
        size,
        sha256,
        ...(written ? { ino, mtimeMs, ctimeMs } : {}),
        info,
      });
      if (existing && existing !== DAMAGED) await this.discard(entry);
      return this.counted(await this.publish(tmp, entry), size);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /**
   * Restores the tree stored under kind/key into `dest` (which must not exist): hard links to
   * the cache's files where the file system allows, copies (reflinks where supported) otherwise.
   * Every file's type, size and mode are checked. A hard link whose inode and mtime are the ones
   * the manifest recorded when the entry was stored is the stored file, untouched since (a write
   * or truncation moves the mtime): it is not read again. Any other file (a copy, a cache moved to
   * another disk or restored from CI storage) is read and its SHA-256 checked. On a mismatch the
   * entry is discarded, `dest` removed and undefined returned, as on a miss.
   */
  async getTree(kind: string, key: string, dest: string): Promise<RestoredTree | undefined> {
    const entry = this.entryDir(kind, key);
    const meta = readMeta(entry, 'tree');
    if (meta === DAMAGED) await this.discard(entry);
    if (!meta || meta === DAMAGED) return undefined;
    let files: TreeFile[];
    try {
      const text = readFileSync(path.join(entry, 'files.json'));
      if (sha256Of(text) !== meta.sha256) throw new Error('files.json does not match its digest');
      files = JSON.parse(text.toString('utf8')) as TreeFile[];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') await this.discard(entry);
      return undefined;
    }
    const source = path.join(entry, 'tree');
    if (claim(path.join(entry, PARKED), dest)) {
      try {
        const { linked, remode } = await syncTree(files, source, dest);
        setDirectoryModes(remode, dest);
        touch(entry);
        return { files, info: meta.info, linked, reused: true };
      } catch (error) {
        await rm(dest, { recursive: true, force: true });
        if (error instanceof Corrupt) {
          await this.discard(entry);
          return undefined;
        }
        // anything else (a read-only directory in the way): restored afresh below
      }
    }
    let linked = true;
    try {
      mkdirSync(dest);
      // Synchronous calls in batches: a restore is tens of thousands of small files, mostly in
      // the page cache, where each asynchronous call's overhead cost more than the call itself.
      await eachInBatches(files, (file) => {
        const to = `${dest}/${file.path}`;
        if (file.type === 'dir') return mkdirSync(to);
        if (file.type === 'symlink') return symlinkSync(file.target, to);
        if (!restoreFile(file, `${source}/${file.path}`, to)) linked = false;
      });
      setDirectoryModes(files, dest);
    } catch (error) {
      await rm(dest, { recursive: true, force: true });
      if (error instanceof Corrupt) await this.discard(entry);
      else if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      return undefined; // corrupt, or evicted while we read it
    }
    touch(entry);
    return { files, info: meta.info, linked, reused: false };
  }

  /**
   * Keeps a tree that getTree restored, or that putTree stored from, beside its entry for the
   * next getTree to take whole (one rename) instead of linking every file again; the staging copy
   * it was is then not removed file by file either. getTree checks a kept tree against the
   * manifest (every file's inode and mtime, every directory's names) and repairs what differs.
   * False when it was not kept (another build kept one first, or the entry is gone): the caller
   * removes it.
   */
  parkTree(kind: string, key: string, dir: string): boolean {
    try {
      renameSync(dir, path.join(this.entryDir(kind, key), PARKED));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Stores the tree under `source` (directories, regular files, symlinks; anything else makes it
   * uncacheable: false), hard-linking its files when on the same file system. The caller must not
   * change those files afterwards (they may be the entry's own inodes). False when the key was
   * there already. Each file's SHA-256 is recorded with the inode and mtime it was stored with
   * (getTree trusts a hard link to that same unchanged inode without reading it). `hashed` gets
   * the manifest once every file is hashed (the files under `source`, whether or not the entry
   * lands: another build may store the same key first).
   *
   * `known`: the manifest getTree returned for a tree `source` was restored from (then changed).
   * A file there that is still the hard link getTree trusted (same path, inode, size and mtime)
   * is not read again: its SHA-256 is the manifest's.
   */
  async putTree(
    kind: string,
    key: string,
    source: string,
    info: unknown = null,
    hashed?: (files: readonly TreeFile[]) => void,
    known?: readonly TreeFile[],
  ): Promise<boolean> {
    const entry = this.entryDir(kind, key);
    const existing = readMeta(entry, 'tree');
    if (existing === DAMAGED) await this.discard(entry);
    else if (existing) {
      touch(entry);
      return false;
    }
    const files = listTreeSync(source);
    if (!files) return false;
    const tmp = await this.newTemp('put');
    try {
      const tree = path.join(tmp, 'tree');
      mkdirSync(tree);
      let changed = false;
      const started = Date.now();
      const settled = new Date(started - 2 * RACY_MS);
      const trusted = new Map<string, TreeFile & { type: 'file' }>();
      for (const f of known ?? []) if (f.type === 'file' && f.ino !== undefined) trusted.set(f.path, f);
      await eachInBatches(files, (file) => {
        const to = `${tree}/${file.path}`;
        // Directories in the entry stay writable (so eviction can remove them); their modes are in the manifest.
        if (file.type === 'dir') return mkdirSync(to);
        if (file.type === 'symlink') return symlinkSync(file.target, to);
        const linked = linkOrCopySync(`${source}/${file.path}`, to);
        const was = trusted.get(file.path);
        if (linked && was) {
          const st = lstatSync(to);
          if (isStoredFile(st, was)) {
            file.mode = st.mode & 0o7777;
            file.size = st.size;
            file.sha256 = was.sha256;
            file.ino = st.ino;
            file.mtimeMs = st.mtimeMs;
            return;
          }
        }
        let { sha256, stat: st } = hashFileWithStatSync(to, file.path);
        // A file written in the last moments may be written again within the file system's
        // timestamp granularity (a jiffy, or seconds on some) without its mtime moving: its mtime
        // is set back in time, then it is read again, so any later write shows (file mtimes are
        // not packaged: every archive member has the build's time).
        if (st.mtimeMs > started - RACY_MS) {
          utimesSync(to, settled, settled);
          ({ sha256, stat: st } = hashFileWithStatSync(to, file.path));
        }
        if (!st.isFile()) changed = true;
        file.mode = st.mode & 0o7777;
        file.size = st.size;
        file.sha256 = sha256;
        file.ino = st.ino;
        file.mtimeMs = st.mtimeMs;
      });
      if (changed) return false; // changed while it was stored: not an entry to trust
      hashed?.(files);
      const manifestSha256 = writeManifest(path.join(tmp, 'files.json'), files);
      const size = files.reduce((sum, f) => sum + (f.type === 'file' ? f.size : 0), 0);
      await writeMeta(tmp, { layout: 1, type: 'tree', size, sha256: manifestSha256, info });
      return this.counted(await this.publish(tmp, entry), size);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /**
   * Removes leftovers of killed builds and evicts the least recently used entries (by the time
   * of their last put or hit) until the total is within maxBytes. One process prunes at a time:
   * another one's prune running means this one does nothing.
   *
   * Listing the entries reads every meta.json (3 s of CPU for 10k entries), too much for every
   * build: a full scan records the total in DIR/v1/usage.json, and a later prune only adds what
   * its own process stored, scanning again when that reaches maxBytes or the record is an hour
   * old (entries discarded meanwhile only make the record too high, never too low).
   */
  async prune(): Promise<PruneReport> {
    const report: PruneReport = {
      ran: false,
      scanned: false,
      entries: 0,
      bytes: 0,
      evicted: 0,
      freedBytes: 0,
      leftovers: 0,
    };
    // One pruner at a time: an exclusively created lock file, taken over when a killed build left
    // it (older than a minute). Not proper-lockfile: it hooks the process's signals and exit
    // (signal-exit), and a library build must leave the embedding program's handlers alone.
    const release = await takePruneLock(path.join(this.root, 'prune.lock'));
    if (!release) return report;
    try {
      report.ran = true;
      report.leftovers = await this.sweepLeftovers();
      const usageFile = path.join(this.root, 'usage.json');
      const usage = await readUsage(usageFile);
      const added = this.added;
      this.added = { bytes: 0, entries: 0 };
      if (
        usage &&
        Date.now() - usage.scanned < FULL_SCAN_MS &&
        usage.scanned <= Date.now() &&
        usage.bytes + added.bytes <= this.maxBytes
      ) {
        report.bytes = usage.bytes + added.bytes;
        report.entries = usage.entries + added.entries;
        await writeUsage(usageFile, { bytes: report.bytes, entries: report.entries, scanned: usage.scanned });
        return report;
      }
      report.scanned = true;
      const scanned = Date.now();
      const entries = await this.listEntries();
      entries.sort((a, b) => a.used - b.used);
      let total = entries.reduce((sum, e) => sum + e.size, 0);
      for (const entry of entries) {
        if (total <= this.maxBytes) break;
        await this.discard(entry.dir);
        total -= entry.size;
        report.evicted++;
        report.freedBytes += entry.size;
      }
      report.entries = entries.length - report.evicted;
      report.bytes = total;
      await writeUsage(usageFile, { bytes: total, entries: report.entries, scanned });
    } finally {
      await release();
    }
    return report;
  }

  /** What this process stored since its last prune (the usage record is brought up to date with it). */
  private added = { bytes: 0, entries: 0 };

  private counted(stored: boolean, size: number): boolean {
    if (stored) {
      this.added.bytes += size;
      this.added.entries++;
    }
    return stored;
  }

  /** Every stored entry with its size and last use (for prune and tests). */
  async listEntries(): Promise<{ dir: string; kind: string; key: string; size: number; used: number }[]> {
    const found: { dir: string; kind: string; key: string; size: number; used: number }[] = [];
    const entries = path.join(this.root, 'entries');
    for (const kind of await readdirOrEmpty(entries)) {
      for (const shard of await readdirOrEmpty(path.join(entries, kind))) {
        for (const key of await readdirOrEmpty(path.join(entries, kind, shard))) {
          const dir = path.join(entries, kind, shard, key);
          const read = readMeta(dir, undefined);
          const meta = read === DAMAGED ? undefined : read;
          const used = await stat(path.join(dir, 'meta.json')).then(
            (s) => s.mtimeMs,
            () => 0,
          );
          // An entry without a readable meta.json is damaged: size 0 and oldest, so it goes first.
          found.push({ dir, kind, key, size: meta?.size ?? 0, used: meta ? used : 0 });
        }
      }
    }
    return found;
  }

  private entryDir(kind: string, key: string): string {
    if (!KIND.test(kind)) throw new Error(`cache kind "${kind}" must match ${String(KIND)}`);
    if (!KEY.test(key)) throw new Error(`cache key "${key}" must be 32 to 128 lowercase hex digits`);
    return path.join(this.root, 'entries', kind, key.slice(0, 2), key);
  }

  private newTemp(label: string): Promise<string> {
    return mkdtemp(path.join(this.root, 'tmp', `${ownerTag()}~${label}-`));
  }

  /** Renames a finished temporary entry into place; false when another process got there first. */
  private async publish(tmp: string, entry: string): Promise<boolean> {
    await mkdir(path.dirname(entry), { recursive: true });
    try {
      await rename(tmp, entry);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
      throw error;
    }
  }

  /** Takes an entry out of use (one rename), then removes it. */
  private async discard(entry: string): Promise<void> {
    const trash = path.join(this.root, 'trash', `${path.basename(entry)}-${randomBytes(6).toString('hex')}`);
    try {
      await rename(entry, trash);
    } catch {
      return; // gone already
    }
    await rm(trash, { recursive: true, force: true });
  }

  /** Removes tmp/ directories of processes that are gone, and whatever is left in trash/. */
  private async sweepLeftovers(): Promise<number> {
    let removed = 0;
    const tmp = path.join(this.root, 'tmp');
    const host = os.hostname();
    for (const name of await readdirOrEmpty(tmp)) {
      const owner = /^(\d+)@([^~]*)~/.exec(name);
      let leftover: boolean;
      if (owner && owner[2] === host) leftover = Number(owner[1]) !== process.pid && !processAlive(Number(owner[1]));
      else {
        const age = await lstat(path.join(tmp, name)).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        leftover = age > FOREIGN_LEFTOVER_MS;
      }
      if (leftover) {
        await rm(path.join(tmp, name), { recursive: true, force: true });
        removed++;
      }
    }
    const trash = path.join(this.root, 'trash');
    for (const name of await readdirOrEmpty(trash)) {
      await rm(path.join(trash, name), { recursive: true, force: true });
      removed++;
    }
    return removed;
  }
}

class Corrupt extends Error {}

/** A tree kept beside its entry by parkTree (removed with the entry when it is evicted). */
const PARKED = 'parked';

/** Renames a kept tree to `dest`; false when there is none (or another build took it first). */
function claim(parked: string, dest: string): boolean {
  try {
    renameSync(parked, dest);
    return true;
  } catch {
    return false;
  }
}

/**
 * True when `st` is the file the manifest recorded: the entry's own inode, with the mtime and
 * size it had when stored. Any write or truncation since would have moved the mtime (putTree
 * sets back the mtime of files written just before it), so its content is the recorded SHA-256.
 */
function isStoredFile(st: Stats | undefined, file: TreeFile & { type: 'file' }): boolean {
  return (
    st !== undefined &&
    st.isFile() &&
    file.ino !== undefined &&
    st.ino === file.ino &&
    st.mtimeMs === file.mtimeMs &&
    st.size === file.size
  );
}

/** True when `st` is the blob's data file as stored: same inode, mtime, ctime and size. */
function isStoredBlob(st: Stats, meta: Meta): boolean {
  return (
    st.isFile() &&
    meta.ino !== undefined &&
    st.ino === meta.ino &&
    st.mtimeMs === meta.mtimeMs &&
    st.ctimeMs === meta.ctimeMs &&
    st.size === meta.size
  );
}

/**
 * Links (or copies) one file of an entry to `to` and checks it: type, size and mode always; a
 * hard link to the inode the manifest recorded, with its mtime, is the stored file untouched
 * since, anything else is read and its SHA-256 compared. Throws Corrupt; true when linked.
 */
function restoreFile(file: TreeFile & { type: 'file' }, from: string, to: string): boolean {
  const byLink = linkOrCopySync(from, to);
  const st = lstatSync(to);
  if (!st.isFile() || st.size !== file.size || (st.mode & 0o7777) !== file.mode)
    throw new Corrupt(`${file.path}: type, size or mode differs`);
  if (byLink && isStoredFile(st, file)) return true;
  if (hashFileWithStatSync(to, file.path).sha256 !== file.sha256) throw new Corrupt(`${file.path}: content differs`);
  return byLink;
}

/**
 * Brings a kept tree at `dest` back to the manifest: a file that is still the entry's inode with
 * the recorded mtime (and size and mode) stays; any other file, link or directory is replaced,
 * and names the manifest does not list are removed. True when every file is a hard link.
 */
async function syncTree(
  files: TreeFile[],
  source: string,
  dest: string,
): Promise<{ linked: boolean; remode: TreeFile[] }> {
  // How many names each directory should hold: every listed name is checked below, so a
  // directory holding exactly that many holds nothing else (its names are compared only if not).
  const counts = new Map<string, number>();
  for (const file of files) {
    const parent = file.path.slice(0, Math.max(0, file.path.lastIndexOf('/')));
    counts.set(parent, (counts.get(parent) ?? 0) + 1);
  }
  const removeExtras = (rel: string) => {
    const dir = rel ? `${dest}/${rel}` : dest;
    const present = readdirSync(dir);
    if (present.length === (counts.get(rel) ?? 0)) return;
    const prefix = rel ? `${rel}/` : '';
    const expected = new Set(
      files.filter((f) => f.path.startsWith(prefix) && !f.path.includes('/', prefix.length)).map((f) => f.path),
    );
    for (const name of present)
      if (!expected.has(prefix + name)) rmSync(path.join(dir, name), { recursive: true, force: true });
  };
  let linked = true;
  const dirs: string[] = [''];
  // Directories whose mode is not the manifest's (made, or opened up for their children here):
  // the others are left alone (7k chmods on the corpus otherwise).
  const remode: TreeFile[] = [];
  // Paths joined as strings: a manifest's paths are relative and normalized already, and
  // path.join's normalization allocated ~60 MB of garbage per warm corpus build.
  await eachInBatches(files, (file) => {
    const to = `${dest}/${file.path}`;
    const st = lstatSync(to, { throwIfNoEntry: false });
    if (file.type === 'dir') {
      if (!st?.isDirectory()) {
        if (st) rmSync(to, { force: true });
        mkdirSync(to);
        remode.push(file);
      } else if ((st.mode & 0o700) !== 0o700) {
        chmodSync(to, st.mode | 0o700); // its children may change
        remode.push(file);
      } else if ((st.mode & 0o7777) !== file.mode) remode.push(file);
      dirs.push(file.path);
      return;
    }
    if (file.type === 'symlink') {
      if (st?.isSymbolicLink() && readlinkSync(to) === file.target) return;
      if (st) rmSync(to, { recursive: true, force: true });
      return symlinkSync(file.target, to);
    }
    if (isStoredFile(st, file) && (st!.mode & 0o7777) === file.mode) return;
    if (st) rmSync(to, { recursive: true, force: true });
    if (!restoreFile(file, `${source}/${file.path}`, to)) linked = false;
  });
  // Every listed name is in place now: what else a directory holds goes.
  await eachInBatches(dirs, removeExtras);
  return { linked, remode };
}

/**
 * Writes JSON.stringify(files) to `file` a thousand entries at a time and returns its SHA-256: the
 * same bytes, without a whole-manifest string and buffer (tens of MB for 42k files) at once.
 */
function writeManifest(file: string, files: readonly TreeFile[]): string {
  const hash = createHash('sha256');
  const fd = openSync(file, 'w');
  try {
    for (let i = 0; i < files.length || i === 0; i += 1000) {
      let text = i === 0 ? '[' : ',';
      text += files
        .slice(i, i + 1000)
        .map((f) => JSON.stringify(f))
        .join(',');
      if (i + 1000 >= files.length) text += ']';
      const bytes = Buffer.from(text);
      hash.update(bytes);
      for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done);
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** The modes of the directories among `files` (in manifest order), deepest first (a read-only directory would refuse its children). */
function setDirectoryModes(files: readonly TreeFile[], dest: string): void {
  for (let i = files.length - 1; i >= 0; i--) {
    const file = files[i]!;
    if (file.type === 'dir') chmodSync(`${dest}/${file.path}`, file.mode);
  }
}

/** Files whose mtime is this close to a put may still change without moving it (see putTree). */
const RACY_MS = 3000;

/** "PID@HOST": whose scratch directory this is, for the leftover sweep. */
function ownerTag(): string {
  return `${process.pid}@${os.hostname().replace(/[~/]/g, '_')}`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/** What readMeta returns for a meta.json that is there but unreadable or fails its check. */
const DAMAGED = 'damaged';

/**
 * The entry's meta.json when it is whole and of the expected type; undefined when there is none
 * (or of another type); DAMAGED when it is there but cannot be trusted.
 */
function readMeta(entry: string, type: Meta['type'] | undefined): Meta | typeof DAMAGED | undefined {
  // Blocking: a small file, read once per segment of every build (hundreds), where each
  // asynchronous call's thread-pool round trip cost more than the read.
  let text: string;
  try {
    text = readFileSync(path.join(entry, 'meta.json'), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return DAMAGED;
    // Entries appear whole (one rename): a directory without its meta.json was damaged after.
    return statOrUndefined(entry)?.isDirectory() ? DAMAGED : undefined;
  }
  let meta: Meta;
  try {
    meta = JSON.parse(text) as Meta;
  } catch {
    return DAMAGED;
  }
  if (typeof meta !== 'object' || meta === null) return DAMAGED;
  const { check, ...rest } = meta;
  if (meta.layout !== 1 || check !== sha256Of(Buffer.from(JSON.stringify(rest)))) return DAMAGED;
  return type === undefined || meta.type === type ? meta : undefined;
}

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

async function writeMeta(dir: string, meta: Meta): Promise<void> {
  const check = sha256Of(Buffer.from(JSON.stringify(meta)));
  await writeFile(path.join(dir, 'meta.json'), JSON.stringify({ ...meta, check }));
}

/** Marks an entry used now (what eviction orders by). */
function touch(entry: string): void {
  const now = new Date();
  try {
    utimesSync(path.join(entry, 'meta.json'), now, now);
  } catch {
    // gone meanwhile: nothing to mark
  }
}

/** Hard-links `from` to `to`, or copies it (a reflink where the file system can) when linking is refused. True when linked. */
async function linkOrCopy(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'ENOTSUP') throw error;
  }
  await copyFile(from, to, fsConstants.COPYFILE_FICLONE);
  return false;
}

function sha256Of(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Read buffers for hashing, reused: a tree restore hashes tens of thousands of files, and a fresh
 * 1 MiB buffer (or read stream) per file made garbage collection the largest cost of a warm build
 * (docs/internals/build-cache.md). One is out per blob read in progress, plus one for the synchronous tree work.
 */
const READ_BUFFER = 1 << 20;
const readBuffers: Buffer[] = [];

/** hashFileWithStat, blocking; a symlink (ELOOP) is a damaged entry. */
function hashFileWithStatSync(file: string, name: string): { sha256: string; stat: Stats } {
  let fd: number;
  try {
    // O_NOFOLLOW: a symlink planted in the entry is refused (ELOOP), as lstat would; O_NONBLOCK: a FIFO does not hang the open.
    fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new Corrupt(`${name}: not a regular file`);
    throw error;
  }
  try {
    const st = fstatSync(fd);
    return { sha256: st.isFile() ? hashFdSync(fd, st.size) : createHash('sha256').digest('hex'), stat: st };
  } finally {
    closeSync(fd);
  }
}

/** SHA-256 (hex) of an open file of `size` bytes (as fstat gave it), read from its start with blocking reads. */
function hashFdSync(fd: number, size: number): string {
  const hash = createHash('sha256');
  const buffer = readBuffers.pop() ?? Buffer.allocUnsafeSlow(READ_BUFFER);
  try {
    for (let position = 0; ;) {
      const n = readSync(fd, buffer, 0, buffer.length, position);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
      position += n;
      // A short read at or past the size fstat gave is the end: no extra read that returns 0
      // (one system call less per file, over tens of thousands of files).
      if (n < buffer.length && position >= size) break;
    }
  } finally {
    readBuffers.push(buffer);
  }
  return hash.digest('hex');
}

/**
 * The manifest of a directory tree, or undefined when it holds something else than dirs, files,
 * symlinks. Files are only named (mode, size and sha256 left empty: putTree takes them from the
 * descriptor it hashes, one lstat per file less).
 */
export function listTreeSync(root: string): TreeFile[] | undefined {
  const files: TreeFile[] = [];
  const visit = (rel: string): boolean => {
    const entries = readdirSync(rel ? `${root}/${rel}` : root, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const entry of entries) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        files.push({ path: childRel, type: 'dir', mode: lstatSync(`${root}/${childRel}`).mode & 0o7777 });
        if (!visit(childRel)) return false;
      } else if (entry.isFile()) {
        files.push({ path: childRel, type: 'file', mode: 0, size: 0, sha256: '' });
      } else if (entry.isSymbolicLink()) {
        files.push({ path: childRel, type: 'symlink', target: readlinkSync(`${root}/${childRel}`) });
      } else return false;
    }
    return true;
  };
  return visit('') ? files : undefined;
}

/** Files handled synchronously between two turns of the event loop (an abort or a timer gets its turn). */
const BATCH = 256;

/** Runs `work` on every item in order, yielding to the event loop every BATCH items. */
async function eachInBatches<T>(items: readonly T[], work: (item: T) => void): Promise<void> {
  for (let i = 0; i < items.length; i++) {
    work(items[i]!);
    if (i % BATCH === BATCH - 1) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** linkOrCopy, blocking. */
function linkOrCopySync(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'ENOTSUP') throw error;
  }
  copyFileSync(from, to, fsConstants.COPYFILE_FICLONE);
  return false;
}

/** The prune lock, or undefined when another live process holds it. */
async function takePruneLock(file: string): Promise<(() => Promise<void>) | undefined> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.close();
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const held = await stat(file).catch(() => undefined);
      if (held && Date.now() - held.mtimeMs < PRUNE_LOCK_STALE_MS) return undefined;
      await rm(file, { force: true });
    }
  }
  return undefined;
}

const PRUNE_LOCK_STALE_MS = 60_000;

/** A full scan of the entries at least this often, whatever the usage record says. */
const FULL_SCAN_MS = 3600 * 1000;

interface Usage {
  bytes: number;
  entries: number;
  /** When the last full scan started (ms since 1970). */
  scanned: number;
}

/** DIR/v1/usage.json, or undefined when missing or not what it should be (a full scan follows). */
async function readUsage(file: string): Promise<Usage | undefined> {
  try {
    const usage = JSON.parse(await readFile(file, 'utf8')) as Partial<Usage>;
    const ok = [usage.bytes, usage.entries, usage.scanned].every((n) => Number.isSafeInteger(n) && n! >= 0);
    return ok ? (usage as Usage) : undefined;
  } catch {
    return undefined;
  }
}

/** Written under the prune lock; a temporary file renamed over, so a reader sees the old or the new record. */
async function writeUsage(file: string, usage: Usage): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(usage));
  await rename(tmp, file);
}
