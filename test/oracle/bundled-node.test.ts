// --node bundled: the package carries its own node; a server without Debian's nodejs runs it.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { apt, createAptRepo } from '../helpers/apt-repo.js';
import { fetchApp, NAME, sh, waitActive } from '../helpers/booted-app.js';
import { createRoot, type Root } from '../helpers/chroot.js';
import { cleanupTestDirs, EXAMPLE_APP, makeApp, minimalApp, runCli, tempDir } from '../helpers/testdir.js';
import { E2E_TOOLS, requireTools } from '../helpers/tools.js';
import { execa } from 'execa';

after(cleanupTestDirs);

test('a bundled-node package runs where no nodejs package is installed', async (t) => {
  if (!requireTools(t, ['root', ...E2E_TOOLS])) return;
  const out = await tempDir();
  const built = await runCli([
    'build',
    '-C',
    EXAMPLE_APP,
    '-o',
    out,
    '-t',
    'deb',
    '-t',
    'rpm',
    '--node',
    'bundled',
    '--json',
  ]);
  assert.equal(built.exitCode, 0, built.stderr);
  const packages = JSON.parse(built.stdout).packages as { format: string; path: string; architecture: string }[];
  const deb = packages.find((p) => p.format === 'deb')!;
  if (process.arch === 'x64')
    assert.deepEqual(
      packages.map((p) => p.architecture).sort(),
      ['amd64', 'x86_64'],
      'a bundled node makes the package architecture-specific',
    );
  assert.doesNotMatch((await execa('dpkg-deb', ['--field', deb.path, 'Depends'])).stdout, /nodejs/);
  assert.doesNotMatch(
    (await execa('rpm', ['-qp', '--requires', packages.find((p) => p.format === 'rpm')!.path])).stdout,
    /nodejs/,
  );

  let root: Root | undefined;
  try {
    root = await createRoot();
    await root.exec(['apt-get', 'purge', '-y', '-q', '--auto-remove', 'nodejs'], { check: true });
    assert.notEqual((await root.exec(['sh', '-c', 'command -v node'])).exitCode, 0, 'no node on the server');
    await createAptRepo(root, [deb.path]);
    const b = await root.boot();
    await apt(root, ['install', '-y', NAME]);
    assert.equal(await sh(b, 'hello-greet bundled'), 'hello, bundled');
    await sh(b, `echo 'GREETING=from a bundled node' >> /etc/default/${NAME} && systemctl restart ${NAME}`);
    await waitActive(b);
    const answer = await fetchApp(b);
    assert.equal(answer.greeting, 'from a bundled node');
    assert.equal(
      await sh(b, `readlink /proc/$(systemctl show -p MainPID --value ${NAME})/exe`),
      `/opt/${NAME}/node/bin/node`,
    );
    await b.shutdown();
  } finally {
    await root?.destroy();
  }
});

test("a shared-library node (Debian's, which needs libnode.so) is refused for bundling", async (t) => {
  if (!requireTools(t, ['root', ...E2E_TOOLS])) return;
  let root: Root | undefined;
  try {
    root = await createRoot();
    const debianNode = `${root.path}/usr/bin/node`;
    const r = await runCli([
      'build',
      '-C',
      await makeApp(minimalApp()),
      '-o',
      await tempDir(),
      '--no-install',
      '--node-binary',
      debianNode,
    ]);
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, /shared-library build of Node\.js|not an executable node binary/);
  } finally {
    await root?.destroy();
  }
});
