// src/util/chunk-writer.ts with recording sinks: chunk sizes and order, no byte lost or added,
// file reads with a grown or shrunk file, backpressure from a slow sink, and sink failures.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChunkWriter, type ChunkSink } from '../../src/util/chunk-writer.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';

after(cleanupTestDirs);

/** A sink that keeps a copy of every chunk; it holds up to `limit` chunks and consumes one per `delayMs`. */
class RecordingSink implements ChunkSink {
  readonly chunks: { bytes: Buffer; last: boolean; identity: Buffer }[] = [];
  held: Buffer[] = [];
  maxHeld = 0;
  finished = false;
  aborted = false;
  failure: Error | undefined;
  private consuming: Promise<void> | undefined;

  constructor(
    private readonly release: (chunk: Buffer) => void,
    private readonly limit = Infinity,
    private readonly delayMs = 0,
  ) {}

  push(chunk: Buffer, last: boolean): void {
    assert.ok(!this.finished, 'push after finish');
    this.chunks.push({ bytes: Buffer.from(chunk), last, identity: chunk });
    this.held.push(chunk);
    this.maxHeld = Math.max(this.maxHeld, this.held.length);
    if (this.delayMs === 0) this.consumeAll();
  }

  get busy(): boolean {
    return this.held.length >= this.limit;
  }

  async drain(): Promise<void> {
    if (this.failure) throw this.failure;
    while (this.held.length >= this.limit) await this.consumeOne();
  }

  async finish(): Promise<void> {
    if (this.failure) throw this.failure;
    while (this.held.length) await this.consumeOne();
    this.finished = true;
  }

  abort(): void {
    this.aborted = true;
  }

  private consumeAll(): void {
    for (const chunk of this.held.splice(0)) this.release(chunk);
  }

  private async consumeOne(): Promise<void> {
    this.consuming ??= sleep(this.delayMs).then(() => {
      this.consuming = undefined;
      const chunk = this.held.shift();
      if (chunk) this.release(chunk);
    });
    await this.consuming;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks.map((c) => c.bytes));
  }
}

function writerWithSink(
  chunkSize: number,
  limit?: number,
  delayMs?: number,
): { writer: ChunkWriter; sink: RecordingSink } {
  const writer = new ChunkWriter(chunkSize);
  const sink = new RecordingSink(writer.release, limit, delayMs);
  writer.attach(sink);
  return { writer, sink };
}

function assertChunked(sink: RecordingSink, chunkSize: number, expected: Buffer): void {
  assert.ok(sink.bytes().equals(expected), 'the chunks joined are exactly the bytes written');
  sink.chunks.forEach((c, i) => {
    const isLast = i === sink.chunks.length - 1;
    assert.equal(c.last, isLast, `chunk ${i}: last flag`);
    if (!isLast) assert.equal(c.bytes.length, chunkSize, `chunk ${i} is a full chunk`);
  });
  const last = sink.chunks.at(-1)!;
  assert.ok(
    expected.length === 0 ? last.bytes.length === 0 : last.bytes.length > 0,
    'the last chunk is empty only for an empty archive',
  );
}

test('writes and zeros across chunk boundaries: full chunks, then the rest; total counts every byte', async () => {
  const { writer, sink } = writerWithSink(16);
  const expected: Buffer[] = [];
  const write = (b: Buffer) => {
    writer.write(b);
    expected.push(b);
  };
  write(Buffer.from('hello'));
  write(randomBytes(40)); // spans three chunks
  writer.zeros(27);
  expected.push(Buffer.alloc(27));
  write(Buffer.alloc(0));
  writer.zeros(0);
  write(Buffer.from('!'));
  await writer.end();
  const all = Buffer.concat(expected);
  assert.equal(writer.total, all.length);
  assertChunked(sink, 16, all);
  assert.ok(sink.finished);
});

test('an archive of exactly one chunk is one last chunk, not a full chunk and an empty one; an empty archive is one empty chunk', async () => {
  const exact = writerWithSink(32);
  exact.writer.write(Buffer.alloc(32, 1));
  await exact.writer.end();
  assert.deepEqual(
    exact.sink.chunks.map((c) => [c.bytes.length, c.last]),
    [[32, true]],
  );

  const empty = writerWithSink(32);
  await empty.writer.end();
  assert.deepEqual(
    empty.sink.chunks.map((c) => [c.bytes.length, c.last]),
    [[0, true]],
  );
  assert.equal(empty.writer.total, 0);
});

test('released chunks are reused instead of allocating one per chunk; odd-sized buffers are not taken back', async () => {
  const { writer, sink } = writerWithSink(64);
  for (let i = 0; i < 100; i++) writer.write(randomBytes(64));
  writer.release(Buffer.alloc(10)); // not a chunk of this writer's size: ignored
  writer.write(Buffer.from('end'));
  await writer.end();
  const identities = new Set(sink.chunks.map((c) => c.identity.buffer));
  assert.ok(identities.size <= 3, `${identities.size} distinct buffers for ${sink.chunks.length} chunks`);
  assert.equal(sink.bytes().length, 100 * 64 + 3);
});

test('readFrom: a file read into chunks from an offset, hashed byte for byte', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'data');
  const content = randomBytes(1000);
  writeFileSync(file, content);
  const { writer, sink } = writerWithSink(64);
  writer.write(Buffer.from('head'));
  const hash = createHash('sha256');
  const fd = openSync(file, 'r');
  let got: number;
  try {
    got = await writer.readFrom(fd, 900, 100, hash);
  } finally {
    closeSync(fd);
  }
  await writer.end();
  assert.equal(got, 900);
  assert.equal(writer.total, 904);
  assertChunked(sink, 64, Buffer.concat([Buffer.from('head'), content.subarray(100)]));
  assert.equal(hash.digest('hex'), createHash('sha256').update(content.subarray(100)).digest('hex'));
});

test('readFrom notices a file that grew (length + 1, the extra byte never archived) or shrank (fewer bytes)', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'data');
  for (const chunkSize of [64, 100, 7]) {
    writeFileSync(file, Buffer.alloc(100, 0x61));
    const grew = writerWithSink(chunkSize);
    let fd = openSync(file, 'r');
    const read = await grew.writer.readFrom(fd, 99, 0, undefined);
    closeSync(fd);
    await grew.writer.end();
    assert.equal(read, 100, `chunk ${chunkSize}`);
    // The caller fails the build on a grown file; what was archived is a prefix, never the extra byte.
    assert.ok(grew.writer.total <= 99);
    assert.ok(grew.sink.bytes().equals(Buffer.alloc(grew.writer.total, 0x61)));

    const shrank = writerWithSink(chunkSize);
    fd = openSync(file, 'r');
    const short = await shrank.writer.readFrom(fd, 150, 0, undefined);
    closeSync(fd);
    await shrank.writer.end();
    assert.equal(short, 100);
    assert.equal(shrank.sink.bytes().length, 100);
  }
});

test('readFrom of a file that ends exactly at a chunk boundary hands over no chunk for the grow probe', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'data');
  writeFileSync(file, Buffer.alloc(128, 0x62));
  const { writer, sink } = writerWithSink(64);
  const fd = openSync(file, 'r');
  const read = await writer.readFrom(fd, 128, 0, undefined);
  closeSync(fd);
  assert.equal(read, 128);
  assert.equal(sink.chunks.length, 1, 'only the first full chunk so far; the second is kept until more bytes or end()');
  await writer.end();
  assert.deepEqual(
    sink.chunks.map((c) => [c.bytes.length, c.last]),
    [
      [64, false],
      [64, true],
    ],
  );
});

test('backpressure: with a slow sink, readFrom waits so the sink never holds more than its limit + 1 chunks; nothing is lost', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'data');
  const content = randomBytes(64 * 40 + 17);
  writeFileSync(file, content);
  const { writer, sink } = writerWithSink(64, 2, 2);
  const fd = openSync(file, 'r');
  const hash = createHash('md5');
  try {
    assert.equal(await writer.readFrom(fd, content.length, 0, hash), content.length);
  } finally {
    closeSync(fd);
  }
  // The caller's own loop between entries, as write-deb and write-rpm do it.
  for (let i = 0; i < 20; i++) {
    writer.write(randomBytes(50));
    if (writer.busy) await writer.drain();
    assert.ok(sink.held.length <= 2);
  }
  await writer.end();
  assert.ok(sink.maxHeld <= 3, `the sink held ${sink.maxHeld} chunks`);
  assert.ok(sink.maxHeld >= 2, 'the sink was slow enough to be busy');
  assert.ok(sink.bytes().subarray(0, content.length).equals(content));
  assert.equal(sink.bytes().length, content.length + 20 * 50);
  assert.equal(hash.digest('hex'), createHash('md5').update(content).digest('hex'));
});

test('a sink failure reaches the writer: drain and readFrom reject, end rejects, abort reaches the sink', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'data');
  writeFileSync(file, randomBytes(64 * 10));
  const { writer, sink } = writerWithSink(64, 1, 1);
  sink.failure = new Error('disk full');
  const fd = openSync(file, 'r');
  try {
    await assert.rejects(writer.readFrom(fd, 640, 0, undefined), /disk full/);
  } finally {
    closeSync(fd);
  }
  await assert.rejects(writer.drain(), /disk full/);
  await assert.rejects(writer.end(), /disk full/);
  writer.abort();
  assert.ok(sink.aborted);
});
