// A payload (data.tar, the rpm's cpio) written as segments: the archive members of each npm
// package directory, and of each other top-level part of the tree, are compressed independently
// of what comes before them (gzip: deflate restarted, the CRC carried on; docs/internals/payload-segments.md).
// The cut points depend on the paths only, so the bytes are the same with or without a cache;
// with one, a segment whose exact uncompressed bytes (names, modes, sizes, contents) were
// compressed before with the same settings is copied from it, with the file digests and the CRC
// computed then, instead of being compressed again. A segment is looked up by its archive
// headers and its files' SHA-256 digests: known without reading for the files of a cached
// install (src/cache/cache-store.ts records them), read and hashed for the others.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import type { FileEntry } from '../contents/content-entry.js';
import { ChunkWriter, type ChunkSink } from './chunk-writer.js';
import { compressingSink, type OutputFile, type SegmentingSink } from './compress-sink.js';
import type { Compression } from './compression.js';
import { crc32Combine, crc32OfSuffix } from './crc32-combine.js';
import { GZIP_CHUNK } from './parallel-gzip.js';

/** What a cached segment holds, as the writer reads it back. */
export interface CachedSegment {
  /** Uncompressed bytes the segment stands for. */
  length: number;
  /** The per-file digests computed when it was written (see SegmentedPayload.segment). */
  digests: Buffer;
  /** CRC-32 of the uncompressed bytes, on their own (from 0). */
  crc: number;
  /** Compressed size. */
  size: number;
  /** Writes the compressed bytes (blocking reads of an entry already verified). */
  copy(write: (bytes: Uint8Array) => void): void;
  /** Called once the segment was used or turned down (closes the entry). */
  release?(): Promise<void>;
}

/** Compressed segments by key; entries that fail verification are treated as absent. */
export interface SegmentCache {
  get(key: string): Promise<CachedSegment | undefined>;
  put(key: string, segment: CachedSegment): Promise<void>;
  /**
   * The SHA-256 of a file's content when it is known without reading it (a file of an installed
   * tree restored from the build cache, verified then); undefined: the file is read and hashed.
   */
  digestOf?(file: string): Buffer | undefined;
}

/** The payloads that are segmented, and so what a segment key is scoped to. */
export type PayloadKind = 'deb-data-tar' | 'rpm-cpio';

/** Bumped when the segment layout or the way a segment is compressed changes. */
const LAYOUT_VERSION = 2;

/**
 * The segment a path belongs to: everything under one npm package directory
 * (".../node_modules/name" or ".../node_modules/@scope/name", nested node_modules included)
 * is one; any other path goes with its first three components ("opt/app/lib", "usr/share/doc").
 * Consecutive entries with the same id form a segment.
 */
export function segmentId(path: string): string {
  const at = path.indexOf('node_modules/');
  if (at !== -1 && (at === 0 || path.charCodeAt(at - 1) === 0x2f)) {
    const start = at + 'node_modules/'.length;
    let end = path.indexOf('/', start);
    if (end !== -1 && path.charCodeAt(start) === 0x40 /* @ */) end = path.indexOf('/', end + 1);
    return end === -1 ? path : path.slice(0, end);
  }
  let end = -1;
  for (let i = 0; i < 3; i++) {
    end = path.indexOf('/', end + 1);
    if (end === -1) return path;
  }
  return path.slice(0, end);
}

/** Consecutive entries with the same segmentId, in order. */
export function* segmentRuns<T extends { path: string }>(entries: Iterable<T>): Generator<T[]> {
  let run: T[] = [];
  let id: string | undefined;
  for (const entry of entries) {
    const next = segmentId(entry.path);
    if (next !== id && run.length) {
      yield run;
      run = [];
    }
    id = next;
    run.push(entry);
  }
  if (run.length) yield run;
}

/**
 * Writes a segment's uncompressed bytes into `writer`; when `digests` is given, the digest of
 * each regular file goes into it, one after the other (`digestSize` bytes each). Called once,
 * or twice with a cache (the first time only to hash the bytes): it must write the same bytes.
 */
export type EmitSegment = (writer: ChunkWriter, digests: Buffer | undefined) => Promise<void>;

interface Missed {
  key: string;
  segment: number;
  length: number;
  digests: Buffer;
  crc: number;
}

export interface SegmentedPayloadOptions {
  kind: PayloadKind;
  compression: Compression;
  level: number;
  out: OutputFile;
  /** The file `out` writes, read back to store new segments. */
  outPath: string;
  /** Bytes of one digest (md5 16, sha256 32). */
  digestSize: number;
  cache?: SegmentCache | undefined;
}

/** One compressed payload, written segment by segment. */
export class SegmentedPayload {
  readonly writer: ChunkWriter;
  private readonly sink: ChunkSink;
  /** The sink when it restarts at boundaries and a cache is used; otherwise nothing is reused. */
  private readonly reusing: SegmentingSink | undefined;
  private readonly keyPrefix: string;
  private readonly missed: Missed[] = [];
  private segmentNumber = 0;
  private probe: SegmentProbe | undefined;
  /** Bytes hashed to look segments up, and bytes copied from the cache (for the bench's notes). */
  readonly stats = { segments: 0, reused: 0, reusedBytes: 0 };

  constructor(private readonly options: SegmentedPayloadOptions) {
    this.writer = new ChunkWriter(GZIP_CHUNK);
    this.sink = compressingSink(options.compression, options.level, options.out, this.writer.release);
    this.writer.attach(this.sink);
    const segmenting = 'segmentStarts' in this.sink && options.compression === 'gzip';
    this.reusing = segmenting && options.cache ? (this.sink as SegmentingSink) : undefined;
    // Everything besides the bytes that decides the compressed form: zlib's version included,
    // as another deflate may write other (equally valid) bytes, and the output must not depend
    // on which build filled the cache.
    this.keyPrefix = `pkgapp-segment ${LAYOUT_VERSION} ${options.kind} ${options.compression} ${options.level} ${GZIP_CHUNK} zlib ${process.versions.zlib}\n`;
  }

  /**
   * Writes one segment holding `files` regular files and returns their digests: computed by
   * `emit`, or those cached with the segment. `reuse: false` for segments not worth a lookup.
   */
  async segment(files: number, emit: EmitSegment, reuse = true): Promise<Buffer> {
    this.stats.segments++;
    const digests = Buffer.alloc(files * this.options.digestSize);
    const sink = this.reusing;
    if (sink && reuse) {
      const crcBefore = sink.runningCrc;
      const probe = await (this.probe ??= new SegmentProbe(this.options.cache!)).run(emit);
      const key = createHash('sha256').update(this.keyPrefix).update(probe.sha256).digest('hex');
      const cached = await this.options.cache!.get(key);
      if (cached && (cached.length !== probe.length || cached.digests.length !== digests.length))
        await cached.release?.();
      else if (cached) {
        try {
          await sink.insert(
            (write) => cached.copy(write),
            probe.length,
            crc32Combine(crcBefore, cached.crc, probe.length),
          );
        } finally {
          await cached.release?.();
        }
        this.writer.advance(probe.length);
        this.segmentNumber++;
        this.stats.reused++;
        this.stats.reusedBytes += probe.length;
        return cached.digests;
      }
      const totalBefore = this.writer.total;
      await this.emitInto(emit, digests);
      const length = this.writer.total - totalBefore;
      // A file that changed size between the probe and now fails the build (file-chunks.ts);
      // the length is checked here too so that nothing is ever stored under a wrong key.
      if (length === probe.length)
        this.missed.push({
          key,
          segment: this.segmentNumber - 1,
          length,
          digests,
          crc: crc32OfSuffix(crcBefore, sink.runningCrc, length),
        });
      return digests;
    }
    await this.emitInto(emit, digests);
    return digests;
  }

  /** Ends the compressed stream, then stores the segments compressed in this build. */
  async end(): Promise<void> {
    await this.writer.end();
    const cache = this.options.cache;
    if (!this.reusing || !cache || !this.missed.length) return;
    const starts = this.reusing.segmentStarts;
    const fd = openSync(this.options.outPath, 'r');
    try {
      for (const miss of this.missed) {
        const start = starts[miss.segment]!;
        const size = starts[miss.segment + 1]! - start;
        await cache.put(miss.key, {
          length: miss.length,
          digests: miss.digests,
          crc: miss.crc,
          size,
          copy: (write) => copyRange(fd, start, size, write),
        });
      }
    } finally {
      closeSync(fd);
    }
  }

  abort(): void {
    this.writer.abort();
  }

  private async emitInto(emit: EmitSegment, digests: Buffer): Promise<void> {
    await emit(this.writer, digests);
    this.writer.boundary();
    this.segmentNumber++;
    if (this.writer.busy) await this.writer.drain();
  }
}

/**
 * The key material of a segment: what an EmitSegment writes (headers, padding) with each file's
 * content replaced by a token naming it (its SHA-256, and how its head is rewritten), and the
 * length the real bytes have. Headers hold every size, so the token stream reads one way only:
 * two segments with the same stream have the same bytes. One chunk buffer for all segments.
 */
class SegmentProbe {
  private readonly writer = new ChunkWriter(GZIP_CHUNK);
  private sha = createHash('sha256');
  private readonly fileBuffer = Buffer.allocUnsafeSlow(1 << 20);
  private tokenBuffer = Buffer.allocUnsafe(256);

  constructor(private readonly cache: SegmentCache) {
    this.writer.attach({
      push: (chunk) => {
        this.sha.update(chunk);
        this.writer.release(chunk);
      },
      busy: false,
      drain: async () => {},
      finish: async () => {},
    });
    this.writer.contentToken = (entry) => this.token(entry);
  }

  async run(emit: EmitSegment): Promise<{ sha256: Buffer; length: number }> {
    this.sha = createHash('sha256');
    const before = this.writer.total;
    await emit(this.writer, undefined);
    this.writer.boundary(); // hands the last partial chunk to the hash
    return { sha256: this.sha.digest(), length: this.writer.total - before };
  }

  /**
   * "B" + SHA-256 of a generated body; "F", the head rewrite (insert length, skip, inserted bytes),
   * the file's size and its SHA-256. Written into one reused buffer (the writer copies it).
   */
  private token(entry: FileEntry): Buffer {
    const source = entry.source;
    if ('body' in source) {
      this.tokenBuffer.write('B', 0);
      createHash('sha256').update(source.body).digest().copy(this.tokenBuffer, 1);
      return this.tokenBuffer.subarray(0, 33);
    }
    const insert = entry.rewriteHead?.insert ?? EMPTY;
    const skip = entry.rewriteHead?.skip ?? 0;
    const length = 21 + insert.length + 32;
    if (this.tokenBuffer.length < length) this.tokenBuffer = Buffer.allocUnsafe(length);
    const token = this.tokenBuffer;
    token.write('F', 0);
    token.writeUInt32BE(insert.length, 1);
    token.writeDoubleBE(skip, 5);
    token.writeDoubleBE(entry.size - insert.length + skip, 13); // the file's own size
    insert.copy(token, 21);
    const digest = this.cache.digestOf?.(source.file) ?? this.hashFile(source.file);
    digest.copy(token, 21 + insert.length);
    return token.subarray(0, length);
  }

  private hashFile(file: string): Buffer {
    const hash = createHash('sha256');
    const fd = openSync(file, 'r');
    try {
      for (let n; (n = readSync(fd, this.fileBuffer, 0, this.fileBuffer.length, null)) > 0;)
        hash.update(this.fileBuffer.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    return hash.digest();
  }
}

const EMPTY = Buffer.alloc(0);

let copyBuffer: Buffer | undefined;

function copyRange(fd: number, start: number, size: number, write: (bytes: Uint8Array) => void): void {
  copyBuffer ??= Buffer.allocUnsafeSlow(1 << 20);
  let done = 0;
  while (done < size) {
    const n = readSync(fd, copyBuffer, 0, Math.min(copyBuffer.length, size - done), start + done);
    if (n === 0) throw new Error(`payload scratch file ended early (${done} of ${size} bytes at ${start})`);
    write(copyBuffer.subarray(0, n));
    done += n;
  }
}
