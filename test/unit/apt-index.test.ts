// apt index text: Packages stanzas, Release, deb822 parsing and dpkg's version order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execa } from 'execa';
import { compareDebVersions } from '../../src/deb/deb-version.js';
import { parseControlFields, parseDeb822 } from '../../src/deb/read-deb.js';
import { isUserError } from '../../src/errors.js';
import {
  dedupeStanzas,
  packageStanza,
  renderPackages,
  stanzaOf,
  stanzasBeyondKeep,
  stanzasForArch,
  type PoolFile,
} from '../../src/publish/apt/packages-index.js';
import { renderRelease, rfc2822Date } from '../../src/publish/apt/release-file.js';
import { aptClientSetup } from '../../src/publish/apt/publish-apt.js';
import { assertGolden } from '../helpers/golden.js';
import { requireTools } from '../helpers/tools.js';

const DESCRIPTION = [
  'Description: Tiny HTTP greeting service, packaged by pkgapp',
  ' This package ships the Node.js application @acme/hello with its',
  ' production dependencies.',
  ' .',
  '  Lines with two leading spaces are shown verbatim.',
  ' .',
  ' Last paragraph.',
].join('\n');

function control(name: string, version: string, arch: string): string {
  return `Package: ${name}\nVersion: ${version}\nArchitecture: ${arch}\nMaintainer: Acme Ops <ops@acme.example>\nInstalled-Size: 2886\nDepends: nodejs (>= 18), adduser\nSection: misc\nPriority: optional\n${DESCRIPTION}\n`;
}

function poolFile(name: string, version: string, arch: string, seed: string): PoolFile {
  const hex = (n: number) => seed.repeat(n).slice(0, n);
  return {
    filename: `pool/main/${name[0]}/${name}/${name}_${version}_${arch}.deb`,
    size: 710036,
    md5: hex(32),
    sha1: hex(40),
    sha256: hex(64),
    sha512: hex(128),
  };
}

function stanza(name: string, version: string, arch: string, seed: string) {
  return packageStanza(
    parseControlFields(control(name, version, arch), 'control'),
    poolFile(name, version, arch, seed),
    'test',
  );
}

test('Packages: control fields in order, then Filename, Size and digests; sorted by name and dpkg version', () => {
  const text = renderPackages([
    stanza('acme-hello', '1.10.0', 'all', 'a'),
    stanza('zeta-tool', '0.1.0', 'amd64', 'b'),
    stanza('acme-hello', '1.9.0', 'all', 'c'),
    stanza('acme-hello', '1.10.0~rc.1', 'all', 'd'),
    stanza('acme-hello', '1:0.1.0', 'all', 'e'),
  ]);
  assertGolden('apt/Packages', text);
  const versions = parseDeb822(text, 'Packages')
    .map((f) => stanzaOf(f, 'Packages'))
    .map((s) => `${s.package}=${s.version}`);
  assert.deepEqual(versions, [
    'acme-hello=1.9.0',
    'acme-hello=1.10.0~rc.1',
    'acme-hello=1.10.0',
    'acme-hello=1:0.1.0',
    'zeta-tool=0.1.0',
  ]);
});

test('Packages: the Description keeps its folding (continuation lines, " .", verbatim lines)', () => {
  const text = renderPackages([stanza('acme-hello', '1.0.0', 'all', 'a')]);
  assert.ok(text.includes(`${DESCRIPTION}\nFilename: `), text);
  const parsed = parseDeb822(text, 'Packages');
  assert.equal(parsed.length, 1);
  assert.equal(parsed[0]!.find((f) => f.name === 'Description')!.value, DESCRIPTION.slice('Description: '.length));
});

test('Packages: parsing and rendering again gives the same bytes (the files are the repository state)', () => {
  const text = renderPackages([stanza('acme-hello', '1.0.0', 'all', 'a'), stanza('acme-hello', '1.1.0', 'all', 'b')]);
  const again = renderPackages(parseDeb822(text, 'Packages').map((f) => stanzaOf(f, 'Packages')));
  assert.equal(again, text);
  assert.equal(renderPackages([]), '');
});

test("Packages: digests in the control file are replaced by the pool file's", () => {
  const fields = parseControlFields(`${control('acme-hello', '1.0.0', 'all')}SHA256: bogus\n`, 'control');
  const s = packageStanza(fields, poolFile('acme-hello', '1.0.0', 'all', 'f'), 'test');
  assert.deepEqual(
    s.fields.filter((f) => f.name === 'SHA256').map((f) => f.value),
    ['f'.repeat(64)],
  );
  assert.equal(s.sha256, 'f'.repeat(64));
});

test('each binary-ARCH index gets its own architecture and Architecture: all; binary-all only all', () => {
  const stanzas = [
    stanza('app', '1.0.0', 'all', 'a'),
    stanza('addon', '1.0.0', 'amd64', 'b'),
    stanza('addon', '1.0.0', 'arm64', 'c'),
  ];
  const names = (arch: string) => stanzasForArch(stanzas, arch).map((s) => `${s.package}:${s.architecture}`);
  assert.deepEqual(names('amd64'), ['app:all', 'addon:amd64']);
  assert.deepEqual(names('arm64'), ['app:all', 'addon:arm64']);
  assert.deepEqual(names('all'), ['app:all']);
  assert.deepEqual(names('riscv64'), ['app:all']);
  assert.equal(dedupeStanzas([...stanzas, stanza('app', '1.0.0', 'all', 'a')]).length, 3);
});

test('keep: the highest versions per name and architecture stay, protected files always stay', () => {
  const stanzas = ['1.9.0', '1.10.0', '1.10.0~rc.1', '2.0.0'].map((v, i) => stanza('app', v, 'all', String(i)));
  stanzas.push(stanza('app', '1.0.0', 'amd64', '9'), stanza('other', '0.1.0', 'all', '8'));
  const file = (v: string, arch = 'all') => `pool/main/a/app/app_${v}_${arch}.deb`;
  assert.deepEqual([...stanzasBeyondKeep(stanzas, 2, new Set())].sort(), [file('1.10.0~rc.1'), file('1.9.0')]);
  assert.deepEqual([...stanzasBeyondKeep(stanzas, 1, new Set([file('1.9.0')]))].sort(), [
    file('1.10.0'),
    file('1.10.0~rc.1'),
  ]);
  assert.equal(stanzasBeyondKeep(stanzas, 4, new Set()).size, 0);
});

test('deb822: continuation lines, case-insensitive duplicates and stray lines', () => {
  assert.deepEqual(parseControlFields('A: 1\nB:\n two\n  three\nC:  spaced  \n', 'x'), [
    { name: 'A', value: '1' },
    { name: 'B', value: '\n two\n  three' },
    { name: 'C', value: 'spaced' },
  ]);
  assert.equal(parseDeb822('A: 1\n\n\nA: 2\n', 'x').length, 2);
  for (const bad of [' leading\n', 'A: 1\na: 2\n', 'no colon here\n']) {
    assert.throws(
      () => parseControlFields(bad, 'ctl'),
      (e: unknown) => isUserError(e) && /^ctl, line \d/.test(e.message),
    );
  }
});

test('Release: fields, MD5Sum and SHA256 lists relative to dists/SUITE/, sorted, sizes aligned', () => {
  const file = (p: string, size: number, seed: string) => ({
    path: p,
    size,
    md5: seed.repeat(32),
    sha256: seed.repeat(64),
  });
  const text = renderRelease({
    origin: 'pkgapp',
    label: 'pkgapp',
    suite: 'stable',
    codename: 'stable',
    date: new Date(Date.UTC(2026, 10, 26, 12, 29, 16)),
    architectures: ['amd64', 'arm64', 'all'],
    components: ['main'],
    acquireByHash: true,
    allInEveryArch: true,
    files: [
      file('main/binary-amd64/Packages.xz', 812, '1'),
      file('main/binary-amd64/Packages', 1593, '2'),
      file('main/binary-all/Packages', 0, '3'),
    ],
  });
  assertGolden('apt/Release', text);
  assert.ok(!/ Release$/m.test(text), 'Release does not list itself');
});

test('Release Date is RFC 2822 in UTC', () => {
  assert.equal(rfc2822Date(new Date(Date.UTC(2026, 2, 1, 3, 4, 5))), 'Sun, 01 Mar 2026 03:04:05 +0000');
  assert.throws(() => rfc2822Date(new Date(NaN)));
});

test('client setup: keyring in /usr/share/keyrings and a signed-by sources line', () => {
  const setup = aptClientSetup('https://repo.example.com/pkgapp/', 'stable', 'main');
  assert.match(
    setup,
    /curl -fsSL -o \/usr\/share\/keyrings\/pkgapp-archive-keyring\.gpg https:\/\/repo\.example\.com\/pkgapp\/apt\/pkgapp-archive-keyring\.gpg/,
  );
  assert.match(
    setup,
    /^echo 'deb \[signed-by=\/usr\/share\/keyrings\/pkgapp-archive-keyring\.gpg\] https:\/\/repo\.example\.com\/pkgapp\/apt stable main' \| sudo tee /m,
  );
});

/** Pairs from docs/internals/versions.md and dpkg's own test cases, with dpkg's answer (-1 a<b, 0, 1 a>b). */
const VERSION_PAIRS: [string, string, number][] = [
  ['1.0.0~0', '1.0.0~1', -1],
  ['1.0.0~1', '1.0.0~RC.1', -1],
  ['1.0.0~RC.1', '1.0.0~alpha', -1],
  ['1.0.0~alpha', '1.0.0~alpha.1', -1],
  ['1.0.0~alpha.1', '1.0.0~alpha.beta', -1],
  ['1.0.0~alpha.beta', '1.0.0~alpha-10', 1],
  ['1.0.0~alpha-10', '1.0.0~alpha-2', 1],
  ['1.0.0~beta.2', '1.0.0~beta.11', -1],
  ['1.0.0~rc.1', '1.0.0~rc1', 1],
  ['1.0.0~rc1', '1.0.0', -1],
  ['1.0.0', '1.0.0+build.5', -1],
  ['1.9.0', '1.10.0', -1],
  ['1:0.9-1', '2.0-1', 1],
  ['1.2.3-1', '1.2.3-1.1', -1],
  ['1.2.3-9', '1.2.3-10', -1],
  ['1.2.3-1', '1.2.3-1~bpo1', 1],
  ['1.2.3~rc.1-1', '1.2.3-0', -1],
  ['1.0-1', '1.0.0-1', -1],
  ['1.0a-1', '1.0-1', 1],
  ['1.0~~-1', '1.0~-1', -1],
  ['1.2.3-1', '1.2.3+1-1', -1],
  ['0:1.0', '1.0', 0],
  ['1.0', '1.0-0', 0],
  ['1.001', '1.1', 0],
  ['1.0', '1.0.', -1],
  ['1.0+', '1.0a', 1],
  ['1.0-a', '1.0-A', 1],
  ['2:1', '10:0', -1],
  ['1.0.0', '1.0.0', 0],
  ['0.0.0~', '0.0.0', -1],
  ['1-1-1', '1-1-2', -1],
  ['1.2.3', '1.2.3~', 1],
];

test('dpkg version order: known answers', () => {
  for (const [a, b, expected] of VERSION_PAIRS) {
    assert.equal(compareDebVersions(a, b), expected, `${a} vs ${b}`);
    assert.equal(compareDebVersions(b, a), -expected || 0, `${b} vs ${a}`);
  }
});

test('dpkg version order agrees with dpkg --compare-versions', async (t) => {
  if (!requireTools(t, ['dpkg'])) return;
  const quote = (s: string) => `'${s}'`;
  const script = VERSION_PAIRS.map(
    ([a, b]) =>
      `if dpkg --compare-versions ${quote(a)} lt ${quote(b)}; then echo -1; elif dpkg --compare-versions ${quote(a)} eq ${quote(b)}; then echo 0; else echo 1; fi`,
  ).join('\n');
  const { stdout } = await execa('sh', ['-c', script]);
  const answers = stdout.split('\n').map(Number);
  VERSION_PAIRS.forEach(([a, b], i) =>
    assert.equal(compareDebVersions(a, b), answers[i], `dpkg says ${a} vs ${b} is ${answers[i]}`),
  );
});
