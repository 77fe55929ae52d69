import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, gunzipSync, inflateRawSync } from 'node:zlib';
import { execa } from 'execa';
import { createParallelGzip, ParallelDeflate } from '../../src/util/parallel-gzip.js';
import { which } from '../helpers/tools.js';

async function gzip(
  input: Buffer,
  options: { level: number; concurrency?: number; chunkSize?: number },
  pieces = 7,
): Promise<Buffer> {
  const out: Buffer[] = [];
  const step = Math.max(1, Math.ceil(input.length / pieces));
  const parts = Array.from({ length: Math.ceil(input.length / step) }, (_, i) =>
    input.subarray(i * step, (i + 1) * step),
  );
  await pipeline(Readable.from(parts), createParallelGzip(options), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) out.push(chunk);
  });
  return Buffer.concat(out);
}

/** Compressible but varied data: text with random words. */
function sample(size: number): Buffer {
  const words = ['const', 'function', 'require', 'module.exports', '=>', '{', '}', 'return', 'null', 'undefined'];
  let text = '';
  const noise = randomBytes(size);
  for (let i = 0; text.length < size; i++)
    text += `${words[noise[i % size]! % words.length]} ${noise[i % size]! % 97}\n`;
  return Buffer.from(text.slice(0, size));
}

test('round-trips through zlib and gzip -t, for empty, small and multi-chunk inputs', async () => {
  // gzip -t is a second opinion when the program is there; zlib's inflate alone needs no tool.
  const gzipProgram = which('gzip');
  for (const size of [0, 1, 1000, 65536, 3 * 65536 + 17]) {
    const input = sample(size);
    const compressed = await gzip(input, { level: 6, chunkSize: 65536 });
    assert.deepEqual(gunzipSync(compressed), input, `size ${size}`);
    if (gzipProgram) await execa(gzipProgram, ['-t'], { input: compressed });
  }
});

test('the output does not depend on the number of workers or on how the input is split', async () => {
  const input = sample(5 * 65536 + 123);
  const one = await gzip(input, { level: 6, concurrency: 1, chunkSize: 65536 }, 1);
  const four = await gzip(input, { level: 6, concurrency: 4, chunkSize: 65536 }, 13);
  assert.ok(one.equals(four));
});

test('the ratio stays close to single-stream gzip (dictionary carried across chunks)', async () => {
  const input = sample(4 << 20);
  const parallel = await gzip(input, { level: 6 });
  const { gzipSync } = await import('node:zlib');
  const single = gzipSync(input, { level: 6 });
  assert.ok(parallel.length < single.length * 1.01, `${parallel.length} vs ${single.length}`);
});

// Per-module checks of src/util/parallel-gzip.ts against zlib's own inflate (no external tool).

/** Splits `input` into writes of `size` bytes (the last one shorter) and gzips them. */
async function gzipInWrites(
  input: Buffer,
  writeSize: number,
  options: { level: number; concurrency?: number; chunkSize?: number },
): Promise<Buffer> {
  const writes: Buffer[] = [];
  for (let i = 0; i < input.length; i += writeSize) writes.push(input.subarray(i, i + writeSize));
  const out: Buffer[] = [];
  await pipeline(Readable.from(writes), createParallelGzip(options), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) out.push(chunk);
  });
  return Buffer.concat(out);
}

/** The deflate pieces of `input` cut into `chunkSize` chunks, one ParallelDeflate call per chunk. */
async function deflatePieces(
  input: Buffer,
  chunkSize: number,
  options: { level: number; concurrency?: number; reuseOutput?: boolean; release?: (c: Buffer) => void },
): Promise<{ header: Buffer; pieces: Buffer[]; trailer: Buffer }> {
  const deflate = new ParallelDeflate(options);
  const pieces: Buffer[] = [];
  const chunks: Buffer[] = [];
  for (let i = 0; i < input.length || chunks.length === 0; i += chunkSize)
    chunks.push(input.subarray(i, i + chunkSize));
  for (const [i, chunk] of chunks.entries()) {
    deflate.push(chunk, i === chunks.length - 1);
    // With reused output buffers a piece is valid until the next call: copy it at once.
    while (deflate.busy) pieces.push(Buffer.from(await deflate.next()));
  }
  while (deflate.pending) pieces.push(Buffer.from(await deflate.next()));
  return { header: deflate.header(), pieces, trailer: deflate.trailer() };
}

test('writes of 1 byte, 65535 bytes and 1 MiB + 1 inflate to the input, and give the same bytes as one write', async () => {
  const small = sample(20_000);
  const one = await gzipInWrites(small, small.length, { level: 6, chunkSize: 4096, concurrency: 1 });
  const bytewise = await gzipInWrites(small, 1, { level: 6, chunkSize: 4096, concurrency: 3 });
  assert.deepEqual(inflateGzip(bytewise), small);
  assert.ok(bytewise.equals(one));

  const large = Buffer.concat([sample(3 << 20), randomBytes((1 << 20) + 3)]);
  const reference = await gzipInWrites(large, large.length, { level: 6, concurrency: 1 });
  assert.deepEqual(inflateGzip(reference), large);
  for (const writeSize of [65535, (1 << 20) + 1, 7777]) {
    const out = await gzipInWrites(large, writeSize, { level: 6 });
    assert.ok(out.equals(reference), `writes of ${writeSize} bytes`);
  }
});

test('empty input: a valid gzip member of nothing, with or without empty writes', async () => {
  const none = await gzipInWrites(Buffer.alloc(0), 1, { level: 6 });
  assert.deepEqual(inflateGzip(none), Buffer.alloc(0));
  assert.equal(none.subarray(-8).toString('hex'), '0000000000000000'); // CRC-32 and ISIZE of nothing
  const out: Buffer[] = [];
  await pipeline(
    Readable.from([Buffer.alloc(0), Buffer.alloc(0)]),
    createParallelGzip({ level: 6 }),
    async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) out.push(chunk);
    },
  );
  assert.ok(Buffer.concat(out).equals(none));
  const pieces = await deflatePieces(Buffer.alloc(0), 1024, { level: 6 });
  assert.ok(Buffer.concat([pieces.header, ...pieces.pieces, pieces.trailer]).equals(none));
});

test('inputs at the chunk boundaries and chunk sizes below the 32 KiB window inflate to the input', async () => {
  for (const chunkSize of [1, 1000, 32 * 1024 - 1, 32 * 1024, 40_000]) {
    const input = sample(chunkSize === 1 ? 3000 : 150_000);
    for (const size of [chunkSize - 1, chunkSize, chunkSize + 1, 3 * chunkSize, input.length].filter(
      (n) => n >= 0 && n <= input.length,
    )) {
      const data = input.subarray(0, size);
      const out = await gzipInWrites(data, 997, { level: 6, chunkSize });
      assert.deepEqual(inflateGzip(out), data, `chunk ${chunkSize}, ${size} bytes`);
    }
  }
});

test('many small writes with many workers: same bytes as a sequential run, at every level', async () => {
  const input = Buffer.concat([sample(300_000), randomBytes(70_000), Buffer.alloc(100_000, 0x20)]);
  for (const level of [1, 6, 9]) {
    const sequential = await gzipInWrites(input, input.length, { level, chunkSize: 65536, concurrency: 1 });
    const parallel = await gzipInWrites(input, 513, { level, chunkSize: 65536, concurrency: 8 });
    assert.ok(parallel.equals(sequential), `level ${level}`);
    assert.deepEqual(inflateGzip(parallel), input);
  }
});

test('the member: RFC 1952 header (mtime 0, XFL by level, OS 3), sync-flushed pieces, CRC-32 and length trailer', async () => {
  const input = sample(200_000);
  for (const [level, xfl] of [
    [1, 4],
    [6, 0],
    [9, 2],
  ] as const) {
    const { header, pieces, trailer } = await deflatePieces(input, 65536, { level });
    assert.equal(header.toString('hex'), `1f8b0800000000000${xfl}03`);
    assert.equal(pieces.length, 4);
    // Every piece but the last ends in a sync flush (an empty stored block): 00 00 ff ff.
    for (const piece of pieces.slice(0, -1)) assert.equal(piece.subarray(-4).toString('hex'), '0000ffff');
    assert.equal(trailer.readUInt32LE(0), crc32(input));
    assert.equal(trailer.readUInt32LE(4), input.length);
    assert.deepEqual(inflateRawSync(Buffer.concat(pieces)), input);
  }
});

test('reused output buffers give the same bytes; every chunk is released once, in order, after its piece is taken', async () => {
  const input = Buffer.concat([sample(400_000), randomBytes(300_000)]);
  const released: Buffer[] = [];
  const reused = await deflatePieces(input, 65536, {
    level: 6,
    concurrency: 2,
    reuseOutput: true,
    release: (c) => released.push(c),
  });
  const fresh = await deflatePieces(input, 65536, { level: 6, concurrency: 2 });
  assert.ok(Buffer.concat(reused.pieces).equals(Buffer.concat(fresh.pieces)));
  assert.equal(released.length, Math.ceil(input.length / 65536));
  assert.ok(Buffer.concat(released).equals(input));
});

test('busy bounds the chunks in flight to the concurrency (+1), whatever the caller pushes', async () => {
  const deflate = new ParallelDeflate({ level: 1, concurrency: 2 });
  const chunk = sample(65536);
  deflate.push(chunk, false);
  deflate.push(chunk, false);
  assert.equal(deflate.busy, false);
  deflate.push(chunk, false);
  assert.equal(deflate.busy, true);
  assert.equal(deflate.pending, 3);
  await deflate.next();
  assert.equal(deflate.busy, false);
  let cores = 1;
  const shared = new ParallelDeflate({ level: 1, concurrency: () => cores });
  shared.push(chunk, false);
  assert.equal(shared.busy, false); // at least one chunk in flight plus one queued
  shared.push(chunk, false);
  assert.equal(shared.busy, true);
  cores = 4;
  assert.equal(shared.busy, false); // asked again each time
  while (shared.pending) await shared.next();
  while (deflate.pending) await deflate.next();
});

test('a compressor failure reaches the pipeline as an error', async () => {
  await assert.rejects(gzipInWrites(sample(10_000), 100, { level: 42, chunkSize: 1000 }), /level/i);
});

function inflateGzip(bytes: Buffer): Buffer {
  return gunzipSync(bytes);
}
