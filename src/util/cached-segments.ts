// Payload segments (payload-segments.ts) kept in the build cache (src/cache/cache-store.ts): one
// blob per segment, its uncompressed length, CRC-32 and file digests in the entry's info. The
// store verifies the blob's SHA-256 on every hit; the info's shape is checked here. It also
// answers for the content digests of an installed tree the build restored or stored (their keys).
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import type { CacheStore } from '../cache/cache-store.js';
import type { CachedSegment, SegmentCache } from './payload-segments.js';

/** The cache kind of segment entries (the key itself carries the segment layout version). */
const KIND = 'payload-segment-v2';
const PIECE = 1 << 20;

interface SegmentInfo {
  length: number;
  digests: string;
  crc: number;
}

/** A file of a tree manifest (src/cache/cache-store.ts TreeFile): what digestOf needs of it. */
interface KnownFile {
  path: string;
  type: string;
  sha256?: string;
}

export class StoreSegmentCache implements SegmentCache {
  /**
   * Segments found (verified) and not found; of those not found, the ones that were there but
   * damaged (corrupted, truncated: discarded by the store); segments stored.
   */
  readonly stats = { hits: 0, misses: 0, rejected: 0, stored: 0 };

  /**
   * Files whose content is known: per tree directory, each file's index by its path in the tree,
   * and the digests one after the other (32 bytes each). Compact on purpose: 42k files cost a few
   * MB this way, twice that as a map of hex strings by absolute path.
   */
  private readonly known: { dir: string; index: Map<string, number>; digests: Buffer }[] = [];

  constructor(private readonly store: CacheStore) {}

  /**
   * Records the digests of a tree's files, laid out under `dir`: the install cache's manifest of a
   * tree it has just restored (each file verified) or stored (each file hashed) there. Nothing
   * may change those files before the payload is written, unless `forget` is told.
   */
  learnTree(dir: string, files: readonly KnownFile[]): void {
    const index = new Map<string, number>();
    let count = 0;
    for (const file of files) if (file.type === 'file' && file.sha256) count++;
    const digests = Buffer.alloc(32 * count);
    for (const file of files) {
      if (file.type !== 'file' || !file.sha256) continue;
      if (digests.write(file.sha256, 32 * index.size, 'hex') !== 32) continue;
      index.set(file.path, index.size);
    }
    this.known.push({ dir: `${dir}/`, index, digests });
  }

  /** A file changed after its tree was learned (strip rewrote it): its digest is no longer known. */
  forget(file: string): void {
    for (const tree of this.known) if (file.startsWith(tree.dir)) tree.index.delete(file.slice(tree.dir.length));
  }

  digestOf(file: string): Buffer | undefined {
    for (const tree of this.known) {
      if (!file.startsWith(tree.dir)) continue;
      const i = tree.index.get(file.slice(tree.dir.length));
      if (i !== undefined) return tree.digests.subarray(32 * i, 32 * i + 32);
    }
    return undefined;
  }

  async get(key: string): Promise<CachedSegment | undefined> {
    const blob = await this.store.getBlob(KIND, key, () => this.stats.rejected++);
    const info = blob?.info as Partial<SegmentInfo> | undefined;
    if (
      !blob ||
      !info ||
      !Number.isSafeInteger(info.length) ||
      typeof info.digests !== 'string' ||
      !Number.isInteger(info.crc) ||
      info.crc! < 0 ||
      info.crc! > 0xffffffff
    ) {
      await blob?.close();
      if (blob) this.stats.rejected++;
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    const fd = blob.fd;
    let piece: Buffer | undefined;
    return {
      length: info.length!,
      digests: Buffer.from(info.digests, 'hex'),
      crc: info.crc!,
      size: blob.size,
      copy: (write) => {
        piece ??= Buffer.allocUnsafe(Math.min(PIECE, Math.max(1, blob.size)));
        for (let done = 0; done < blob.size;) {
          const n = readSync(fd, piece, 0, Math.min(piece.length, blob.size - done), done);
          if (n === 0) throw new Error(`${blob.path} was truncated while being copied`);
          write(piece.subarray(0, n));
          done += n;
        }
      },
      release: () => blob.close(),
    };
  }

  async put(key: string, segment: CachedSegment): Promise<void> {
    const info: SegmentInfo = { length: segment.length, digests: segment.digests.toString('hex'), crc: segment.crc };
    const stored = await this.store
      .putBlob(
        KIND,
        key,
        async (file) => {
          const fd = openSync(file, 'w');
          try {
            segment.copy((bytes) => {
              let offset = 0;
              while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
            });
          } finally {
            closeSync(fd);
          }
        },
        info,
      )
      // A cache that cannot be written costs speed, not the build.
      .catch(() => false);
    if (stored) this.stats.stored++;
  }
}
