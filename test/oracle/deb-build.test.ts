// Builds the example app and checks the .deb with the real tools: dpkg-deb, md5sum, lintian,
// systemd-analyze; compares the payload with an npm ci of the same lockfile, byte for byte.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, readFile, readdir, lstat, readlink, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { cleanupTestDirs, EXAMPLE_APP, listDir, runCli, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

const EPOCH = '1795651200';
let deb: string;
let extracted: string;
let exampleCopy: string;

before(async () => {
  const out = await tempDir();
  const result = await runCli(['build', '-C', EXAMPLE_APP, '-o', out, '--json'], {
    env: { SOURCE_DATE_EPOCH: EPOCH, PATH: process.env['PATH']! },
  });
  assert.equal(result.exitCode, 0, result.stderr);
  const json = JSON.parse(result.stdout) as { packages: { path: string; sha256: string; size: number }[] };
  deb = json.packages[0]!.path;
  assert.equal(path.basename(deb), 'acme-hello_1.0.0_all.deb');
  extracted = await tempDir();
  await execa('dpkg-deb', ['-x', deb, extracted]);
  await execa('dpkg-deb', ['-e', deb, path.join(extracted, 'DEBIAN')]);
  // The reference tree: the same lockfile installed by npm ci, outside pkgapp.
  exampleCopy = await tempDir();
  for (const f of ['package.json', 'package-lock.json', 'server.js', 'bin'])
    await cp(path.join(EXAMPLE_APP, f), path.join(exampleCopy, f), { recursive: true });
  await execa('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: exampleCopy });
});
after(cleanupTestDirs);

test('ar members are debian-binary, control.tar.gz, data.tar.gz in that order', async () => {
  const { stdout } = await execa('ar', ['t', deb]);
  assert.deepEqual(stdout.split('\n'), ['debian-binary', 'control.tar.gz', 'data.tar.gz']);
});

test('dpkg-deb --info shows the control fields', async () => {
  const { stdout } = await execa('dpkg-deb', ['--field', deb]);
  assert.match(stdout, /^Package: acme-hello$/m);
  assert.match(stdout, /^Version: 1\.0\.0$/m);
  assert.match(stdout, /^Architecture: all$/m);
  assert.match(stdout, /^Maintainer: Acme Ops <ops@acme\.example>$/m);
  assert.match(stdout, /^Depends: nodejs \(>= 18\), adduser$/m);
  const installed = Number(/^Installed-Size: (\d+)$/m.exec(stdout)![1]);
  const { stdout: du } = await execa('du', ['-sk', '--apparent-size', path.join(extracted, 'opt')]);
  assert.ok(installed >= Number(du.split('\t')[0]), `Installed-Size ${installed} KiB covers /opt (${du})`);
  const info = (await execa('dpkg-deb', ['--info', deb])).stdout;
  assert.match(info, /postinst/);
  assert.match(info, /conffiles/);
  assert.equal(await readFile(path.join(extracted, 'DEBIAN', 'conffiles'), 'utf8'), '/etc/default/acme-hello\n');
});

test('every entry is root:root with normalized modes, and .bin symlinks stay symlinks', async () => {
  const { stdout } = await execa('dpkg-deb', ['--contents', deb]);
  const lines = stdout.trim().split('\n');
  assert.ok(lines.length > 500);
  for (const line of lines) {
    const [mode, owner] = line.split(/\s+/);
    assert.equal(owner, 'root/root', line);
    assert.ok(['drwxr-xr-x', '-rw-r--r--', '-rwxr-xr-x', 'lrwxrwxrwx'].includes(mode!), line);
  }
  assert.ok(lines.some((l) => /\.\/opt\/acme-hello\/node_modules\/\.bin\/mime -> \.\.\/mime\/cli\.js$/.test(l)));
  assert.equal(await readlink(path.join(extracted, 'opt/acme-hello/node_modules/.bin/mime')), '../mime/cli.js');
});

test('the payload equals an npm ci of the same lockfile, file for file (#!/usr/bin/env node patched)', async () => {
  const reference = await treeDigest(
    exampleCopy,
    (rel) =>
      rel.startsWith('node_modules/') &&
      !rel.startsWith('node_modules/.package-lock.json') &&
      !/(^|\/)(\.npmignore|\.gitignore|\.eslintrc(\.\w+)?|\.editorconfig|\.gitattributes|\.travis\.yml|\.eslintignore)$/.test(
        rel,
      ),
  );
  const packaged = await treeDigest(path.join(extracted, 'opt/acme-hello'), (rel) => rel.startsWith('node_modules/'));
  assert.ok(reference.size > 500, `reference has ${reference.size} files`);
  assert.deepEqual([...packaged.keys()].sort(), [...reference.keys()].sort());
  for (const [rel, digest] of reference) assert.equal(packaged.get(rel), digest, rel);
  assert.equal(
    (await readFile(path.join(extracted, 'opt/acme-hello/node_modules/mime/cli.js'), 'utf8')).split('\n')[0],
    '#!/usr/bin/node',
  );
  for (const f of ['server.js', 'package.json']) {
    assert.equal(
      await readFile(path.join(extracted, 'opt/acme-hello', f), 'utf8'),
      await readFile(path.join(EXAMPLE_APP, f), 'utf8'),
    );
  }
  assert.deepEqual((await readdir(path.join(extracted, 'opt/acme-hello'))).sort(), [
    '.pkgapp',
    'bin',
    'node_modules',
    'package.json',
    'server.js',
  ]);
});

test('md5sums lists every regular file except conffiles, and md5sum -c agrees', async () => {
  const sums = await readFile(path.join(extracted, 'DEBIAN', 'md5sums'), 'utf8');
  assert.doesNotMatch(sums, /etc\/default/);
  assert.match(sums, /^[0-9a-f]{32} {2}opt\/acme-hello\/server\.js$/m);
  const { stdout } = await execa('md5sum', ['--check', '--strict', path.join(extracted, 'DEBIAN', 'md5sums')], {
    cwd: extracted,
  });
  const checked = stdout.trim().split('\n');
  assert.ok(checked.every((l) => l.endsWith(': OK')));
  const { stdout: files } = await execa('find', ['.', '-path', './DEBIAN', '-prune', '-o', '-type', 'f', '-print'], {
    cwd: extracted,
  });
  assert.equal(checked.length, files.trim().split('\n').length - 1, 'every file but the conffile');
});

test('a rebuild with the same SOURCE_DATE_EPOCH is byte-identical, also with --no-install', async () => {
  const out = await tempDir();
  const again = await runCli(['build', '-C', EXAMPLE_APP, '-o', out, '--json'], {
    env: { SOURCE_DATE_EPOCH: EPOCH, PATH: process.env['PATH']! },
  });
  assert.equal(again.exitCode, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).packages[0].sha256, sha256(await readFile(deb)));
  // Outside git (release.json then names no commit): npm ci by pkgapp, or --no-install on a
  // tree whose node_modules came from npm ci, give the very same package.
  const fresh = await tempDir();
  for (const f of ['package.json', 'package-lock.json', 'server.js', 'bin'])
    await cp(path.join(EXAMPLE_APP, f), path.join(fresh, f), { recursive: true });
  const builds = [];
  for (const [dir, extra] of [
    [fresh, []],
    [exampleCopy, ['--no-install']],
  ] as const) {
    const r = await runCli(['build', '-C', dir, '-o', await tempDir(), ...extra, '--json'], {
      env: { SOURCE_DATE_EPOCH: EPOCH, PATH: process.env['PATH']! },
    });
    assert.equal(r.exitCode, 0, r.stderr);
    builds.push(JSON.parse(r.stdout).packages[0].sha256);
  }
  assert.equal(builds[0], builds[1]);
});

test('release.json names the commit the package was built from', async () => {
  const release = JSON.parse(await readFile(path.join(extracted, 'opt/acme-hello/.pkgapp/release.json'), 'utf8'));
  const { stdout: head } = await execa('git', ['rev-parse', 'HEAD'], { cwd: EXAMPLE_APP });
  assert.equal(release.gitCommit, head.trim());
  assert.equal(release.version, '1.0.0');
  assert.equal(release.buildTime, new Date(Number(EPOCH) * 1000).toISOString());
  assert.equal(release.lockfileSha256, sha256(await readFile(path.join(EXAMPLE_APP, 'package-lock.json'))));
});

test('xz and zstd payloads unpack with dpkg-deb', async (t) => {
  if (!requireTools(t, ['xz', 'zstd'])) return;
  for (const [compression, member] of [
    ['xz', 'data.tar.xz'],
    ['zstd', 'data.tar.zst'],
  ] as const) {
    const out = await tempDir();
    const r = await runCli(
      ['build', '-C', exampleCopy, '-o', out, '--no-install', '--compression', compression, '--json'],
      { env: { SOURCE_DATE_EPOCH: EPOCH, PATH: process.env['PATH']! } },
    );
    assert.equal(r.exitCode, 0, r.stderr);
    const file = JSON.parse(r.stdout).packages[0].path as string;
    assert.ok((await execa('ar', ['t', file])).stdout.split('\n').includes(member));
    const x = await tempDir();
    await execa('dpkg-deb', ['-x', file, x]);
    assert.equal(
      await readFile(path.join(x, 'opt/acme-hello/server.js'), 'utf8'),
      await readFile(path.join(EXAMPLE_APP, 'server.js'), 'utf8'),
    );
  }
});

test('lintian: no errors, and only the warnings we accept', async (t) => {
  if (!requireTools(t, ['lintian'])) return;
  const { stdout, stderr } = await execa('lintian', ['-I', '--pedantic', '--tag-display-limit', '0', deb], {
    reject: false,
    env: { LANG: 'C.UTF-8' },
  });
  const tags = stdout.trim().split('\n').filter(Boolean);
  t.diagnostic(`lintian:\n${tags.join('\n')}${stderr ? `\n${stderr}` : ''}`);
  assert.deepEqual(
    tags.filter((l) => l.startsWith('E:')),
    [],
  );
  // Accepted: a man page for /usr/bin/hello-greet is the app's to write; no sysv init script on purpose.
  const accepted = [
    /^W: acme-hello: no-manual-page \[usr\/bin\/hello-greet\]$/,
    /^I: acme-hello: package-supports-alternative-init-but-no-init\.d-script /,
  ];
  assert.deepEqual(
    tags.filter((l) => !accepted.some((a) => a.test(l))),
    [],
  );
});

test('systemd accepts the unit, and its exposure score is low', async (t) => {
  if (!requireTools(t, ['systemd-analyze'])) return;
  const unit = path.join(extracted, 'lib/systemd/system/acme-hello.service');
  // verify needs the programs it names: give the extracted root a node binary.
  await mkdir(path.join(extracted, 'usr/bin'), { recursive: true });
  await cp(process.execPath, path.join(extracted, 'usr/bin/node'));
  const verify = await execa('systemd-analyze', ['verify', `--root=${extracted}`, '--man=no', unit], { reject: false });
  const problems = `${verify.stdout}\n${verify.stderr}`
    .split('\n')
    .filter((l) => l.includes('acme-hello') && !/sysinit\.target|Unit .* not found/.test(l));
  assert.deepEqual(problems, []);
  const security = await execa('systemd-analyze', ['security', '--offline=true', `--root=${extracted}`, unit], {
    reject: false,
  });
  const score = /Overall exposure level for acme-hello\.service: ([\d.]+)/.exec(security.stdout);
  assert.ok(score, security.stdout + security.stderr);
  t.diagnostic(`systemd-analyze security --offline=true: exposure ${score[1]}`);
  assert.ok(Number(score[1]) <= 1.5, `exposure ${score[1]} should stay at or below 1.5`);
});

/** What pkgapp ships for a file of the reference tree: executable `#!/usr/bin/env node` scripts get /usr/bin/node. */
async function shippedBytes(file: string, mode: number): Promise<Buffer> {
  const bytes = await readFile(file);
  const envNode = Buffer.from('#!/usr/bin/env node\n');
  return mode & 0o111 && bytes.subarray(0, envNode.length).equals(envNode)
    ? Buffer.concat([Buffer.from('#!/usr/bin/node'), bytes.subarray(envNode.length - 1)])
    : bytes;
}

async function treeDigest(root: string, keep: (rel: string) => boolean): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    for (const name of await listDir(path.join(root, rel))) {
      const childRel = rel ? `${rel}/${name}` : name;
      const st = await lstat(path.join(root, childRel));
      if (st.isDirectory()) await walk(childRel);
      else if (keep(childRel))
        result.set(
          childRel,
          st.isSymbolicLink()
            ? `-> ${await readlink(path.join(root, childRel))}`
            : sha256(await shippedBytes(path.join(root, childRel), st.mode)),
        );
    }
  };
  await walk('');
  return result;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
