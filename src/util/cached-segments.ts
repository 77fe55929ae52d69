// Payload segments (payload-segments.ts) kept in the build cache (src/cache/cache-store.ts): one
// blob per segment, its uncompressed length, CRC-32 and file digests in the entry's info. The
// store verifies the blob on every hit (cache-store.ts getBlob); the info's shape is checked here. File digests
// known without reading (src/contents/known-files.ts) come through it to the segment keys.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import type { CacheStore } from '../cache/cache-store.js';
import type { KnownFiles } from '../contents/known-files.js';
import type { CachedSegment, SegmentCache } from './payload-segments.js';

/** The cache kind of segment entries (the key itself carries the segment layout version). */
const KIND = 'payload-segment-v2';
const PIECE = 1 << 20;
/**
 * The one buffer segments are copied through: a copy is synchronous (reads and writes block) and
 * `write` keeps nothing, so one serves every segment (a buffer per segment, 634 on the corpus,
 * was garbage V8 counted as external memory, collected in extra scavenges).
 */
let piece: Buffer | undefined;

interface SegmentInfo {
  length: number;
  digests: string;
  crc: number;
}

export class StoreSegmentCache implements SegmentCache {
  /**
   * Segments found (verified) and not found; of those not found, the ones that were there but
   * damaged (corrupted, truncated: discarded by the store); segments stored.
   */
  readonly stats = { hits: 0, misses: 0, rejected: 0, stored: 0 };

  /** `known`: files whose digests are known without reading them (an installed tree from the cache). */
  constructor(
    private readonly store: CacheStore,
    private readonly known?: KnownFiles,
  ) {}

  digestOf(file: string): Buffer | undefined {
    return this.known?.digestOf(file);
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
    return {
      length: info.length!,
      digests: Buffer.from(info.digests, 'hex'),
      crc: info.crc!,
      size: blob.size,
      copy: (write) => {
        piece ??= Buffer.allocUnsafeSlow(PIECE);
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
