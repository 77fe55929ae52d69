// gzip on every core, the way pigz does it: the input is cut into fixed-size chunks, each chunk
// is deflated on libuv's thread pool with the previous 32 KiB as its dictionary and ends in a
// sync flush, and the raw deflate pieces are joined in order into one gzip member (RFC 1952)
// with a CRC-32 computed over the whole input. Chunk boundaries depend on the data's length only,
// never on the number of workers, so the output is the same on any machine.
import os from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { constants, crc32, createDeflateRaw, deflateRaw, type ZlibOptions } from 'node:zlib';
import { collectGarbage } from './collect-garbage.js';

/** 1 MiB: big enough that the per-chunk restart costs nothing measurable in ratio. */
export const GZIP_CHUNK = 1 << 20;
const WINDOW = 32 * 1024;
/** Chunks between two full collections when output buffers are reused (see collect-garbage.ts). */
const COLLECT_EVERY = 128;
let chunksSinceCollection = 0;
/**
 * zlib's output buffer per job: room for any chunk's deflated form (incompressible input grows
 * by a few bytes per 64 KiB), so a chunk completes in one thread-pool round trip, not one per
 * 16 KiB. The size is also what keeps peak memory flat on big trees: buffers this large are
 * mapped and unmapped on their own by glibc and only the pages zlib wrote (a fifth, for
 * node_modules) are resident, where 256 KiB buffers came from the heap arena, which kept every
 * one V8 had not collected yet (corpus x4: 134-195 MiB peak from run to run, now 140-150). The
 * price: V8 counts 4x more external memory and collects more often, ~4% more CPU.
 */
const OUTPUT_BUFFER = GZIP_CHUNK + 64 * 1024;

export interface ParallelGzipOptions {
  level: number;
  /** Cores to use (default: all); one more chunk is kept in flight so none idles. */
  concurrency?: number;
  chunkSize?: number;
}

interface Job {
  chunk: Buffer;
  output: Promise<Deflated>;
  /** The segment (restart count) the chunk belongs to. */
  segment: number;
}

interface Deflated {
  piece: Buffer;
  /** The buffer zlib wrote the piece into, to reuse once the piece is consumed. */
  buffer: Buffer | undefined;
}

/**
 * The engine: chunks in (each but the last of the same size, decided by the caller), deflated
 * pieces out in order. `release` gets each input chunk back once its piece is taken.
 */
export class ParallelDeflate {
  private readonly level: number;
  private readonly concurrency: number | (() => number);
  private readonly release: (chunk: Buffer) => void;
  private readonly jobs: Job[] = [];
  private readonly dictionary = Buffer.allocUnsafeSlow(WINDOW);
  private dictionaryLength = 0;
  private crc = 0;
  private total = 0;
  private readonly reuseOutput: boolean;
  private readonly outputs: Buffer[] = [];
  private lent: Buffer | undefined;
  private segment = 0;
  /** The segment of the piece `next()` returned last. */
  takenSegment = 0;

  /**
   * `reuseOutput`: the caller is done with each piece before it asks for the next one, so the
   * buffers zlib writes into are handed to later jobs instead of being allocated per chunk
   * (V8 would count 1 MiB of new external memory per chunk and collect that much more often).
   */
  /** `concurrency` may be a function, asked each time (cores shared with other writers). */
  constructor(options: {
    level: number;
    concurrency?: number | (() => number);
    release?: (chunk: Buffer) => void;
    reuseOutput?: boolean;
  }) {
    this.level = options.level;
    this.concurrency = options.concurrency ?? os.availableParallelism();
    this.release = options.release ?? (() => {});
    this.reuseOutput = options.reuseOutput ?? false;
  }

  /** RFC 1952 header: no name, mtime 0 (reproducible), XFL from the level, OS 3 (Unix) as zlib writes. */
  header(): Buffer {
    const xfl = this.level >= 9 ? 2 : this.level <= 1 ? 4 : 0;
    return Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3]);
  }

  /** Starts deflating a chunk; the last one ends the deflate stream (BFINAL). */
  push(chunk: Buffer, last: boolean): void {
    this.crc = crc32(chunk, this.crc);
    this.total += chunk.length;
    const options: ZlibOptions = {
      level: this.level,
      chunkSize: Math.max(OUTPUT_BUFFER, chunk.length + 64 * 1024),
      ...(this.dictionaryLength ? { dictionary: this.dictionary.subarray(0, this.dictionaryLength) } : {}), // zlib copies it
      finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
    };
    if (this.reuseOutput && ++chunksSinceCollection === COLLECT_EVERY) {
      chunksSinceCollection = 0;
      collectGarbage();
    }
    const output = this.reuseOutput
      ? deflateInto(chunk, options, this.outputs.pop())
      : new Promise<Deflated>((resolve, reject) =>
          deflateRaw(chunk, options, (error, piece) => (error ? reject(error) : resolve({ piece, buffer: undefined }))),
        );
    output.catch(() => {}); // observed when taken in order; avoids an unhandled rejection meanwhile
    this.jobs.push({ chunk, output, segment: this.segment });
    // The next dictionary: the last 32 KiB of everything so far.
    if (chunk.length >= WINDOW) {
      chunk.copy(this.dictionary, 0, chunk.length - WINDOW);
      this.dictionaryLength = WINDOW;
    } else {
      const keep = Math.min(this.dictionaryLength, WINDOW - chunk.length);
      this.dictionary.copy(this.dictionary, 0, this.dictionaryLength - keep, this.dictionaryLength);
      chunk.copy(this.dictionary, keep);
      this.dictionaryLength = keep + chunk.length;
    }
  }

  /**
   * Starts a new segment: the next chunk is deflated without a dictionary, so the pieces from
   * here on decode without anything before them and a segment's pieces are the same bytes
   * wherever it stands in the stream (payload-segments.ts). Only the CRC runs on.
   */
  restart(): void {
    this.dictionaryLength = 0;
    this.segment++;
  }

  /** CRC-32 of everything pushed or skipped so far. */
  get runningCrc(): number {
    return this.crc;
  }

  /**
   * Accounts for a segment deflated elsewhere (a cached one, written by the caller between
   * pieces): `length` input bytes whose CRC-32, continued from runningCrc, is `crcAfter`.
   * It counts as a segment of its own; the next chunk starts another.
   */
  skip(length: number, crcAfter: number): void {
    this.crc = crcAfter;
    this.total += length;
    this.dictionaryLength = 0;
    this.segment++;
  }

  /** The segment the next pushed chunk belongs to (or the next skipped one). */
  get currentSegment(): number {
    return this.segment;
  }

  /** Chunks being deflated or not yet taken. */
  get pending(): number {
    return this.jobs.length;
  }

  /** True when enough chunks are in flight to keep every core busy (bounded memory). */
  get busy(): boolean {
    const concurrency = typeof this.concurrency === 'function' ? this.concurrency() : this.concurrency;
    return this.jobs.length > Math.max(1, concurrency);
  }

  /** The oldest chunk's deflated piece. */
  async next(): Promise<Buffer> {
    if (this.lent) this.outputs.push(this.lent); // the previous piece was consumed
    this.lent = undefined;
    const job = this.jobs.shift()!;
    const { piece, buffer } = await job.output;
    this.takenSegment = job.segment;
    this.release(job.chunk);
    if (this.reuseOutput && buffer && buffer.length >= OUTPUT_BUFFER) this.lent = buffer;
    return piece;
  }

  /** RFC 1952 trailer: CRC-32 and length mod 2^32 of everything pushed. */
  trailer(): Buffer {
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.total % 2 ** 32, 4);
    return trailer;
  }
}

/**
 * zlib.deflateRaw, but writing into `out` (or a new buffer that the caller may reuse): zlib's
 * streams allocate their output buffer when created, so the stream is created with the smallest
 * one and given `out` instead. Same stream, same flushes, so the same bytes. Should a Node
 * version lay out its streams differently, zlib's own buffer is used.
 */
function deflateInto(chunk: Buffer, options: ZlibOptions, out: Buffer | undefined): Promise<Deflated> {
  return new Promise((resolve, reject) => {
    const size = options.chunkSize!;
    let engine = createDeflateRaw({ ...options, chunkSize: constants.Z_MIN_CHUNK });
    const internal = engine as unknown as { _outBuffer?: unknown; _outOffset?: unknown; _chunkSize?: unknown };
    let buffer: Buffer | undefined;
    if (
      internal._chunkSize === constants.Z_MIN_CHUNK &&
      internal._outOffset === 0 &&
      Buffer.isBuffer(internal._outBuffer) &&
      internal._outBuffer.length === constants.Z_MIN_CHUNK
    ) {
      buffer = out && out.length === size ? out : Buffer.allocUnsafeSlow(size);
      internal._outBuffer = buffer;
      internal._chunkSize = size;
    } else {
      engine.close();
      engine = createDeflateRaw(options);
    }
    const pieces: Buffer[] = [];
    let length = 0;
    engine.on('data', (piece: Buffer) => {
      pieces.push(piece);
      length += piece.length;
    });
    engine.once('error', (error) => {
      engine.close();
      reject(error);
    });
    engine.once('end', () => {
      engine.close();
      resolve({ piece: pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, length), buffer });
    });
    engine.end(chunk);
  });
}

/** A Transform that writes one gzip member, deflating chunks in parallel. */
export function createParallelGzip(options: ParallelGzipOptions): Transform {
  const chunkSize = options.chunkSize ?? GZIP_CHUNK;
  const deflate = new ParallelDeflate({
    level: options.level,
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
  });
  let buffered: Buffer[] = [];
  let bufferedLength = 0;
  let headerSent = false;

  const takeChunk = (): Buffer => {
    const all = buffered.length === 1 ? buffered[0]! : Buffer.concat(buffered);
    const chunk = all.subarray(0, chunkSize);
    const rest = all.subarray(chunkSize);
    buffered = rest.length ? [rest] : [];
    bufferedLength = rest.length;
    return chunk;
  };

  return new Transform({
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- every path ends in callback(); the promise never rejects
    async transform(data: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        if (!headerSent) {
          this.push(deflate.header());
          headerSent = true;
        }
        buffered.push(data);
        bufferedLength += data.length;
        while (bufferedLength > chunkSize) {
          deflate.push(takeChunk(), false);
          while (deflate.busy) this.push(await deflate.next());
        }
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- every path ends in callback(); the promise never rejects
    async flush(callback: TransformCallback) {
      try {
        if (!headerSent) this.push(deflate.header());
        // The remaining bytes (up to one chunk, possibly none) end the stream with BFINAL.
        deflate.push(buffered.length ? Buffer.concat(buffered) : Buffer.alloc(0), true);
        buffered = [];
        while (deflate.pending) this.push(await deflate.next());
        this.push(deflate.trailer());
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}
