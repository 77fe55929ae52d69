// pkgapp works as an installed npm package, not only from a clone: templates ship and resolve.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { cleanupTestDirs, makeApp, minimalApp, REPO_ROOT, tempDir } from '../helpers/testdir.js';

after(cleanupTestDirs);

test('npm pack → npm install -g → `pkgapp build` builds a package', async () => {
  const packDir = await tempDir();
  const { stdout } = await execa('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: REPO_ROOT });
  const [{ filename, files }] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  const shipped = files.map((f) => f.path);
  assert.ok(shipped.includes('dist/cli.js') && shipped.includes('templates/systemd/app.service'));
  assert.ok(
    !shipped.some((f) => f.endsWith('.map') || f.startsWith('test/') || f.startsWith('src/')),
    'only the runtime ships',
  );

  const prefix = await tempDir();
  await execa('npm', [
    'install',
    '--global',
    '--prefix',
    prefix,
    '--no-audit',
    '--no-fund',
    path.join(packDir, filename),
  ]);
  const app = await makeApp(minimalApp());
  const out = await tempDir();
  const build = await execa(
    path.join(prefix, 'bin', 'pkgapp'),
    ['build', '-C', app, '-o', out, '--no-install', '--json'],
    { cwd: prefix },
  );
  const [pkg] = JSON.parse(build.stdout).packages as { path: string }[];
  assert.equal(path.basename(pkg!.path), 'tiny-app_1.0.0_all.deb');
  const { stdout: unit } = await execa('dpkg-deb', ['--fsys-tarfile', pkg!.path]).pipe('tar', [
    '-xOf',
    '-',
    './lib/systemd/system/tiny-app.service',
  ]);
  assert.match(
    unit,
    /^ExecStart="\/opt\/tiny-app\/\.pkgapp\/check-env" "\/usr\/bin\/node" "\/opt\/tiny-app\/server\.js"$/m,
  );
});
