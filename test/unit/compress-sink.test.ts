// src/util/compress-sink.ts: the output file, the scratch-file reader, and the gzip, none and
// program sinks behind a ChunkWriter. gzip is checked against zlib's inflate and against
// createParallelGzip; the program sink runs stand-ins for xz (test/helpers/stand-in-program.ts)
// that copy slowly, fail, or are missing, so no external tool is needed.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { ChunkWriter } from '../../src/util/chunk-writer.js';
import { compressingSink, forEachPiece, OutputFile } from '../../src/util/compress-sink.js';
import type { Compression } from '../../src/util/compression.js';
import { createParallelGzip } from '../../src/util/parallel-gzip.js';
import { FAIL_MIDWAY, SLOW_COPY, standInProgram, withPath } from '../helpers/stand-in-program.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';

after(cleanupTestDirs);

function sample(size: number): Buffer {
  const words = ['require', 'module', 'exports', 'function', '=>', 'const', 'return'];
  const noise = randomBytes(size);
  let text = '';
  for (let i = 0; text.length < size; i++) text += `${words[noise[i % size]! % words.length]}${noise[i % size]! % 13} `;
  return Buffer.from(text.slice(0, size));
}

/**
 * Writes `input` through a ChunkWriter into `compressingSink` as write-deb and write-rpm do
 * (write, then drain when busy), and returns what reached the file plus what was observed.
 */
async function compressThrough(
  compression: Compression,
  input: Buffer,
  file: string,
  options: { chunkSize?: number; writeSize?: number; level?: number } = {},
): Promise<{ output: Buffer; size: number; sha256: string; released: number; busySeen: number }> {
  const chunkSize = options.chunkSize ?? 65536;
  const writeSize = options.writeSize ?? 10_000;
  const out = new OutputFile(file, true);
  const writer = new ChunkWriter(chunkSize);
  let released = 0;
  let busySeen = 0;
  writer.attach(
    compressingSink(compression, options.level ?? 6, out, (chunk) => {
      released++;
      writer.release(chunk);
    }),
  );
  try {
    for (let i = 0; i < input.length; i += writeSize) {
      writer.write(input.subarray(i, i + writeSize));
      if (writer.busy) {
        busySeen++;
        await writer.drain();
        assert.equal(writer.busy, false, 'not busy after drain');
      }
    }
    await writer.end();
  } catch (error) {
    writer.abort();
    throw error;
  } finally {
    out.close();
  }
  return { output: readFileSync(file), size: out.size, sha256: out.digest(), released, busySeen };
}

test('OutputFile counts and hashes every byte it writes; forEachPiece reads a file back in pieces', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'out');
  const out = new OutputFile(file, true);
  const parts = [Buffer.from('head'), randomBytes(3 << 20), Buffer.alloc(0), Buffer.from('tail')];
  for (const part of parts) out.write(part);
  out.close();
  const all = Buffer.concat(parts);
  assert.equal(out.size, all.length);
  assert.equal(out.digest(), createHash('sha256').update(all).digest('hex'));
  assert.ok(readFileSync(file).equals(all));
  const pieces: Buffer[] = [];
  forEachPiece(file, (piece) => pieces.push(Buffer.from(piece))); // the piece's buffer is reused
  assert.ok(Buffer.concat(pieces).equals(all));
  assert.ok(pieces.length >= 4 && pieces.every((p) => p.length <= 1 << 20));
  const empty = path.join(dir, 'empty');
  writeFileSync(empty, '');
  let calls = 0;
  forEachPiece(empty, () => calls++);
  assert.equal(calls, 0);
});

test('gzip sink: inflates to the input, same bytes as createParallelGzip, every chunk released once', async () => {
  const dir = await tempDir();
  for (const size of [0, 1, 65535, 65536, 65537, 700_000]) {
    const input = sample(size);
    const result = await compressThrough('gzip', input, path.join(dir, `out-${size}.gz`));
    assert.ok(gunzipSync(result.output).equals(input), `${size} bytes`);
    assert.equal(result.size, result.output.length);
    assert.equal(result.sha256, createHash('sha256').update(result.output).digest('hex'));
    assert.equal(result.released, Math.max(1, Math.ceil(size / 65536)));
    const reference: Buffer[] = [];
    await pipeline(
      Readable.from(size ? [input] : []),
      createParallelGzip({ level: 6, chunkSize: 65536 }),
      async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) reference.push(chunk);
      },
    );
    assert.ok(result.output.equals(Buffer.concat(reference)), `${size} bytes: same as the Transform`);
  }
});

test('gzip sink: two archives compressed at the same time give the bytes each gives alone (cores shared)', async () => {
  const dir = await tempDir();
  const a = Buffer.concat([sample(900_000), randomBytes(200_000)]);
  const b = sample(1_300_000);
  const [aloneA, aloneB] = [
    await compressThrough('gzip', a, path.join(dir, 'a1')),
    await compressThrough('gzip', b, path.join(dir, 'b1')),
  ];
  const [togetherA, togetherB] = await Promise.all([
    compressThrough('gzip', a, path.join(dir, 'a2'), { writeSize: 777 }),
    compressThrough('gzip', b, path.join(dir, 'b2'), { writeSize: 65536 }),
  ]);
  assert.ok(togetherA.output.equals(aloneA.output));
  assert.ok(togetherB.output.equals(aloneB.output));
  assert.ok(aloneA.busySeen > 0, 'the gzip sink pushed back at least once');
});

test('none: the chunks land in the file as they are', async () => {
  const dir = await tempDir();
  const input = randomBytes(200_001);
  const result = await compressThrough('none', input, path.join(dir, 'plain'), { writeSize: 4097 });
  assert.ok(result.output.equals(input));
  assert.equal(result.released, 4);
});

test(
  'a destination that fails (disk full) fails the write with its error, for gzip and none',
  { skip: process.platform !== 'linux' },
  async () => {
    for (const compression of ['gzip', 'none'] as const) {
      await assert.rejects(compressThrough(compression, sample(300_000), '/dev/full'), /ENOSPC/, compression);
    }
  },
);

test('program sink: a slow program pushes back (busy, drain) and every byte reaches the file in order', async () => {
  const dir = await standInProgram('xz', SLOW_COPY);
  const input = randomBytes(3 << 20);
  const result = await withPath(dir, () =>
    compressThrough('xz', input, path.join(dir, 'out.xz'), { writeSize: 50_000, level: 4 }),
  );
  const newline = result.output.indexOf(0x0a);
  assert.deepEqual(JSON.parse(result.output.subarray(0, newline).toString()), [
    '--compress',
    '--stdout',
    '-4',
    '--threads=2',
    '--quiet',
  ]);
  assert.ok(result.output.subarray(newline + 1).equals(input), 'no byte lost, duplicated or reordered');
  assert.ok(result.busySeen > 0, 'the program pushed back');
  assert.equal(result.released, 3 << 4);
});

test('program sink: a program that fails mid-stream fails the write with its exit code and stderr', async () => {
  const dir = await standInProgram('xz', FAIL_MIDWAY);
  await assert.rejects(
    withPath(dir, () => compressThrough('xz', randomBytes(2 << 20), path.join(dir, 'out.xz'))),
    (error: Error) => {
      assert.match(
        error.message,
        /^xz --compress --stdout -6 --threads=2 --quiet failed \(exit code 3\): xz: \(stdin\): Cannot allocate memory$/,
      );
      return true;
    },
  );
});

test('program sink: a program that fails at the end (after reading everything) fails end()', async () => {
  const dir = await standInProgram(
    'xz',
    `
process.stdin.resume();
process.stdin.on('end', () => process.exit(1));`,
  );
  await assert.rejects(
    withPath(dir, () => compressThrough('xz', sample(1000), path.join(dir, 'out.xz'))),
    /failed \(exit code 1\)/,
  );
});

test('program sink: a missing program is a clear error naming it and what to do', async () => {
  const empty = await tempDir('pkgapp-empty-path-');
  await assert.rejects(
    withPath(empty, () => compressThrough('xz', sample(200_000), path.join(empty, 'out.xz'))),
    (error: Error & { code?: string; hint?: string }) => {
      assert.equal(error.code, 'PKGAPP_COMPRESSOR_NOT_FOUND');
      assert.match(error.message, /"xz" is not installed/);
      assert.match(error.hint ?? '', /Install xz, or choose another --compression/);
      return true;
    },
  );
});

test(
  'program sink: a destination that fails (disk full) fails the write with its error instead of crashing',
  { skip: process.platform !== 'linux' },
  async () => {
    const dir = await standInProgram('xz', `process.stdin.pipe(process.stdout);`);
    await assert.rejects(
      withPath(dir, () => compressThrough('xz', randomBytes(1 << 20), '/dev/full')),
      /ENOSPC/,
    );
  },
);

test('program sink: abort stops the program', async () => {
  const dir = await standInProgram(
    'xz',
    `
process.stdin.resume();
setInterval(() => {}, 1000);`,
  );
  const out = new OutputFile(path.join(dir, 'out.xz'), false);
  const writer = new ChunkWriter(1024);
  const sink = await withPath(dir, async () => compressingSink('xz', 6, out, writer.release));
  writer.attach(sink);
  writer.write(randomBytes(5000));
  writer.abort();
  // The program was killed: end() reports it rather than waiting forever.
  await assert.rejects(writer.end(), /failed \(SIGTERM\)/);
  out.close();
});
