// publish and promote straight into an S3 bucket (Ceph's RADOS gateway, test/helpers/s3-server.ts):
// headers on every object, the lock object and its takeover, the state object's If-Match, two
// publishers started at once from two processes, and apt in a booted Debian 12 root installing,
// upgrading and downgrading over HTTP from the bucket (anonymous read, as a CDN serves it). Then
// yum: rpms published, promoted and kept in the bucket through the channel state objects, and
// dnf --installroot (gpgcheck, repo_gpgcheck) installing, upgrading and downgrading from it.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { execa } from 'execa';
import { loadAptState, saveAptState } from '../../src/publish/apt/apt-state.js';
import { loadYumState, saveYumState, yumStateKey } from '../../src/publish/yum/yum-state.js';
import { IMMUTABLE, PRIVATE, REVALIDATE } from '../../src/publish/object-headers.js';
import { promote, publish } from '../../src/publish/publish.js';
import { yumClientSetup } from '../../src/publish/yum/publish-yum.js';
import { LOCK_KEY } from '../../src/publish/repository-lock.js';
import { S3Storage } from '../../src/publish/storage/s3-storage.js';
import { apt } from '../helpers/apt-repo.js';
import { createRoot, type Root } from '../helpers/chroot.js';
import { CEPH_TOOLS, startS3TestServer, type S3TestServer } from '../helpers/s3-server.js';
import { cleanupTestDirs, CLI, tempDir } from '../helpers/testdir.js';
import { E2E_TOOLS, requireTools } from '../helpers/tools.js';

const NAME = 'hello-s3';
const VERSIONS = ['1.0.0', '1.1.0', '1.2.0'];

test('publish and promote into an S3 bucket; apt installs from it over HTTP', { timeout: 900_000 }, async (t) => {
  if (!requireTools(t, [...CEPH_TOOLS, 'dpkg-deb', 'gpg', 'apt-get', 'rpmbuild', 'rpmsign', 'dnf'])) return;
  const server = await startS3TestServer();
  t.diagnostic(`Ceph RGW up in ${server.startupMs} ms at ${server.endpoint}`);
  try {
    await cases(t, server);
  } finally {
    await server.stop();
    await cleanupTestDirs();
  }
});

async function cases(t: TestContext, server: S3TestServer): Promise<void> {
  const bucket = 'pkgapp-publish';
  const admin = new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    credentials: server.credentials,
    forcePathStyle: true,
  });
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  await admin.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(publicRead(bucket)) }));
  admin.destroy();
  const repo = `s3://${bucket}/repos/acme`;
  const s3 = { endpoint: server.endpoint, region: server.region, credentials: server.credentials };
  const store = new S3Storage({ ...s3, bucket, prefix: 'repos/acme' });
  const work = await tempDir('pkgapp-publish-s3-');
  const key = await secretKey(work);
  const debs = await Promise.all(VERSIONS.map((v) => tinyDeb(work, v)));
  const env = {
    PATH: process.env['PATH'] ?? '',
    AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
  };

  await t.test(
    'two publishes started at once from two processes (credentials from the environment) both land',
    async () => {
      const run = (deb: string) =>
        execa(
          'node',
          [
            CLI,
            'publish',
            '--repo',
            repo,
            '--endpoint',
            server.endpoint,
            '--sign-key',
            key,
            '--suite',
            'staging',
            '-q',
            deb,
          ],
          { env, reject: false },
        );
      const results = await Promise.all([run(debs[0]!), run(debs[1]!)]);
      for (const r of results) assert.equal(r.exitCode, 0, r.stderr);
      const { archive } = await loadAptState(store);
      const versions = archive
        .get('staging')!
        .get('main')!
        .map((s) => s.version)
        .sort();
      assert.deepEqual(versions, ['1.0.0', '1.1.0']);
      assert.equal(await store.exists(LOCK_KEY), false, 'the lock is gone once both are done');
    },
  );

  await t.test('promote and publish with keep; every object has its Content-Type and Cache-Control', async () => {
    await promote(NAME, '1.1.0', 'staging', { repoDir: repo, s3, signKey: { file: key }, suite: 'stable' });
    await publish([debs[2]!], { repoDir: repo, s3, signKey: { file: key }, suite: 'staging', keep: 2 });
    const { archive } = await loadAptState(store);
    assert.deepEqual(
      archive
        .get('stable')!
        .get('main')!
        .map((s) => s.version),
      ['1.1.0'],
    );
    assert.deepEqual(
      archive
        .get('staging')!
        .get('main')!
        .map((s) => s.version)
        .sort(),
      ['1.1.0', '1.2.0'],
    );
    assert.equal(await store.exists(`apt/pool/main/h/${NAME}/${NAME}_1.0.0_all.deb`), false, 'keep dropped 1.0.0');
    const expect = [
      [`apt/pool/main/h/${NAME}/${NAME}_1.2.0_all.deb`, 'application/vnd.debian.binary-package', IMMUTABLE],
      ['apt/dists/staging/InRelease', 'text/plain; charset=utf-8', REVALIDATE],
      ['apt/dists/staging/Release', 'text/plain; charset=utf-8', REVALIDATE],
      ['apt/dists/staging/Release.gpg', 'application/pgp-signature', REVALIDATE],
      ['apt/dists/staging/main/binary-amd64/Packages.xz', 'application/x-xz', REVALIDATE],
      ['apt/pkgapp-archive-keyring.gpg', 'application/pgp-keys', REVALIDATE],
    ] as const;
    for (const [k, type, cache] of expect) {
      const info = await store.head(k);
      assert.equal(info?.contentType, type, k);
      assert.equal(info?.cacheControl, cache, k);
    }
    const release = (await store.get('apt/dists/staging/Release'))!.body.toString('utf8');
    const byHash = /^ ([0-9a-f]{64}) +\d+ main\/binary-amd64\/Packages\.xz$/m.exec(release)![1]!;
    const copy = await store.head(`apt/dists/staging/main/binary-amd64/by-hash/SHA256/${byHash}`);
    assert.equal(copy?.cacheControl, IMMUTABLE);
    assert.equal(copy?.contentType, 'application/x-xz');
  });

  await t.test('the state is written only over the version read (If-Match; Ceph needs the bare ETag)', async () => {
    const first = await loadAptState(store);
    const second = await loadAptState(store);
    // ETags follow the content: the second writer must change something for the first's to go stale.
    second.arches.get('stable')!.add('riscv64');
    assert.equal(await saveAptState(store, second), true);
    assert.equal(await saveAptState(store, first), false, 'a stale ETag is refused: no update is lost');
    // Ceph compares If-Match with the bare ETag (docs/internals/s3-storage.md): the storage found out.
    assert.equal(store.ifMatchStyle, 'unquoted');
  });

  await t.test('a live lock makes another publisher wait and give up; an expired one is taken over', async () => {
    const live = JSON.stringify({ owner: 'elsewhere:1:x', expires: Date.now() + 60_000 });
    assert.ok((await store.put(LOCK_KEY, live, { contentType: 'application/json' })).ok);
    await assert.rejects(
      publish([debs[2]!], { repoDir: repo, s3, signKey: { file: key }, suite: 'staging', lockTimeout: 500 }),
      (e: Error & { code?: string }) => e.code === 'PKGAPP_REPO_LOCKED' && e.message.includes(repo),
    );
    const stale = JSON.stringify({ owner: 'crashed:1:x', expires: Date.now() - 1_000 });
    assert.ok((await store.put(LOCK_KEY, stale, { contentType: 'application/json' })).ok);
    const result = await publish([debs[2]!], { repoDir: repo, s3, signKey: { file: key }, suite: 'staging' });
    assert.deepEqual(result.apt?.unchanged, [`pool/main/h/${NAME}/${NAME}_1.2.0_all.deb`]);
    assert.equal(await store.exists(LOCK_KEY), false);
  });

  const baseUrl = `${server.endpoint}/${bucket}/repos/acme/apt`;
  await t.test('host apt reads the bucket over HTTP with signed-by: each version listed once', async () => {
    const madison = await hostApt(work, baseUrl, 'staging');
    t.diagnostic(`apt-cache madison (staging):\n${madison.trim()}`);
    assert.deepEqual(
      madison
        .trim()
        .split('\n')
        .map((l) => l.split('|')[1]!.trim()),
      ['1.2.0', '1.1.0'],
    );
  });

  await t.test(
    'apt in a booted Debian 12 root installs, upgrades and downgrades straight from the bucket',
    async (t) => {
      if (!requireTools(t, ['root', ...E2E_TOOLS])) return;
      let root: Root | undefined;
      try {
        root = await createRoot();
        const keyring = '/usr/share/keyrings/pkgapp-archive-keyring.gpg';
        const keyData = (await store.get('apt/pkgapp-archive-keyring.gpg'))!.body;
        await writeFile(path.join(root.path, keyring), keyData, { mode: 0o644 });
        const list = '/etc/apt/sources.list.d/pkgapp.list';
        await writeFile(path.join(root.path, list), `deb [signed-by=${keyring}] ${baseUrl} staging main\n`, {
          mode: 0o644,
        });
        const b = await root.boot({ privateNetwork: false });
        const update = await apt(root, [
          'update',
          '-o',
          `Dir::Etc::SourceList=${list}`,
          '-o',
          'Dir::Etc::SourceParts=-',
          '-o',
          'APT::Get::List-Cleanup=0',
        ]);
        t.diagnostic(`apt-get update:\n${update.stdout.trim()}`);
        const version = async () => (await b.exec(['dpkg-query', '-W', '-f=${Version}', NAME], { check: true })).stdout;
        await apt(root, ['install', '-y', `${NAME}=1.1.0`]);
        assert.equal(await version(), '1.1.0');
        const upgrade = await apt(root, ['install', '-y', NAME]);
        t.diagnostic(`apt-get install (upgrade):\n${upgrade.stdout.trim()}`);
        assert.equal(await version(), '1.2.0');
        await apt(root, ['install', '-y', '--allow-downgrades', `${NAME}=1.1.0`]);
        assert.equal(await version(), '1.1.0');
      } finally {
        await root?.destroy();
      }
    },
  );

  await yumCases(t, { server, bucket, repo, s3, store, work, key, env });
}

const RPM_NAME = 'hello-s3-rpm';

interface Context {
  server: S3TestServer;
  bucket: string;
  repo: string;
  s3: { endpoint: string; region: string; credentials: S3TestServer['credentials'] };
  store: S3Storage;
  work: string;
  key: string;
  env: Record<string, string>;
}

/** yum in the same bucket: state objects, keep, promote, headers, check-repo, and dnf over HTTP. */
async function yumCases(t: TestContext, c: Context): Promise<void> {
  const { store, repo, s3, key } = c;
  const rpms = await Promise.all(VERSIONS.map((v) => tinyRpm(c.work, v)));
  const signKey = { file: key };

  await t.test('yum: publish, promote and keep in the bucket; each channel is one state object', async () => {
    await publish([rpms[0]!], { repoDir: repo, s3, signKey, suite: 'staging' });
    await promote(RPM_NAME, '1.0.0', 'staging', { repoDir: repo, s3, signKey, suite: 'stable' });
    await publish([rpms[1]!], { repoDir: repo, s3, signKey, suite: 'staging' });
    await promote(RPM_NAME, '1.1.0', 'staging', { repoDir: repo, s3, signKey, suite: 'stable' });
    const kept = await publish([rpms[2]!], { repoDir: repo, s3, signKey, suite: 'staging', keep: 2 });
    assert.deepEqual(kept.yum?.removed, [`staging/Packages/${RPM_NAME}-1.0.0-1.noarch.rpm`]);
    await promote(RPM_NAME, '1.2.0', 'staging', { repoDir: repo, s3, signKey, suite: 'stable' });
    const again = await publish([rpms[2]!], { repoDir: repo, s3, signKey, suite: 'staging' });
    assert.deepEqual(again.yum?.unchanged, [`staging/Packages/${RPM_NAME}-1.2.0-1.noarch.rpm`]);
    const versions = async (channel: string) =>
      (await loadYumState(store, channel)).entries.map((e) => `${e.version}-${e.release}`);
    assert.deepEqual(await versions('staging'), ['1.1.0-1', '1.2.0-1']);
    assert.deepEqual(await versions('stable'), ['1.0.0-1', '1.1.0-1', '1.2.0-1']);
    assert.equal(await store.exists(`yum/staging/Packages/${RPM_NAME}-1.0.0-1.noarch.rpm`), false, 'keep dropped it');
    assert.equal(await store.exists(`yum/stable/Packages/${RPM_NAME}-1.0.0-1.noarch.rpm`), true, 'stable keeps it');

    const repomd = (await store.get('yum/staging/repodata/repomd.xml'))!.body.toString('utf8');
    const primary = /href="(repodata\/[0-9a-f]{64}-primary\.xml\.gz)"/.exec(repomd)![1]!;
    const expect = [
      [`yum/stable/Packages/${RPM_NAME}-1.2.0-1.noarch.rpm`, 'application/x-rpm', IMMUTABLE],
      [`yum/staging/${primary}`, 'application/gzip', IMMUTABLE],
      ['yum/staging/repodata/repomd.xml', 'application/xml', REVALIDATE],
      ['yum/staging/repodata/repomd.xml.asc', 'application/pgp-signature', REVALIDATE],
      ['yum/RPM-GPG-KEY-pkgapp', 'application/pgp-keys', REVALIDATE],
      [yumStateKey('staging'), 'application/json', PRIVATE],
    ] as const;
    for (const [k, type, cache] of expect) {
      const info = await store.head(k);
      assert.equal(info?.contentType, type, k);
      assert.equal(info?.cacheControl, cache, k);
    }
    // Two generations of repodata: the one repomd.xml names and the one before (clients mid-update).
    const { repodata } = await loadYumState(store, 'staging');
    assert.equal(repodata.current.length, 3);
    assert.equal(repodata.previous.length, 3);
    for (const href of [...repodata.current, ...repodata.previous])
      assert.ok(await store.exists(`yum/staging/${href}`), href);
  });

  await t.test('yum: the channel state is written only over the version read (If-Match)', async () => {
    const first = await loadYumState(store, 'staging');
    const second = await loadYumState(store, 'staging');
    second.repodata.previous = [];
    assert.equal(await saveYumState(store, second), true);
    assert.equal(await saveYumState(store, first), false, 'a stale ETag is refused: no update is lost');
  });

  await t.test('yum: check-repo verifies both channels in the bucket', async () => {
    const r = await execa(
      'node',
      [CLI, 'check-repo', repo, '--endpoint', c.server.endpoint, '--suite', 'stable', '--suite', 'staging'],
      { env: c.env, reject: false, all: true },
    );
    assert.equal(r.exitCode, 0, r.all);
  });

  await t.test('yum: dnf --installroot installs, upgrades and downgrades straight from the bucket', async (t) => {
    const url = `${c.server.endpoint}/${c.bucket}/repos/acme/yum`;
    const dir = await tempDir('pkgapp-dnf-s3-');
    for (const d of ['root', 'repos', 'cache']) await mkdir(path.join(dir, d));
    await writeFile(
      path.join(dir, 'repos/pkgapp.repo'),
      yumClientSetup(`${c.server.endpoint}/${c.bucket}/repos/acme`, 'stable'),
    );
    const dnf = async (args: string[]) => {
      const r = await execa(
        'dnf',
        [
          '-y',
          `--installroot=${dir}/root`,
          `--setopt=reposdir=${dir}/repos`,
          `--setopt=cachedir=${dir}/cache`,
          '--releasever=1',
          '--setopt=skip_if_unavailable=False',
          '--setopt=metadata_expire=0',
          ...args,
        ],
        { reject: false, all: true, timeout: 120_000 },
      );
      assert.equal(r.exitCode, 0, `dnf ${args.join(' ')}:\n${r.all}`);
      return String(r.all);
    };
    const repoFile = await readFile(path.join(dir, 'repos/pkgapp.repo'), 'utf8');
    assert.match(repoFile, /^gpgcheck=1$/m);
    assert.match(repoFile, /^repo_gpgcheck=1$/m);
    assert.ok(repoFile.includes(`gpgkey=${url}/RPM-GPG-KEY-pkgapp`));
    const cache = await dnf(['makecache']);
    t.diagnostic(`dnf makecache:\n${cache.trim()}`);
    const installed = async () =>
      new RegExp(`^${RPM_NAME}\\.noarch\\s+(\\S+)`, 'm').exec(await dnf(['list', '--installed', RPM_NAME]))?.[1];
    await dnf(['install', `${RPM_NAME}-1.0.0`]);
    assert.equal(await installed(), '1.0.0-1');
    const upgrade = await dnf(['upgrade', RPM_NAME]);
    t.diagnostic(`dnf upgrade:\n${upgrade.trim()}`);
    assert.equal(await installed(), '1.2.0-1');
    await dnf(['downgrade', `${RPM_NAME}-1.1.0`]);
    assert.equal(await installed(), '1.1.0-1');
  });
}

/** apt on the host with its own state dirs: update from `url`, then madison. */
async function hostApt(work: string, url: string, suite: string): Promise<string> {
  const state = path.join(work, 'apt-state');
  for (const d of ['lists/partial', 'cache/archives/partial', 'etc'])
    await mkdir(path.join(state, d), { recursive: true });
  const keyring = path.join(state, 'keyring.gpg');
  await writeFile(keyring, await (await fetch(`${url}/pkgapp-archive-keyring.gpg`)).arrayBuffer().then(Buffer.from));
  await writeFile(path.join(state, 'etc/sources.list'), `deb [signed-by=${keyring} arch=amd64] ${url} ${suite} main\n`);
  const options = [
    ['Dir::State', state],
    ['Dir::State::Lists', path.join(state, 'lists')],
    ['Dir::Cache', path.join(state, 'cache')],
    ['Dir::Etc::SourceList', path.join(state, 'etc/sources.list')],
    ['Dir::Etc::SourceParts', '-'],
    ['Dir::State::status', '/dev/null'],
    ['APT::Architecture', 'amd64'],
    ['APT::Architectures', 'amd64'],
    ['Debug::NoLocking', 'true'],
    ['APT::Sandbox::User', 'root'],
  ].flatMap(([k, v]) => ['-o', `${k}=${v}`]);
  const update = await execa('apt-get', [...options, 'update'], { reject: false });
  assert.equal(update.exitCode, 0, `${update.stdout}\n${update.stderr}`);
  assert.doesNotMatch(`${update.stdout}\n${update.stderr}`, /^(W|E):/m);
  return (await execa('apt-cache', [...options, 'madison', NAME])).stdout;
}

/** A noarch rpm without dependencies, built by rpmbuild and signed by rpmsign with the test key (dnf gpgcheck=1). */
async function tinyRpm(work: string, version: string): Promise<string> {
  const top = path.join(work, `rpmbuild-${version}`);
  await mkdir(top, { recursive: true });
  const spec = path.join(top, 'hello.spec');
  await writeFile(
    spec,
    [
      `Name: ${RPM_NAME}`,
      `Version: ${version}`,
      'Release: 1',
      'Summary: published to S3',
      'License: MIT',
      'BuildArch: noarch',
      '%description',
      'Published to S3.',
      '%install',
      'mkdir -p %{buildroot}/usr/share/hello-s3',
      `echo ${version} > %{buildroot}/usr/share/hello-s3/version`,
      '%files',
      '/usr/share/hello-s3/version',
      '',
    ].join('\n'),
  );
  await execa('rpmbuild', ['-bb', '--define', `_topdir ${top}`, '--define', '_build_id_links none', spec]);
  const rpm = path.join(top, 'RPMS/noarch', `${RPM_NAME}-${version}-1.noarch.rpm`);
  const gpg = (await execa('which', ['gpg'])).stdout;
  await execa('rpmsign', [
    '--define',
    `__gpg ${gpg}`,
    '--define',
    `_gpg_path ${path.join(work, 'gnupg')}`,
    '--define',
    '_gpg_name s3@example.com',
    '--addsign',
    rpm,
  ]);
  return rpm;
}

/** An Architecture: all .deb without dependencies, built by dpkg-deb. */
async function tinyDeb(work: string, version: string): Promise<string> {
  const dir = path.join(work, `pkg-${version}`);
  await mkdir(path.join(dir, 'DEBIAN'), { recursive: true });
  await mkdir(path.join(dir, 'usr/share/hello-s3'), { recursive: true });
  await writeFile(path.join(dir, 'usr/share/hello-s3/version'), `${version}\n`);
  await writeFile(
    path.join(dir, 'DEBIAN/control'),
    `Package: ${NAME}\nVersion: ${version}\nArchitecture: all\nMaintainer: T <t@example.com>\nDescription: published to S3\n`,
  );
  const deb = path.join(work, `${NAME}_${version}_all.deb`);
  await execa('dpkg-deb', ['--root-owner-group', '--build', dir, deb]);
  return deb;
}

async function secretKey(work: string): Promise<string> {
  const home = path.join(work, 'gnupg');
  await mkdir(home, { recursive: true, mode: 0o700 });
  const gpg = (args: string[]) => execa('gpg', ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', ...args]);
  await gpg(['--passphrase', '', '--quick-gen-key', 'S3 Test <s3@example.com>', 'ed25519', 'sign', 'never']);
  const file = path.join(work, 'key.asc');
  await writeFile(file, (await gpg(['--armor', '--export-secret-keys'])).stdout);
  return file;
}

function publicRead(bucket: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] },
      { Effect: 'Allow', Principal: '*', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${bucket}`] },
    ],
  };
}
