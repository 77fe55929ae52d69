// Which packages of a cached npm tree a seeded install keeps (src/contents/seed-npm-tree.ts): the
// locations whose lockfile entry is unchanged; none when a package with an install script has a
// changed dependency (in the old resolution or the new); the changed ones and their .bin links removed.
import assert from 'node:assert/strict';
import { lstat, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { planSeed, removeChanged } from '../../src/contents/seed-npm-tree.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';

after(cleanupTestDirs);

const lock = (packages: Record<string, Record<string, unknown>>) =>
  JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'app' }, ...packages } });

test('changed, added and removed locations; unchanged entries kept', () => {
  const before = lock({
    'node_modules/a': { version: '1.0.0', integrity: 'sha512-a' },
    'node_modules/b': { version: '1.0.0', integrity: 'sha512-b1' },
    'node_modules/c': { version: '1.0.0' },
  });
  const after_ = lock({
    'node_modules/a': { version: '1.0.0', integrity: 'sha512-a' },
    'node_modules/b': { version: '1.0.0', integrity: 'sha512-b2' }, // same version, other bytes
    'node_modules/d': { version: '1.0.0' },
  });
  assert.deepEqual(planSeed(before, after_), { changed: ['node_modules/b', 'node_modules/c', 'node_modules/d'] });
  assert.deepEqual(planSeed(before, before), { changed: [] });
  assert.match(
    (planSeed(JSON.stringify({ lockfileVersion: 1, dependencies: {} }), after_) as { reason: string }).reason,
    /lockfileVersion 1/,
  );
});

test('an install script whose dependency closure changed: no seed; elsewhere in the tree: seeded', () => {
  const packages = (dep: string) => ({
    'node_modules/native': { version: '1.0.0', hasInstallScript: true, dependencies: { mid: '^1' } },
    'node_modules/mid': { version: '1.0.0', dependencies: { leaf: '^1' } },
    'node_modules/mid/node_modules/leaf': { version: dep },
    'node_modules/leaf': { version: '2.0.0' },
    'node_modules/other': { version: dep },
  });
  const plan = planSeed(lock(packages('1.0.0')), lock(packages('1.0.1')));
  assert.deepEqual(plan, {
    reason: 'node_modules/native has an install script and its dependency node_modules/mid/node_modules/leaf changed',
  });
  // The nested leaf gone (mid now finds the unchanged hoisted one): the old resolution still counts.
  const moved = packages('1.0.0') as Record<string, Record<string, unknown>>;
  delete moved['node_modules/mid/node_modules/leaf'];
  assert.match((planSeed(lock(packages('1.0.0')), lock(moved)) as { reason: string }).reason, /native/);
  // A change outside the closure: seeded.
  const unrelated = { ...packages('1.0.0'), 'node_modules/other': { version: '9.0.0' } };
  assert.deepEqual(planSeed(lock(packages('1.0.0')), lock(unrelated)), { changed: ['node_modules/other'] });
});

test('removeChanged: the package directories and only the .bin links into them', async () => {
  const root = path.join(await tempDir('pkgapp-seed-'), 'node_modules');
  for (const dir of ['a/bin', '@s/b', 'c/node_modules/d', 'c/node_modules/.bin', '.bin'])
    await mkdir(path.join(root, dir), { recursive: true });
  await writeFile(path.join(root, 'a/bin/a.js'), '');
  await symlink('../a/bin/a.js', path.join(root, '.bin/a'));
  await symlink('../@s/b/cli.js', path.join(root, '.bin/b'));
  await symlink('../d/x.js', path.join(root, 'c/node_modules/.bin/x'));
  await removeChanged(path.dirname(root), ['node_modules/a', 'node_modules/c/node_modules/d', 'node_modules/gone']);
  assert.deepEqual((await readdir(root)).sort(), ['.bin', '@s', 'c']);
  assert.deepEqual(await readdir(path.join(root, '.bin')), ['b']);
  assert.deepEqual(await readdir(path.join(root, 'c/node_modules/.bin')), []);
  assert.ok((await lstat(path.join(root, '@s/b'))).isDirectory());
});
