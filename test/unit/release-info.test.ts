// release.json's git fields come from one `git status --porcelain=v2 --branch`: checked against
// a real repository in each state (outside one, before the first commit, clean, a changed
// tracked file, only untracked files, changes outside the app's subdirectory, a linked worktree).
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { readReleaseInfo } from '../../src/app/release-info.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

const git = (cwd: string, ...args: string[]) =>
  execa('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', ...args], { cwd });
const head = async (cwd: string) => (await git(cwd, 'rev-parse', 'HEAD')).stdout.trim();

test('release info: the commit and whether tracked files under the app differ from it', async (t) => {
  if (!requireTools(t, ['git'])) return;
  const outside = await tempDir('pkgapp-release-info-');
  await writeFile(path.join(outside, 'package-lock.json'), '{}\n');
  const plain = await readReleaseInfo(outside, path.join(outside, 'package-lock.json'));
  assert.deepEqual(Object.keys(plain), ['lockfileSha256'], 'outside a repository: no git fields');

  const repo = await tempDir('pkgapp-release-info-');
  const app = path.join(repo, 'app');
  const lock = path.join(app, 'package-lock.json');
  await mkdir(app);
  await writeFile(lock, '{}\n');
  await git(repo, 'init', '-q');
  assert.equal((await readReleaseInfo(app, lock)).gitCommit, undefined, 'before the first commit');

  await git(repo, 'add', '.');
  await git(repo, 'commit', '-qm', 'first');
  const clean = await readReleaseInfo(app, lock);
  assert.equal(clean.gitCommit, await head(repo));
  assert.equal(clean.gitDirty, false);

  await writeFile(path.join(app, 'untracked.js'), '\n');
  assert.equal((await readReleaseInfo(app, lock)).gitDirty, false, 'untracked files do not count');
  await writeFile(path.join(repo, 'beside.txt'), 'x\n');
  await git(repo, 'add', 'beside.txt');
  assert.equal((await readReleaseInfo(app, lock)).gitDirty, false, 'a change outside the app does not count');

  await writeFile(lock, '{"changed": true}\n');
  const dirty = await readReleaseInfo(app, lock);
  assert.equal(dirty.gitCommit, await head(repo));
  assert.equal(dirty.gitDirty, true);

  // A linked worktree's .git is a file naming the repository: still found.
  const worktree = path.join(await tempDir('pkgapp-release-info-'), 'wt');
  await git(repo, 'worktree', 'add', '-q', '--detach', worktree);
  const linked = await readReleaseInfo(path.join(worktree, 'app'), path.join(worktree, 'app', 'package-lock.json'));
  assert.equal(linked.gitCommit, await head(repo));
  assert.equal(linked.gitDirty, false);
});
