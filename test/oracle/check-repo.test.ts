// `pkgapp check-repo` against repositories `pkgapp publish` really wrote: green for a directory,
// for the same files over HTTP (a tiny static server, as a CDN serves them) and in an S3 bucket
// (Ceph RGW, test/helpers/s3-server.ts); then one corruption at a time, each of which a client
// would refuse or be misled by, must exit 1 naming the file and what it expected.
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { cp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { main } from '../../src/cli/main.js';
import { S3Storage } from '../../src/publish/storage/s3-storage.js';
import { CEPH_TOOLS, startS3TestServer } from '../helpers/s3-server.js';
import { cleanupTestDirs, makeApp, minimalApp, runCli, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

interface Finding {
  file: string;
  problem: string;
  expected?: string;
  actual?: string;
}

interface Report {
  repository: string;
  valid: boolean;
  keys: string[];
  apt: { suites: string[] };
  yum: { channels: string[] };
  suitesFrom: string;
  checked: { signatures: number; indexes: number; debs: number; rpms: number; packageBytes: number };
  problems: Finding[];
  warnings: Finding[];
}

const DEB = 'apt/pool/main/t/tiny-app/tiny-app_1.0.0_all.deb';
const RPM_11 = 'yum/stable/Packages/tiny-app-1.1.0-1.noarch.rpm';
const RPM_10 = 'yum/stable/Packages/tiny-app-1.0.0-1.noarch.rpm';

let repo: string;
let publicKey: string;
let otherKey: string;

before(async () => {
  const keys = await tempDir('pkgapp-checkrepo-keys-');
  const keygen = async (name: string) => {
    const r = await runCli(
      ['keygen', '--name', name, '--email', 'check@example.com', '--type', 'ed25519', '--out', path.join(keys, name)],
      {},
    );
    assert.equal(r.exitCode, 0, r.stderr);
    return { secret: path.join(keys, `${name}.key`), public: path.join(keys, `${name}.asc`) };
  };
  const main = await keygen('main');
  publicKey = main.public;
  otherKey = (await keygen('other')).public;
  const files: Record<string, string[]> = {};
  for (const version of ['1.0.0', '1.1.0']) {
    const app = await makeApp(minimalApp({ version }));
    const r = await runCli(
      ['build', '-C', app, '-t', 'deb', '-t', 'rpm', '--no-install', '--sign-key', main.secret, '--json'],
      { env: { SOURCE_DATE_EPOCH: '1795651200' } },
    );
    assert.equal(r.exitCode, 0, r.stderr);
    files[version] = (JSON.parse(r.stdout) as { packages: { path: string }[] }).packages.map((p) => p.path);
  }
  repo = path.join(await tempDir('pkgapp-checkrepo-'), 'repo');
  const publish = async (suite: string, packages: string[]) => {
    const r = await runCli(['publish', '--repo', repo, '--suite', suite, '--sign-key', main.secret, '-q', ...packages]);
    assert.equal(r.exitCode, 0, r.stderr);
  };
  await publish('stable', [...files['1.0.0']!, ...files['1.1.0']!]);
  await publish('staging', files['1.1.0']!);
});

/**
 * Runs check-repo with --json through the CLI's main() in this process (no Node start-up per
 * run); `spawn` runs the real `node dist/cli.js` instead (S3: the SDK reads credentials from the
 * process environment). The report is on stdout whether the check passes or not.
 */
async function check(target: string, args: string[] = [], spawn?: { env: Record<string, string> }) {
  const argv = ['check-repo', target, '--json', ...args];
  let r: { exitCode: number; stdout: string; stderr: string };
  if (spawn) r = await runCli(argv, spawn);
  else {
    let stdout = '';
    let stderr = '';
    const exitCode = await main(argv, {
      stdout: (text) => void (stdout += text),
      stderr: (text) => void (stderr += text),
      env: {},
      interactive: false,
    });
    r = { exitCode, stdout, stderr };
  }
  let report: Report | undefined;
  try {
    report = JSON.parse(r.stdout) as Report;
  } catch {
    report = undefined;
  }
  return { ...r, report };
}

/** A copy of the published repository to break. */
async function copy(): Promise<string> {
  const dir = path.join(await tempDir('pkgapp-checkrepo-bad-'), 'repo');
  await cp(repo, dir, { recursive: true });
  return dir;
}

async function flipByte(file: string, at?: number): Promise<void> {
  const bytes = await readFile(file);
  const offset = at ?? Math.floor(bytes.length / 2);
  bytes[offset] = bytes[offset]! ^ 0xff;
  await writeFile(file, bytes);
}

function assertNamed(result: Awaited<ReturnType<typeof check>>, file: string, problem: RegExp): void {
  assert.equal(result.exitCode, 1, result.stderr);
  assert.match(result.stderr, /code: PKGAPP_CHECK_REPO_FAILED/);
  const found = result.report?.problems.find((p) => p.file === file && problem.test(p.problem));
  assert.ok(found, `expected a problem with ${file} matching ${problem}; got:\n${result.stdout}`);
}

test('a directory as publish wrote it: every suite found, every signature, index and package checked', async () => {
  const r = await check(repo, ['--key', publicKey]);
  assert.equal(r.exitCode, 0, r.stderr);
  const report = r.report!;
  assert.equal(report.valid, true);
  assert.deepEqual(report.apt.suites, ['stable', 'staging']);
  assert.deepEqual(report.yum.channels, ['stable', 'staging']);
  assert.equal(report.suitesFrom, 'listed');
  // 2 suites × (InRelease + Release.gpg) + 2 channels × repomd.xml.asc.
  assert.equal(report.checked.signatures, 6);
  // Per package file and suite: the debs once per file name (stable: 2, staging: 1), rpms per channel.
  assert.equal(report.checked.debs, 3);
  assert.equal(report.checked.rpms, 3);
  assert.ok(report.checked.indexes > 20, String(report.checked.indexes));
  assert.deepEqual(report.problems, []);
  assert.deepEqual(report.warnings, []);

  // Without --key: the repository's own exported keys, and the human summary.
  const plain = await runCli(['check-repo', repo]);
  assert.equal(plain.exitCode, 0, plain.stderr);
  assert.match(
    plain.stderr,
    /OK: apt stable, staging; yum stable, staging; 6 signatures against apt\/pkgapp-archive-keyring\.asc and yum\/RPM-GPG-KEY-pkgapp/,
  );
});

test('over HTTP: the same repository served as static files, as apt and dnf fetch it', async () => {
  const broken = await copy();
  await flipByte(path.join(broken, DEB));
  const roots = new Map([
    ['/good/', repo],
    ['/broken/', broken],
  ]);
  const server = http.createServer((request, response) => {
    void serve(roots, request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const both = await check(`${base}/good`, ['--suite', 'stable', '--suite', 'staging', '--key', publicKey]);
    assert.equal(both.exitCode, 0, both.stderr);
    assert.deepEqual(both.report!.apt.suites, ['stable', 'staging']);
    assert.equal(both.report!.checked.debs, 3);
    assert.equal(both.report!.checked.rpms, 3);

    // HTTP cannot list: without --suite, publish's default suite, and the summary says so.
    const plain = await runCli(['check-repo', `${base}/good`]);
    assert.equal(plain.exitCode, 0, plain.stderr);
    assert.match(plain.stderr, /OK: apt stable; yum stable \(HTTP cannot list suites; --suite checks others\)/);

    assertNamed(await check(`${base}/broken`), DEB, /SHA256 \(listed in apt\/dists\/stable\/main\/binary-/);

    const missing = await check(`${base}/good`, ['--suite', 'production']);
    assert.equal(missing.exitCode, 2, missing.stderr);
    assert.match(missing.stderr, /no apt suite or yum channel named production/);
    assert.match(missing.stderr, /code: PKGAPP_CHECK_REPO_NOT_FOUND/);
  } finally {
    server.close();
  }
});

/** A static file server: GET and HEAD, 404 for what is not there, nothing outside the roots. */
async function serve(
  roots: Map<string, string>,
  request: http.IncomingMessage,
  response: http.ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const prefix = [...roots.keys()].find((p) => url.pathname.startsWith(p));
  const rel = prefix ? decodeURIComponent(url.pathname.slice(prefix.length)) : '';
  const file = prefix ? path.join(roots.get(prefix)!, rel) : '';
  const info =
    prefix && !rel.split('/').some((s) => s.startsWith('.')) ? await stat(file).catch(() => undefined) : undefined;
  if (!info?.isFile()) {
    response.statusCode = 404;
    response.end();
    return;
  }
  response.setHeader('content-length', info.size);
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  createReadStream(file).pipe(response);
}

test('in an S3 bucket (Ceph RGW): green, then a replaced pool object is named', { timeout: 300_000 }, async (t) => {
  if (!requireTools(t, CEPH_TOOLS)) return;
  const server = await startS3TestServer();
  try {
    const connection = { endpoint: server.endpoint, region: server.region, credentials: server.credentials };
    await new S3Client({ ...connection, forcePathStyle: true }).send(
      new CreateBucketCommand({ Bucket: 'pkgapp-check' }),
    );
    // Uploaded file by file through the storage interface (what publish to S3 writes, in any order:
    // check-repo reads a finished repository).
    const storage = new S3Storage({ ...connection, bucket: 'pkgapp-check', prefix: 'repos/acme' });
    const files = (await readdir(repo, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.relative(repo, path.join(e.parentPath, e.name)))
      .filter((rel) => !rel.split(path.sep).some((s) => s.startsWith('.')));
    for (const rel of files) {
      const put = await storage.putFile(rel.split(path.sep).join('/'), path.join(repo, rel), {
        contentType: 'application/octet-stream',
      });
      assert.ok(put.ok);
    }
    const env = {
      AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
      AWS_REGION: server.region,
    };
    const target = 's3://pkgapp-check/repos/acme';
    const good = await check(target, ['--endpoint', server.endpoint, '--key', publicKey], { env });
    assert.equal(good.exitCode, 0, good.stderr);
    assert.equal(good.report!.repository, target);
    assert.deepEqual(good.report!.apt.suites, ['stable', 'staging']);
    assert.deepEqual(good.report!.yum.channels, ['stable', 'staging']);
    assert.equal(good.report!.checked.debs + good.report!.checked.rpms, 6);

    // An entry point a CDN may cache for a year: a warning (clients could get a stale InRelease).
    const inRelease = 'apt/dists/stable/InRelease';
    assert.ok(
      (
        await storage.put(inRelease, await readFile(path.join(repo, inRelease)), {
          contentType: 'text/plain',
          cacheControl: 'public, max-age=31536000, immutable',
        })
      ).ok,
    );
    const cached = await check(target, ['--endpoint', server.endpoint, '--suite', 'stable'], { env });
    assert.equal(cached.exitCode, 0, cached.stderr);
    assert.deepEqual(
      cached.report!.warnings.map((w) => w.file),
      [inRelease],
    );
    assert.match(cached.report!.warnings[0]!.problem, /Cache-Control "public, max-age=31536000, immutable".*no-cache/);

    const bytes = await readFile(path.join(repo, RPM_10));
    bytes[100] = bytes[100]! ^ 0xff;
    assert.ok((await storage.put(RPM_10, bytes, { contentType: 'application/x-rpm' })).ok);
    assertNamed(
      await check(target, ['--endpoint', server.endpoint], { env }),
      RPM_10,
      /checksum \(listed in yum\/stable\/repodata\/[0-9a-f]{64}-primary\.xml\.gz\)/,
    );
  } finally {
    await server.stop();
  }
});

test('each corruption a client would trip over: exit 1 naming the file', async (t) => {
  await t.test('a flipped byte in a pool .deb', async () => {
    const dir = await copy();
    await flipByte(path.join(dir, DEB));
    const r = await check(dir);
    assertNamed(r, DEB, /^SHA256 \(listed in apt\/dists\/stable\/main\/binary-/);
    const problem = r.report!.problems.find((p) => p.file === DEB)!;
    assert.match(problem.expected!, /^[0-9a-f]{64}$/);
    assert.notEqual(problem.expected, problem.actual);
    // What a person reads (no --json): one line per problem, then the error naming the first.
    const human = await runCli(['check-repo', dir]);
    assert.equal(human.exitCode, 1, human.stderr);
    assert.match(
      human.stderr,
      new RegExp(`BAD ${DEB}: SHA256 .* does not match \\(expected [0-9a-f]{64}, found [0-9a-f]{64}\\)`),
    );
  });

  await t.test('a flipped byte in a Packages file', async () => {
    const dir = await copy();
    const index = 'apt/dists/stable/main/binary-amd64/Packages';
    const text = await readFile(path.join(dir, index), 'utf8');
    await writeFile(path.join(dir, index), text.replace('Version: 1.1.0', 'Version: 1.1.1'));
    const r = await check(dir);
    assertNamed(r, index, /^SHA256 \(listed in apt\/dists\/stable\/Release\) does not match/);
    // And the index now disagrees with the other indexes listing the same file.
    assertNamed(r, index, /otherwise than apt\/dists\/stable\/main\/binary-/);
  });

  await t.test('a flipped byte in repomd.xml: its signature no longer holds', async () => {
    const dir = await copy();
    const repomd = path.join(dir, 'yum/stable/repodata/repomd.xml');
    await writeFile(repomd, (await readFile(repomd, 'utf8')).replace('<revision>', '<revision>9'));
    assertNamed(await check(dir), 'yum/stable/repodata/repomd.xml.asc', /signature of repomd\.xml does not verify/);
  });

  await t.test('a removed package', async () => {
    const dir = await copy();
    await rm(path.join(dir, RPM_11));
    await rm(path.join(dir, 'apt/pool/main/t/tiny-app/tiny-app_1.1.0_all.deb'));
    const r = await check(dir);
    assertNamed(
      r,
      RPM_11,
      /listed in yum\/stable\/repodata\/.*-primary\.xml\.gz as tiny-app-1\.1\.0-1\.noarch but missing/,
    );
    assertNamed(r, 'apt/pool/main/t/tiny-app/tiny-app_1.1.0_all.deb', /as tiny-app 1\.1\.0 all but missing/);
  });

  await t.test('a bad signature: InRelease edited after signing, and another key', async () => {
    const dir = await copy();
    const inRelease = path.join(dir, 'apt/dists/stable/InRelease');
    await writeFile(inRelease, (await readFile(inRelease, 'utf8')).replace('Origin: pkgapp', 'Origin: pkgapq'));
    assertNamed(
      await check(dir),
      'apt/dists/stable/InRelease',
      /^signature does not verify against apt\/pkgapp-archive-keyring\.asc/,
    );

    const other = await check(repo, ['--key', otherKey, '--suite', 'staging']);
    for (const file of [
      'apt/dists/staging/InRelease',
      'apt/dists/staging/Release.gpg',
      'yum/staging/repodata/repomd.xml.asc',
      'apt/pool/main/t/tiny-app/tiny-app_1.1.0_all.deb',
      'yum/staging/Packages/tiny-app-1.1.0-1.noarch.rpm',
    ])
      assertNamed(other, file, /which is not (among the keys checked against|in the given key file)/);
  });

  await t.test('a by-hash copy that does not match its hash', async () => {
    const dir = await copy();
    const byHash = path.join(dir, 'apt/dists/stable/main/binary-amd64/by-hash/SHA256');
    const release = await readFile(path.join(dir, 'apt/dists/stable/Release'), 'utf8');
    const xzHash = new RegExp(`^ ([0-9a-f]{64}) +\\d+ main/binary-amd64/Packages\\.xz$`, 'm').exec(release)![1]!;
    await flipByte(path.join(byHash, xzHash), 10);
    assertNamed(
      await check(dir),
      `apt/dists/stable/main/binary-amd64/by-hash/SHA256/${xzHash}`,
      /^SHA256 \(listed in apt\/dists\/stable\/Release\) does not match/,
    );
  });

  await t.test('a primary checksum mismatch: an rpm replaced by other bytes, and primary.xml.gz itself', async () => {
    const dir = await copy();
    await flipByte(path.join(dir, RPM_10));
    const repodata = path.join(dir, 'yum/staging/repodata');
    const primary = (await readdir(repodata)).find((n) => n.endsWith('-primary.xml.gz'))!;
    await flipByte(path.join(repodata, primary), 20);
    const r = await check(dir);
    assertNamed(
      r,
      RPM_10,
      /^checksum \(listed in yum\/stable\/repodata\/[0-9a-f]{64}-primary\.xml\.gz\) does not match/,
    );
    assertNamed(r, `yum/staging/repodata/${primary}`, /^checksum \(listed in yum\/staging\/repodata\/repomd\.xml\)/);
  });

  await t.test('not a repository, or an unknown suite: exit 2', async () => {
    const empty = await check(await tempDir());
    assert.equal(empty.exitCode, 2, empty.stderr);
    assert.match(empty.stderr, /code: PKGAPP_CHECK_REPO_NOT_FOUND/);
    const unknown = await check(repo, ['--suite', 'production']);
    assert.equal(unknown.exitCode, 2, unknown.stderr);
    assert.match(unknown.stderr, /no apt suite or yum channel named production/);
  });
});
