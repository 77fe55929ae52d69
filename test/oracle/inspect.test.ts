// pkgapp inspect against the tools that made the packages: a .deb from dpkg-deb --build and an
// .rpm from rpmbuild -bb (tiny trees with a conffile/%config file, maintainer scripts, a symlink,
// a hard link and dependencies) must show what dpkg-deb -f/-I/-c and rpm -qpi/-qpl/-qp --requires
// (and friends) show, value for value; and on the example app's own signed packages, --key.
import assert from 'node:assert/strict';
import { chmod, link, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import { parseDeb822 } from '../../src/deb/read-deb.js';
import { modeString } from '../../src/inspect/file-tree.js';
import type { DebInspection, RpmInspection } from '../../src/inspect/inspect-package.js';
import { cleanupTestDirs, EXAMPLE_APP, runCli, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

const EPOCH = '1795651200';
const UTC = { TZ: 'UTC', LANG: 'C.UTF-8' };

/** `pkgapp inspect --json FILE`, parsed; fails on a non-zero exit. */
async function inspectJson<T>(file: string): Promise<T> {
  const r = await runCli(['inspect', '--json', file]);
  assert.equal(r.exitCode, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

async function inspectText(file: string): Promise<string> {
  const r = await runCli(['inspect', file]);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stderr, '');
  return r.stdout;
}

// ---------------------------------------------------------------------------------------------
// dpkg-deb

const DEB_CONTROL = `Package: oracle-deb
Version: 1:2.3-4
Architecture: all
Maintainer: Oracle Tester <oracle@example.com>
Installed-Size: 12
Section: utils
Priority: optional
Pre-Depends: dpkg (>= 1.19)
Depends: libc6 (>= 2.17), adduser | passwd
Recommends: curl
Suggests: jq
Conflicts: oracle-old
Breaks: oracle-older (<< 1.0)
Replaces: oracle-old
Provides: oracle-virtual
Homepage: https://example.com/oracle
Description: Oracle test package
 Extended description line.
 .
 Second paragraph.
`;

async function dpkgDebBuild(compression: string): Promise<string> {
  const dir = await tempDir('pkgapp-dpkgdeb-');
  const root = path.join(dir, 'root');
  for (const d of ['DEBIAN', 'etc/oracle', 'usr/bin', 'usr/share/oracle/empty'])
    await mkdir(path.join(root, d), { recursive: true });
  await writeFile(path.join(root, 'DEBIAN/control'), DEB_CONTROL);
  await writeFile(path.join(root, 'DEBIAN/conffiles'), '/etc/oracle/oracle.conf\n');
  await writeFile(path.join(root, 'DEBIAN/postinst'), '#!/bin/sh\nset -e\necho configured\n', { mode: 0o755 });
  await writeFile(path.join(root, 'DEBIAN/prerm'), '#!/bin/bash\nset -e\n', { mode: 0o755 });
  await writeFile(path.join(root, 'etc/oracle/oracle.conf'), 'key=value\n');
  await writeFile(path.join(root, 'usr/bin/oracle'), '#!/bin/sh\necho oracle\n', { mode: 0o755 });
  await symlink('oracle', path.join(root, 'usr/bin/oracle-link'));
  await writeFile(path.join(root, 'usr/share/oracle/data.txt'), 'data\n');
  await link(path.join(root, 'usr/share/oracle/data.txt'), path.join(root, 'usr/share/oracle/hard.txt'));
  await chmod(path.join(root, 'usr/share/oracle/empty'), 0o750);
  const out = path.join(dir, `oracle-${compression}.deb`);
  await execa('dpkg-deb', ['--root-owner-group', `-Z${compression}`, '--build', root, out], {
    env: { SOURCE_DATE_EPOCH: EPOCH },
  });
  return out;
}

for (const compression of ['xz', 'gzip', 'zstd']) {
  test(`inspect on a dpkg-deb package (${compression}) shows what dpkg-deb -f, -I and -c show`, async (t) => {
    if (!requireTools(t, ['dpkg-deb', compression === 'gzip' ? 'dpkg-deb' : compression])) return;
    const deb = await dpkgDebBuild(compression);
    const ours = await inspectJson<DebInspection>(deb);

    // Metadata: every control field, in order (dpkg-deb -f prints the stanza).
    const control = parseDeb822((await execa('dpkg-deb', ['-f', deb])).stdout, 'dpkg-deb -f')[0]!;
    assert.deepEqual(ours.control, control);
    assert.deepEqual([ours.name, ours.version, ours.architecture], ['oracle-deb', '1:2.3-4', 'all']);
    assert.deepEqual(ours.dependencies, {
      'Pre-Depends': ['dpkg (>= 1.19)'],
      Depends: ['libc6 (>= 2.17)', 'adduser | passwd'],
      Recommends: ['curl'],
      Suggests: ['jq'],
      Breaks: ['oracle-older (<< 1.0)'],
      Conflicts: ['oracle-old'],
      Replaces: ['oracle-old'],
      Provides: ['oracle-virtual'],
    });

    // Control members and scripts: dpkg-deb -I lists "SIZE bytes, N lines [*] NAME [#!interpreter]".
    const info = (await execa('dpkg-deb', ['-I', deb])).stdout;
    const listed = [...info.matchAll(/^ +(\d+) bytes, +\d+ lines +(\*)? +(\S+)[ \t]*([^\n]*)$/gm)].map((m) => ({
      size: Number(m[1]),
      script: Boolean(m[2]),
      name: m[3]!,
      head: m[4]!.trim(),
    }));
    assert.deepEqual([...ours.controlFiles].sort(), listed.map((l) => l.name).sort());
    const scripts = listed.filter((l) => l.script);
    assert.deepEqual(
      ours.scripts.map((s) => [s.name, s.size, s.firstLine]).sort(),
      scripts.map((s) => [s.name, s.size, s.head]).sort(),
    );
    assert.deepEqual(ours.scripts.map((s) => s.interpreter).sort(), ['/bin/bash', '/bin/sh']);
    assert.equal(ours.scripts.find((s) => s.name === 'postinst')!.text, '#!/bin/sh\nset -e\necho configured\n');
    assert.deepEqual(ours.conffiles, [{ path: '/etc/oracle/oracle.conf' }]);
    assert.match(info, new RegExp(`size ${ours.size} bytes`));

    // Files: dpkg-deb -c, entry for entry in archive order: mode, owner, size, mtime, name, link.
    const listing = (await execa('dpkg-deb', ['-c', deb], { env: UTC })).stdout.split('\n');
    assert.equal(ours.files!.length, listing.length);
    ours.files!.forEach((f, i) => {
      const name = f.path === '/' ? './' : `.${f.path}${f.type === 'directory' ? '/' : ''}`;
      const target = f.type === 'symlink' ? ` -> ${f.linkTo}` : f.type === 'hardlink' ? ` link to .${f.linkTo}` : '';
      const when = new Date(f.mtime! * 1000).toISOString().replace('T', ' ').slice(0, 16);
      const expected = listing[i]!.replace(/ +/g, ' ');
      assert.equal(`${modeString(f.mode, f.type)} ${f.user}/${f.group} ${f.size} ${when} ${name}${target}`, expected);
    });
    assert.ok(
      ours.files!.some((f) => f.type === 'symlink') && ours.files!.some((f) => f.type === 'hardlink'),
      'a symlink and a hard link are compared',
    );
    assert.equal(ours.signature.signed, false);

    const text = await inspectText(deb);
    for (const line of [
      '  Package: oracle-deb',
      '  Depends: libc6 (>= 2.17), adduser | passwd',
      '  postinst  #!/bin/sh',
      '  /etc/oracle/oracle.conf',
      '  not signed',
    ])
      assert.ok(text.includes(line), `human view has ${JSON.stringify(line)}:\n${text}`);
    assert.match(text, /lrwxrwxrwx root\/root +0 +oracle-link -> oracle/);
  });
}

// ---------------------------------------------------------------------------------------------
// rpmbuild

const RPM_SPEC = `Name: oracle-rpm
Epoch: 3
Version: 2.3
Release: 4
Summary: Oracle test package
License: MIT
URL: https://example.com/oracle
Packager: Oracle Tester <oracle@example.com>
Vendor: Oracle Co
Group: Applications/Test
BuildArch: noarch
Requires: bash >= 4.0
Requires: coreutils
Provides: oracle-virtual = 2.3
Conflicts: oracle-old < 2
Obsoletes: oracle-older <= 1.0
Recommends: curl
Suggests: jq
%description
Extended description line.

Second paragraph.
%install
mkdir -p %{buildroot}/etc/oracle %{buildroot}/usr/bin %{buildroot}/usr/share/oracle
echo 'key=value' > %{buildroot}/etc/oracle/oracle.conf
echo 'x=1' > %{buildroot}/etc/oracle/plain.conf
printf '#!/bin/sh\\necho oracle\\n' > %{buildroot}/usr/bin/oracle
chmod 755 %{buildroot}/usr/bin/oracle
ln -s oracle %{buildroot}/usr/bin/oracle-link
echo data > %{buildroot}/usr/share/oracle/data.txt
%pre
echo pre
%post -p /bin/bash
echo post
%preun
echo preun
%postun
echo postun
%posttrans
echo posttrans
%files
%dir /etc/oracle
%config(noreplace) /etc/oracle/oracle.conf
%config /etc/oracle/plain.conf
/usr/bin/oracle
/usr/bin/oracle-link
/usr/share/oracle
`;

let rpmHome: string;

before(async () => {
  rpmHome = await tempDir('pkgapp-rpmhome-');
  await mkdir(path.join(rpmHome, '.rpmdb'));
});

/** rpm and rpmbuild with a private HOME and database (Debian's rpm otherwise opens ~/.rpmdb). */
function rpmTool(tool: string, args: string[]) {
  return execa(tool, tool === 'rpm' ? ['--dbpath', path.join(rpmHome, '.rpmdb'), ...args] : args, {
    env: { HOME: rpmHome, PATH: process.env['PATH']!, ...UTC },
  });
}

test('inspect on an rpmbuild package shows what rpm -qpi, -qpl, -qp --requires (and the other lists) show', async (t) => {
  if (!requireTools(t, ['rpm', 'rpmbuild'])) return;
  const top = await tempDir('pkgapp-rpmbuild-');
  await writeFile(path.join(top, 'oracle.spec'), RPM_SPEC);
  await rpmTool('rpmbuild', [
    '-bb',
    '--define',
    `_topdir ${top}`,
    '--define',
    '_build_id_links none',
    path.join(top, 'oracle.spec'),
  ]);
  const file = path.join(top, 'RPMS/noarch/oracle-rpm-2.3-4.noarch.rpm');
  const ours = await inspectJson<RpmInspection>(file);
  const q = async (...args: string[]) => (await rpmTool('rpm', ['-qp', ...args, file])).stdout;

  // rpm -qpi: "Label       : value" lines, then the description.
  const qpi = await q('-i');
  const [head, description] = qpi.split(/^Description :\n/m) as [string, string];
  const field = (label: string) => new RegExp(`^${label}\\s*: (.*)$`, 'm').exec(head)?.[1]?.trim();
  const m = ours.metadata;
  assert.equal(m.name, field('Name'));
  assert.equal(String(m.epoch), field('Epoch'));
  assert.equal(m.version, field('Version'));
  assert.equal(m.release, field('Release'));
  assert.equal(m.arch, field('Architecture'));
  assert.equal(m.group, field('Group'));
  assert.equal(String(m.installedSize), field('Size'));
  assert.equal(m.license, field('License'));
  assert.equal(m.sourceRpm, field('Source RPM'));
  assert.equal(m.buildHost, field('Build Host'));
  assert.equal(m.packager, field('Packager'));
  assert.equal(m.vendor, field('Vendor'));
  assert.equal(m.url, field('URL'));
  assert.equal(m.summary, field('Summary'));
  assert.equal(m.description, description.trimEnd());
  assert.equal(String(m.buildTime), await q('--qf', '%{BUILDTIME}'));
  assert.equal(String(m.archiveSize), await q('--qf', '%{ARCHIVESIZE}'));
  assert.equal(field('Signature'), '(none)');
  assert.equal(ours.signature.signed, false);
  assert.deepEqual(ours.signature.digests.slice(0, 2), ['header SHA256', 'header SHA1']);

  // Dependency lists, rpmlib() entries included, in header order.
  for (const kind of ['requires', 'provides', 'conflicts', 'obsoletes', 'recommends', 'suggests'] as const) {
    const theirs = (await q(`--${kind}`)).split('\n').filter(Boolean);
    assert.deepEqual(
      ours.dependencies[kind].map((d) => d.text),
      theirs,
      kind,
    );
  }
  assert.ok(
    ours.dependencies.requires.some((d) => d.name.startsWith('rpmlib(')),
    'rpmlib() requirements are in --json',
  );

  // Files: rpm -qpl, and rpm --dump for size, mode, owner, group and link target.
  assert.deepEqual(
    ours.files!.map((f) => f.path),
    (await q('-l')).split('\n'),
  );
  const dump = (await q('--dump')).split('\n').map((l) => l.split(' '));
  ours.files!.forEach((f, i) => {
    const [p, size, mtime, , mode, owner, group, , , , linkTo] = dump[i]!;
    assert.deepEqual(
      [f.path, f.size, f.mtime, f.mode, f.user, f.group, f.linkTo ?? 'X'],
      [p, Number(size), Number(mtime), parseInt(mode!, 8), owner, group, linkTo],
    );
  });
  assert.ok(ours.files!.some((f) => f.type === 'symlink' && f.linkTo === 'oracle'));

  // Config files and their noreplace flag.
  assert.deepEqual(
    ours.conffiles.map((c) => c.path),
    (await q('-c')).split('\n'),
  );
  const fflags = Object.fromEntries(
    (await q('--qf', '[%{FILENAMES} %{FILEFLAGS:fflags}\n]')).split('\n').map((l) => l.split(' ')),
  );
  for (const c of ours.conffiles) assert.equal(c.noreplace, fflags[c.path]!.includes('n'), c.path);
  assert.deepEqual(
    ours.conffiles.map((c) => c.noreplace),
    [true, false],
  );

  // Scriptlets: rpm -qp --scripts prints "<phase> scriptlet (using <interpreter>):" then the body.
  const PHASES: Record<string, string> = {
    preinstall: '%pre',
    postinstall: '%post',
    preuninstall: '%preun',
    postuninstall: '%postun',
    pretrans: '%pretrans',
    posttrans: '%posttrans',
  };
  const scripts = [
    ...(await q('--scripts')).matchAll(
      /^(\w+) scriptlet \(using (.+)\):\n([\s\S]*?)(?=^\w+ scriptlet \(using |(?![\s\S]))/gm,
    ),
  ].map((s) => [PHASES[s[1]!], s[2], s[3]!.trimEnd()]);
  assert.deepEqual(ours.scripts.map((s) => [s.name, s.interpreter, s.text.trimEnd()]).sort(), scripts.sort());

  const text = await inspectText(file);
  for (const line of [
    '  Name        : oracle-rpm',
    '  Epoch       : 3',
    '  /etc/oracle/oracle.conf (noreplace)',
    '  not signed',
  ])
    assert.ok(text.includes(line), `human view has ${JSON.stringify(line)}:\n${text}`);
  assert.match(text, /^ {2}requires: +\/bin\/bash\n(^ +\S.*\n)*? +bash >= 4\.0$/m);
  assert.match(text, /^ {2}%post +\/bin\/bash +echo post +\(9 B\)$/m);
  assert.doesNotMatch(text, /rpmlib\(CompressedFileNames\)/, 'no rpmlib() noise in the human view');
  assert.match(text, /rpmlib\(\) requirements? not shown/);
});

// ---------------------------------------------------------------------------------------------
// pkgapp's own example package

test("inspect on the example app's signed packages: metadata, scripts, conffiles, files, and --key", async (t) => {
  const dir = await tempDir('pkgapp-inspect-example-');
  const key = await runCli([
    'keygen',
    '--name',
    'Inspect Test',
    '--email',
    'inspect@example.com',
    '--type',
    'ed25519',
    '--out',
    path.join(dir, 'signing'),
    '--json',
  ]);
  assert.equal(key.exitCode, 0, key.stderr);
  const fingerprint = JSON.parse(key.stdout).fingerprint as string;
  const other = await runCli([
    'keygen',
    '--name',
    'Other',
    '--email',
    'other@example.com',
    '--type',
    'ed25519',
    '--out',
    path.join(dir, 'other'),
  ]);
  assert.equal(other.exitCode, 0, other.stderr);
  const out = path.join(dir, 'dist');
  const built = await runCli(
    [
      'build',
      '-C',
      EXAMPLE_APP,
      '-t',
      'deb',
      '-t',
      'rpm',
      '-o',
      out,
      '--sign-key',
      path.join(dir, 'signing.key'),
      '--json',
    ],
    { env: { SOURCE_DATE_EPOCH: EPOCH } },
  );
  assert.equal(built.exitCode, 0, built.stderr);
  const packages = JSON.parse(built.stdout).packages as {
    format: string;
    path: string;
    name: string;
    version: string;
    files: number;
  }[];
  const debFile = packages.find((p) => p.format === 'deb')!;
  const rpmFile = packages.find((p) => p.format === 'rpm')!;

  const deb = await inspectJson<DebInspection>(debFile.path);
  assert.deepEqual([deb.name, deb.version, deb.architecture], ['acme-hello', '1.0.0', 'all']);
  assert.deepEqual(deb.dependencies.Depends, ['nodejs (>= 18)', 'adduser']);
  assert.deepEqual(
    deb.scripts.map((s) => [s.name, s.firstLine]),
    [
      ['postinst', '#!/bin/sh'],
      ['prerm', '#!/bin/sh'],
      ['postrm', '#!/bin/sh'],
    ],
  );
  assert.deepEqual(deb.conffiles, [{ path: '/etc/default/acme-hello' }]);
  assert.equal(deb.fileSummary.files + deb.fileSummary.symlinks, debFile.files);
  assert.ok(deb.files!.some((f) => f.path === '/opt/acme-hello/server.js' && f.mode === 0o100644));
  assert.deepEqual(
    deb.signature.signatures.map((s) => [s.source, s.keyId]),
    [['_gpgorigin', fingerprint.slice(-16)]],
  );

  const rpm = await inspectJson<RpmInspection>(rpmFile.path);
  assert.deepEqual([rpm.name, rpm.version, rpm.architecture], ['acme-hello', '1.0.0-1', 'noarch']);
  assert.ok(
    rpm.dependencies.requires.some(
      (d) =>
        d.text ===
        '(nodejs(engine) >= 18 or (nodejs >= 18 with nodejs < 1:0) or (nodejs >= 1:18 with nodejs < 2:0) or nodejs >= 2:18)',
    ),
  );
  assert.deepEqual(rpm.conffiles, [{ path: '/etc/sysconfig/acme-hello', noreplace: true, missingok: false }]);
  assert.deepEqual(
    rpm.scripts.map((s) => [s.name, s.interpreter]),
    [
      ['%pre', '/bin/sh'],
      ['%post', '/bin/sh'],
      ['%preun', '/bin/sh'],
      ['%postun', '/bin/sh'],
      ['%posttrans', '/bin/sh'],
    ],
  );
  assert.equal(rpm.fileSummary.files + rpm.fileSummary.symlinks, rpmFile.files);
  assert.ok(
    rpm.signature.signatures.length > 0 && rpm.signature.signatures.every((s) => s.keyId === fingerprint.slice(-16)),
    JSON.stringify(rpm.signature),
  );

  // The same number of entries as the tools list (compared entry by entry above for their own packages).
  if (requireTools(t, ['dpkg-deb', 'rpm'])) {
    assert.equal(
      deb.files!.length,
      (await execa('dpkg-deb', ['-c', debFile.path])).stdout.split('\n').length,
      'dpkg-deb -c',
    );
    assert.equal(
      rpm.files!.length,
      (await rpmTool('rpm', ['-qpl', rpmFile.path])).stdout.split('\n').length,
      'rpm -qpl',
    );
  }

  // The human view: sections, capped tree, and the rest of the CLI's conventions.
  const text = await inspectText(debFile.path);
  for (const line of [
    'Metadata',
    '  Depends: nodejs (>= 18), adduser',
    'Maintainer scripts',
    '  postinst  #!/bin/sh',
    'Conffiles',
    '  /etc/default/acme-hello',
    'Signature',
    `  _gpgorigin (over the debian-binary + control + data): EdDSA/SHA512 signature, key ID ${fingerprint.slice(-16)}`,
  ])
    assert.ok(text.includes(line), `deb human view has ${JSON.stringify(line)}:\n${text}`);
  assert.ok(text.split('\n').length < 260, 'the file tree is capped');
  assert.match(text, /entries in closed directories not shown; pkgapp inspect --json lists them all/);
  const rpmText = await inspectText(rpmFile.path);
  for (const line of [
    '  Name        : acme-hello',
    '  requires:    (nodejs(engine) >= 18 or (nodejs >= 18 with nodejs < 1:0) or (nodejs >= 1:18 with nodejs < 2:0) or nodejs >= 2:18)',
    '  /etc/sysconfig/acme-hello (noreplace)',
    `key ID ${fingerprint.slice(-16)}`,
  ])
    assert.ok(rpmText.includes(line), `rpm human view has ${JSON.stringify(line)}:\n${rpmText}`);
  assert.match(rpmText, /^ {2}%post +\/bin\/sh +# %post of acme-hello/m);
  assert.match(rpmText, /^ +etc\/sysconfig\/\n.* 548 +acme-hello \[config noreplace\]$/m);

  // --key: verified with the right key (exit 0), refused with another (exit 1, one error line).
  for (const p of [debFile.path, rpmFile.path]) {
    const good = await runCli(['inspect', '--json', '--key', path.join(dir, 'signing.asc'), p]);
    assert.equal(good.exitCode, 0, good.stderr);
    assert.equal(JSON.parse(good.stdout).signature.verification.valid, true);
    const bad = await runCli(['inspect', '--key', path.join(dir, 'other.asc'), p]);
    assert.equal(bad.exitCode, 1, bad.stderr);
    assert.match(bad.stdout, /verified with the given key: NOT VALID/);
    assert.equal(bad.stderr.split('\n').filter((l) => l.startsWith('pkgapp: error:')).length, 1, bad.stderr);
  }

  // Bad input: exit 2 and one error line, nothing on stdout.
  for (const [args, message] of [
    [['inspect', path.join(dir, 'nope.deb')], /cannot be read \(ENOENT\)/],
    [['inspect', path.join(EXAMPLE_APP, 'package.json')], /neither a \.deb nor an \.rpm/],
    [['inspect', '--key', path.join(dir, 'nope.asc'), debFile.path], /--key .*nope\.asc: cannot be read/],
  ] as const) {
    const r = await runCli([...args]);
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  }
});
