// Chunk sinks that compress an archive into a file: gzip deflated on every core (parallel-gzip.ts),
// xz and zstd through their programs (fixed thread counts, so the bytes do not depend on the
// machine), or no compression. Output is written with blocking writes as it comes, counted and,
// when asked, hashed (the rpm payload digest), so nothing is read back for it.
import { createHash, type Hash } from 'node:crypto';
import os from 'node:os';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import type { ChunkSink, ReleaseChunk } from './chunk-writer.js';
import { compressorCommand, type Compression } from './compression.js';
import { ParallelDeflate } from './parallel-gzip.js';
import { spawnFilter } from './spawn-filter.js';

/** A file being written: size so far and, optionally, its sha256. */
export class OutputFile {
  size = 0;
  private readonly fd: number;
  private readonly hash: Hash | undefined;

  constructor(file: string, sha256: boolean) {
    this.fd = openSync(file, 'w');
    this.hash = sha256 ? createHash('sha256') : undefined;
  }

  readonly write = (data: Uint8Array): void => {
    this.hash?.update(data);
    let offset = 0;
    while (offset < data.length) offset += writeSync(this.fd, data, offset, data.length - offset);
    this.size += data.length;
  };

  /** sha256 hex of everything written (when asked for at creation). */
  digest(): string {
    return this.hash!.digest('hex');
  }

  close(): void {
    closeSync(this.fd);
  }
}

let readBuffer: Buffer | undefined;

/**
 * Feeds a file's bytes to `use` in pieces of one reused 1 MiB buffer (blocking reads): `use`
 * must not keep a piece. For the passes over a scratch file (ar container, rpm digests).
 */
export function forEachPiece(file: string, use: (piece: Buffer) => void): void {
  readBuffer ??= Buffer.allocUnsafeSlow(1 << 20);
  const fd = openSync(file, 'r');
  try {
    for (let n; (n = readSync(fd, readBuffer, 0, readBuffer.length, null)) > 0;) use(readBuffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

/** A sink compressing chunks into `out`; chunks go back through `release` once consumed. */
export function compressingSink(
  compression: Compression,
  level: number,
  out: OutputFile,
  release: ReleaseChunk,
): ChunkSink {
  switch (compression) {
    case 'gzip':
      return new GzipSink(level, out, release);
    case 'none':
      return {
        push(chunk) {
          out.write(chunk);
          release(chunk);
        },
        busy: false,
        drain: async () => {},
        finish: async () => {},
      };
    default: {
      const [file, args] = compressorCommand(compression, level);
      return new ProcessSink(file, args, out, release);
    }
  }
}

/** gzip sinks writing now: they share the cores (deb and rpm built together). */
let activeGzipSinks = 0;
/** The cores, asked once: the share below is checked after every segment and file chunk. */
let cores: number | undefined;

/**
 * A sink whose output restarts at segment boundaries (gzip, none): the output offset where each
 * segment begins is recorded, and a segment compressed earlier can be written in its place.
 */
export interface SegmentingSink extends ChunkSink {
  boundary(): void;
  /** Output offset of each segment's first byte, by segment number (0 for the first). */
  readonly segmentStarts: readonly number[];
  /** CRC-32 of all input so far (0 for sinks that keep none). */
  readonly runningCrc: number;
  /**
   * Writes a segment compressed earlier after everything pushed so far: `copy` writes its bytes;
   * it held `length` input bytes, and `crcAfter` is runningCrc continued over them.
   */
  insert(copy: (write: (bytes: Uint8Array) => void) => void, length: number, crcAfter: number): Promise<void>;
}

/** gzip: chunks deflated on the thread pool, written in order as they complete. */
class GzipSink implements SegmentingSink {
  private readonly deflate: ParallelDeflate;
  private active = true;
  readonly segmentStarts: number[] = [];

  constructor(
    level: number,
    private readonly out: OutputFile,
    release: ReleaseChunk,
  ) {
    // Cores divided among the gzip sinks writing at the same time: two formats together keep
    // as many chunks in flight as one alone (the cores are as busy, half the buffers).
    activeGzipSinks++;
    this.deflate = new ParallelDeflate({
      level,
      release,
      reuseOutput: true,
      concurrency: () => Math.floor((cores ??= os.availableParallelism()) / activeGzipSinks),
    });
  }

  private done(): void {
    if (this.active) activeGzipSinks--;
    this.active = false;
  }

  push(chunk: Buffer, last: boolean): void {
    if (this.out.size === 0) this.out.write(this.deflate.header());
    this.deflate.push(chunk, last);
  }

  get busy(): boolean {
    return this.deflate.busy;
  }

  async drain(): Promise<void> {
    while (this.deflate.busy) this.writePiece(await this.deflate.next());
  }

  boundary(): void {
    this.deflate.restart();
  }

  get runningCrc(): number {
    return this.deflate.runningCrc;
  }

  async insert(copy: (write: (bytes: Uint8Array) => void) => void, length: number, crcAfter: number): Promise<void> {
    if (this.out.size === 0) this.out.write(this.deflate.header());
    while (this.deflate.pending) this.writePiece(await this.deflate.next());
    this.markStart(this.deflate.currentSegment);
    copy(this.out.write);
    this.deflate.skip(length, crcAfter);
  }

  async finish(): Promise<void> {
    try {
      while (this.deflate.pending) this.writePiece(await this.deflate.next());
    } finally {
      this.done();
    }
    this.out.write(this.deflate.trailer());
  }

  private writePiece(piece: Buffer): void {
    this.markStart(this.deflate.takenSegment);
    this.out.write(piece);
  }

  private markStart(segment: number): void {
    while (this.segmentStarts.length <= segment) this.segmentStarts.push(this.out.size);
  }

  abort(): void {
    this.done();
  }
}

/** xz or zstd as a child process: chunks into its stdin, its stdout into the file. */
class ProcessSink implements ChunkSink {
  private readonly filter;

  constructor(
    file: string,
    args: readonly string[],
    out: OutputFile,
    private readonly release: ReleaseChunk,
  ) {
    this.filter = spawnFilter(file, args, out.write);
  }

  push(chunk: Buffer): void {
    this.filter.write(chunk, () => this.release(chunk));
  }

  get busy(): boolean {
    return this.filter.busy;
  }

  drain(): Promise<void> {
    return this.filter.drain();
  }

  finish(): Promise<void> {
    return this.filter.end();
  }

  abort(): void {
    this.filter.kill();
  }
}
