// An archive (tar, cpio) written straight into fixed-size chunks for the compressor: headers are
// copied in, file data is read into the chunk with blocking reads, and each full chunk is handed
// to the sink at once. No buffer per file, no promise per write: the producer waits only when
// the sink holds enough chunks (at most once per chunk), and the sink hands chunks back for reuse.
import { readSync } from 'node:fs';
import type { Hash } from 'node:crypto';
import type { FileEntry } from '../contents/content-entry.js';

/** Where full chunks go (a compressor writing a file). */
export interface ChunkSink {
  /**
   * Takes a chunk: every chunk but the last one of a segment (see boundary) is exactly
   * `chunkSize` bytes; the archive's last one holds the rest (empty for an empty archive, or
   * when the archive ended on a boundary). The sink owns it until it calls `release(chunk)`.
   */
  push(chunk: Buffer, last: boolean): void;
  /** True while the sink holds as much as it should. */
  readonly busy: boolean;
  /** Resolves once the sink is no longer busy (rejects with the sink's failure). */
  drain(): Promise<void>;
  /** Called once after the last push: resolves when everything is written. */
  finish(): Promise<void>;
  /** Stops after a failure elsewhere (a compressor process is killed). */
  abort?(): void;
  /**
   * A segment boundary (payload-segments.ts): the chunks pushed so far end a segment and the
   * next one starts an independently compressed one. Sinks that cannot restart ignore it.
   */
  boundary?(): void;
}

const PROBE = Buffer.alloc(1);

export type ReleaseChunk = (chunk: Buffer) => void;

export class ChunkWriter {
  /** Bytes written so far. */
  total = 0;
  /**
   * Set on a segment probe's writer (payload-segments.ts): a file's content goes in as a short
   * token naming it (its digest) instead of its bytes, written with `standIn`.
   */
  contentToken: ((entry: FileEntry) => Buffer) | undefined;
  private chunk: Buffer;
  private pos = 0;
  private readonly spare: Buffer[] = [];
  private sink!: ChunkSink;

  constructor(readonly chunkSize: number) {
    this.chunk = Buffer.allocUnsafeSlow(chunkSize);
  }

  /** Connects the sink (made with `release` below, so it exists after the writer). */
  attach(sink: ChunkSink): void {
    this.sink = sink;
  }

  /** Gives a chunk back once the sink is done with it. */
  readonly release: ReleaseChunk = (chunk) => {
    // A segment's short last chunk is a view of a whole chunk buffer: that buffer is reused too.
    if (chunk.byteOffset === 0 && chunk.buffer.byteLength === this.chunkSize && this.spare.length < 8)
      this.spare.push(chunk.length === this.chunkSize ? chunk : Buffer.from(chunk.buffer, 0, this.chunkSize));
  };

  get busy(): boolean {
    return this.sink.busy;
  }

  drain(): Promise<void> {
    return this.sink.drain();
  }

  /** Copies bytes into the archive. */
  write(data: Uint8Array): void {
    let offset = 0;
    while (offset < data.length) {
      const n = Math.min(data.length - offset, this.room());
      this.chunk.set(offset === 0 && n === data.length ? data : data.subarray(offset, offset + n), this.pos);
      this.pos += n;
      offset += n;
    }
    this.total += data.length;
  }

  /** Writes `token` in place of `length` bytes: `total` counts the bytes it stands for. */
  standIn(token: Buffer, length: number): void {
    this.write(token);
    this.total += length - token.length;
  }

  /** Writes `n` zero bytes (padding). */
  zeros(n: number): void {
    let left = n;
    while (left > 0) {
      const k = Math.min(left, this.room());
      this.chunk.fill(0, this.pos, this.pos + k);
      this.pos += k;
      left -= k;
    }
    this.total += n;
  }

  /**
   * Reads up to `length` bytes of `fd` from `position` into the archive, and one byte more to
   * notice a file that grew: returns how many bytes the file had there (`length + 1` when it
   * grew, in which case the extra byte is not part of the archive and the caller must fail).
   * Every byte kept goes through `hash`. Waits for the sink between chunks.
   */
  async readFrom(fd: number, length: number, position: number, hash: Hash | undefined): Promise<number> {
    let got = 0;
    for (;;) {
      if (got === length && this.pos === this.chunkSize) {
        // Only the probe for a grown file is left: never hand over a chunk for it.
        got += readSync(fd, PROBE, 0, 1, position + got);
        break;
      }
      const room = this.room();
      const n = readSync(fd, this.chunk, this.pos, Math.min(room, length - got + 1), position + got);
      if (n === 0) break;
      if (got + n > length) {
        got += n;
        break;
      }
      hash?.update(this.chunk.subarray(this.pos, this.pos + n));
      this.pos += n;
      got += n;
      this.total += n;
      if (this.pos === this.chunkSize && this.sink.busy) await this.sink.drain();
    }
    return got;
  }

  /**
   * Ends a segment: the partial chunk is handed over at once (so chunks restart at the segment's
   * first byte) and the sink is told; the segment's bytes never share a chunk with the next one's.
   */
  boundary(): void {
    if (this.pos > 0) {
      this.sink.push(this.chunk.subarray(0, this.pos), false);
      this.chunk = this.spare.pop() ?? Buffer.allocUnsafeSlow(this.chunkSize);
      this.pos = 0;
    }
    this.sink.boundary?.();
  }

  /** Counts `n` bytes written past the writer (a segment the sink copied in, at a boundary). */
  advance(n: number): void {
    this.total += n;
  }

  /** Hands over the last chunk and waits until the sink has written everything. */
  async end(): Promise<void> {
    const last = this.chunk.subarray(0, this.pos);
    this.sink.push(last, true);
    await this.sink.finish();
  }

  /** Stops the sink after a failure. */
  abort(): void {
    this.sink.abort?.();
  }

  /** Free bytes in the current chunk; a full chunk is handed over only when more bytes come, so the last chunk is never empty unless the archive is. */
  private room(): number {
    if (this.pos === this.chunkSize) {
      this.sink.push(this.chunk, false);
      this.chunk = this.spare.pop() ?? Buffer.allocUnsafeSlow(this.chunkSize);
      this.pos = 0;
    }
    return this.chunkSize - this.pos;
  }
}
