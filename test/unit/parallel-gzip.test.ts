import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { execa } from 'execa';
import { createParallelGzip } from '../../src/util/parallel-gzip.js';

async function gzip(input: Buffer, options: { level: number; concurrency?: number; chunkSize?: number }, pieces = 7): Promise<Buffer> {
  const out: Buffer[] = [];
  const step = Math.max(1, Math.ceil(input.length / pieces));
  const parts = Array.from({ length: Math.ceil(input.length / step) }, (_, i) => input.subarray(i * step, (i + 1) * step));
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
  for (let i = 0; text.length < size; i++) text += `${words[noise[i % size]! % words.length]} ${noise[i % size]! % 97}\n`;
  return Buffer.from(text.slice(0, size));
}

test('round-trips through zlib and gzip -t, for empty, small and multi-chunk inputs', async () => {
  for (const size of [0, 1, 1000, 65536, 3 * 65536 + 17]) {
    const input = sample(size);
    const compressed = await gzip(input, { level: 6, chunkSize: 65536 });
    assert.deepEqual(gunzipSync(compressed), input, `size ${size}`);
    await execa('gzip', ['-t'], { input: compressed });
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
