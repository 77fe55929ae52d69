// Builds the example app and checks the .rpm with the real tools: rpm -qp/-K, rpm2cpio + cpio,
// rpmlint; compares the payload with the header and with the deb of the same run, byte for byte;
// rebuilds a small app with rpmbuild and compares the two headers; checks rpm's version order.
// Every rpm-family command gets a private HOME and --dbpath: Debian's rpm (and rpmlint, through
// it) otherwise creates and opens ~/.rpmdb.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import semver from 'semver';
import { parseAppVersion } from '../../src/manifest/versions.js';
import { rpmVersion } from '../../src/rpm/rpm-version.js';
import { cleanupTestDirs, EXAMPLE_APP, listDir, makeApp, minimalApp, runCli, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

const EPOCH = '1795651200';
const RPM_TOOLS = ['rpm', 'rpm2cpio', 'cpio'];
/** The only directories the example's rpm may own (never /usr, /etc, /opt themselves). */
const OWNED_DIRS = ['/opt/acme-hello', '/usr/share/doc/acme-hello', '/var/lib/acme-hello'];

let rpmFile: string;
let rpmSha256: string;
let rpmHome: string;
let extractedDir: Promise<string> | undefined;

interface BuiltPackage {
  format: string;
  path: string;
  name: string;
  version: string;
  architecture: string;
  size: number;
  sha256: string;
  files: number;
}

interface ToolResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** One line of `rpm -qp --dump`. */
interface DumpEntry {
  path: string;
  size: number;
  mtime: number;
  digest: string;
  mode: number;
  owner: string;
  group: string;
  isConfig: boolean;
  isDoc: boolean;
  linkTo: string;
}

before(async () => {
  rpmHome = await tempDir('pkgapp-rpmhome-');
  await mkdir(path.join(rpmHome, '.rpmdb'));
  const [pkg] = await buildApp(EXAMPLE_APP, ['-t', 'rpm']);
  assert.equal(pkg!.format, 'rpm');
  assert.equal(path.basename(pkg!.path), 'acme-hello-1.0.0-1.noarch.rpm');
  assert.deepEqual([pkg!.name, pkg!.version, pkg!.architecture], ['acme-hello', '1.0.0-1', 'noarch']);
  rpmFile = pkg!.path;
  rpmSha256 = pkg!.sha256;
  assert.equal(sha256(await readFile(rpmFile)), rpmSha256, "--json sha256 is the file's");
});
after(cleanupTestDirs);

test('rpm -qpi, --requires, --provides, --scripts and the payload tags', async (t) => {
  if (!requireTools(t, RPM_TOOLS)) return;
  const info = (await rpm(['-qpi', rpmFile])).stdout;
  const field = (name: string) => new RegExp(`^${name}\\s*: (.*)$`, 'm').exec(info)?.[1]?.trim();
  assert.equal(field('Name'), 'acme-hello');
  assert.equal(field('Version'), '1.0.0');
  assert.equal(field('Release'), '1');
  assert.equal(field('Architecture'), 'noarch');
  assert.equal(field('License'), 'MIT');
  assert.equal(field('URL'), 'https://github.com/acme/hello');
  assert.equal(field('Summary'), 'Tiny HTTP greeting service, packaged by pkgapp');
  assert.equal(field('Packager'), 'Acme Ops <ops@acme.example>');
  assert.equal(field('Source RPM'), 'acme-hello-1.0.0-1.src.rpm');
  assert.ok(field('Group') && field('Group') !== 'Unspecified', `Group: ${field('Group')}`);
  assert.equal(await queryFormat(rpmFile, '%{BUILDTIME}'), EPOCH);

  const requires = lines((await rpm(['-qp', '--requires', rpmFile])).stdout);
  assert.deepEqual([...new Set(requires)].sort(), [
    '(nodejs(engine) >= 18 or (nodejs >= 18 with nodejs < 1:0) or (nodejs >= 1:18 with nodejs < 2:0) or nodejs >= 2:18)',
    '/bin/sh',
    'config(acme-hello) = 1.0.0-1',
    'rpmlib(CompressedFileNames) <= 3.0.4-1',
    'rpmlib(FileDigests) <= 4.6.0-1',
    'rpmlib(PayloadFilesHavePrefix) <= 4.0-1',
    'rpmlib(RichDependencies) <= 4.12.0-1',
    'shadow-utils',
  ]);
  // %pre runs groupadd/useradd: Requires(pre), flagged as rpmbuild flags it.
  assert.deepEqual(
    lines(await queryFormat(rpmFile, '[%{REQUIRENAME} %{REQUIREFLAGS:deptype}\n]')).filter((l) =>
      l.startsWith('shadow-utils '),
    ),
    ['shadow-utils pre'],
  );
  // One /bin/sh per scriptlet, flagged as its interpreter exactly as rpmbuild writes it (docs/internals/rpm-package.md#dependencies).
  const shells = lines(await queryFormat(rpmFile, '[%{REQUIRENAME} %{REQUIREFLAGS:deptype}\n]')).filter((l) =>
    l.startsWith('/bin/sh '),
  );
  assert.deepEqual(shells, [
    '/bin/sh pre,interp',
    '/bin/sh post,interp',
    '/bin/sh preun,interp',
    '/bin/sh postun,interp',
    '/bin/sh interp,posttrans',
  ]);
  assert.deepEqual(lines((await rpm(['-qp', '--provides', rpmFile])).stdout).sort(), [
    'acme-hello = 1.0.0-1',
    'config(acme-hello) = 1.0.0-1',
  ]);

  const scripts = (await rpm(['-qp', '--scripts', rpmFile])).stdout;
  for (const s of ['preinstall', 'postinstall', 'preuninstall', 'postuninstall'])
    assert.match(scripts, new RegExp(`^${s} scriptlet \\(using /bin/sh\\):$`, 'm'));
  assert.match(scripts, /useradd --system/);
  assert.match(scripts, /systemctl --no-reload disable --now "\$pkg_unit"/);

  assert.equal(await queryFormat(rpmFile, '%{PAYLOADFORMAT} %{PAYLOADCOMPRESSOR} %{FILEDIGESTALGO}'), 'cpio gzip 8');
});

test('rpm -qp --dump agrees with the files rpm2cpio | cpio -idm extracts', async (t) => {
  if (!requireTools(t, RPM_TOOLS)) return;
  const dump = await dumpEntries(rpmFile);
  const root = await extracted();
  assert.ok(dump.length > 500, `${dump.length} entries`);
  const kinds = { dir: 0, file: 0, symlink: 0 };
  for (const e of dump) {
    const st = await lstat(path.join(root, e.path));
    assert.equal(
      st.mode,
      e.mode,
      `${e.path}: mode ${st.mode.toString(8)} on disk, ${e.mode.toString(8)} in the header`,
    );
    assert.equal(e.mtime, Number(EPOCH), e.path);
    if (st.isFile()) {
      kinds.file++;
      const data = await readFile(path.join(root, e.path));
      assert.equal(data.length, e.size, `${e.path} size`);
      assert.equal(sha256(data), e.digest, `${e.path} sha256`);
    } else if (st.isSymbolicLink()) {
      kinds.symlink++;
      const target = await readlink(path.join(root, e.path));
      assert.equal(target, e.linkTo, e.path);
      assert.equal(Buffer.byteLength(target), e.size, `${e.path}: a symlink's size is its target's length`);
    } else {
      kinds.dir++;
      assert.ok(st.isDirectory(), e.path);
      assert.equal(e.size, 0, e.path);
    }
  }
  assert.ok(kinds.file > 500 && kinds.dir > 50 && kinds.symlink >= 1, JSON.stringify(kinds));

  const byPath = new Map(dump.map((e) => [e.path, e]));
  assert.equal(byPath.get('/opt/acme-hello/node_modules/.bin/mime')?.linkTo, '../mime/cli.js');
  assert.equal(
    (await readFile(path.join(root, 'opt/acme-hello/node_modules/mime/cli.js'), 'utf8')).split('\n')[0],
    '#!/usr/bin/node',
  );
  for (const f of [
    '/usr/lib/systemd/system/acme-hello.service',
    '/usr/bin/hello-greet',
    '/usr/share/doc/acme-hello/copyright',
    '/opt/acme-hello/server.js',
  ])
    assert.ok(byPath.has(f), f);
  assert.equal(byPath.get('/usr/bin/hello-greet')!.mode, 0o100755);

  // Owners: root everywhere but the state directory, which belongs to the service user.
  for (const e of dump) {
    const expected = e.path === '/var/lib/acme-hello' ? 'acme-hello' : 'root';
    assert.deepEqual([e.owner, e.group], [expected, expected], e.path);
  }
  assert.equal(byPath.get('/var/lib/acme-hello')!.mode, 0o040750);

  // Only the env file is %config(noreplace); only the copyright is %doc.
  assert.deepEqual(
    dump.filter((e) => e.isConfig).map((e) => e.path),
    ['/etc/sysconfig/acme-hello'],
  );
  assert.deepEqual(
    dump.filter((e) => e.isDoc).map((e) => e.path),
    ['/usr/share/doc/acme-hello/copyright', '/usr/share/doc/acme-hello/sbom.cdx.json'],
  );
  const flags = new Map(
    lines(await queryFormat(rpmFile, '[%{FILENAMES} %{FILEFLAGS:fflags}\n]')).map((l) => [
      l.split(' ')[0],
      l.split(' ')[1] ?? '',
    ]),
  );
  assert.equal(flags.get('/etc/sysconfig/acme-hello'), 'cn');
  assert.equal(flags.get('/usr/share/doc/acme-hello/copyright'), 'd');

  // Directories: only the package's own, never system ones.
  const dirs = dump.filter((e) => (e.mode & 0o170000) === 0o040000).map((e) => e.path);
  for (const d of dirs)
    assert.ok(
      OWNED_DIRS.some((o) => d === o || d.startsWith(`${o}/`)),
      `the package must not own ${d}`,
    );
  for (const o of OWNED_DIRS) assert.ok(dirs.includes(o), `owns ${o}`);

  // The header's file list is the payload's, in the same (byte-sorted) order.
  const cpioNames = lines(await rpm2cpio(rpmFile, ['-it', '--quiet']));
  assert.deepEqual(
    cpioNames,
    dump.map((e) => `.${e.path}`),
  );
  assert.deepEqual(
    dump.map((e) => e.path),
    dump.map((e) => e.path).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
  );
});

test("one run with -t deb -t rpm: the rpm payload under /opt/acme-hello is the deb's, byte for byte", async (t) => {
  if (!requireTools(t, [...RPM_TOOLS, 'dpkg-deb'])) return;
  const packages = await buildApp(EXAMPLE_APP, ['-t', 'deb', '-t', 'rpm']);
  assert.deepEqual(
    packages.map((p) => [p.format, path.basename(p.path)]),
    [
      ['deb', 'acme-hello_1.0.0_all.deb'],
      ['rpm', 'acme-hello-1.0.0-1.noarch.rpm'],
    ],
  );
  for (const p of packages) assert.equal(sha256(await readFile(p.path)), p.sha256, p.path);
  const [deb, rpmPkg] = packages as [BuiltPackage, BuiltPackage];
  assert.equal(path.dirname(deb.path), path.dirname(rpmPkg.path), 'both packages in the one output directory');
  assert.equal(rpmPkg.sha256, rpmSha256, 'building the deb in the same run does not change the rpm');

  const debRoot = await tempDir();
  await execa('dpkg-deb', ['-x', deb.path, debRoot]);
  const rpmRoot = await tempDir();
  await extractRpm(rpmPkg.path, rpmRoot);
  const fromDeb = await treeEntries(path.join(debRoot, 'opt/acme-hello'));
  const fromRpm = await treeEntries(path.join(rpmRoot, 'opt/acme-hello'));
  assert.ok(fromRpm.size > 500, `${fromRpm.size} entries`);
  assert.deepEqual([...fromRpm.keys()].sort(), [...fromDeb.keys()].sort());
  // The start check and the health gate name the format's env file; everything else is identical.
  const formatSpecific = '.pkgapp/check-env';
  const perFormat = new Set([formatSpecific, '.pkgapp/health-gate']);
  for (const [rel, entry] of fromDeb) if (!perFormat.has(rel)) assert.equal(fromRpm.get(rel), entry, rel);
  const debCheck = await readFile(path.join(debRoot, 'opt/acme-hello', formatSpecific), 'utf8');
  const rpmCheck = await readFile(path.join(rpmRoot, 'opt/acme-hello', formatSpecific), 'utf8');
  assert.match(debCheck, /^env_file='\/etc\/default\/acme-hello'$/m);
  assert.equal(rpmCheck, debCheck.replaceAll('/etc/default/acme-hello', '/etc/sysconfig/acme-hello'));
  for (const rel of ['usr/bin/hello-greet', 'usr/share/doc/acme-hello/copyright']) {
    assert.ok((await readFile(path.join(rpmRoot, rel))).equals(await readFile(path.join(debRoot, rel))), rel);
  }
});

test('rpm -K --nosignature: digests OK, and a flipped payload byte is caught', async (t) => {
  if (!requireTools(t, RPM_TOOLS)) return;
  const ok = await rpm(['-K', '--nosignature', rpmFile], { reject: false });
  t.diagnostic(`rpm -K --nosignature: ${ok.stdout}${ok.stderr ? `\n${ok.stderr}` : ''}`);
  assert.equal(ok.exitCode, 0, ok.stderr);
  assert.equal(ok.stdout, `${rpmFile}: digests OK`);
  const verbose = await rpm(['-Kv', '--nosignature', rpmFile]);
  t.diagnostic(`rpm -Kv --nosignature:\n${verbose.stdout}`);
  for (const d of ['Header SHA256 digest: OK', 'Header SHA1 digest: OK', 'Payload SHA256 digest: OK', 'MD5 digest: OK'])
    assert.match(verbose.stdout, new RegExp(`^\\s+${d.replace(/[()]/g, '\\$&')}$`, 'm'));

  const bytes = await readFile(rpmFile);
  const start = payloadOffset(bytes);
  assert.deepEqual([...bytes.subarray(start, start + 2)], [0x1f, 0x8b], 'the payload starts with the gzip magic');
  const corrupt = path.join(await tempDir(), 'corrupt.rpm');
  const flipped = Buffer.from(bytes);
  const at = start + Math.floor((bytes.length - start) / 2);
  flipped[at] = flipped[at]! ^ 0xff;
  await writeFile(corrupt, flipped);
  const bad = await rpm(['-K', '--nosignature', corrupt], { reject: false });
  const badVerbose = await rpm(['-Kv', '--nosignature', corrupt], { reject: false });
  t.diagnostic(`with byte ${at} flipped: ${bad.stdout}\n${badVerbose.stdout}`);
  assert.notEqual(bad.exitCode, 0);
  assert.match(bad.stdout, /DIGESTS NOT OK/);
  assert.match(badVerbose.stdout, /Payload SHA256 digest: BAD/);
  assert.match(badVerbose.stdout, /Header SHA256 digest: OK/);
});

test('rpmlint: no errors or warnings beyond the accepted ones', async (t) => {
  if (!requireTools(t, ['rpmlint'])) return;
  const { stdout, stderr } = await execa('rpmlint', [rpmFile], { reject: false, env: rpmEnv() });
  const diagnostics = lines(stdout).filter((l) => / [EW]: /.test(l));
  t.diagnostic(`rpmlint (repeated tags folded):\n${foldLint(diagnostics).join('\n')}${stderr ? `\n${stderr}` : ''}`);
  assert.match(stdout, /1 packages and 0 specfiles checked/, stdout + stderr);
  const under = (dir: string, p: string) => p.startsWith(`${dir}/`);
  const accepted: ((tag: string, args: string) => boolean)[] = [
    // Errors: /opt is the point of the package; 0750 state dir for the service user; unsigned.
    (tag, args) => tag === 'E: dir-or-file-in-opt' && (args === '/opt/acme-hello' || under('/opt/acme-hello', args)),
    (tag, args) => tag === 'E: non-standard-dir-perm' && args === '/var/lib/acme-hello 750',
    (tag, args) => tag === 'E: no-signature' && args === '',
    // Warnings.
    (tag, args) => tag === 'W: only-non-binary-in-usr-lib' && args === '',
    (tag, args) =>
      (tag === 'W: non-standard-uid' || tag === 'W: non-standard-gid') && args === '/var/lib/acme-hello acme-hello',
    (tag, args) => tag === 'W: no-manual-page-for-binary' && args === 'hello-greet',
    (tag, args) => tag === 'W: invalid-license' && args === 'MIT', // Debian's rpmlint: empty ValidLicenses
    // .pkgapp, node_modules/.bin, and the dotfiles npm packages ship (.github, .nycrc, …), as the
    // deb does; a dotfile of the app itself (a leaked .env) would not be accepted.
    (tag, args) =>
      tag === 'W: hidden-file-or-dir' &&
      (args === '/opt/acme-hello/.pkgapp' || under('/opt/acme-hello/node_modules', args)),
    // Identical LICENSE, .nycrc, tsconfig.json files across npm packages.
    (tag, args) =>
      tag === 'W: files-duplicate' && args.split(/[ :]/).every((p) => under('/opt/acme-hello/node_modules', p)),
  ];
  const unexpected = diagnostics.filter((line) => {
    const m = /^acme-hello\.noarch: ([EW]: \S+)(?: (.*))?$/.exec(line);
    return !m || !accepted.some((a) => a(m[1]!, m[2] ?? ''));
  });
  assert.deepEqual(unexpected, []);
  assert.ok(
    diagnostics.some((l) => l.includes('E: dir-or-file-in-opt')),
    'rpmlint really looked at the files',
  );
});

test('a rebuild with the same SOURCE_DATE_EPOCH is byte-identical', async () => {
  const [again] = await buildApp(EXAMPLE_APP, ['-t', 'rpm']);
  assert.equal(again!.sha256, rpmSha256);
  assert.ok((await readFile(again!.path)).equals(await readFile(rpmFile)));
});

test('xz and zstd payloads: digests OK, rpmlib() requirement, and rpm2cpio unpacks the same cpio', async (t) => {
  if (!requireTools(t, [...RPM_TOOLS, 'xz', 'zstd'])) return;
  const gzipCpio = await cpioArchive(rpmFile);
  for (const [compression, requirement] of [
    ['xz', 'rpmlib(PayloadIsXz) <= 5.2-1'],
    ['zstd', 'rpmlib(PayloadIsZstd) <= 5.4.18-1'],
  ] as const) {
    const [pkg] = await buildApp(EXAMPLE_APP, ['-t', 'rpm', '--compression', compression]);
    const file = pkg!.path;
    const k = await rpm(['-K', '--nosignature', file], { reject: false });
    assert.equal(k.exitCode, 0, `${compression}: ${k.stdout}${k.stderr}`);
    assert.equal(k.stdout, `${file}: digests OK`);
    assert.equal(await queryFormat(file, '%{PAYLOADFORMAT} %{PAYLOADCOMPRESSOR}'), `cpio ${compression}`);
    assert.ok(
      lines((await rpm(['-qp', '--requires', file])).stdout).includes(requirement),
      `${compression} requires ${requirement}`,
    );
    // Same archive inside, only compressed differently.
    assert.ok((await cpioArchive(file)).equals(gzipCpio), `${compression}: the cpio archive equals the gzip package's`);
    const root = await tempDir();
    await extractRpm(file, root);
    assert.equal(
      await readFile(path.join(root, 'opt/acme-hello/server.js'), 'utf8'),
      await readFile(path.join(EXAMPLE_APP, 'server.js'), 'utf8'),
    );
    assert.equal(await readlink(path.join(root, 'opt/acme-hello/node_modules/.bin/mime')), '../mime/cli.js');
  }
});

test('rpmbuild, given the same tree, writes the same header values and file metadata', async (t) => {
  if (!requireTools(t, [...RPM_TOOLS, 'rpmbuild'])) return;
  const app = await tinyApp();
  const out = await tempDir();
  const [pkg] = await buildApp(app, ['-t', 'rpm', '--no-install', '-o', out]);
  const ours = pkg!.path;
  assert.equal(path.basename(ours), 'tiny-app-1.0.0-1.noarch.rpm');
  const buildroot = await tempDir();
  await extractRpm(ours, buildroot);
  const topdir = await tempDir('pkgapp-rpmbuild-');
  const spec = path.join(topdir, 'tiny-app.spec');
  await writeFile(
    spec,
    await referenceSpec(
      buildroot,
      {
        name: 'tiny-app',
        version: '1.0.0',
        release: '1',
        license: 'MIT',
        url: 'https://example.com/tiny-app',
        summary: 'Tiny test service',
        requires: 'nodejs',
      },
      ['/opt/tiny-app', '/usr/share/doc/tiny-app'],
    ),
  );
  await mkdir(path.join(topdir, 'tmp'));
  const built = await execa(
    'rpmbuild',
    [
      '-bb',
      '--define',
      `_topdir ${topdir}`,
      '--define',
      `_tmppath ${path.join(topdir, 'tmp')}`,
      '--define',
      '_binary_payload w9.gzdio',
      '--define',
      '_build_id_links none',
      '--define',
      'source_date_epoch_from_changelog 0',
      spec,
    ],
    { env: rpmEnv(), reject: false, all: true },
  );
  assert.equal(built.exitCode, 0, built.all);
  const theirs = path.join(topdir, 'RPMS/noarch/tiny-app-1.0.0-1.noarch.rpm');

  for (const file of [ours, theirs]) {
    const k = await rpm(['-K', '--nosignature', file], { reject: false });
    assert.equal(k.exitCode, 0, `${file}: ${k.stdout}${k.stderr}`);
  }
  const tags =
    '%{NAME} %{VERSION} %{RELEASE} %{ARCH} %{LICENSE} %{URL} %{SUMMARY} %{PAYLOADFORMAT} %{PAYLOADCOMPRESSOR} %{FILEDIGESTALGO}';
  assert.equal(await queryFormat(ours, tags), await queryFormat(theirs, tags));
  assert.equal(
    await queryFormat(ours, tags),
    'tiny-app 1.0.0 1 noarch MIT https://example.com/tiny-app Tiny test service cpio gzip 8',
  );
  for (const deps of ['--requires', '--provides']) {
    assert.deepEqual(
      lines((await rpm(['-qp', deps, ours])).stdout).sort(),
      lines((await rpm(['-qp', deps, theirs])).stdout).sort(),
      deps,
    );
  }

  // Per file: regular files and symlinks must match exactly (rpmbuild may own extra directories).
  const perFile = '[%{FILENAMES} %{FILEMODES:octal} %{FILESIZES} %{FILEDIGESTS} %{FILEFLAGS:fflags} %{FILELINKTOS}\n]';
  const notDir = (line: string) => !/^\S+ 40\d{3} /.test(line); // :octal has no leading 0
  const oursFiles = lines(await queryFormat(ours, perFile)).filter(notDir);
  const theirFiles = lines(await queryFormat(theirs, perFile)).filter(notDir);
  assert.deepEqual(oursFiles, theirFiles);
  assert.ok(
    oursFiles.some((l) => / 120777 18 +\.\.\/tiny-dep\/cli\.js$/.test(l)),
    `a symlink is compared:\n${oursFiles.join('\n')}`,
  );
  assert.ok(
    oursFiles.some((l) => l.startsWith('/usr/share/doc/tiny-app/copyright ') && / d $/.test(l)),
    'a %doc file is compared',
  );
  assert.ok(
    oursFiles.some((l) => l.startsWith('/usr/bin/tiny-greet 100755 ')),
    'an executable is compared',
  );
  // Directories both list agree too.
  const dirsOf = async (file: string) =>
    new Map(
      lines(await queryFormat(file, '[%{FILENAMES} %{FILEMODES:octal} %{FILEUSERNAME} %{FILEGROUPNAME}\n]'))
        .filter((l) => !notDir(l))
        .map((l) => [l.split(' ')[0]!, l]),
    );
  const theirDirs = await dirsOf(theirs);
  for (const [dir, line] of await dirsOf(ours)) if (theirDirs.has(dir)) assert.equal(line, theirDirs.get(dir), dir);
});

test('rpm orders the mapped versions as semver does', async (t) => {
  if (!requireTools(t, ['rpm'])) return;
  const ordered = [
    '1.0.0-alpha',
    '1.0.0-alpha.1',
    '1.0.0-beta',
    '1.0.0-beta.2',
    '1.0.0-beta.11',
    '1.0.0-rc.1',
    '1.0.0',
    '1.0.1',
    '1.10.0',
    '2.0.0-rc.1',
    '2.0.0',
  ];
  const mapped = ordered.map((v) => rpmVersion(parseAppVersion(v, 't')));
  assert.ok(mapped.every((m) => m.release === '1'));
  assert.equal(mapped[0]!.version, '1.0.0~alpha');
  for (let i = 0; i + 1 < ordered.length; i++) {
    const [a, b] = [ordered[i]!, ordered[i + 1]!];
    assert.equal(semver.compare(a, b), -1, `semver: ${a} < ${b}`);
    assert.equal(
      await vercmp(mapped[i]!.version, mapped[i + 1]!.version),
      -1,
      `rpm: ${mapped[i]!.version} < ${mapped[i + 1]!.version} (${a} < ${b})`,
    );
  }
});

test('rpm diverges from semver on numeric vs alphanumeric pre-release identifiers (docs/internals/versions.md)', async (t) => {
  if (!requireTools(t, ['rpm'])) return;
  // semver: numeric identifiers sort before alphanumeric ones; rpm: a numeric segment is newer.
  for (const [a, b] of [
    ['1.0.0-alpha.1', '1.0.0-alpha.beta'],
    ['1.0.0-0', '1.0.0-alpha'],
  ] as const) {
    const [ra, rb] = [rpmVersion(parseAppVersion(a, 't')).version, rpmVersion(parseAppVersion(b, 't')).version];
    assert.equal(semver.compare(a, b), -1, `semver: ${a} < ${b}`);
    assert.equal(await vercmp(ra, rb), 1, `rpm: ${ra} > ${rb}, unlike semver`);
  }
});

/** Runs `pkgapp build -C dir ... --json` with the fixed epoch; returns the built packages. */
async function buildApp(dir: string, args: string[]): Promise<BuiltPackage[]> {
  const out = args.includes('-o') ? [] : ['-o', await tempDir()];
  const result = await runCli(['build', '-C', dir, ...out, ...args, '--json'], {
    env: { SOURCE_DATE_EPOCH: EPOCH, PATH: process.env['PATH']! },
  });
  assert.equal(result.exitCode, 0, result.stderr);
  return (JSON.parse(result.stdout) as { packages: BuiltPackage[] }).packages;
}

/** A private HOME: Debian's rpm keeps its database in ~/.rpmdb, rpmlint its state in ~/.config. */
function rpmEnv(): Record<string, string> {
  return { HOME: rpmHome, LANG: 'C.UTF-8' };
}

/** rpm with the private database; reject: false returns a failing exit code instead of throwing. */
async function rpm(args: string[], options: { reject?: boolean } = {}): Promise<ToolResult> {
  const r = await execa('rpm', ['--dbpath', path.join(rpmHome, '.rpmdb'), ...args], {
    env: rpmEnv(),
    reject: options.reject ?? true,
  });
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function queryFormat(file: string, format: string): Promise<string> {
  return (await rpm(['-qp', '--qf', format, file])).stdout;
}

/** The uncompressed cpio archive of a package. */
async function cpioArchive(file: string): Promise<Buffer> {
  return Buffer.from((await execa('rpm2cpio', [file], { env: rpmEnv(), encoding: 'buffer' })).stdout);
}

/** `rpm2cpio FILE | cpio ARGS` in dir; returns cpio's stdout. */
async function rpm2cpio(file: string, cpioArgs: string[], dir?: string): Promise<string> {
  const r = await execa('rpm2cpio', [file], { env: rpmEnv() }).pipe('cpio', cpioArgs, dir ? { cwd: dir } : {});
  return r.stdout;
}

async function extractRpm(file: string, dir: string): Promise<void> {
  await rpm2cpio(file, ['-idm', '--quiet'], dir);
}

/** The example's rpm, extracted once. */
function extracted(): Promise<string> {
  extractedDir ??= (async () => {
    const dir = await tempDir();
    await extractRpm(rpmFile, dir);
    return dir;
  })();
  return extractedDir;
}

/** `rpm -qp --dump`: path size mtime digest mode owner group isconfig isdoc rdev symlink. */
async function dumpEntries(file: string): Promise<DumpEntry[]> {
  return lines((await rpm(['-qp', '--dump', file])).stdout).map((line) => {
    const fields = line.split(' ');
    assert.ok(fields.length === 11, `a path with spaces or an unexpected --dump line: ${line}`);
    const [p, size, mtime, digest, mode, owner, group, isConfig, isDoc, , linkTo] = fields as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    return {
      path: p,
      size: Number(size),
      mtime: Number(mtime),
      digest,
      mode: parseInt(mode, 8),
      owner,
      group,
      isConfig: isConfig === '1',
      isDoc: isDoc === '1',
      linkTo: linkTo === 'X' ? '' : linkTo,
    };
  });
}

/** Where the compressed payload starts: after the lead, the padded signature header and the header (docs/internals/rpm-package.md#file-layout). */
function payloadOffset(rpmBytes: Buffer): number {
  const headerEnd = (start: number) => {
    assert.equal(rpmBytes.readUInt32BE(start), 0x8eade801, `header magic at ${start}`);
    return start + 16 + 16 * rpmBytes.readUInt32BE(start + 8) + rpmBytes.readUInt32BE(start + 12);
  };
  const signatureEnd = headerEnd(96);
  return headerEnd(signatureEnd + ((8 - (signatureEnd % 8)) % 8));
}

/** rel path → "mode sha256" for files, "-> target" for symlinks, "mode dir" for directories. */
async function treeEntries(root: string): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    for (const name of await listDir(path.join(root, rel))) {
      const childRel = rel ? `${rel}/${name}` : name;
      const abs = path.join(root, childRel);
      const st = await lstat(abs);
      if (st.isDirectory()) {
        result.set(childRel, `${st.mode.toString(8)} dir`);
        await walk(childRel);
      } else if (st.isSymbolicLink()) {
        result.set(childRel, `-> ${await readlink(abs)}`);
      } else {
        result.set(childRel, `${st.mode.toString(8)} ${sha256(await readFile(abs))}`);
      }
    }
  };
  await walk('');
  return result;
}

/**
 * An app with a production dependency installed by hand (matching the lockfile), its .bin
 * symlink, and a bin of its own: regular files, executables, a symlink and a %doc file.
 */
async function tinyApp(): Promise<string> {
  const dep = { name: 'tiny-dep', version: '1.0.0', license: 'MIT', bin: { 'tiny-dep': 'cli.js' } };
  const files = minimalApp(
    {
      homepage: 'https://example.com/tiny-app',
      bin: { 'tiny-greet': 'bin/greet.js' },
      dependencies: { 'tiny-dep': '1.0.0' },
      pkgapp: { service: false },
    },
    {
      'package-lock.json': {
        name: 'tiny-app',
        version: '1.0.0',
        lockfileVersion: 3,
        requires: true,
        packages: {
          '': { name: 'tiny-app', version: '1.0.0', dependencies: { 'tiny-dep': '1.0.0' } },
          'node_modules/tiny-dep': { version: dep.version, license: dep.license, bin: dep.bin },
        },
      },
      'bin/greet.js': '#!/usr/bin/env node\nconsole.log("hello");\n',
      'node_modules/tiny-dep/package.json': dep,
      'node_modules/tiny-dep/cli.js': '#!/usr/bin/env node\nconsole.log("dep");\n',
    },
  );
  const dir = await makeApp(files);
  for (const f of ['bin/greet.js', 'node_modules/tiny-dep/cli.js']) await chmod(path.join(dir, f), 0o755);
  await mkdir(path.join(dir, 'node_modules/.bin'));
  await symlink('../tiny-dep/cli.js', path.join(dir, 'node_modules/.bin/tiny-dep'));
  return dir;
}

/**
 * A spec that packages `buildroot` as it is: the owned directories and everything under them
 * (%dir for directories), files under /usr/share/doc as %doc, under /etc as %config(noreplace),
 * any other file by itself. No automatic requires or provides.
 */
async function referenceSpec(
  buildroot: string,
  meta: {
    name: string;
    version: string;
    release: string;
    license: string;
    url: string;
    summary: string;
    requires: string;
  },
  ownedDirs: string[],
): Promise<string> {
  const entries: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await listDir(path.join(buildroot, rel))).sort()) {
      const p = `${rel}/${name}`;
      const st = await lstat(path.join(buildroot, p));
      const owned = ownedDirs.some((d) => p === d || p.startsWith(`${d}/`));
      if (st.isDirectory()) {
        if (owned) entries.push(`%dir ${p}`);
        await walk(p);
      } else {
        entries.push(
          p.startsWith('/usr/share/doc/') ? `%doc ${p}` : p.startsWith('/etc/') ? `%config(noreplace) ${p}` : p,
        );
      }
    }
  };
  await walk('');
  return [
    `Name: ${meta.name}`,
    `Version: ${meta.version}`,
    `Release: ${meta.release}`,
    `Summary: ${meta.summary}`,
    `License: ${meta.license}`,
    `URL: ${meta.url}`,
    'BuildArch: noarch',
    `Requires: ${meta.requires}`,
    'AutoReqProv: no',
    '',
    '%description',
    'Reference build of the tree pkgapp packaged.',
    '',
    '%install',
    `cp -a ${buildroot}/. %{buildroot}/`,
    '',
    '%files',
    '%defattr(-,root,root,-)',
    ...entries,
    '',
  ].join('\n');
}

/** rpm's own comparison of two version strings: -1, 0 or 1. */
async function vercmp(a: string, b: string): Promise<number> {
  const { stdout } = await execa('rpm', ['--eval', `%{lua: print(rpm.vercmp("${a}", "${b}"))}`], { env: rpmEnv() });
  return Number(stdout.trim());
}

/** rpmlint lines with the same tag (and the same package) folded into one, with a count. */
function foldLint(diagnostics: string[]): string[] {
  const groups = new Map<string, string[]>();
  for (const line of diagnostics) {
    const key = /^\S+ [EW]: \S+/.exec(line)?.[0] ?? line;
    groups.set(key, [...(groups.get(key) ?? []), line]);
  }
  return [...groups.entries()].flatMap(([key, all]) =>
    all.length > 3 ? [`${key} ×${all.length}, e.g. ${all[0]!.slice(key.length + 1)}`] : all,
  );
}

function lines(text: string): string[] {
  return text.split('\n').filter(Boolean);
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
