// gzip on every core, the way pigz does it: the input is cut into fixed-size chunks, each chunk
// is deflated on libuv's thread pool with the previous 32 KiB as its dictionary and ends in a
// sync flush, and the raw deflate pieces are joined in order into one gzip member (RFC 1952)
// with a CRC-32 computed over the whole input. Chunk boundaries depend on the data's length only,
// never on the number of workers, so the output is the same on any machine.
import os from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { constants, crc32, deflateRaw } from 'node:zlib';
import { promisify } from 'node:util';

const deflateRawAsync = promisify(deflateRaw) as (buffer: Buffer, options: object) => Promise<Buffer>;

/** 1 MiB: big enough that the per-chunk restart costs nothing measurable in ratio. */
export const GZIP_CHUNK = 1 << 20;
const WINDOW = 32 * 1024;

export interface ParallelGzipOptions {
  level: number;
  /** Cores to use (default: all); one more chunk is kept in flight so none idles. */
  concurrency?: number;
  chunkSize?: number;
}

/** A Transform that writes one gzip member, deflating chunks in parallel. */
export function createParallelGzip(options: ParallelGzipOptions): Transform {
  const { level } = options;
  const chunkSize = options.chunkSize ?? GZIP_CHUNK;
  const concurrency = Math.max(1, options.concurrency ?? os.availableParallelism());
  const pending: Promise<Buffer>[] = [];
  let buffered: Buffer[] = [];
  let bufferedLength = 0;
  let dictionary: Buffer = Buffer.alloc(0);
  let crc = 0;
  let total = 0;
  let headerSent = false;

  const dispatch = (chunk: Buffer, last: boolean) => {
    crc = crc32(chunk, crc);
    total += chunk.length;
    const job = deflateRawAsync(chunk, {
      level,
      ...(dictionary.length ? { dictionary } : {}),
      finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
    });
    job.catch(() => {}); // observed when awaited in order; avoids an unhandled rejection meanwhile
    pending.push(job);
    dictionary = chunk.length >= WINDOW ? chunk.subarray(chunk.length - WINDOW) : Buffer.concat([dictionary, chunk]).subarray(-WINDOW);
  };

  const takeChunk = (): Buffer => {
    const all = buffered.length === 1 ? buffered[0]! : Buffer.concat(buffered);
    const chunk = all.subarray(0, chunkSize);
    const rest = all.subarray(chunkSize);
    buffered = rest.length ? [rest] : [];
    bufferedLength = rest.length;
    return chunk;
  };

  return new Transform({
    async transform(data: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        if (!headerSent) {
          this.push(gzipHeader(level));
          headerSent = true;
        }
        buffered.push(data);
        bufferedLength += data.length;
        while (bufferedLength > chunkSize) {
          dispatch(takeChunk(), false);
          // Backpressure: a bounded number of chunks in flight (bounded memory).
          while (pending.length > concurrency) this.push(await pending.shift()!);
        }
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    async flush(callback: TransformCallback) {
      try {
        if (!headerSent) this.push(gzipHeader(level));
        // The remaining bytes (up to one chunk, possibly none) end the stream with BFINAL.
        dispatch(buffered.length ? Buffer.concat(buffered) : Buffer.alloc(0), true);
        buffered = [];
        while (pending.length) this.push(await pending.shift()!);
        const trailer = Buffer.alloc(8);
        trailer.writeUInt32LE(crc >>> 0, 0);
        trailer.writeUInt32LE(total % 2 ** 32, 4);
        this.push(trailer);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}

/** RFC 1952 header: no name, mtime 0 (reproducible), XFL from the level, OS 3 (Unix) as zlib writes. */
function gzipHeader(level: number): Buffer {
  const xfl = level >= 9 ? 2 : level <= 1 ? 4 : 0;
  return Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 3]);
}
