// A repository in a local directory, behind the same interface as object storage (storage.ts).
//
// Writes: a temporary sibling (".NAME.tmp-PID-RANDOM"), fsync'd, renamed over the key, then the
// directory fsync'd, so a crash leaves the old file or the new one, never a torn one.
//
// ETag: the SHA-256 of the content. Content-based like S3's (an MD5 for plain uploads), exact
// where mtime+size is not (two same-size writes within one clock tick, a reused inode, would look
// unchanged and let a stale If-Match through). Hashing costs a read of the file, so the hash is
// remembered per (device, inode, size, mtime, ctime): a file replaced by rename is a new inode.
//
// Conditional writes: every write and delete of a key holds that key's lock (proper-lockfile, a
// mkdir under DIR/.pkgapp-locks/), so "check the ETag, then rename" is atomic against every other
// writer of the key on this machine or on a shared file system, exactly as S3 makes it. Only the
// rename happens under the lock (milliseconds); the file is copied before.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { EXIT_FAILURE, UserError } from '../../errors.js';
import {
  checkKey,
  checkPrefix,
  type ObjectInfo,
  type PutOptions,
  type PutResult,
  type RepositoryStorage,
  type StoredObject,
  type StreamedObject,
  type WriteCondition,
} from './storage.js';
import { removeStaleTemporaries } from '../../util/atomic-output.js';
import { crashPoints } from '../../util/crash-point.js';

/** Where the per-key locks live, inside the repository directory (never served: keys cannot start with '.'). */
const LOCK_DIR = '.pkgapp-locks';
/** A per-key lock not refreshed for this long is a crashed writer's (refreshed every 2 s while held). */
const KEY_LOCK_STALE_MS = 10_000;

interface CachedHash {
  stamp: string;
  etag: string;
}

export class LocalStorage implements RepositoryStorage {
  readonly location: string;
  readonly storesHeaders = false;
  private readonly root: string;
  private readonly hashes = new Map<string, CachedHash>();

  constructor(dir: string) {
    this.root = path.resolve(dir);
    this.location = this.root;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const file = this.pathOf(key);
    const handle = await openIfExists(file);
    if (!handle) return undefined;
    try {
      const body = await handle.readFile();
      const stats = await handle.stat({ bigint: true });
      const etag = createHash('sha256').update(body).digest('hex');
      this.hashes.set(file, { stamp: stampOf(stats), etag });
      return { key, size: body.length, etag, body };
    } finally {
      await handle.close();
    }
  }

  async getStream(key: string): Promise<StreamedObject | undefined> {
    const file = this.pathOf(key);
    const handle = await openIfExists(file);
    if (!handle) return undefined;
    try {
      // Hash and stream the same open file: a rename over the key meanwhile does not mix versions.
      const etag = await this.etagOf(file, handle);
      const { size } = await handle.stat();
      return { key, size, etag, body: handle.createReadStream({ start: 0, autoClose: true }) };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const file = this.pathOf(key);
    const handle = await openIfExists(file);
    if (!handle) return undefined;
    try {
      const etag = await this.etagOf(file, handle);
      const { size } = await handle.stat();
      return { key, size, etag };
    } finally {
      await handle.close();
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async put(key: string, body: Uint8Array | string, options: PutOptions): Promise<PutResult> {
    return this.write(key, options.condition, async (tmp) => {
      const handle = await open(tmp, 'wx', 0o644);
      try {
        await handle.writeFile(body);
        if (options.mtime) await handle.utimes(options.mtime, options.mtime);
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
  }

  async putFile(key: string, file: string, options: PutOptions): Promise<PutResult> {
    return this.write(key, options.condition, async (tmp) => {
      // copy_file_range/reflink where the file system has it; the data never passes through JS.
      await copyFile(file, tmp);
      await syncCopy(tmp, options.mtime);
    });
  }

  /** A hard link of `from` (its bytes and file time), or a copy where the file system refuses links. */
  async copy(from: string, to: string, options: PutOptions): Promise<PutResult> {
    const source = this.pathOf(from);
    return this.write(to, options.condition, async (tmp) => {
      const linked = await link(source, tmp).then(
        () => true,
        () => false,
      );
      if (linked) return;
      await copyFile(source, tmp);
      await syncCopy(tmp, (await stat(source)).mtime);
    });
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    await this.withKeyLock(key, async (assertHeld) => {
      assertHeld();
      await crashPoints(`delete ${key}`, () => rm(file, { force: true }));
      this.hashes.delete(file);
    });
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    for await (const key of this.listKeys(prefix)) {
      const info = await this.head(key);
      if (info) yield info;
    }
  }

  async *listKeys(prefix: string): AsyncIterable<string> {
    checkPrefix(prefix);
    const base = prefix === '' ? this.root : this.pathOf(prefix.slice(0, -1));
    const entries = await readdir(base, { recursive: true, withFileTypes: true }).catch((error: unknown) => {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw error;
    });
    const keys = entries
      .filter((e) => e.isFile())
      .map((e) =>
        path
          .relative(this.root, path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
          .split(path.sep)
          .join('/'),
      )
      .filter((key) => !key.split('/').some((segment) => segment.startsWith('.')))
      .sort();
    yield* keys;
  }

  /**
   * Removes what killed writers left (docs/internals/publish-crash-safety.md): temporary files
   * whose process no longer runs on this machine, and per-key locks nobody refreshed for longer
   * than KEY_LOCK_STALE_MS (each would otherwise wait for a takeover, and they are clutter).
   * Call it holding the repository lock, which keeps every other writer out. One readdir of the
   * tree: names only, no file is read. Returns the paths removed.
   */
  async removeCrashLeftovers(): Promise<string[]> {
    const removed = await removeStaleTemporaries(this.root);
    const lockDir = path.join(this.root, LOCK_DIR);
    const now = Date.now();
    for (const name of await readdir(lockDir).catch(() => [] as string[])) {
      if (!name.endsWith('.lock')) continue;
      const lock = path.join(lockDir, name);
      const stats = await stat(lock).catch(() => undefined);
      if (!stats || now - stats.mtimeMs <= KEY_LOCK_STALE_MS) continue;
      await rm(lock, { recursive: true, force: true });
      removed.push(lock);
    }
    return removed;
  }

  /** Writes a temp file with `fill`, then (holding the key's lock) checks `condition` and renames it into place. */
  private async write(
    key: string,
    condition: WriteCondition | undefined,
    fill: (tmp: string) => Promise<void>,
  ): Promise<PutResult> {
    const file = this.pathOf(key);
    const dir = path.dirname(file);
    const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(dir, { recursive: true });
      await fill(tmp);
      const etag = await hashFile(tmp);
      const result = await this.withKeyLock(key, async (assertHeld): Promise<PutResult> => {
        if (condition && !(await this.conditionHolds(file, condition)))
          return { ok: false, reason: 'precondition-failed' };
        assertHeld();
        await crashPoints(`rename ${key}`, () => rename(tmp, file));
        await syncDir(dir);
        return { ok: true, etag };
      });
      if (result.ok) {
        const stats = await stat(file, { bigint: true }).catch(() => undefined);
        if (stats) this.hashes.set(file, { stamp: stampOf(stats), etag });
      }
      return result;
    } catch (error) {
      if (isUserErrorLike(error)) throw error;
      throw new UserError(
        `${this.root}: cannot write ${key} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
        { code: 'PKGAPP_REPO_UNWRITABLE', hint: 'Give --repo a directory pkgapp can create and write', cause: error },
      );
    } finally {
      // Gone after a rename; a directory that could not be created has none to remove.
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  private async conditionHolds(file: string, condition: WriteCondition): Promise<boolean> {
    const handle = await openIfExists(file);
    if ('ifNoneMatch' in condition) {
      await handle?.close();
      return handle === undefined;
    }
    if (!handle) return false;
    try {
      return (await this.etagOf(file, handle)) === condition.ifMatch;
    } finally {
      await handle.close();
    }
  }

  /**
   * Runs `work` holding the key's lock; a lock not refreshed for 10 s is a crashed writer's and is
   * taken over. `work` calls assertHeld() right before it changes the file: a writer stalled for
   * longer than that has lost the lock and must not write.
   */
  private async withKeyLock<T>(key: string, work: (assertHeld: () => void) => Promise<T>): Promise<T> {
    const lockDir = path.join(this.root, LOCK_DIR);
    await mkdir(lockDir, { recursive: true });
    const name = createHash('sha256').update(key).digest('hex').slice(0, 32);
    let compromised: Error | undefined;
    // proper-lockfile tracks its locks by the locked path: one path per key, or parallel writes of
    // different keys would overwrite each other's entry (the path itself need not exist).
    // Loaded here, not with the library: proper-lockfile hooks the process's signals and exit
    // (signal-exit) as it loads, which only a publish may do.
    const { default: lockfile } = await import('proper-lockfile');
    const release = await lockfile
      .lock(path.join(lockDir, name), {
        lockfilePath: path.join(lockDir, `${name}.lock`),
        realpath: false,
        stale: KEY_LOCK_STALE_MS,
        update: 2_000,
        retries: { retries: 200, minTimeout: 5, maxTimeout: 250 },
        onCompromised: (error) => {
          compromised = error;
        },
      })
      .catch((error: unknown) => {
        throw new UserError(`${this.root}: ${key} stayed locked by another writer`, {
          code: 'PKGAPP_REPO_LOCKED',
          exitCode: EXIT_FAILURE,
          hint: 'Retry when the other publish is done',
          cause: error,
        });
      });
    try {
      return await work(() => {
        if (compromised)
          throw new Error(`${this.root}: lost the lock of ${key} (stalled for over 10 s): ${compromised.message}`);
      });
    } finally {
      await release().catch(() => undefined);
    }
  }

  private async etagOf(file: string, handle: FileHandle): Promise<string> {
    const stamp = stampOf(await handle.stat({ bigint: true }));
    const cached = this.hashes.get(file);
    if (cached?.stamp === stamp) return cached.etag;
    const hash = createHash('sha256');
    for await (const chunk of handle.createReadStream({ start: 0, autoClose: false })) hash.update(chunk as Buffer);
    const etag = hash.digest('hex');
    this.hashes.set(file, { stamp, etag });
    return etag;
  }

  private pathOf(key: string): string {
    return path.join(this.root, ...checkKey(key).split('/'));
  }
}

interface StampStats {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

function stampOf(s: StampStats): string {
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function openIfExists(file: string): Promise<FileHandle | undefined> {
  try {
    return await open(file, 'r');
  } catch (error) {
    if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** Gives a copied file its time (when one is asked for) and makes its bytes durable before the rename. */
async function syncCopy(file: string, mtime: Date | undefined): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    if (mtime) await handle.utimes(mtime, mtime);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a rename durable: the directory entry reaches the disk too. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT';
}

function isUserErrorLike(error: unknown): boolean {
  return error instanceof Error && error.name === 'UserError';
}
