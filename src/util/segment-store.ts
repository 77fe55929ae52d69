// Compressed payload segments on disk, one file per key under `<dir>/<2 hex>/<key>`: a small
// JSON head (uncompressed length, file digests, compressed size and its sha256) and the
// compressed bytes. An entry is checked in full before use (size and sha256), so a truncated or
// corrupted one is removed and treated as absent, never copied into a package. Written under a
// temporary name and renamed: builds sharing the directory see whole entries or none.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { mkdir, rename, rm, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { CachedSegment, SegmentCache } from './payload-segments.js';

const MAGIC = Buffer.from('pkgapp-segment 1\n');
/** Entries up to this size are kept in memory between the check and the copy; larger ones are read twice. */
const IN_MEMORY = 4 << 20;
const PIECE = 1 << 20;

interface Head {
  length: number;
  size: number;
  digests: string;
  sha256: string;
}

export class SegmentStore implements SegmentCache {
  /** Entries found and used, and entries found but rejected (corrupted, truncated). */
  readonly stats = { hits: 0, misses: 0, rejected: 0, stored: 0 };

  constructor(readonly dir: string) {}

  async get(key: string): Promise<CachedSegment | undefined> {
    const file = this.file(key);
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      this.stats.misses++;
      return undefined;
    }
    let entry: CachedSegment | undefined;
    try {
      entry = readEntry(fd, file);
    } finally {
      closeSync(fd);
    }
    if (!entry) {
      this.stats.rejected++;
      await rm(file, { force: true }).catch(() => {});
      return undefined;
    }
    this.stats.hits++;
    // Recently used: what a size-bounded cleanup keeps (least recently used goes first).
    const now = new Date();
    await utimes(file, now, now).catch(() => {});
    return entry;
  }

  async put(key: string, segment: CachedSegment): Promise<void> {
    const file = this.file(key);
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await mkdir(path.dirname(file), { recursive: true });
      const sha = createHash('sha256');
      // The body's digest goes in the head, before the body: hash it first (page-cached reads).
      segment.copy((bytes) => sha.update(bytes));
      const head = Buffer.from(
        JSON.stringify({
          length: segment.length,
          size: segment.size,
          digests: segment.digests.toString('hex'),
          sha256: sha.digest('hex'),
        } satisfies Head),
      );
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32BE(head.length);
      const fd = openSync(tmp, 'w');
      try {
        const write = (bytes: Uint8Array) => {
          let offset = 0;
          while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
        };
        write(MAGIC);
        write(prefix);
        write(head);
        segment.copy(write);
      } finally {
        closeSync(fd);
      }
      await rename(tmp, file);
      this.stats.stored++;
    } catch {
      // A cache that cannot be written (full disk, read-only) costs speed, not the build.
      await rm(tmp, { force: true }).catch(() => {});
    }
  }

  private file(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`invalid segment key ${key}`);
    return path.join(this.dir, key.slice(0, 2), key);
  }
}

/** The entry in `fd`, checked; undefined when anything does not match. */
function readEntry(fd: number, file: string): CachedSegment | undefined {
  const total = fstatSync(fd).size;
  const start = Buffer.alloc(MAGIC.length + 4);
  if (readSync(fd, start, 0, start.length, 0) !== start.length || !start.subarray(0, MAGIC.length).equals(MAGIC))
    return undefined;
  const headLength = start.readUInt32BE(MAGIC.length);
  if (headLength > total) return undefined;
  const headBytes = Buffer.alloc(headLength);
  if (readSync(fd, headBytes, 0, headLength, start.length) !== headLength) return undefined;
  let head: Head;
  try {
    head = JSON.parse(headBytes.toString('utf8')) as Head;
  } catch {
    return undefined;
  }
  const bodyAt = start.length + headLength;
  if (!Number.isSafeInteger(head.size) || bodyAt + head.size !== total) return undefined;
  if (!Number.isSafeInteger(head.length) || typeof head.digests !== 'string' || typeof head.sha256 !== 'string')
    return undefined;
  const sha = createHash('sha256');
  const body = head.size <= IN_MEMORY ? Buffer.allocUnsafe(head.size) : undefined;
  const piece = body ?? Buffer.allocUnsafe(PIECE);
  for (let done = 0; done < head.size;) {
    const want = body ? head.size - done : Math.min(PIECE, head.size - done);
    const n = readSync(fd, piece, body ? done : 0, want, bodyAt + done);
    if (n === 0) return undefined;
    sha.update(piece.subarray(body ? done : 0, (body ? done : 0) + n));
    done += n;
  }
  if (sha.digest('hex') !== head.sha256) return undefined;
  const digests = Buffer.from(head.digests, 'hex');
  return {
    length: head.length,
    size: head.size,
    digests,
    copy: body
      ? (write) => write(body)
      : (write) => {
          // Read again: the check above was over these bytes; a file changed since is caught
          // by comparing the digest once more.
          const again = createHash('sha256');
          const fd2 = openSync(file, 'r');
          try {
            for (let done = 0; done < head.size;) {
              const n = readSync(fd2, piece, 0, Math.min(PIECE, head.size - done), bodyAt + done);
              if (n === 0) throw new Error(`${file} was truncated while being copied`);
              again.update(piece.subarray(0, n));
              write(piece.subarray(0, n));
              done += n;
            }
          } finally {
            closeSync(fd2);
          }
          if (again.digest('hex') !== head.sha256) throw new Error(`${file} changed while being copied`);
        },
  };
}
