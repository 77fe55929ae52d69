// Which app files are packaged (docs/file-selection.md): npm pack's selection, build output a
// .gitignore hides, include, and what is never packaged; and why a file is left out.
import assert from 'node:assert/strict';
import { utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { snapshotTree, writtenSince } from '../../src/contents/build-outputs.js';
import { selectAppFiles, type SelectionRequest } from '../../src/contents/select-app-files.js';
import { cleanupTestDirs, makeApp } from '../helpers/testdir.js';

after(cleanupTestDirs);

const pkg = { name: 'sel', version: '1.0.0', main: 'server.js' };
const select = (dir: string, extra: Partial<SelectionRequest> = {}, packageJson: Record<string, unknown> = pkg) =>
  selectAppFiles({ dir, packageJson, rules: { include: [], exclude: [] }, ...extra });

/** A Next.js-like app: the scaffold's .gitignore hides .next, next-env.d.ts and tsbuildinfo. */
const nextLike = (files: Record<string, string | object> = {}) =>
  makeApp({
    'package.json': pkg,
    'server.js': '',
    '.gitignore': '/.next/\n/out/\nnext-env.d.ts\n*.tsbuildinfo\nlogs/\n',
    '.next/BUILD_ID': 'x',
    '.next/server/app/page.js': 'x',
    '.next/cache/webpack/client.pack': 'x',
    '.next/trace': 'x',
    'logs/today.log': 'x',
    'tsconfig.tsbuildinfo': '{}',
    ...files,
  });

test('without a build script, .gitignore does not hide the known output directories; their caches stay out', async () => {
  const dir = await nextLike();
  const s = await select(dir);
  assert.deepEqual(s.files, ['.next/BUILD_ID', '.next/server/app/page.js', 'package.json', 'server.js']);
  assert.deepEqual(
    s.added.map((a) => [a.top, a.files, a.why]),
    [['.next/', 2, 'framework output directory, hidden by .gitignore']],
  );
  assert.match(s.explain('logs/today.log'), /\.gitignore hides it and it is not build output/);
  assert.match(s.explain('.next/cache/webpack/client.pack'), /build cache \(\.next\/cache/);
  assert.match(s.explain('tsconfig.tsbuildinfo'), /build cache/);
  assert.deepEqual(s.warnings, []);
});

test('with a build script, whatever it wrote is packaged although .gitignore hides it', async () => {
  const dir = await nextLike({
    '.gitignore': '/.next/\ngenerated/\nnext-env.d.ts\n*.tsbuildinfo\n',
    'generated/routes.js': 'x',
    'generated/old.js': 'x',
    'next-env.d.ts': 'x',
  });
  const s = await select(dir, {
    buildOutputs: ['generated/routes.js', 'next-env.d.ts', 'tsconfig.tsbuildinfo', '.next/BUILD_ID'],
  });
  assert.ok(s.files.includes('generated/routes.js'));
  assert.ok(s.files.includes('next-env.d.ts'));
  assert.ok(!s.files.includes('generated/old.js'), 'an ignored file the build did not write stays out');
  assert.ok(!s.files.includes('tsconfig.tsbuildinfo'), 'build caches stay out even when written');
  assert.deepEqual(
    s.added.find((a) => a.top === 'generated/')?.why,
    'written by the build script, hidden by .gitignore',
  );
});

test('"files" and .npmignore stay authoritative: a known output dir they leave out is a warning, with the rule', async () => {
  const withFiles = await nextLike();
  const s = await select(withFiles, {}, { ...pkg, files: ['server.js'] });
  assert.deepEqual(s.files, ['package.json', 'server.js']);
  assert.equal(s.warnings.length, 1);
  assert.match(
    s.warnings[0]!,
    /^\.next\/ \(2 files of build output\) is not packaged: package\.json "files" does not list it$/,
  );

  const withNpmignore = await nextLike({ '.npmignore': '.next\n' });
  const t = await select(withNpmignore);
  assert.ok(!t.files.some((f) => f.startsWith('.next/')));
  assert.match(t.warnings[0]!, /\.next\/ .* \.npmignore leaves it out/);

  // a nested .gitignore inside a directory "files" lists does not hide build output either
  const nested = await makeApp({
    'package.json': { ...pkg, main: 'dist/server.js', files: ['dist'] },
    'dist/server.js': '',
    'dist/chunk.js': '',
    'dist/.gitignore': '*\n',
  });
  assert.deepEqual((await select(nested, {}, { ...pkg, main: 'dist/server.js', files: ['dist'] })).files, [
    'dist/chunk.js',
    'dist/server.js',
    'package.json',
  ]);
});

test('include adds any path or glob; exclude wins over everything', async () => {
  const dir = await nextLike({
    'data/seed.json': '{}',
    'config/public.pem': 'x',
    '.env': 'SECRET=1',
    '.gitignore': '/.next/\ndata/\n',
  });
  const s = await select(dir, {
    rules: { include: ['data', 'config/*.pem', '.next/cache'], exclude: ['.next/server/**'] },
  });
  for (const f of ['data/seed.json', 'config/public.pem', '.next/cache/webpack/client.pack'])
    assert.ok(s.files.includes(f), f);
  assert.ok(!s.files.includes('.env'));
  assert.ok(!s.files.includes('.next/server/app/page.js'), 'exclude');
  assert.match(s.explain('.next/server/app/page.js'), /pkgapp\.exclude "\.next\/server\/\*\*" leaves it out/);
  assert.match(s.explain('.env'), /secret pattern "\*\*\/\.env"/);
  assert.deepEqual(s.added.find((a) => a.top === 'data/')?.why, 'named by pkgapp.include');
  assert.deepEqual(s.warnings, [], 'an exclude is deliberate: no warning');
});

test("pkgapp's own products and configuration are never packaged; the output directory is not filtered wholesale", async () => {
  const dir = await makeApp({
    'package.json': { ...pkg, main: 'dist/server.js' },
    '.gitignore': 'dist\ndist-system\n',
    'dist/server.js': '',
    'dist/lib/db.js': '',
    'dist/sel_1.0.0_all.deb': 'x',
    'dist/sel-1.0.0-1.noarch.rpm': 'x',
    'dist/sel-1.0.0.cdx.json': '{}',
    'dist/.sel_1.0.0_all.deb.tmp-1234-0badf00d': 'x',
    'dist-system/sel_0.9.0_amd64.deb': 'x',
    'pkgapp.config.json': '{}',
    '.yarnrc.yml': 'nodeLinker: node-modules\n',
    'assets/logo.png': 'x',
  });
  const s = await select(dir, {}, { ...pkg, main: 'dist/server.js' });
  assert.deepEqual(s.files, ['assets/logo.png', 'dist/lib/db.js', 'dist/server.js', 'package.json']);
  assert.match(s.explain('dist/sel_1.0.0_all.deb'), /pkgapp never packages its own output/);
  assert.match(s.explain('pkgapp.config.json'), /read at build time only/);
  assert.match(s.explain('dist/missing.js'), /does not exist/);
  const included = await select(
    dir,
    { rules: { include: ['dist/*.deb'], exclude: [] } },
    { ...pkg, main: 'dist/server.js' },
  );
  assert.ok(included.files.includes('dist/sel_1.0.0_all.deb'), 'include names them');
});

test('an app with its own binding.gyp keeps build/Release/*.node, not node-gyp leftovers', async () => {
  const dir = await makeApp({
    'package.json': pkg,
    'server.js': '',
    'binding.gyp': '{}',
    '.gitignore': 'build/\n',
    'build/Release/addon.node': 'x',
    'build/Makefile': 'x',
    'build/Release/obj.target/addon.o': 'x',
  });
  assert.deepEqual((await select(dir)).files, ['binding.gyp', 'build/Release/addon.node', 'package.json', 'server.js']);
});

test('the build snapshot finds new and rewritten files, not node_modules', async () => {
  const dir = await makeApp({ 'a.js': '1', 'b.js': '2', 'node_modules/x/index.js': '' });
  const before = snapshotTree(dir);
  writeFileSync(path.join(dir, 'b.js'), '2');
  utimesSync(path.join(dir, 'b.js'), new Date(2001, 1, 1), new Date(2001, 1, 1)); // same size, other mtime
  writeFileSync(path.join(dir, 'c.js'), '3');
  writeFileSync(path.join(dir, 'node_modules/x/new.js'), '');
  assert.deepEqual(writtenSince(before, snapshotTree(dir)), ['b.js', 'c.js']);
});
