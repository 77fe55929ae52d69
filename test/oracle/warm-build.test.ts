// Packages built warm (every payload segment copied from the cache, src/util/payload-segments.ts)
// checked with the real tools: dpkg-deb reads the multi-segment data.tar.gz and its md5sums match
// the files, lintian; rpm -K checks the payload digest and sizes computed over copied segments,
// rpm -qlp lists the files, rpm2cpio unpacks them with the digests of the header, rpmlint.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { build } from '../../src/build.js';
import { openCacheStore } from '../../src/cache/cache-store.js';
import { StoreSegmentCache } from '../../src/util/cached-segments.js';
import { cleanupTestDirs, EXAMPLE_APP, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

const env = { ...process.env, SOURCE_DATE_EPOCH: '1795651200' };
let deb: string;
let rpm: string;
let store: StoreSegmentCache;

after(cleanupTestDirs);

before(async () => {
  store = new StoreSegmentCache(await openCacheStore(await tempDir('pkgapp-warm-cache-')));
  const once = async () => {
    const built = await build({
      dir: EXAMPLE_APP,
      targets: ['deb', 'rpm'],
      outDir: await tempDir('pkgapp-warm-out-'),
      env,
      segmentCache: store,
      log: () => {},
    });
    return Object.fromEntries(built.map((p) => [p.format, p]));
  };
  const cold = await once();
  const hits = store.stats.hits;
  const warm = await once();
  assert.ok(store.stats.hits - hits >= 4, `segments copied: ${store.stats.hits - hits}`);
  assert.equal(warm['deb']!.sha256, cold['deb']!.sha256);
  assert.equal(warm['rpm']!.sha256, cold['rpm']!.sha256);
  deb = warm['deb']!.path;
  rpm = warm['rpm']!.path;
});

test('warm deb: dpkg-deb lists and unpacks it, every md5sums line matches its file, lintian accepts it', async (t) => {
  if (!requireTools(t, ['dpkg-deb', 'lintian'])) return;
  const listed = (await execa('dpkg-deb', ['-c', deb])).stdout;
  assert.match(listed, /\.\/opt\/acme-hello\/node_modules\//);
  const root = await tempDir('pkgapp-warm-x-');
  await execa('dpkg-deb', ['-x', deb, root]);
  await execa('dpkg-deb', ['-e', deb, path.join(root, 'DEBIAN')]);
  const tarList = (await execa('bash', ['-c', `dpkg-deb --fsys-tarfile "${deb}" | tar -t | wc -l`])).stdout;
  assert.equal(Number(tarList), listed.trim().split('\n').length);
  const sums = await execa('md5sum', ['--check', '--strict', '--quiet', path.join(root, 'DEBIAN', 'md5sums')], {
    cwd: root,
  });
  assert.equal(sums.exitCode, 0);
  const lintian = await execa('lintian', ['--tag-display-limit', '0', deb], {
    reject: false,
    env: { LANG: 'C.UTF-8' },
  });
  const errors = lintian.stdout.split('\n').filter((l) => l.startsWith('E:'));
  assert.deepEqual(errors, [], lintian.stdout + lintian.stderr);
});

test('warm rpm: rpm -K verifies digests and sizes, rpm -qlp lists it, cpio files match the header digests, rpmlint has no error', async (t) => {
  if (!requireTools(t, ['rpm', 'rpm2cpio', 'cpio', 'rpmlint'])) return;
  // A private HOME and database: Debian's rpm reads and writes its configuration there.
  const home = await tempDir('pkgapp-warm-home-');
  const rpmEnv = { HOME: home, LANG: 'C.UTF-8', PATH: process.env['PATH']! };
  const rpmCmd = (args: string[]) =>
    execa('rpm', ['--dbpath', path.join(home, '.rpmdb'), ...args], { env: rpmEnv, reject: false });
  const checked = await rpmCmd(['-K', '--nosignature', rpm]);
  assert.equal(checked.exitCode, 0, checked.stdout + checked.stderr);
  assert.match(checked.stdout, /digests OK/);
  const files = (await rpmCmd(['-qlp', rpm])).stdout.split('\n');
  assert.ok(files.some((f) => f.includes('/node_modules/')));
  const root = await tempDir('pkgapp-warm-rx-');
  await execa('bash', ['-c', `rpm2cpio "${rpm}" | cpio -idm --quiet`], { cwd: root });
  const dump = (await rpmCmd(['-qp', '--dump', rpm])).stdout.trim().split('\n');
  let compared = 0;
  for (const line of dump) {
    const [file, , , digest, mode] = line.split(' ');
    if (!file || !digest || !/^0100/.test(mode ?? '')) continue; // regular files
    const body = await readFile(path.join(root, file));
    assert.equal(createHash('sha256').update(body).digest('hex'), digest, file);
    compared++;
  }
  assert.ok(compared >= 5, `files compared: ${compared}`);
  const lint = await execa('rpmlint', [rpm], { reject: false, env: rpmEnv });
  assert.match(lint.stdout, /1 packages and 0 specfiles checked/, lint.stdout + lint.stderr);
  // The errors rpm-build.test.ts accepts for this app: files in /opt, the 0750 state dir, unsigned.
  const errors = lint.stdout
    .split('\n')
    .filter((l) => / E: /.test(l))
    .filter((l) => !/ E: (dir-or-file-in-opt|non-standard-dir-perm|no-signature)\b/.test(l));
  assert.deepEqual(errors, [], lint.stdout);
});
