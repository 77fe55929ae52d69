// The README's first command works on a fresh copy of the repository, so the README cannot rot.
import assert from 'node:assert/strict';
import { cp, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { cleanupTestDirs, REPO_ROOT, tempDir } from '../helpers/testdir.js';

after(cleanupTestDirs);

/** The command lines of the README's first ```sh block, comments removed. */
async function quickStart(): Promise<string[]> {
  const readme = await readFile(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  return block
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

test('the README quick start: the first command installs and packages the example on a fresh copy', async () => {
  const [install, tests] = await quickStart();
  assert.match(install ?? '', /^npm ci && npm run build && node dist\/cli\.js build -C examples\/hello$/);
  assert.equal(tests, 'npm test', 'the second command is the test command .ci/run runs');
  assert.match(await readFile(path.join(REPO_ROOT, '.ci/run'), 'utf8'), /^npm test$/m);

  // A fresh copy: the files git knows, as they are in the working tree.
  const copy = await tempDir('pkgapp-readme-');
  const { stdout } = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO_ROOT,
  });
  for (const file of stdout.split('\0').filter(Boolean)) {
    await mkdir(path.dirname(path.join(copy, file)), { recursive: true });
    await cp(path.join(REPO_ROOT, file), path.join(copy, file), { verbatimSymlinks: true }).catch(() => {}); // deleted but not yet committed files
  }
  await execa('sh', ['-c', install!], { cwd: copy, env: { npm_config_update_notifier: 'false' } });
  assert.deepEqual(
    (await readdir(path.join(copy, 'examples/hello/dist'))).filter((f) => f.endsWith('.deb')),
    ['acme-hello_1.0.0_all.deb'],
  );
});
