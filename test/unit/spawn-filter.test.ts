// src/util/spawn-filter.ts, the plumbing to the xz and zstd programs, with stand-in programs
// (test/helpers/stand-in-program.ts): write callbacks, backpressure, output order, failures
// reported with the program's exit code and stderr, a missing program, and the Duplex form.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, test } from 'node:test';
import { filterDuplex, spawnFilter } from '../../src/util/spawn-filter.js';
import { FAIL_MIDWAY, SLOW_COPY, standInProgram, withPath } from '../helpers/stand-in-program.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';

after(cleanupTestDirs);

function withoutArgsLine(output: Buffer): { args: unknown; rest: Buffer } {
  const newline = output.indexOf(0x0a);
  return { args: JSON.parse(output.subarray(0, newline).toString()), rest: output.subarray(newline + 1) };
}

test('spawnFilter: every write is taken (done called once each), busy until drained, output complete and in order', async () => {
  const dir = await standInProgram('copy', SLOW_COPY);
  const output: Buffer[] = [];
  const filter = await withPath(dir, async () =>
    spawnFilter('copy', ['-x', 'y'], (data) => output.push(Buffer.from(data))),
  );
  const chunks = Array.from({ length: 40 }, () => randomBytes(50_000));
  let done = 0;
  let busySeen = false;
  for (const chunk of chunks) {
    filter.write(chunk, () => done++);
    if (filter.busy) {
      busySeen = true;
      await filter.drain();
    }
  }
  await filter.end();
  assert.equal(done, chunks.length);
  assert.ok(busySeen, 'the slow program pushed back');
  const { args, rest } = withoutArgsLine(Buffer.concat(output));
  assert.deepEqual(args, ['-x', 'y']);
  assert.ok(rest.equals(Buffer.concat(chunks)));
});

test('spawnFilter: a program failing mid-stream rejects drain or end with its command line, exit code and stderr', async () => {
  const dir = await standInProgram('xz', FAIL_MIDWAY);
  const filter = await withPath(dir, async () => spawnFilter('xz', ['--compress'], () => {}));
  const run = async () => {
    for (let i = 0; i < 100; i++) {
      filter.write(randomBytes(65536));
      if (filter.busy) await filter.drain();
    }
    await filter.end();
  };
  await assert.rejects(run(), /^Error: xz --compress failed \(exit code 3\): xz: \(stdin\): Cannot allocate memory$/);
});

test('spawnFilter: a missing program is PKGAPP_COMPRESSOR_NOT_FOUND, naming it', async () => {
  const empty = await tempDir('pkgapp-empty-path-');
  const filter = await withPath(empty, async () => spawnFilter('zstd', [], () => {}));
  filter.write(Buffer.from('x'));
  await assert.rejects(filter.end(), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'PKGAPP_COMPRESSOR_NOT_FOUND');
    assert.match(error.message, /"zstd" is not installed/);
    return true;
  });
});

test('spawnFilter: an output callback that throws (disk full) stops the program and is the error end() reports', async () => {
  const dir = await standInProgram('copy', SLOW_COPY);
  let calls = 0;
  const filter = await withPath(dir, async () =>
    spawnFilter('copy', [], () => {
      calls++;
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }),
  );
  filter.write(randomBytes(100_000));
  await assert.rejects(filter.end(), /ENOSPC/);
  assert.equal(calls, 1, 'no output is delivered after the failure');
});

test('filterDuplex: in a pipeline, bytes through the program in order; a failing program fails the pipeline', async () => {
  const copy = await standInProgram('copy', SLOW_COPY);
  const input = Array.from({ length: 30 }, () => randomBytes(33_333));
  const out: Buffer[] = [];
  await withPath(copy, () =>
    pipeline(Readable.from(input), filterDuplex('copy', ['--stdout']), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) out.push(chunk);
    }),
  );
  const { args, rest } = withoutArgsLine(Buffer.concat(out));
  assert.deepEqual(args, ['--stdout']);
  assert.ok(rest.equals(Buffer.concat(input)));

  const failing = await standInProgram('xz', FAIL_MIDWAY);
  await assert.rejects(
    withPath(failing, () =>
      pipeline(Readable.from(input), filterDuplex('xz', []), async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) void chunk;
      }),
    ),
    /^Error: xz failed \(exit code 3\): xz: \(stdin\): Cannot allocate memory$/,
  );
});
