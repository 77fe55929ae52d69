// The object-storage lock (src/publish/repository-lock.ts), on a local directory through the same
// storage interface: a holder that works longer than the lock's lifetime keeps it (refreshed with
// If-Match), a lock left unrefreshed (its holder killed) is taken over once expired.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { LOCK_KEY, lockObject } from '../../src/publish/repository-lock.js';
import { LocalStorage } from '../../src/publish/storage/local-storage.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';

after(cleanupTestDirs);

const TTL = 1_500;

function expiresOf(body: Buffer): number {
  return (JSON.parse(body.toString('utf8')) as { expires: number }).expires;
}

test('a publish longer than the lock lifetime keeps its lock: it is refreshed, nobody takes it over', async () => {
  const store = new LocalStorage(await tempDir('pkgapp-lock-'));
  const release = await lockObject(store, { ttlMs: TTL });
  const first = await store.get(LOCK_KEY);
  assert.ok(first, 'the lock object exists while held');
  // Three lifetimes of work: without the refresh the lock would have expired twice over.
  await new Promise((resolve) => setTimeout(resolve, 3 * TTL));
  const later = await store.get(LOCK_KEY);
  assert.ok(later, 'still there');
  assert.ok(expiresOf(later.body) > expiresOf(first.body), 'the expiry moved on');
  assert.ok(expiresOf(later.body) > Date.now(), 'and is still ahead');
  await assert.rejects(lockObject(store, { ttlMs: TTL, waitMs: 0 }), { code: 'PKGAPP_REPO_LOCKED' });
  await release();
  assert.equal(await store.exists(LOCK_KEY), false, 'released');
});

test('a lock nobody refreshes (its holder was killed) is taken over once it expired', async () => {
  const store = new LocalStorage(await tempDir('pkgapp-lock-'));
  const dead = `${JSON.stringify({ owner: 'elsewhere:1:dead', expires: Date.now() + TTL })}\n`;
  assert.ok((await store.put(LOCK_KEY, dead, { contentType: 'application/json' })).ok);
  await assert.rejects(lockObject(store, { ttlMs: TTL, waitMs: 0 }), { code: 'PKGAPP_REPO_LOCKED' });
  const started = Date.now();
  const release = await lockObject(store, { ttlMs: TTL, waitMs: 10_000 });
  assert.ok(Date.now() - started < 10_000);
  const taken = await store.get(LOCK_KEY);
  assert.doesNotMatch(taken!.body.toString('utf8'), /elsewhere/, 'the lock is the new holder’s');
  await release();
  assert.equal(await store.exists(LOCK_KEY), false);
});
