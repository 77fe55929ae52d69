// One workspace of an npm, pnpm, Yarn Berry or Yarn classic monorepo packaged alone (--workspace
// api): its files at /opt/NAME, its production closure in node_modules (the sibling workspace
// @mono/lib as real files, two versions of ms kept apart), nothing of the other workspaces.
import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { FROZEN_INSTALL, pathFor, pathWithoutManagers, type FixtureManager } from '../helpers/package-managers.js';
import { cleanupTestDirs, REPO_ROOT, runCli, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

const MONOREPOS: { dir: string; manager: FixtureManager; label: string }[] = [
  { dir: 'monorepo', manager: 'npm', label: 'npm' },
  { dir: 'monorepo-pnpm', manager: 'pnpm', label: 'pnpm' },
  { dir: 'monorepo-yarn', manager: 'yarn-berry', label: 'yarn' },
  { dir: 'monorepo-yarn-classic', manager: 'yarn-classic', label: 'yarn classic' },
];
const ENV = { SOURCE_DATE_EPOCH: '1795651200' };
const OPT = '/opt/mono-api';

async function copyFixture(dir: string): Promise<string> {
  const app = path.join(await tempDir('pkgapp-mono-'), dir);
  await cp(path.join(REPO_ROOT, 'test/fixtures/apps', dir), app, { recursive: true });
  return app;
}

async function debEntries(deb: string): Promise<Map<string, string>> {
  const listing = (await execa('dpkg-deb', ['--contents', deb])).stdout;
  const entries = new Map<string, string>();
  for (const line of listing.split('\n')) {
    const match = /^(\S)\S* \S+ +\d+ \S+ \S+ \.(\/\S*?)\/?(?: -> \S+)?$/.exec(line);
    if (match) entries.set(match[2]!, match[1]!);
  }
  return entries;
}

/** The deployed API: its files, its production closure laid out so every require resolves as in the monorepo. */
async function checkDeployed(deb: string, label: string): Promise<void> {
  const entries = await debEntries(deb);
  const paths = [...entries.keys()];
  for (const file of [
    'server.js',
    'bin/hello.js',
    'package.json',
    'node_modules/@mono/lib/index.js',
    'node_modules/@mono/lib/package.json',
    'node_modules/ms/package.json',
    'node_modules/debug/package.json',
  ]) {
    assert.equal(entries.get(`${OPT}/${file}`), '-', `${file} is a regular file`);
  }
  assert.equal(
    entries.get(`${OPT}/node_modules/@mono/lib`),
    'd',
    'the sibling workspace is a real directory, not a link',
  );
  assert.ok(
    entries.has(`${OPT}/node_modules/@mono/lib/node_modules/ms/index.js`),
    'lib keeps its own ms 2.1.3 below it',
  );
  assert.ok(entries.has(`${OPT}/node_modules/debug/node_modules/ms/index.js`), 'debug keeps its own ms 2.1.3 below it');
  assert.deepEqual(
    paths.filter((p) => [...entries].some(([q, kind]) => q === p && kind === 'l')),
    [],
    'no links at all',
  );
  assert.deepEqual(
    paths.filter((p) => /escape-html|is-number|@mono\/web|\/packages\/|lib\/test|\.bin/.test(p)),
    [],
    "nothing of other workspaces, dev dependencies or lib's unpublished files",
  );

  const root = await tempDir('pkgapp-unpacked-');
  await execa('dpkg-deb', ['-x', deb, root]);
  const hello = JSON.parse((await execa(process.execPath, [path.join(root, OPT, 'bin/hello.js')])).stdout);
  assert.deepEqual(hello, { app: '@mono/api', manager: label, ms: '2.0.0', libMs: '2.1.3', humanized: '2 minutes' });
}

for (const repo of MONOREPOS) {
  test(`${repo.dir}: --workspace api packages that workspace and its production closure only, as deb and rpm`, async (t) => {
    if (!requireTools(t, ['dpkg-deb', 'rpm'])) return;
    const app = await copyFixture(repo.dir);
    const r = await runCli(['build', '-C', app, '--workspace', 'api', '-t', 'deb', '-t', 'rpm', '--json'], {
      env: { ...ENV, PATH: await pathFor(repo.manager) },
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const built = JSON.parse(r.stdout).packages as { format: string; path: string; sbom: string }[];
    assert.equal(path.dirname(built[0]!.path), path.join(app, 'dist'), '-o is relative to -C, the monorepo root');
    await checkDeployed(built.find((p) => p.format === 'deb')!.path, repo.label);
    const rpmFiles = (await execa('rpm', ['-qlp', built.find((p) => p.format === 'rpm')!.path])).stdout.split('\n');
    assert.ok(rpmFiles.includes(`${OPT}/node_modules/@mono/lib/index.js`));
    assert.deepEqual(
      rpmFiles.filter((f) => /escape-html|is-number|@mono\/web/.test(f)),
      [],
    );

    const sbom = JSON.parse(await readFile(built[0]!.sbom, 'utf8')) as {
      metadata: { component: { purl: string } };
      components: { group?: string; name: string; version: string }[];
    };
    assert.equal(sbom.metadata.component.purl, 'pkg:npm/%40mono/api@1.2.0');
    assert.deepEqual(sbom.components.map((c) => `${c.group ? `${c.group}/` : ''}${c.name}@${c.version}`).sort(), [
      '@mono/lib@1.0.0',
      'debug@4.4.3',
      'ms@2.0.0',
      'ms@2.1.3',
    ]);
  });
}

test('monorepo: the workspace named by package name, by directory, or by -C into it', async (t) => {
  if (!requireTools(t, ['dpkg-deb'])) return;
  const app = await copyFixture('monorepo');
  const PATH = await pathFor('npm');
  for (const args of [
    ['-C', app, '--workspace', '@mono/api'],
    ['-C', app, '-w', 'packages/api'],
    ['-C', path.join(app, 'packages/api')],
  ]) {
    const out = await tempDir();
    const r = await runCli(['build', ...args, '-o', out, '--json'], { env: { ...ENV, PATH } });
    assert.equal(r.exitCode, 0, `${args.join(' ')}: ${r.stderr}`);
    await checkDeployed((JSON.parse(r.stdout).packages as { path: string }[])[0]!.path, 'npm');
  }
});

test('monorepo: --no-install deploys the workspace from the installed monorepo', async (t) => {
  if (!requireTools(t, ['dpkg-deb'])) return;
  const app = await copyFixture('monorepo');
  const [file, ...args] = FROZEN_INSTALL.npm;
  await execa(file!, args, { cwd: app });
  const out = await tempDir();
  const r = await runCli(['build', '-C', app, '-w', 'api', '-o', out, '--no-install', '--json'], {
    env: { ...ENV, PATH: pathWithoutManagers() },
  });
  assert.equal(r.exitCode, 0, r.stderr);
  await checkDeployed((JSON.parse(r.stdout).packages as { path: string }[])[0]!.path, 'npm');
});

test('a workspace that does not exist is refused (exit 2), listing the workspaces', async () => {
  const app = await copyFixture('monorepo');
  const r = await runCli(['build', '-C', app, '--workspace', 'nope'], { env: ENV });
  assert.equal(r.exitCode, 2, r.stderr);
  assert.match(r.stderr, /no workspace "nope" \(the workspaces are @mono\/api, @mono\/lib, @mono\/web\)/);
  const single = await copyFixture('pnpm');
  const s = await runCli(['build', '-C', single, '--workspace', 'api'], { env: ENV });
  assert.equal(s.exitCode, 2, s.stderr);
  assert.match(s.stderr, /no workspace "api": the project declares no workspaces/);
});

test('a sibling workspace out of sync with the lockfile is listed as stale', async () => {
  const app = await copyFixture('monorepo-pnpm');
  const libPkg = path.join(app, 'packages/lib/package.json');
  const lib = JSON.parse(await readFile(libPkg, 'utf8'));
  lib.dependencies.ms = '^2.0.0';
  await writeFile(libPkg, JSON.stringify(lib, null, 2));
  const r = await runCli(['build', '-C', app, '--workspace', 'api'], { env: { ...ENV, PATH: await pathFor('pnpm') } });
  assert.equal(r.exitCode, 2, r.stderr);
  assert.match(
    r.stderr,
    /pnpm-lock\.yaml is out of sync with packages\/api\/package\.json:\n {2}packages\/lib\/package\.json: dependencies\.ms is "\^2\.0\.0" in package\.json but "\^2\.1\.3" in the lockfile/,
  );
});
