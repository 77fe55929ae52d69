// The S3 repository storage (src/publish/storage/s3-storage.ts) against a real S3 service: Ceph's
// RADOS gateway, started for this file (test/helpers/s3-server.ts). The shared conformance cases
// (test/helpers/storage-conformance.ts), then what only S3 has: the If-Match ETag form Ceph
// wants, anonymous reads through a bucket policy (what apt and dnf do behind a CDN), errors.
//
// Needs radosgw ceph-mon ceph-osd ceph-common (skipped without them, a failure on CI).
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { CreateBucketCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3Storage, type S3StorageOptions } from '../../src/publish/storage/s3-storage.js';
import { openStorage } from '../../src/publish/storage/open-storage.js';
import { parseRepoLocation } from '../../src/publish/storage/repo-url.js';
import { CEPH_TOOLS, startS3TestServer, type S3TestServer } from '../helpers/s3-server.js';
import { assertUserError, storageConformance } from '../helpers/storage-conformance.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

test('S3 storage against Ceph RGW', { timeout: 600_000 }, async (t) => {
  if (!requireTools(t, CEPH_TOOLS)) return;
  const server = await startS3TestServer();
  t.diagnostic(`Ceph RGW up in ${server.startupMs} ms at ${server.endpoint}`);
  try {
    await s3Cases(t, server);
  } finally {
    await server.stop();
    await cleanupTestDirs();
  }
});

async function s3Cases(t: TestContext, server: S3TestServer): Promise<void> {
  const connection = { endpoint: server.endpoint, region: server.region, credentials: server.credentials };
  const admin = new S3Client({ ...connection, forcePathStyle: true });
  const bucket = 'pkgapp-repo';
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  const storageAt = (prefix: string, extra: Partial<S3StorageOptions> = {}) =>
    new S3Storage({ ...connection, bucket, prefix, ...extra });

  await t.test('the conformance cases every backend passes (under a prefix)', async (t) => {
    await storageConformance(t, storageAt('repos/acme'), { scratch: await tempDir() });
  });

  await t.test('the conformance cases at the bucket root, opened from an s3:// URL', async (t) => {
    const storage = await openStorage(parseRepoLocation(`s3://${bucket}`), connection);
    assert.equal(storage.location, `s3://${bucket}`);
    await storageConformance(t, storage, { scratch: await tempDir() });
  });

  await t.test(
    'Ceph compares If-Match with the bare ETag: the storage detects it and still refuses stale ETags',
    async () => {
      const key = 'etag-style/state.json';
      // The store's own behaviour, through the SDK: AWS's form (the quoted ETag as returned) is refused even though it matches.
      const put = await admin.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'v1' }));
      assert.match(put.ETag ?? '', /^"[0-9a-f]{32}"$/, 'ETags come quoted, as in AWS');
      const quotedIfMatch = await admin
        .send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'v2', IfMatch: put.ETag }))
        .then(
          () => 'accepted',
          (error: { $metadata?: { httpStatusCode?: number } }) => error.$metadata?.httpStatusCode,
        );
      assert.equal(
        quotedIfMatch,
        412,
        'Ceph Pacific refuses the quoted ETag (if this changes, the auto-detection is no longer exercised here)',
      );

      // 'auto' starts with AWS's form; a stale ETag is just refused and teaches nothing.
      const storage = storageAt('etag-style');
      assert.equal(storage.ifMatchStyle, 'quoted');
      const stale = await storage.put('state.json', 'v2', {
        contentType: 'text/plain',
        condition: { ifMatch: '"00000000000000000000000000000000"' },
      });
      assert.deepEqual(stale, { ok: false, reason: 'precondition-failed' });
      assert.equal(storage.ifMatchStyle, 'quoted', 'a genuinely stale ETag does not switch the style');
      // The current ETag: refused quoted, HEAD shows it is current, retried bare (still conditional), accepted.
      const current = (await storage.head('state.json'))!;
      const updated = await storage.put('state.json', 'v2', {
        contentType: 'text/plain',
        condition: { ifMatch: current.etag },
      });
      assert.ok(updated.ok);
      assert.equal(storage.ifMatchStyle, 'unquoted', 'the session now sends bare ETags');
      // Bare from now on, and a stale ETag is still refused.
      const staleAgain = await storage.put('state.json', 'lost', {
        contentType: 'text/plain',
        condition: { ifMatch: current.etag },
      });
      assert.deepEqual(staleAgain, { ok: false, reason: 'precondition-failed' });
      assert.equal((await storage.get('state.json'))?.body.toString(), 'v2');

      // Forcing AWS's form on Ceph: every If-Match fails, which is why the style is detected.
      const awsOnly = storageAt('etag-style', { ifMatchStyle: 'quoted' });
      const latest = (await awsOnly.head('state.json'))!;
      assert.deepEqual(
        await awsOnly.put('state.json', 'v3', { contentType: 'text/plain', condition: { ifMatch: latest.etag } }),
        { ok: false, reason: 'precondition-failed' },
      );
      // And configured up front for Ceph, the first If-Match already succeeds.
      const cephForm = storageAt('etag-style', { ifMatchStyle: 'unquoted' });
      assert.ok(
        (await cephForm.put('state.json', 'v3', { contentType: 'text/plain', condition: { ifMatch: latest.etag } })).ok,
      );
    },
  );

  await t.test(
    'anonymous GET through a bucket policy (s3:GetObject + s3:ListBucket): objects with their headers, a missing key is 404',
    async () => {
      const publicBucket = 'pkgapp-public';
      await admin.send(new CreateBucketCommand({ Bucket: publicBucket }));
      const before = await fetch(`${server.endpoint}/${publicBucket}/apt/dists/stable/InRelease`);
      assert.equal(before.status, 403, 'private until the policy is set');
      await before.arrayBuffer();
      await admin.send(
        new PutBucketPolicyCommand({ Bucket: publicBucket, Policy: JSON.stringify(publicReadPolicy(publicBucket)) }),
      );
      const storage = new S3Storage({ ...connection, bucket: publicBucket, prefix: 'apt' });
      assert.ok(
        (
          await storage.put('dists/stable/InRelease', 'signed index\n', {
            contentType: 'text/plain; charset=utf-8',
            cacheControl: 'no-cache',
          })
        ).ok,
      );
      const response = await fetch(`${server.endpoint}/${publicBucket}/apt/dists/stable/InRelease`);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), 'signed index\n');
      assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
      assert.equal(response.headers.get('cache-control'), 'no-cache');
      const missing = await fetch(`${server.endpoint}/${publicBucket}/apt/dists/stable/Release.gpg`);
      assert.equal(missing.status, 404, 'apt treats 404 as "not there" but 403 as an error: ListBucket makes it 404');
      await missing.arrayBuffer();
      const anonymousPut = await fetch(`${server.endpoint}/${publicBucket}/apt/evil`, { method: 'PUT', body: 'x' });
      assert.equal(anonymousPut.status, 403, 'anonymous readers cannot write');
      await anonymousPut.arrayBuffer();
    },
  );

  await t.test('failures are UserErrors naming the s3:// location, the key and what to do', async () => {
    const noBucket = new S3Storage({ ...connection, bucket: 'no-such-bucket', prefix: 'r' });
    assertUserError(
      await noBucket.put('x', 'x', { contentType: 'text/plain' }).catch((e: unknown) => e),
      'PKGAPP_S3_REQUEST_FAILED',
      ['s3://no-such-bucket/r', 'PUT x', 'NoSuchBucket', /Create the bucket/],
    );
    assertUserError(await noBucket.get('x').catch((e: unknown) => e), 'PKGAPP_S3_REQUEST_FAILED', [
      'GET x',
      'NoSuchBucket',
    ]);
    const badSecret = new S3Storage({
      ...connection,
      credentials: { ...connection.credentials, secretAccessKey: 'wrong' },
      bucket,
      prefix: '',
    });
    assertUserError(
      await badSecret.put('x', 'x', { contentType: 'text/plain' }).catch((e: unknown) => e),
      'PKGAPP_S3_REQUEST_FAILED',
      ['s3://pkgapp-repo', 'SignatureDoesNotMatch', /credentials/],
    );
    const nothingListens = new S3Storage({
      ...connection,
      endpoint: 'http://127.0.0.1:9',
      maxAttempts: 1,
      bucket,
      prefix: '',
    });
    assertUserError(await nothingListens.head('x').catch((e: unknown) => e), 'PKGAPP_S3_REQUEST_FAILED', [
      'HEAD x',
      'ECONNREFUSED',
      /endpoint/,
    ]);
  });

  await t.test('parallel uploads: 64 small objects, 16 at a time', async () => {
    const storage = storageAt('parallel');
    const { mapBounded } = await import('../../src/publish/storage/storage.js');
    const started = Date.now();
    const results = await mapBounded(
      Array.from({ length: 64 }, (_, i) => i),
      16,
      (i) => storage.put(`pool/${i}`, `object ${i}`, { contentType: 'text/plain' }),
    );
    t.diagnostic(`64 PUTs, 16 in parallel: ${Date.now() - started} ms`);
    assert.ok(results.every((r) => r.ok));
    let count = 0;
    for await (const _ of storage.list('pool/')) count++;
    assert.equal(count, 64);
  });
  admin.destroy();
}

/** Anonymous read, as a CDN or apt/dnf over plain HTTP reads; ListBucket turns a missing key's 403 into 404. */
function publicReadPolicy(bucket: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] },
      { Effect: 'Allow', Principal: '*', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${bucket}`] },
    ],
  };
}

test(
  'the test server: a start that times out fails naming the step, shows the logs, and leaves nothing behind; leftovers of a killed run are cleaned',
  { timeout: 120_000 },
  async (t) => {
    if (!requireTools(t, CEPH_TOOLS)) return;
    const { mkdir, readdir, writeFile } = await import('node:fs/promises');
    const { spawn, spawnSync } = await import('node:child_process');
    const os = await import('node:os');
    const path = await import('node:path');
    // What a test process killed mid-run leaves: its dir, a dead owner, a daemon still running.
    const leftover = path.join(os.tmpdir(), 'pkgapp-s3-server-leftover-test');
    await mkdir(path.join(leftover, 'run'), { recursive: true });
    const deadOwner = spawnSync('true').pid;
    await writeFile(path.join(leftover, 'owner.pid'), `${deadOwner}\n`);
    const daemon = spawn('sh', ['-c', 'sleep 60', leftover], { stdio: 'ignore' });
    const daemonExit = new Promise((resolve) => daemon.once('exit', (code, signal) => resolve(signal)));
    await writeFile(path.join(leftover, 'run', 'mon.daemon-pid'), `${daemon.pid}\n`);

    const error = await startS3TestServer({ timeoutMs: 300 }).catch((e: unknown) => e as Error);
    assert.ok(error instanceof Error);
    // Which step the deadline catches depends on the machine's speed: a tool run ("timed out") or
    // the wait for radosgw's port ("in time"); either way the message names it.
    assert.match(error.message, /the Ceph S3 test server did not come up: .*(timed out|did not answer .* in time)/);
    const failedDir = /--- last log lines \(from (\S+pkgapp-s3-server-\w+)\)/.exec(error.message)?.[1];
    assert.ok(failedDir, error.message);
    assert.equal(await daemonExit, 'SIGKILL', 'the leftover daemon was killed');
    const left = await readdir(os.tmpdir());
    assert.ok(!left.includes(path.basename(leftover)), 'the leftover dir is gone');
    assert.ok(!left.includes(path.basename(failedDir)), 'the timed-out start removed its dir');
  },
);

test('region: the SDK chain; with an endpoint and none configured us-east-1, without an endpoint an error asking for AWS_REGION', async () => {
  const saved = { ...process.env };
  delete process.env.AWS_REGION;
  delete process.env.AWS_DEFAULT_REGION;
  delete process.env.AWS_PROFILE;
  process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';
  try {
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
    const compatible = new S3Storage({
      bucket: 'pkgapp-repo',
      prefix: '',
      endpoint: 'http://127.0.0.1:9',
      credentials,
      maxAttempts: 1,
    });
    assert.equal(await compatible.client.config.region(), 'us-east-1');
    const aws = new S3Storage({ bucket: 'pkgapp-repo', prefix: 'apt', credentials, maxAttempts: 1 });
    assertUserError(await aws.head('x').catch((e: unknown) => e), 'PKGAPP_S3_REQUEST_FAILED', [
      'no AWS region is configured',
      /AWS_REGION/,
    ]);
    process.env.AWS_REGION = 'eu-west-1';
    const configured = new S3Storage({
      bucket: 'pkgapp-repo',
      prefix: '',
      endpoint: 'http://127.0.0.1:9',
      credentials,
      maxAttempts: 1,
    });
    assert.equal(
      await configured.client.config.region(),
      'eu-west-1',
      'a configured region wins over the endpoint default',
    );
  } finally {
    process.env = saved;
  }
});
