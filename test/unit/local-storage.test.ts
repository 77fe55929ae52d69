// The local-directory repository storage (src/publish/storage/local-storage.ts): the shared
// conformance cases (test/helpers/storage-conformance.ts), then what only a directory has: temp
// files, per-key locks, SHA-256 ETags, errors naming the directory.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { LocalStorage } from '../../src/publish/storage/local-storage.js';
import { mapBounded } from '../../src/publish/storage/storage.js';
import { assertUserError, storageConformance } from '../helpers/storage-conformance.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';

after(cleanupTestDirs);

const TEXT = { contentType: 'text/plain' };

test('local directory storage: the conformance cases every backend passes', async (t) => {
  await storageConformance(t, new LocalStorage(await tempDir('pkgapp-local-storage-')), { scratch: await tempDir() });
});

test('keys are files under the directory; no temp file or lock shows up as a key or stays behind', async () => {
  const dir = await tempDir();
  const storage = new LocalStorage(dir);
  assert.ok((await storage.put('apt/dists/stable/InRelease', 'signed', TEXT)).ok);
  assert.ok(
    (await storage.put('apt/dists/stable/InRelease', 'signed again', { ...TEXT, condition: { ifNoneMatch: '*' } }))
      .ok === false,
  );
  assert.equal((await stat(path.join(dir, 'apt', 'dists', 'stable', 'InRelease'))).size, 6);
  assert.deepEqual(
    await readdir(path.join(dir, 'apt', 'dists', 'stable')),
    ['InRelease'],
    'no .tmp file left by the write or the refused write',
  );
  const keys = [];
  for await (const info of storage.list('')) keys.push(info.key);
  assert.deepEqual(keys, ['apt/dists/stable/InRelease'], 'the .pkgapp-locks directory is not listed');
});

test('a failed putFile leaves no temp file and names the directory and key', async () => {
  const dir = await tempDir();
  const storage = new LocalStorage(dir);
  const error = await storage
    .putFile('pool/x.deb', path.join(dir, 'no-such-source.deb'), TEXT)
    .catch((e: unknown) => e);
  assertUserError(error, 'PKGAPP_REPO_UNWRITABLE', [dir, 'pool/x.deb', 'ENOENT']);
  assert.deepEqual(await readdir(path.join(dir, 'pool')), []);
});

test('a directory that cannot be created is a PKGAPP_REPO_UNWRITABLE naming it', async () => {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'file'), 'in the way');
  const storage = new LocalStorage(path.join(dir, 'file', 'repo'));
  const error = await storage.put('apt/Release', 'x', TEXT).catch((e: unknown) => e);
  assertUserError(error, 'PKGAPP_REPO_UNWRITABLE', [path.join(dir, 'file', 'repo'), 'apt/Release']);
});

test("the ETag is the SHA-256 of the content, and follows a file replaced behind the storage's back", async () => {
  const dir = await tempDir();
  const storage = new LocalStorage(dir);
  const put = await storage.put('state.json', 'aaaa', TEXT);
  assert.ok(put.ok);
  assert.equal(put.etag, createHash('sha256').update('aaaa').digest('hex'));
  // Same size, written in place within the same clock tick: mtime+size could miss this, the hash does not.
  await writeFile(path.join(dir, 'state.json'), 'bbbb');
  const head = await storage.head('state.json');
  assert.equal(head?.etag, createHash('sha256').update('bbbb').digest('hex'));
  const stale = await storage.put('state.json', 'cccc', { ...TEXT, condition: { ifMatch: put.etag } });
  assert.deepEqual(stale, { ok: false, reason: 'precondition-failed' });
});

test('a key lock left by a crashed writer (not refreshed for 10 s) is taken over', async () => {
  const dir = await tempDir();
  const storage = new LocalStorage(dir);
  assert.ok((await storage.put('lock', 'first', TEXT)).ok);
  // What a writer killed while holding the key's lock leaves: the lock directory, never removed.
  const lock = path.join(
    dir,
    '.pkgapp-locks',
    `${createHash('sha256').update('lock').digest('hex').slice(0, 32)}.lock`,
  );
  await mkdir(lock);
  const old = new Date(Date.now() - 60_000);
  await utimes(lock, old, old);
  const started = Date.now();
  assert.ok((await storage.put('lock', 'second', TEXT)).ok);
  assert.ok(Date.now() - started < 5_000, 'taken over at once, not after a timeout');
  assert.equal((await storage.get('lock'))?.body.toString(), 'second');
});

test('mapBounded keeps at most `limit` tasks running, keeps result order, and rethrows the first failure', async () => {
  let running = 0;
  let peak = 0;
  const results = await mapBounded([5, 1, 4, 2, 3, 0], 2, async (n) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((resolve) => setTimeout(resolve, n * 3));
    running--;
    return n * 10;
  });
  assert.deepEqual(results, [50, 10, 40, 20, 30, 0]);
  assert.equal(peak, 2);
  let started = 0;
  await assert.rejects(
    mapBounded([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started++;
      if (n === 2) throw new Error('upload 2 failed');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }),
    /upload 2 failed/,
  );
  assert.ok(started < 6, `no new task starts after a failure (${started} started)`);
  await assert.rejects(
    mapBounded([1], 0, () => Promise.resolve()),
    /parallelism 0/,
  );
});

test('after a killed writer: its temp files and stale key locks are removed, a live writer’s are not; listKeys reads no file', async () => {
  const dir = await tempDir();
  const storage = new LocalStorage(dir);
  assert.ok((await storage.put('apt/pool/main/a/acme/acme_1_all.deb', 'deb', TEXT)).ok);
  // Above Linux's largest pid (pid_max is at most 2^22): no such process.
  const dead = path.join(dir, 'apt/pool/main/a/acme/.acme_2_all.deb.tmp-4194305-0badf00d');
  const live = path.join(dir, `apt/pool/main/a/acme/.acme_3_all.deb.tmp-${process.pid}-cafebabe`);
  for (const file of [dead, live]) await writeFile(file, 'partial');
  const locks = path.join(dir, '.pkgapp-locks');
  await mkdir(path.join(locks, 'stale.lock'), { recursive: true });
  await mkdir(path.join(locks, 'fresh.lock'));
  const past = new Date(Date.now() - 60_000);
  await utimes(path.join(locks, 'stale.lock'), past, past);

  const keys: string[] = [];
  for await (const key of storage.listKeys('apt/pool/main/a/acme/')) keys.push(key);
  assert.deepEqual(keys, ['apt/pool/main/a/acme/acme_1_all.deb'], 'temp files are never keys');
  assert.deepEqual((await storage.removeCrashLeftovers()).sort(), [dead, path.join(locks, 'stale.lock')].sort());
  assert.deepEqual(
    (await readdir(path.join(dir, 'apt/pool/main/a/acme'))).sort(),
    [path.basename(live), 'acme_1_all.deb'].sort(),
  );
  assert.deepEqual(await readdir(locks), ['fresh.lock']);
  const missing: string[] = [];
  for await (const key of storage.listKeys('apt/pool/main/z/')) missing.push(key);
  assert.deepEqual(missing, []);
});
