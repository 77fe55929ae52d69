// pkgapp init: a starter configuration from what the app says about itself, which then builds.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { cleanupTestDirs, makeApp, minimalApp, runCli } from '../helpers/testdir.js';

after(cleanupTestDirs);

test('pkgapp init writes a valid, commented configuration the build accepts', async () => {
  const app = await makeApp(minimalApp({ scripts: { start: 'node server.js' } }, {
    'server.js': "const port = process.env.PORT || 3000; const db = process.env['DATABASE_URL']; const env = process.env.NODE_ENV;\n",
  }));
  const r = await runCli(['init', '-C', app, '--json']);
  assert.equal(r.exitCode, 0, r.stderr);
  const { file, notes } = JSON.parse(r.stdout);
  assert.equal(file, path.join(app, 'pkgapp.config.json'));
  const config = JSON.parse(await readFile(file, 'utf8'));
  assert.deepEqual(config.service, { entry: 'server.js', restart: 'on-failure' });
  assert.deepEqual(Object.keys(config.env), ['DATABASE_URL', 'PORT'], 'NODE_ENV is not part of the contract');
  assert.equal(typeof config['//'], 'string');
  assert.ok(notes.some((n: string) => /DATABASE_URL, PORT/.test(n)));
  const build = await runCli(['build', '-C', app, '--no-install', '-o', path.join(app, 'out')]);
  assert.equal(build.exitCode, 0, build.stderr);
});

test('pkgapp init never overwrites a configuration (exit 2)', async () => {
  const withKey = await makeApp(minimalApp({ pkgapp: {} }));
  const r1 = await runCli(['init', '-C', withKey]);
  assert.equal(r1.exitCode, 2);
  assert.match(r1.stderr, /already has a "pkgapp" key; pkgapp init never overwrites/);
  const withFile = await makeApp({ ...minimalApp(), 'pkgapp.config.json': { name: 'keep-me' } });
  const r2 = await runCli(['init', '-C', withFile]);
  assert.equal(r2.exitCode, 2);
  assert.deepEqual(JSON.parse(await readFile(path.join(withFile, 'pkgapp.config.json'), 'utf8')), { name: 'keep-me' });
});

test('pkgapp init names the package manager whose lockfile the build will install from', async () => {
  const npmApp = await makeApp(minimalApp());
  const r1 = JSON.parse((await runCli(['init', '-C', npmApp, '--json'])).stdout);
  assert.ok(r1.notes.some((n: string) => /package-lock\.json \(npm\)/.test(n)), r1.notes.join('\n'));

  const pnpmApp = await makeApp({ 'package.json': { name: 'p', version: '1.0.0', main: 'index.js' }, 'index.js': '', 'pnpm-lock.yaml': "lockfileVersion: '9.0'\n" });
  const r2 = JSON.parse((await runCli(['init', '-C', pnpmApp, '--json'])).stdout);
  assert.ok(r2.notes.some((n: string) => /pnpm-lock\.yaml \(pnpm\)/.test(n)), r2.notes.join('\n'));

  const noLock = await makeApp({ 'package.json': { name: 'q', version: '1.0.0', main: 'index.js' }, 'index.js': '' });
  const r3 = JSON.parse((await runCli(['init', '-C', noLock, '--json'])).stdout);
  assert.ok(r3.notes.some((n: string) => /no package-lock\.json .*commit the lockfile/.test(n)), r3.notes.join('\n'));
});
