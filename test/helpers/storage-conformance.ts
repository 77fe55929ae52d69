// One behaviour for every repository storage backend (src/publish/storage/storage.ts): the same
// cases run against a local directory (test/unit/local-storage.test.ts) and against a real S3
// service, Ceph's RADOS gateway (test/oracle/s3-storage.test.ts).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { isUserError } from '../../src/errors.js';
import type { PutResult, RepositoryStorage } from '../../src/publish/storage/storage.js';

export interface ConformanceOptions {
  /** A scratch directory for local files (the streamed upload's source). */
  scratch: string;
}

const TEXT = { contentType: 'text/plain; charset=utf-8' };

/** Runs every case as a subtest of `t`, each under its own random key prefix. */
export async function storageConformance(
  t: TestContext,
  storage: RepositoryStorage,
  options: ConformanceOptions,
): Promise<void> {
  const ns = () => `conformance-${randomBytes(4).toString('hex')}`;

  await t.test('put, get, head, exists and delete round-trip; a missing key is undefined, not an error', async () => {
    const key = `${ns()}/dists/stable/Release`;
    assert.equal(await storage.get(key), undefined);
    assert.equal(await storage.head(key), undefined);
    assert.equal(await storage.getStream(key), undefined);
    assert.equal(await storage.exists(key), false);
    const put = await storage.put(key, 'Origin: test\n', TEXT);
    assert.ok(put.ok);
    const got = await storage.get(key);
    assert.equal(got?.body.toString('utf8'), 'Origin: test\n');
    assert.equal(got?.size, 13);
    assert.equal(got?.etag, put.etag, 'get returns the ETag the put returned');
    const head = await storage.head(key);
    assert.equal(head?.size, 13);
    assert.equal(head?.etag, put.etag);
    assert.equal(await storage.exists(key), true);
    const bytes = await storage.put(key, new Uint8Array([0, 1, 2, 255]), { contentType: 'application/octet-stream' });
    assert.ok(bytes.ok);
    assert.notEqual(bytes.etag, put.etag, 'new content, new ETag');
    assert.deepEqual([...(await storage.get(key))!.body], [0, 1, 2, 255]);
    await storage.delete(key);
    assert.equal(await storage.exists(key), false);
    assert.equal(await storage.get(key), undefined);
    await storage.delete(key); // deleting a missing key is fine
  });

  await t.test('Content-Type and Cache-Control come back as stored (where the backend stores headers)', async () => {
    const key = `${ns()}/pool/main/a/acme/acme_1.0.0_all.deb`;
    const put = await storage.put(key, 'deb bytes', {
      contentType: 'application/vnd.debian.binary-package',
      cacheControl: 'public, max-age=31536000, immutable',
    });
    assert.ok(put.ok);
    const head = await storage.head(key);
    const got = await storage.get(key);
    if (storage.storesHeaders) {
      for (const info of [head, got]) {
        assert.equal(info?.contentType, 'application/vnd.debian.binary-package');
        assert.equal(info?.cacheControl, 'public, max-age=31536000, immutable');
      }
    } else {
      // A directory is served by a web server that picks headers by file name.
      assert.equal(head?.contentType, undefined);
      assert.equal(head?.cacheControl, undefined);
    }
  });

  await t.test(
    'If-None-Match: * creates a missing key and gives precondition-failed on an existing one, leaving it unchanged',
    async () => {
      const key = `${ns()}/lock`;
      const first = await storage.put(key, 'owner A', { ...TEXT, condition: { ifNoneMatch: '*' } });
      assert.ok(first.ok);
      const second = await storage.put(key, 'owner B', { ...TEXT, condition: { ifNoneMatch: '*' } });
      assert.deepEqual(second, { ok: false, reason: 'precondition-failed' });
      assert.equal((await storage.get(key))?.body.toString(), 'owner A');
    },
  );

  await t.test(
    'If-Match: a stale ETag fails and leaves the object unchanged, the current one succeeds, a missing key fails',
    async () => {
      const key = `${ns()}/state.json`;
      const v1 = await storage.put(key, '{"v":1}', { contentType: 'application/json' });
      assert.ok(v1.ok);
      const v2 = await storage.put(key, '{"v":2}', {
        contentType: 'application/json',
        condition: { ifMatch: v1.etag },
      });
      assert.ok(v2.ok, 'the current ETag matches');
      const stale = await storage.put(key, '{"v":"lost"}', {
        contentType: 'application/json',
        condition: { ifMatch: v1.etag },
      });
      assert.deepEqual(stale, { ok: false, reason: 'precondition-failed' });
      assert.equal((await storage.get(key))?.body.toString(), '{"v":2}');
      const v3 = await storage.put(key, '{"v":3}', {
        contentType: 'application/json',
        condition: { ifMatch: (await storage.head(key))!.etag },
      });
      assert.ok(v3.ok, 'the ETag head returns matches too');
      const missing = await storage.put(`${ns()}/nothing`, 'x', { ...TEXT, condition: { ifMatch: v3.etag } });
      assert.deepEqual(missing, { ok: false, reason: 'precondition-failed' });
    },
  );

  await t.test('racing If-None-Match: * writers: exactly one creates the key', async () => {
    const key = `${ns()}/lock`;
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => storage.put(key, `owner ${i}`, { ...TEXT, condition: { ifNoneMatch: '*' } })),
    );
    const winners = results.map((r, i) => (r.ok ? i : -1)).filter((i) => i >= 0);
    assert.equal(winners.length, 1, `one winner, got ${JSON.stringify(results)}`);
    assert.equal((await storage.get(key))?.body.toString(), `owner ${winners[0]}`);
  });

  await t.test('read-modify-write with If-Match from concurrent writers loses no update', async () => {
    const key = `${ns()}/counter`;
    assert.ok((await storage.put(key, '0', TEXT)).ok);
    const writers = 4;
    const increments = 4;
    let conflicts = 0;
    const writer = async () => {
      for (let done = 0; done < increments;) {
        const current = (await storage.get(key))!;
        const result: PutResult = await storage.put(key, String(Number(current.body.toString()) + 1), {
          ...TEXT,
          condition: { ifMatch: current.etag },
        });
        if (result.ok) done++;
        else conflicts++;
      }
    };
    await Promise.all(Array.from({ length: writers }, writer));
    assert.equal(
      (await storage.get(key))?.body.toString(),
      String(writers * increments),
      `no lost update (${conflicts} conflicts retried)`,
    );
  });

  await t.test('putFile streams a multi-megabyte file; getStream returns the same bytes', async () => {
    const key = `${ns()}/pool/main/b/big/big_1.0.0_amd64.deb`;
    const file = path.join(options.scratch, `big-${randomBytes(4).toString('hex')}.deb`);
    const content = randomBytes(9 * 1024 * 1024 + 123);
    await writeFile(file, content);
    const put = await storage.putFile(key, file, {
      contentType: 'application/vnd.debian.binary-package',
      cacheControl: 'public, max-age=31536000, immutable',
    });
    assert.ok(put.ok);
    const streamed = await storage.getStream(key);
    assert.ok(streamed);
    assert.equal(streamed.size, content.length);
    assert.equal(streamed.etag, put.etag);
    const hash = createHash('sha256');
    for await (const chunk of streamed.body) hash.update(chunk as Buffer);
    assert.equal(hash.digest('hex'), createHash('sha256').update(content).digest('hex'));
    assert.equal((await storage.head(key))?.size, content.length);
    const again = await storage.putFile(key, file, {
      contentType: 'application/vnd.debian.binary-package',
      condition: { ifNoneMatch: '*' },
    });
    assert.deepEqual(again, { ok: false, reason: 'precondition-failed' }, 'putFile honours conditions too');
  });

  await t.test('list returns the keys under a prefix (and only those), sorted, with sizes', async () => {
    const base = ns();
    for (const key of ['a/2', 'a/1', 'a/sub/3', 'ab/4']) assert.ok((await storage.put(`${base}/${key}`, key, TEXT)).ok);
    const listed = [];
    for await (const info of storage.list(`${base}/a/`)) listed.push(`${info.key}:${info.size}`);
    assert.deepEqual(listed, [`${base}/a/1:3`, `${base}/a/2:3`, `${base}/a/sub/3:7`]);
    const none = [];
    for await (const info of storage.list(`${base}/nothing/`)) none.push(info.key);
    assert.deepEqual(none, []);
    await assert.rejects(async () => {
      for await (const _ of storage.list(`${base}/a`)) break;
    }, /must end with "\/"/);
  });

  await t.test('keys that are not plain relative paths are refused before any request', async () => {
    for (const bad of ['', '/abs', 'a//b', '../up', 'a/./b', 'a/.hidden', 'back\\slash', 'ctl\u0001']) {
      await assert.rejects(storage.put(bad, 'x', TEXT), /not a plain relative path/, JSON.stringify(bad));
      await assert.rejects(storage.get(bad), /not a plain relative path/, JSON.stringify(bad));
    }
  });
}

/** A UserError with `code` and a hint, whose message (or hint, for what to do) contains every one of `names`. */
export function assertUserError(error: unknown, code: string, names: (string | RegExp)[]): true {
  assert.ok(isUserError(error), `expected a UserError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.ok(error.hint, 'a hint says what to do');
  for (const name of names)
    assert.match(
      `${error.message}\n${error.hint}`,
      typeof name === 'string' ? new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : name,
    );
  return true;
}
