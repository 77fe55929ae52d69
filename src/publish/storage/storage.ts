// Where a repository lives: one interface for a local directory (local-storage.ts) and S3-compatible
// object storage (s3-storage.ts), so publish never cares which, and a third backend is one file.
// Keys are relative, '/'-separated paths ("apt/dists/stable/InRelease"). Semantics follow Amazon
// S3's documented behaviour; docs/internals/s3-storage.md lists where Ceph differs and how the S3
// backend copes.
import type { Readable } from 'node:stream';

/** What a stored object is, without its bytes. */
export interface ObjectInfo {
  key: string;
  size: number;
  /** Opaque version tag: changes whenever the content changes; pass it back in `ifMatch`. */
  etag: string;
  contentType?: string;
  cacheControl?: string;
}

export interface StoredObject extends ObjectInfo {
  body: Buffer;
}

export interface StreamedObject extends ObjectInfo {
  /** The content; the caller must consume or destroy it. */
  body: Readable;
}

/**
 * A write that happens only if the key's current state allows it, atomically:
 * `{ ifNoneMatch: '*' }` creates the key only if it does not exist (a lock, a first state object);
 * `{ ifMatch: etag }` replaces it only if it still has that ETag (no update is lost).
 */
export type WriteCondition = { ifNoneMatch: '*' } | { ifMatch: string };

export interface PutOptions {
  /** e.g. application/vnd.debian.binary-package, text/plain; charset=utf-8. */
  contentType: string;
  /** e.g. "public, max-age=31536000, immutable" for pool files, "no-cache" for InRelease. */
  cacheControl?: string;
  condition?: WriteCondition;
  /**
   * The file time a directory gives the new file (a web server's Last-Modified; primary.xml's file
   * time, which createrepo_c reads from it). Object storage sets its own Last-Modified and ignores it.
   */
  mtime?: Date;
}

/** The result of a put: a failed condition is an expected outcome the caller handles, not an error. */
export type PutResult = { ok: true; etag: string } | { ok: false; reason: 'precondition-failed' };

export interface RepositoryStorage {
  /** How messages name the repository: the directory, or s3://bucket/prefix. */
  readonly location: string;
  /**
   * Whether Content-Type and Cache-Control are stored with the object (S3) or left to the web
   * server that serves the files, which picks them by file name (a local directory).
   */
  readonly storesHeaders: boolean;
  /** The object, or undefined when the key does not exist. Whole in memory: for indexes and state. */
  get(key: string): Promise<StoredObject | undefined>;
  /** The object as a stream (packages), or undefined when the key does not exist. */
  getStream(key: string): Promise<StreamedObject | undefined>;
  /** Size, ETag and headers, or undefined when the key does not exist. */
  head(key: string): Promise<ObjectInfo | undefined>;
  exists(key: string): Promise<boolean>;
  /** Writes `body` whole (readers see the old or the new object, never a part). */
  put(key: string, body: Uint8Array | string, options: PutOptions): Promise<PutResult>;
  /** Streams a local file of any size to `key` (packages), without holding it in memory. */
  putFile(key: string, file: string, options: PutOptions): Promise<PutResult>;
  /**
   * Makes `to` hold the bytes of `from` without passing them through this process, where the
   * backend can (a directory: a hard link, so a promoted rpm is the same file); undefined where it
   * cannot, and the caller streams the object through getStream/putFile.
   */
  copy?(from: string, to: string, options: PutOptions): Promise<PutResult>;
  /** Removes the key; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Every key under `prefix` (which must end with '/'). Costs a request per 1,000 keys on S3:
   * only for explicit maintenance (check-repo, garbage collection), never on publish's hot path.
   */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /**
   * The keys under `prefix` (ending with '/'), names only: no read of any object, so a directory
   * costs a readdir. For bounded listings on publish's path: one package's pool directory.
   */
  listKeys(prefix: string): AsyncIterable<string>;
}

/** The read side alone (check-repo; http-storage.ts, which cannot write or list). */
export type RepositoryReader = Pick<RepositoryStorage, 'location' | 'get' | 'getStream' | 'head' | 'exists'> &
  Partial<Pick<RepositoryStorage, 'list'>>;

/**
 * Keys stay plain relative paths: no empty segments, no leading '/', no backslash or control
 * characters, and no segment starting with '.' (which also rules out '.' and '..'): names starting
 * with '.' are the local backend's temp files and locks, never repository content.
 */
export function checkKey(key: string): string {
  const segments = key.split('/');
  const bad =
    key === '' ||
    key.includes('\\') ||
    hasControlCharacters(key) ||
    segments.some((s) => s === '' || s.startsWith('.'));
  if (bad) throw new Error(`storage key ${JSON.stringify(key)} is not a plain relative path (a bug in pkgapp)`);
  return key;
}

/** True when `text` has a C0 control character or DEL (a newline in a key would break indexes and logs). */
export function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** A list() prefix: '' (everything) or a key-like path ending with '/'. */
export function checkPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  if (!prefix.endsWith('/'))
    throw new Error(`storage prefix ${JSON.stringify(prefix)} must end with "/" (a bug in pkgapp)`);
  checkKey(prefix.slice(0, -1));
  return prefix;
}

/** How many uploads or deletes publish runs at once (S3 answers each in tens of milliseconds). */
export const PARALLEL_UPLOADS = 8;

/**
 * Runs `work` over `items` with at most `limit` in flight (uploads of pool files, deletes), in
 * order of start; the first failure stops new starts and is rethrown once the running ones end.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`parallelism ${limit} must be a whole number >= 1`);
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const runner = async () => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
  if (failure) throw failure.error;
  return results;
}
