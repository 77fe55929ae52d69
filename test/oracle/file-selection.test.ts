// Which app files end up in the packages, read back with dpkg-deb -c and rpm -qlp
// (docs/file-selection.md): gitignored build output, the default output directory beside an
// app built into dist/, pkgapp's own products and config, other platforms' prebuilt binaries.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { cleanupTestDirs, makeApp, minimalApp, runCli, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

const EPOCH = { SOURCE_DATE_EPOCH: '1795651200' };

async function debFiles(deb: string): Promise<string[]> {
  const { stdout } = await execa('dpkg-deb', ['--contents', deb]);
  return stdout
    .split('\n')
    .map((l) => l.slice(l.indexOf('./') + 1).replace(/ -> .*$/, ''))
    .filter((p) => !p.endsWith('/'));
}

async function rpmFiles(rpm: string): Promise<string[]> {
  return (await execa('rpm', ['-qlp', rpm])).stdout.split('\n');
}

test("a build script's gitignored output (.next-like) is packaged without its cache; pkgapp.config.json is not", async (t) => {
  if (!requireTools(t, ['dpkg-deb', 'rpm'])) return;
  const base = minimalApp({ name: 'next-like', scripts: { build: 'node build.js', start: 'node server.js' } });
  const dir = await makeApp({
    ...base,
    'pkgapp.config.json': { buildScript: 'build' },
    '.gitignore': '# create-next-app\n/node_modules\n/.next/\n/out/\nnext-env.d.ts\n*.tsbuildinfo\n',
    'build.js': [
      "const fs = require('fs');",
      "fs.mkdirSync('.next/server/app', { recursive: true });",
      "fs.mkdirSync('.next/cache/images', { recursive: true });",
      "fs.writeFileSync('.next/BUILD_ID', 'build-1');",
      "fs.writeFileSync('.next/server/app/index.html', '<h1>hi</h1>');",
      "fs.writeFileSync('.next/cache/images/x.webp', 'cache');",
      "fs.writeFileSync('next-env.d.ts', '/// <reference types=\"next\" />');",
      "fs.writeFileSync('tsconfig.tsbuildinfo', '{}');",
    ].join('\n'),
    'server.js': "require('fs').readFileSync(__dirname + '/.next/BUILD_ID');\n",
  });
  const out = await tempDir();
  const built = await runCli(['build', '-C', dir, '-o', out, '-t', 'deb', '-t', 'rpm'], { env: EPOCH });
  assert.equal(built.exitCode, 0, built.stderr);
  assert.match(
    built.stderr,
    /including \.next\/ \S+ B \(2 files\): written by the build script, hidden by \.gitignore/,
  );
  assert.match(built.stderr, /packaging \.next\/ \S+ B \(2 files\), .*server\.js/);
  const deb = await debFiles(path.join(out, 'next-like_1.0.0_all.deb'));
  const rpm = await rpmFiles(path.join(out, 'next-like-1.0.0-1.noarch.rpm'));
  for (const files of [deb, rpm]) {
    for (const f of ['.next/BUILD_ID', '.next/server/app/index.html', 'next-env.d.ts', 'server.js'])
      assert.ok(files.includes(`/opt/next-like/${f}`), `${f} in ${files.join(' ')}`);
    for (const f of ['.next/cache/images/x.webp', 'tsconfig.tsbuildinfo', 'pkgapp.config.json'])
      assert.ok(!files.includes(`/opt/next-like/${f}`), `${f} left out`);
  }
});

test('main dist/server.js with the default -o dist: both coexist, old packages anywhere in the app are never packaged, builds repeat byte for byte', async (t) => {
  if (!requireTools(t, ['dpkg-deb'])) return;
  const dir = await makeApp({
    ...minimalApp({ name: 'dist-app', main: 'dist/server.js' }),
    '.gitignore': 'node_modules\ndist\ndist-system\n',
    'dist/server.js': "require('./routes');\n",
    'dist/routes.js': 'module.exports = {};\n',
    'dist-system/dist-app_0.9.0_all.deb': 'an old package',
    'dist-system/dist-app-0.9.0-1.noarch.rpm': 'an old package',
    'dist-system/dist-app-0.9.0.cdx.json': '{}',
  });
  const deb = path.join(dir, 'dist/dist-app_1.0.0_all.deb');
  const first = await runCli(['build', '-C', dir], { env: EPOCH });
  assert.equal(first.exitCode, 0, first.stderr);
  const firstBytes = await readFile(deb);
  const second = await runCli(['build', '-C', dir], { env: EPOCH }); // dist/ now holds the first build's .deb and SBOM
  assert.equal(second.exitCode, 0, second.stderr);
  assert.ok(
    firstBytes.equals(await readFile(deb)),
    "the second build is byte-identical: the first one's products were not packaged",
  );
  const files = await debFiles(deb);
  assert.ok(files.includes('/opt/dist-app/dist/server.js'));
  assert.ok(files.includes('/opt/dist-app/dist/routes.js'), 'the rest of a gitignored dist/ too');
  assert.deepEqual(
    files.filter((f) => f.startsWith('/opt/') && (/\.(deb|rpm|cdx\.json)$/.test(f) || f.includes('dist-system'))),
    [],
  );
});

test('the service entry left out: the error names the rule', async () => {
  const dir = await makeApp({
    ...minimalApp({ name: 'hidden-entry', files: ['lib/'], pkgapp: { service: { entry: 'app.js' } } }),
    'app.js': '',
    'lib/a.js': '',
  });
  const r = await runCli(['build', '-C', dir, '-o', await tempDir(), '--no-install'], { env: EPOCH });
  assert.equal(r.exitCode, 2);
  assert.match(
    r.stderr,
    /the service entry "app\.js" is not among the app's files: package\.json "files" does not list it/,
  );
});

test('prebuilt binaries for other platforms and foreign optional packages are dropped, and the log says how much', async (t) => {
  if (!requireTools(t, ['dpkg-deb'])) return;
  const cpu = process.arch;
  const other = cpu === 'arm64' ? 'x64' : 'arm64';
  const pkg = minimalApp({
    name: 'prebuilt-app',
    dependencies: { 'ws-addon': '1.0.0' },
    optionalDependencies: { [`@esb/darwin-${other}`]: '1.0.0' },
  });
  const dir = await makeApp({
    ...pkg,
    'package-lock.json': {
      name: 'prebuilt-app',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': {
          name: 'prebuilt-app',
          version: '1.0.0',
          dependencies: { 'ws-addon': '1.0.0' },
          optionalDependencies: { [`@esb/darwin-${other}`]: '1.0.0' },
        },
        'node_modules/ws-addon': { version: '1.0.0', license: 'MIT' },
        [`node_modules/@esb/darwin-${other}`]: {
          version: '1.0.0',
          license: 'MIT',
          optional: true,
          os: ['darwin'],
          cpu: [other],
        },
      },
    },
    'node_modules/ws-addon/package.json': { name: 'ws-addon', version: '1.0.0', license: 'MIT' },
    'node_modules/ws-addon/index.js': "module.exports = require('node-gyp-build')(__dirname);\n",
    [`node_modules/ws-addon/prebuilds/linux-${cpu}/node.napi.glibc.node`]: 'native for the target',
    [`node_modules/ws-addon/prebuilds/linux-${cpu}/node.napi.musl.node`]: 'musl '.repeat(100),
    [`node_modules/ws-addon/prebuilds/linux-${other}/node.napi.node`]: 'other cpu '.repeat(100),
    // msgpackr-extract's platform packages: the musl build beside the glibc one, not in prebuilds/
    'node_modules/ws-addon/node.abi115.musl.node': 'musl at the root '.repeat(100),
    'node_modules/ws-addon/prebuilds/darwin-x64+arm64/node.napi.node': 'mac '.repeat(100),
    'node_modules/ws-addon/prebuilds/win32-x64/node.napi.node': 'windows '.repeat(100),
    [`node_modules/@esb/darwin-${other}/package.json`]: {
      name: `@esb/darwin-${other}`,
      version: '1.0.0',
      license: 'MIT',
      os: ['darwin'],
      cpu: [other],
    },
    [`node_modules/@esb/darwin-${other}/bin/esb`]: 'mac binary '.repeat(100),
  });
  const out = await tempDir();
  const r = await runCli(['build', '-C', dir, '-o', out, '--no-install', '--json'], { env: EPOCH });
  assert.equal(r.exitCode, 0, r.stderr);
  const built = JSON.parse(r.stdout).packages[0] as { path: string; contents: { path: string; packages?: number }[] };
  assert.equal(
    built.contents.find((c) => c.path === 'node_modules/')?.packages,
    1,
    'the foreign optional package is not counted',
  );
  const files = await debFiles(built.path);
  const addon = '/opt/prebuilt-app/node_modules/ws-addon/prebuilds';
  assert.deepEqual(
    files.filter((f) => f.startsWith(addon)),
    [`${addon}/linux-${cpu}/node.napi.glibc.node`],
  );
  assert.deepEqual(
    files.filter((f) => f.includes('@esb') || f.endsWith('.musl.node')),
    [],
  );
  const sbom = await readFile(path.join(out, 'prebuilt-app-1.0.0.cdx.json'), 'utf8');
  assert.doesNotMatch(sbom, /@esb/, 'nor in the SBOM');

  const logged = await runCli(['build', '-C', dir, '-o', await tempDir(), '--no-install'], { env: EPOCH });
  assert.match(
    logged.stderr,
    new RegExp(
      `leaving out native binaries for other platforms than linux-${cpu} \\(glibc\\): 1 optional package \\(@esb/darwin-${other}@1\\.0\\.0\\) and 5 prebuilds paths .*, 7 files, \\d+\\.\\d KiB`,
    ),
  );
});
