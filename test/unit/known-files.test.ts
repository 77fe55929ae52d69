// KnownFiles: what the build cache's manifest says of an installed tree, and collectContents
// taking the tree's listing, sizes and modes from it instead of reading the directories.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { listTreeSync, type TreeFile } from '../../src/cache/cache-store.js';
import { collectContents } from '../../src/contents/collect-contents.js';
import { KnownFiles } from '../../src/contents/known-files.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';

after(cleanupTestDirs);

/** A staged app with a few packages: nested node_modules, a .bin link, an executable, names that sort oddly. */
async function stagedApp(): Promise<string> {
  const root = await tempDir('pkgapp-known-');
  const files: Record<string, string> = {
    'package.json': '{}',
    'node_modules/a/package.json': '{"name":"a"}',
    'node_modules/a/index.js': 'module.exports = 1;\n',
    'node_modules/a/lib/x.js': 'x',
    'node_modules/a/lib-b/y.js': 'yy',
    'node_modules/a/node_modules/c/package.json': '{"name":"c"}',
    'node_modules/a-b/package.json': '{"name":"a-b"}',
    'node_modules/a-b/cli.js': '#!/usr/bin/env node\nconsole.log(1);\n',
    'node_modules/@s/d/package.json': '{"name":"@s/d"}',
    'node_modules/@s/d/B.js': 'B',
    'node_modules/@s/d/a.js': 'a',
  };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  chmodSync(path.join(root, 'node_modules/a-b/cli.js'), 0o755);
  mkdirSync(path.join(root, 'node_modules/.bin'));
  symlinkSync('../a-b/cli.js', path.join(root, 'node_modules/.bin/ab'));
  symlinkSync('index.js', path.join(root, 'node_modules/a/main.js'));
  return root;
}

const packages = ['node_modules/@s/d', 'node_modules/a', 'node_modules/a-b', 'node_modules/a/node_modules/c'].map(
  (location) => ({ location, name: location.split('node_modules/').pop()!, version: '1.0.0', optional: false }),
);

async function collected(root: string, known?: KnownFiles) {
  const result = await collectContents({
    root,
    appFiles: ['package.json'],
    packages,
    installDir: '/opt/app',
    rules: { include: [], exclude: [] },
    nodePath: '/usr/bin/node',
    target: { cpu: process.arch },
    ...(known ? { known } : {}),
  });
  return [...result.entries.ordered([], 'slash-first')].map((e) => ({
    path: e.path,
    kind: e.kind,
    mode: e.kind === 'symlink' ? 0 : e.mode,
    size: e.kind === 'file' ? e.size : 0,
    target: e.kind === 'symlink' ? e.target : '',
  }));
}

test('listings of a known tree: every directory of the manifest, children in its order; none for an incomplete manifest', async () => {
  const root = await stagedApp();
  const tree = path.join(root, 'node_modules');
  const manifest = listTreeSync(tree)!;
  const known = new KnownFiles();
  known.learnTree(tree, manifest);
  assert.deepEqual(known.listingOf(tree)?.names, ['.bin', '@s', 'a', 'a-b']);
  const a = known.listingOf(path.join(tree, 'a'));
  assert.deepEqual(a?.names, ['index.js', 'lib', 'lib-b', 'main.js', 'node_modules', 'package.json']);
  assert.deepEqual(a?.types, ['file', 'dir', 'dir', 'symlink', 'dir', 'file']);
  assert.deepEqual(known.listingOf(path.join(tree, '@s/d'))?.names, ['B.js', 'a.js', 'package.json']);
  assert.equal(known.listingOf(root), undefined, 'outside the tree: read from disk');
  assert.equal(known.listingOf(path.join(tree, 'a/index.js')), undefined, 'not a directory');
  // A manifest missing a directory (not putTree's) gives no listing at all.
  const partial = new KnownFiles();
  partial.learnTree(
    tree,
    manifest.filter((f: TreeFile) => f.path !== 'a/lib'),
  );
  assert.equal(partial.listingOf(tree), undefined);
});

/** What putTree records of a tree: every file with its mode, size and SHA-256. */
function manifestOf(tree: string): TreeFile[] {
  return listTreeSync(tree)!.map((f) => {
    if (f.type !== 'file') return f;
    const file = path.join(tree, f.path);
    const st = lstatSync(file);
    const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    return { ...f, mode: st.mode & 0o7777, size: st.size, sha256 };
  });
}

test('collectContents from a known tree: the same entries as from the disk, without reading its directories', async () => {
  const root = await stagedApp();
  const tree = path.join(root, 'node_modules');
  const fromDisk = await collected(root);
  assert.ok(fromDisk.some((e) => e.path === 'opt/app/node_modules/a-b/cli.js' && e.mode === 0o755));
  const known = new KnownFiles();
  known.learnTree(tree, manifestOf(tree));
  const listing = known.listingOf(path.join(tree, 'a'))!;
  assert.deepEqual(known.statIn(listing, listing.names.indexOf('index.js')), { mode: 0o644, size: 20 });
  assert.equal(known.statIn(listing, listing.names.indexOf('lib')), undefined, 'a directory');
  assert.deepEqual(await collected(root, known), fromDisk);
  // The listing is the manifest's, not the disk's: a name added after the tree was learned is not
  // collected (the contract: nothing changes a known tree's names before the payload is written).
  writeFileSync(path.join(tree, 'a/late.js'), 'late');
  assert.deepEqual(await collected(root, known), fromDisk);
  assert.ok((await collected(root)).some((e) => e.path === 'opt/app/node_modules/a/late.js'));
  // Sizes and modes are the manifest's too, until a file is forgotten (strip rewrote it): then lstat's.
  const file = path.join(tree, 'a/index.js');
  writeFileSync(file, 'module.exports = 1; // rewritten\n');
  const size = (entries: Awaited<ReturnType<typeof collected>>) =>
    entries.find((e) => e.path === 'opt/app/node_modules/a/index.js')?.size;
  assert.equal(size(await collected(root, known)), 20);
  known.forget(file);
  assert.equal(known.statIn(listing, listing.names.indexOf('index.js')), undefined);
  assert.equal(size(await collected(root, known)), 33);
});
