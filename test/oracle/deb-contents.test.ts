// What goes into a package and what stays out, installed by the real dpkg into a scratch root:
// long and non-ASCII paths, long symlink targets, secrets, dev dependencies, lockfile checks.
import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, readFile, readlink, symlink } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { cleanupTestDirs, listDir, makeApp, minimalApp, runCli, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

const LONG_DIR = Array.from({ length: 12 }, (_, i) => `segment-${String(i).padStart(2, '0')}`).join('/');
const LONG_FILE = `${LONG_DIR}/file-ünïcödé-name.js`; // > 100 bytes once under opt/NAME/
const DEEP_CLI = `${'very-long-directory-name/'.repeat(6)}cli.js`;

/** An app with a production and a dev dependency installed by hand, matching its lockfile. */
function appWithModules(overrides: Record<string, unknown> = {}): Record<string, string | object> {
  const base = minimalApp({
    name: 'contents-app',
    dependencies: { prod: '^1.0.0' },
    devDependencies: { devtool: '^2.0.0' },
    pkgapp: { service: false, include: ['certs/public.pem'] },
    ...overrides,
  });
  const pkg = base['package.json'] as { name: string; version: string };
  return {
    ...base,
    'package-lock.json': {
      name: pkg.name,
      version: pkg.version,
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': {
          name: pkg.name,
          version: pkg.version,
          dependencies: { prod: '^1.0.0' },
          devDependencies: { devtool: '^2.0.0' },
        },
        'node_modules/prod': { version: '1.0.0', license: 'ISC', bin: { 'prod-cli': DEEP_CLI } },
        'node_modules/devtool': { version: '2.0.0', dev: true },
      },
    },
    'node_modules/prod/package.json': { name: 'prod', version: '1.0.0', license: 'ISC', bin: { 'prod-cli': DEEP_CLI } },
    'node_modules/prod/index.js': 'module.exports = 1;\n',
    [`node_modules/prod/${DEEP_CLI}`]: '#!/usr/bin/env node\nconsole.log(1);\n',
    'node_modules/prod/.npmignore': 'test/\n',
    'node_modules/prod/.eslintrc.json': '{}\n',
    'node_modules/devtool/package.json': { name: 'devtool', version: '2.0.0' },
    'node_modules/stray/package.json': { name: 'stray', version: '9.9.9' },
    [LONG_FILE]: 'module.exports = "long";\n',
    '.env': 'SECRET=1\n',
    '.env.production': 'SECRET=2\n',
    'config/server.key': 'PRIVATE\n',
    'certs/public.pem': 'PUBLIC CERT\n',
    'certs/other.pem': 'OTHER\n',
  };
}

async function buildNoInstall(
  files: Record<string, string | object>,
): Promise<{ dir: string; out: string; result: Awaited<ReturnType<typeof runCli>> }> {
  const dir = await makeApp(files);
  if (files['node_modules/prod/package.json']) {
    await mkdir(path.join(dir, 'node_modules/.bin'), { recursive: true });
    await symlink(`../prod/${DEEP_CLI}`, path.join(dir, 'node_modules/.bin/prod-cli'));
    await symlink('../devtool/x.js', path.join(dir, 'node_modules/.bin/devtool'));
    await chmod(path.join(dir, 'node_modules/prod', DEEP_CLI), 0o775); // npm makes bin targets executable
    await chmod(path.join(dir, 'node_modules/prod/index.js'), 0o775); // a stray exec bit, as some tarballs have
  }
  const out = await tempDir();
  const result = await runCli(['build', '-C', dir, '-o', out, '--no-install', '--json'], {
    env: { SOURCE_DATE_EPOCH: '1795651200' },
  });
  return { dir, out, result };
}

test('dpkg installs long, non-ASCII paths and long symlink targets; secrets and dev dependencies stay out', async (t) => {
  if (!requireTools(t, ['dpkg', 'root'])) return;
  const { result } = await buildNoInstall(appWithModules());
  assert.equal(result.exitCode, 0, result.stderr);
  const deb = JSON.parse(result.stdout).packages[0].path as string;
  assert.ok(Buffer.byteLength(`./opt/contents-app/${LONG_FILE}`) > 100);

  // dpkg's own tar parser (not tar(1)) unpacks it into a scratch root: no PAX, parents first.
  const root = await tempDir('pkgapp-dpkg-root-');
  for (const d of ['info', 'updates', 'triggers']) await mkdir(path.join(root, 'var/lib/dpkg', d), { recursive: true });
  await execa('touch', [path.join(root, 'var/lib/dpkg/status')]);
  const install = await execa('dpkg', [`--root=${root}`, '--force-depends', '--force-script-chrootless', '-i', deb], {
    reject: false,
  });
  assert.equal(install.exitCode, 0, install.stderr);

  const app = path.join(root, 'opt/contents-app');
  assert.equal(await readFile(path.join(app, LONG_FILE), 'utf8'), 'module.exports = "long";\n');
  assert.equal(await readlink(path.join(app, 'node_modules/.bin/prod-cli')), `../prod/${DEEP_CLI}`);
  assert.equal(
    (await lstat(path.join(app, 'node_modules/prod', DEEP_CLI))).mode & 0o777,
    0o755,
    'a script with #! keeps its exec bit',
  );
  assert.equal(
    (await lstat(path.join(app, 'node_modules/prod/index.js'))).mode & 0o777,
    0o644,
    'a stray exec bit is dropped',
  );
  assert.equal(
    await readFile(path.join(app, 'certs/public.pem'), 'utf8'),
    'PUBLIC CERT\n',
    'pkgapp.include lets one key file in',
  );

  const packaged = (await execa('dpkg-deb', ['--contents', deb])).stdout;
  for (const secret of ['.env', '.env.production', 'config/server.key', 'certs/other.pem']) {
    assert.doesNotMatch(
      packaged,
      new RegExp(`/opt/contents-app/${secret.replace(/\./g, '\\.')}$`, 'm'),
      `${secret} must not be packaged`,
    );
  }
  assert.doesNotMatch(packaged, /node_modules\/devtool/, 'dev dependencies are not packaged');
  assert.doesNotMatch(packaged, /node_modules\/\.bin\/devtool/, 'nor their .bin links');
  assert.doesNotMatch(packaged, /node_modules\/stray/, 'packages the lockfile does not pin are not packaged');
  assert.doesNotMatch(packaged, /\.npmignore|\.eslintrc/, 'npm packaging noise is dropped');
  const copyright = await readFile(path.join(root, 'usr/share/doc/contents-app/copyright'), 'utf8');
  assert.match(copyright, /Files: opt\/contents-app\/node_modules\/prod\/\*\n.*\n.*\nLicense: ISC/);
});

test('--no-install refuses node_modules that differ from the lockfile, listing every difference', async () => {
  const files = appWithModules();
  files['node_modules/prod/package.json'] = { name: 'prod', version: '1.0.1' };
  const lock = files['package-lock.json'] as { packages: Record<string, object> };
  lock.packages['node_modules/missing'] = { version: '3.0.0' };
  const { result, out } = await buildNoInstall(files);
  assert.equal(result.exitCode, 2);
  assert.match(result.stderr, /node_modules\/prod: version 1\.0\.1 installed, the lockfile pins 1\.0\.0/);
  assert.match(result.stderr, /node_modules\/missing: missing \(the lockfile pins missing@3\.0\.0\)/);
  assert.match(result.stderr, /hint: Run `npm ci`/);
  assert.deepEqual(await listDir(out), []);
});

test("packages built into the app's own dist/ are never packaged again", async () => {
  const dir = await makeApp(minimalApp({ pkgapp: { service: false } }));
  for (let i = 0; i < 2; i++) {
    const result = await runCli(['build', '-C', dir, '--no-install', '--json']);
    assert.equal(result.exitCode, 0, result.stderr);
    assert.equal(
      path.dirname(JSON.parse(result.stdout).packages[0].path),
      path.join(dir, 'dist'),
      '-o is relative to -C',
    );
  }
  const contents = (await execa('dpkg-deb', ['--contents', path.join(dir, 'dist', 'tiny-app_1.0.0_all.deb')])).stdout;
  assert.doesNotMatch(contents, /\.deb$/m);
});
