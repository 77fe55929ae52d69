// The rpm Node.js floor against nodejs packages as distributions ship them, with rpm itself
// (`rpm -i --test` in a private database): Fedora/RHEL's nodejs carries Epoch 1 and provides
// nodejs(engine), NodeSource's carries Epoch 2, a rebuild may carry none. The naive
// "nodejs >= 22" is satisfied by 1:18.20.4; pkgapp's requirement is satisfied exactly by 22+.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { cleanupTestDirs, makeApp, minimalApp, runCli, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

const EPOCH = '1795651200';

/** A stand-in nodejs rpm: name, epoch (undefined: no Epoch tag), version, extra Provides. */
interface Runtime {
  epoch: number | undefined;
  version: string;
  engine: boolean;
}

const RUNTIMES: Runtime[] = [
  { epoch: 1, version: '18.20.4', engine: true }, // RHEL 9 / Fedora style
  { epoch: 1, version: '22.11.0', engine: true },
  { epoch: 2, version: '18.19.0', engine: false }, // NodeSource style
  { epoch: 2, version: '22.1.0', engine: false },
  { epoch: undefined, version: '18.0.0', engine: false }, // a rebuild without an epoch
  { epoch: undefined, version: '22.0.0', engine: false },
  { epoch: 0, version: '21.9.0', engine: true },
];

async function rpmbuild(top: string, name: string, lines: string[]): Promise<string> {
  const spec = path.join(top, `${name}.spec`);
  await writeFile(
    spec,
    [
      ...lines,
      'Release: 1',
      'Summary: test package',
      'License: MIT',
      'BuildArch: noarch',
      '%description',
      'test package',
      '%files',
      '',
    ].join('\n'),
  );
  await execa('rpmbuild', ['--define', `_topdir ${top}`, '--define', '_build_id_links none', '-bb', spec], {
    env: { HOME: top },
  });
  const { stdout } = await execa('find', [path.join(top, 'RPMS'), '-name', `${name}-*.rpm`]);
  return stdout.split('\n').filter(Boolean).sort().at(-1)!;
}

/** Whether `rpm -i --test pkg` succeeds in a fresh database holding `installed`. */
async function installable(top: string, installed: string[], pkg: string): Promise<boolean> {
  const root = await tempDir('pkgapp-rpmroot-');
  const env = { HOME: top };
  await execa('rpm', ['--root', root, '--initdb'], { env });
  await execa('rpm', ['--root', root, '-i', '--nodeps', '--noscripts', '--ignorearch', ...installed], { env });
  const result = await execa('rpm', ['--root', root, '-i', '--test', '--ignorearch', pkg], { env, reject: false });
  return result.exitCode === 0;
}

test('rpm: the Node.js floor holds for nodejs 22+ of any epoch and for no older nodejs, unlike "nodejs >= 22"', async (t) => {
  if (!requireTools(t, ['rpm', 'rpmbuild'])) return;
  const top = await tempDir('pkgapp-rpmtop-');
  await mkdir(path.join(top, 'RPMS'), { recursive: true });
  // /bin/sh for the package's scriptlets and shadow-utils for %pre's useradd, as the base system provides them.
  const shell = await rpmbuild(top, 'fake-shell', [
    'Name: fake-shell',
    'Version: 1',
    'Provides: /bin/sh',
    'Provides: shadow-utils',
  ]);
  const naive = await rpmbuild(top, 'naive', ['Name: naive', 'Version: 1', 'Requires: nodejs >= 22']);

  const dir = await makeApp(minimalApp({ engines: { node: '>=22' } }));
  const out = await tempDir();
  const result = await runCli(['build', '-C', dir, '-o', out, '-t', 'rpm', '--no-install'], {
    env: { SOURCE_DATE_EPOCH: EPOCH, PATH: process.env['PATH']! },
  });
  assert.equal(result.exitCode, 0, result.stderr);
  const pkg = path.join(out, 'tiny-app-1.0.0-1.noarch.rpm');
  const log = result.stdout + result.stderr;
  assert.match(log, /Node\.js requirement: >= 22 \(set by engines\.node of the app \(tiny-app\) \(>=22\)\)/);
  assert.match(log, /warning: the package needs nodejs >= 22: it will not install on Debian 12/);

  for (const runtime of RUNTIMES) {
    const lines = [
      `Name: nodejs`,
      `Version: ${runtime.version}`,
      ...(runtime.epoch !== undefined ? [`Epoch: ${runtime.epoch}`] : []),
      ...(runtime.engine ? [`Provides: nodejs(engine) = ${runtime.version}`] : []),
    ];
    const sub = path.join(top, `n-${runtime.epoch ?? 'none'}-${runtime.version}`);
    await mkdir(path.join(sub, 'RPMS'), { recursive: true });
    const nodejs = await rpmbuild(sub, 'nodejs', lines);
    const label = `nodejs-${runtime.epoch ?? '(none)'}:${runtime.version}`;
    const enough = Number(runtime.version.split('.')[0]) >= 22;
    assert.equal(
      await installable(top, [shell, nodejs], pkg),
      enough,
      `${label}: pkgapp's requirement ${enough ? 'holds' : 'does not hold'}`,
    );
    if (runtime.epoch === 1 && !enough)
      assert.equal(
        await installable(top, [shell, nodejs], naive),
        true,
        `${label} satisfies the naive "nodejs >= 22" (the defect)`,
      );
  }
});
