// src/util/file-chunks.ts: a collected file's bytes into the archive (generated bodies, files
// on disk, a rewritten #! line), hashed as written, and a file whose size changed refused.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import type { FileEntry } from '../../src/contents/content-entry.js';
import { ChunkWriter } from '../../src/util/chunk-writer.js';
import { copyEntry } from '../../src/util/file-chunks.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';

after(cleanupTestDirs);

/** A writer whose chunks are collected; returns the archive bytes after `fn`. */
async function archive(fn: (writer: ChunkWriter) => Promise<void>): Promise<Buffer> {
  const writer = new ChunkWriter(1000);
  const chunks: Buffer[] = [];
  writer.attach({
    push: (chunk) => chunks.push(Buffer.from(chunk)),
    busy: false,
    drain: async () => {},
    finish: async () => {},
  });
  await fn(writer);
  await writer.end();
  return Buffer.concat(chunks);
}

function file(pathOnDisk: string, size: number, extra: Partial<FileEntry> = {}): FileEntry {
  return { kind: 'file', path: 'opt/app/x', mode: 0o644, size, source: { file: pathOnDisk }, ...extra };
}

test('bodies and files on disk are copied whole and hashed', async () => {
  const dir = await tempDir();
  const onDisk = Buffer.from(Array.from({ length: 4321 }, (_, i) => i % 256));
  writeFileSync(path.join(dir, 'f'), onDisk);
  const body = Buffer.from('generated\n');
  const hashes = [createHash('sha256'), createHash('sha256')];
  const bytes = await archive(async (writer) => {
    await copyEntry(writer, { kind: 'file', path: 'g', mode: 0o644, size: body.length, source: { body } }, hashes[0]);
    await copyEntry(writer, file(path.join(dir, 'f'), onDisk.length), hashes[1]);
    await copyEntry(writer, file(path.join(dir, 'f'), onDisk.length), undefined);
  });
  assert.ok(bytes.equals(Buffer.concat([body, onDisk, onDisk])));
  assert.equal(hashes[0]!.digest('hex'), createHash('sha256').update(body).digest('hex'));
  assert.equal(hashes[1]!.digest('hex'), createHash('sha256').update(onDisk).digest('hex'));
});

test('a rewritten head: the first `skip` bytes replaced by `insert`, the hash over what is archived', async () => {
  const dir = await tempDir();
  const script = Buffer.from('#!/usr/bin/env node\nconsole.log(1);\n');
  writeFileSync(path.join(dir, 'cli.js'), script);
  const insert = Buffer.from('#!/usr/bin/node');
  const expected = Buffer.concat([insert, script.subarray(19)]);
  const hash = createHash('md5');
  const bytes = await archive((writer) =>
    copyEntry(writer, file(path.join(dir, 'cli.js'), expected.length, { rewriteHead: { skip: 19, insert } }), hash),
  );
  assert.ok(bytes.equals(expected));
  assert.equal(hash.digest('hex'), createHash('md5').update(expected).digest('hex'));
});

test('a file that grew or shrank since it was collected: PKGAPP_FILE_CHANGED naming it and both sizes, exit 1', async () => {
  const dir = await tempDir();
  const f = path.join(dir, 'changing');
  writeFileSync(f, Buffer.alloc(100, 1));
  for (const [collected, now] of [
    [99, 100],
    [150, 100],
  ] as const) {
    await assert.rejects(
      archive((writer) => copyEntry(writer, file(f, collected), undefined)),
      (error: Error & { code?: string; exitCode?: number; hint?: string }) => {
        assert.equal(error.code, 'PKGAPP_FILE_CHANGED');
        assert.equal(error.exitCode, 1);
        assert.equal(
          error.message,
          `${f} changed while the package was being built (${collected} bytes when collected, ${now} when read)`,
        );
        assert.match(error.hint ?? '', /Do not modify the app directory during a build/);
        return true;
      },
    );
  }
});
