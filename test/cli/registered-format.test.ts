// A format added from outside src/ (test/helpers/tgz-format.ts) through registerFormat() alone:
// build() writes the example app with it beside a deb, under its own layout; inspect() and
// verify() read it through its reader; --target and --arch know its names; publish() refuses it
// (no repository) instead of dropping it; and once removed, nothing knows it any more.
import assert from 'node:assert/strict';
import { cp, readFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { build, inspect, keygen, publish, registerFormat, verify } from '../../src/index.js';
import { renderInspection } from '../../src/inspect/render-inspection.js';
import { parseArch } from '../../src/manifest/choose-arch.js';
import { cleanupTestDirs, EXAMPLE_APP, tempDir } from '../helpers/testdir.js';
import { tgzFormat } from '../helpers/tgz-format.js';

after(cleanupTestDirs);

const unregister = registerFormat(tgzFormat);

/** path → { type, body } of every entry of a .tar.gz. */
async function readTarball(file: string): Promise<Map<string, { type: string; body: string }>> {
  const entries = new Map<string, { type: string; body: string }>();
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const parts: Buffer[] = [];
    stream.on('data', (chunk) => void parts.push(chunk as Buffer));
    stream.on('end', () => {
      entries.set(header.name.replace(/\/$/, ''), {
        type: header.type ?? 'file',
        body: Buffer.concat(parts).toString('utf8'),
      });
      next();
    });
  });
  const done = new Promise<void>((resolve, reject) => extract.on('finish', () => resolve()).on('error', reject));
  createReadStream(file).pipe(createGunzip()).pipe(extract);
  await done;
  return entries;
}

let built: Promise<Awaited<ReturnType<typeof build>>> | undefined;
/** The example app, built once as deb and tgz. */
function buildExample(): Promise<Awaited<ReturnType<typeof build>>> {
  built ??= (async () => {
    const dir = await tempDir('pkgapp-tgz-');
    for (const f of ['package.json', 'package-lock.json', 'server.js', 'bin'])
      await cp(path.join(EXAMPLE_APP, f), path.join(dir, f), { recursive: true });
    return build({ dir, targets: ['deb', 'tgz'], env: { ...process.env, SOURCE_DATE_EPOCH: '1795651200' } });
  })();
  return built;
}

test('build() writes the registered format beside the deb, named and laid out by the format', async () => {
  const packages = await buildExample();
  assert.deepEqual(
    packages.map((p) => p.format),
    ['deb', 'tgz'],
  );
  const tgz = packages[1]!;
  assert.equal(path.basename(tgz.path), 'acme-hello_1.0.0_any.tar.gz');
  assert.equal(tgz.architecture, 'any');
  const entries = await readTarball(tgz.path);
  // The tgz layout, not Debian's or rpm's.
  const unit = entries.get('etc/systemd/system/acme-hello.service');
  assert.ok(
    unit,
    `no unit in etc/systemd/system: ${[...entries.keys()].filter((p) => p.includes('systemd')).join(', ')}`,
  );
  assert.match(unit.body, /^EnvironmentFile=-\/etc\/acme-hello\/acme-hello\.env$/m);
  const envFile = entries.get('etc/acme-hello/acme-hello.env');
  assert.ok(envFile, 'the environment file is where the tgz layout puts it');
  assert.match(envFile.body, /^#GREETING=$/m);
  assert.match(
    entries.get('opt/acme-hello/.pkgapp/check-env')?.body ?? '',
    /'\/etc\/acme-hello\/acme-hello\.env'/,
    'the start check reads the environment file where the layout puts it',
  );
  assert.ok(entries.has('usr/local/share/doc/acme-hello/copyright'), "documents under the layout's docDir");
  assert.ok(entries.has('usr/local/share/doc/acme-hello/sbom.cdx.json'));
  for (const elsewhere of [
    'lib/systemd/system/acme-hello.service',
    'usr/lib/systemd/system/acme-hello.service',
    'etc/default/acme-hello',
    'etc/sysconfig/acme-hello',
    'usr/share/doc/acme-hello/copyright',
  ]) {
    assert.ok(!entries.has(elsewhere), `${elsewhere} belongs to another format's layout`);
  }
  // The shared contents: the app, its node_modules, the /usr/bin wrapper, every parent directory.
  assert.match(entries.get('opt/acme-hello/server.js')?.body ?? '', /listen/);
  assert.equal(entries.get('opt/acme-hello/node_modules/express/package.json') === undefined, false);
  assert.equal(entries.get('usr/bin/hello-greet')?.type, 'file');
  assert.equal(entries.get('opt/acme-hello')?.type, 'directory');
  assert.equal(tgz.files, [...entries.values()].filter((e) => e.type === 'file').length);
  // The deb of the same build keeps Debian's layout.
  const debEntries = (await inspect(packages[0]!.path)).files!.map((f) => f.path);
  assert.ok(debEntries.includes('/lib/systemd/system/acme-hello.service'));
  assert.ok(debEntries.includes('/etc/default/acme-hello'));
});

test('inspect() and verify() read the registered format through its reader, found by its magic bytes', async () => {
  const tgz = (await buildExample())[1]!;
  const inspection = await inspect(tgz.path);
  assert.equal(inspection.format, 'tgz');
  assert.deepEqual([inspection.name, inspection.version, inspection.architecture], ['acme-hello', '1.0.0', 'any']);
  assert.ok(inspection.files!.some((f) => f.path === '/etc/systemd/system/acme-hello.service' && f.type === 'file'));
  const report = await renderInspection(inspection);
  assert.match(report, /gzip-compressed tar of the installed tree/);
  // A tarball carries no signature: verify() says so through the reader, as for an unsigned deb.
  const base = path.join(await tempDir('pkgapp-keys-'), 'release');
  await keygen({ name: 'Test Releases', email: 'releases@example.com', out: base, type: 'ed25519' });
  const verified = await verify(tgz.path, `${base}.asc`);
  assert.equal(verified.format, 'tgz');
  assert.equal(verified.valid, false);
  assert.equal(verified.problem, 'not signed');
});

test("--target and --arch know the registered format's names", async () => {
  assert.equal(parseArch('any'), 'all');
  await assert.rejects(
    build({ dir: EXAMPLE_APP, targets: ['zip'] }),
    (error: Error & { code?: string; hint?: string }) => {
      assert.equal(error.code, 'PKGAPP_TARGET_UNKNOWN');
      assert.match(error.hint ?? '', /deb or rpm or tgz/);
      return true;
    },
  );
});

test('publish() refuses the registered format, which has no repository, instead of dropping it', async () => {
  const [deb, tgz] = await buildExample();
  await assert.rejects(
    publish([deb!.path, tgz!.path], { repoDir: await tempDir(), signKey: { file: '/nonexistent/key' } }),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'PKGAPP_PUBLISH_FORMAT_UNSUPPORTED');
      assert.match(error.message, /acme-hello_1\.0\.0_any\.tar\.gz: pkgapp cannot publish tgz packages/);
      return true;
    },
  );
});

test('once removed, the format is unknown again', async () => {
  const tgz = (await buildExample())[1]!;
  unregister();
  try {
    await assert.rejects(inspect(tgz.path), {
      code: 'PKGAPP_NOT_A_PACKAGE',
      message: /neither a \.deb nor an \.rpm package/,
    });
    assert.throws(() => parseArch('any'), { code: 'PKGAPP_ARCH_INVALID' });
    assert.equal((await readFile(tgz.path)).subarray(0, 2).toString('hex'), '1f8b');
  } finally {
    registerFormat(tgzFormat);
  }
});
