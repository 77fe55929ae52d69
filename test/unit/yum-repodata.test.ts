// yum repository metadata and the rpm reader: primary/filelists/other/repomd text (goldens),
// createrepo_c's selection rules on in-memory headers, rpm's version order (checked against rpm's
// own vercmp when rpm is installed), and readRpm on a package rpmbuild made, on one from our
// header encoder, and on hostile bytes (always a UserError naming the file, never a crash).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { isUserError } from '../../src/errors.js';
import {
  comparePackages,
  FILELISTS,
  OTHER,
  parseEvr,
  PRIMARY,
  renderDocument,
  repoPackage,
  type RepoPackage,
} from '../../src/publish/yum/repodata.js';
import { parseRepomd, repomdXml } from '../../src/publish/yum/repomd.js';
import { publishYum, yumClientSetup } from '../../src/publish/yum/publish-yum.js';
import type { Signer } from '../../src/sign/signer.js';
import { encodeHeader, encodeLead, h, signaturePadding, type HeaderEntry } from '../../src/rpm/header.js';
import {
  parseHeaderBody,
  readRpm,
  rpmChangelog,
  rpmDependencies,
  rpmFileList,
  rpmNevra,
  rpmSizes,
  type RpmFileInfo,
  type RpmHeaderEntry,
} from '../../src/rpm/read-rpm.js';
import { compareEvr, rpmvercmp } from '../../src/rpm/rpm-vercmp.js';
import { RPM_TYPE, SENSE, SIGTAG, TAG } from '../../src/rpm/tags.js';
import { assertGolden } from '../helpers/golden.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

const DIR = 0o040755;
const FILE = 0o100644;
const EXEC = 0o100755;

/** An in-memory RpmFileInfo: header tags with the type their value implies. */
function fakeRpm(
  tags: Record<number, RpmHeaderEntry['value']>,
  signature: Record<number, RpmHeaderEntry['value']> = {},
): RpmFileInfo {
  const entries = (source: Record<number, RpmHeaderEntry['value']>) =>
    new Map(
      Object.entries(source).map(([tag, value]) => {
        const type =
          typeof value === 'string'
            ? RPM_TYPE.STRING
            : Buffer.isBuffer(value)
              ? RPM_TYPE.BIN
              : typeof value[0] === 'string'
                ? RPM_TYPE.STRING_ARRAY
                : RPM_TYPE.INT32;
        return [Number(tag), { tag: Number(tag), type, value }];
      }),
    );
  return {
    path: '/fake/test.rpm',
    lead: { name: 'test' },
    signature: entries(signature),
    header: entries(tags),
    headerStart: 4504,
    headerEnd: 9000,
    size: 12345,
  };
}

const RPMLIB = SENSE.RPMLIB | SENSE.LESS | SENSE.EQUAL;

/** A typical package (docs/internals/yum-repository.md) plus every awkward case: escapes, epochs, ghosts, weak deps, equal changelog times. */
function acmeApp(version: string, release: string, extra: Record<number, RpmHeaderEntry['value']> = {}): RpmFileInfo {
  const evr = `${version}-${release}`;
  return fakeRpm(
    {
      [TAG.NAME]: 'acme-app',
      [TAG.VERSION]: version,
      [TAG.RELEASE]: release,
      [TAG.ARCH]: 'noarch',
      [TAG.SUMMARY]: ['Acme & <co> "app"'],
      [TAG.DESCRIPTION]: ['Line one & more\r\nline <two>\n\nParagraph "two".'],
      [TAG.PACKAGER]: 'Jane Doe <jane@example.com>',
      [TAG.URL]: 'https://example.com/app?a=1&b=2',
      [TAG.BUILDTIME]: [1795651200],
      [TAG.BUILDHOST]: 'localhost',
      [TAG.SIZE]: [149],
      [TAG.LICENSE]: 'MIT',
      [TAG.GROUP]: ['Applications/System'],
      [TAG.SOURCERPM]: `acme-app-${evr}.src.rpm`,
      [TAG.DIRNAMES]: ['/etc/', '/etc/acme-app/', '/opt/', '/opt/acme-app/', '/usr/bin/', '/var/log/'],
      [TAG.BASENAMES]: ['acme-app', 'config.ini', 'acme-app', 'main.js', 'acme-app', 'acme-app.log'],
      [TAG.DIRINDEXES]: [0, 1, 2, 3, 4, 5],
      [TAG.FILEMODES]: [DIR, FILE, DIR, FILE, EXEC, FILE],
      [TAG.FILEFLAGS]: [0, 17, 0, 0, 0, 64],
      [TAG.FILESIZES]: [0, 8, 0, 12, 129, 0],
      [TAG.PROVIDENAME]: ['acme-api', 'acme-app', 'config(acme-app)'],
      [TAG.PROVIDEFLAGS]: [SENSE.EQUAL, SENSE.EQUAL, SENSE.EQUAL | SENSE.CONFIG],
      [TAG.PROVIDEVERSION]: ['3', evr, evr],
      [TAG.REQUIRENAME]: [
        'nodejs',
        '/bin/sh',
        '/bin/sh',
        '/bin/sh',
        '/bin/sh',
        'acme-api',
        'acme-api',
        'config(acme-app)',
        '/etc/acme-app/config.ini',
        '/opt/acme-app/main.js',
        'broken',
        'bash-completion',
        'rpmlib(CompressedFileNames)',
      ],
      [TAG.REQUIREFLAGS]: [
        SENSE.GREATER | SENSE.EQUAL,
        SENSE.INTERP | SENSE.SCRIPT_PRE,
        SENSE.INTERP | SENSE.SCRIPT_POST,
        SENSE.INTERP | SENSE.SCRIPT_PREUN,
        SENSE.INTERP | SENSE.SCRIPT_POSTUN,
        SENSE.EQUAL,
        SENSE.GREATER | SENSE.EQUAL,
        SENSE.EQUAL | SENSE.CONFIG,
        0,
        0,
        SENSE.EQUAL,
        1 << 19,
        RPMLIB,
      ],
      [TAG.REQUIREVERSION]: ['1:18.0-2', '', '', '', '', '3', '2', evr, '', '', 'x:1.0', '', '3.0.4-1'],
      [1054]: ['old-thing'],
      [1053]: [SENSE.LESS],
      [1055]: ['2'],
      [5049]: ['acme-docs'],
      [5051]: [0],
      [5050]: [''],
      [TAG.CHANGELOGTIME]: [1795651200, 1795651200, 1795564800],
      [TAG.CHANGELOGNAME]: [
        `Jane Doe <jane@example.com> - ${evr}  `,
        'Jane Doe <jane@example.com> - 0.9-2',
        'Jane Doe <jane@example.com> - 0.9-1',
      ],
      [TAG.CHANGELOGTEXT]: ['- Third & <newest>', '- Second, same day', '- First'],
      ...extra,
    },
    { [SIGTAG.PAYLOADSIZE]: [1208] },
  );
}

function repo(info: RpmFileInfo, seed: string): RepoPackage {
  const n = rpmNevra(info);
  return repoPackage(info, {
    sha256: seed.repeat(64).slice(0, 64),
    mtime: 1795696313,
    location: `Packages/${n.name}-${n.version}-${n.release}.${n.arch}.rpm`,
  });
}

function goldenPackages(): RepoPackage[] {
  const packages = [
    repo(acmeApp('1.10.0', '1'), 'b'),
    repo(acmeApp('1.2.0~beta.1', '1'), 'a'),
    repo(
      fakeRpm({
        [TAG.NAME]: 'acme-agent',
        [TAG.VERSION]: '2.0',
        [TAG.RELEASE]: '3',
        [TAG.ARCH]: 'x86_64',
        1003: [1],
        [TAG.SUMMARY]: 'Agent',
      }),
      'c',
    ),
  ];
  return packages.sort(comparePackages);
}

test('primary.xml, filelists.xml and other.xml match their goldens (createrepo_c layout)', () => {
  const packages = goldenPackages();
  assert.deepEqual(
    packages.map((p) => `${p.name}-${p.version}`),
    ['acme-agent-2.0', 'acme-app-1.2.0~beta.1', 'acme-app-1.10.0'],
  );
  assertGolden('yum/primary.xml', renderDocument(PRIMARY, packages));
  assertGolden('yum/filelists.xml', renderDocument(FILELISTS, packages));
  assertGolden('yum/other.xml', renderDocument(OTHER, packages));
});

test('repomd.xml matches its golden and parses back to its records', () => {
  const records = (['other', 'primary', 'filelists'] as const).map((type, i) => ({
    type,
    checksum: String(i + 1).repeat(64),
    openChecksum: String(i + 4).repeat(64),
    href: `repodata/${String(i + 1).repeat(64)}-${type}.xml.gz`,
    timestamp: 1795696313,
    size: 100 + i,
    openSize: 1000 + i,
  }));
  const xml = repomdXml(1795696313, records);
  assertGolden('yum/repomd.xml', xml);
  assert.deepEqual(
    parseRepomd(xml).map((r) => r.type),
    ['primary', 'filelists', 'other'],
  );
  assert.deepEqual(
    parseRepomd(xml).find((r) => r.type === 'other'),
    { type: 'other', href: records[0]!.href, openChecksum: records[0]!.openChecksum },
  );
});

test('requires: no rpmlib(), no own primary files, no exact self-provides, duplicates folded, pre for %pre/%post', () => {
  const pkg = repo(acmeApp('1.0.0', '1'), 'a');
  assert.deepEqual(pkg.requires, [
    { name: 'nodejs', flags: 'GE', epoch: '1', ver: '18.0', rel: '2' },
    { name: '/bin/sh', pre: true },
    { name: '/bin/sh' },
    { name: 'acme-api', flags: 'GE', epoch: '0', ver: '2' },
    { name: '/opt/acme-app/main.js' },
  ]);
  // A Requires marked "missing ok" is a legacy weak dependency: createrepo_c lists it as recommended.
  assert.deepEqual(pkg.recommends, [{ name: 'bash-completion' }]);
  assert.deepEqual(
    pkg.provides.map((d) => d.name),
    ['acme-api', 'acme-app', 'config(acme-app)'],
  );
  assert.deepEqual(pkg.provides[1], { name: 'acme-app', flags: 'EQ', epoch: '0', ver: '1.0.0', rel: '1' });
  assert.deepEqual(pkg.conflicts, [{ name: 'old-thing', flags: 'LT', epoch: '0', ver: '2' }]);
  assert.deepEqual(pkg.suggests, [{ name: 'acme-docs' }]);
});

test('files: dirs and ghosts typed; changelog: newest 10, oldest first, equal times nudged, authors trimmed', () => {
  const pkg = repo(acmeApp('1.0.0', '1'), 'a');
  assert.deepEqual(
    pkg.files.map((f) => `${f.type} ${f.path}`),
    [
      'dir /etc/acme-app',
      'file /etc/acme-app/config.ini',
      'dir /opt/acme-app',
      'file /opt/acme-app/main.js',
      'file /usr/bin/acme-app',
      'ghost /var/log/acme-app.log',
    ],
  );
  assert.deepEqual(
    pkg.changelog.map((c) => [c.date, c.author, c.text]),
    [
      [1795564800, 'Jane Doe <jane@example.com> - 0.9-1', '- First'],
      [1795651200, 'Jane Doe <jane@example.com> - 0.9-2', '- Second, same day'],
      [1795651201, 'Jane Doe <jane@example.com> - 1.0.0-1', '- Third & <newest>'],
    ],
  );
  const many = Array.from({ length: 12 }, (_, i) => 1795651200 - i * 86400);
  const long = repo(
    acmeApp('1.0.0', '1', {
      [TAG.CHANGELOGTIME]: many,
      [TAG.CHANGELOGNAME]: many.map((t) => `n${t}`),
      [TAG.CHANGELOGTEXT]: many.map((t) => `t${t}`),
    }),
    'a',
  );
  assert.deepEqual(
    long.changelog.map((c) => c.date),
    many.slice(0, 10).reverse(),
  );
  assert.equal(pkg.archiveSize, 1208);
  assert.equal(pkg.installedSize, 149);
});

test('a package whose metadata holds control characters is refused, naming the file', () => {
  assert.throws(
    () => repo(acmeApp('1.0.0', '1', { [TAG.SUMMARY]: 'bell \u0007' }), 'a'),
    (e: unknown) => isUserError(e) && e.code === 'PKGAPP_RPM_CONTROL_CHARS' && e.message.includes('/fake/test.rpm'),
  );
  assert.doesNotThrow(() => repo(acmeApp('1.0.0', '1', { [TAG.SUMMARY]: 'tab\tand newline\n' }), 'a'));
});

test('metadata order: name bytewise, then epoch-version-release as rpm orders them, then arch', () => {
  const p = (name: string, epoch: number, version: string, release: string, arch = 'noarch') => ({
    name,
    epoch,
    version,
    release,
    arch,
    location: '',
  });
  const sorted = [
    p('b', 0, '1', '1'),
    p('a', 0, '1.10', '1'),
    p('a', 1, '0.1', '1'),
    p('a', 0, '1.9', '2'),
    p('a', 0, '1.10~rc1', '1'),
    p('a', 0, '1.9', '10'),
    p('a', 0, '1.9', '10', 'aarch64'),
    p('B', 0, '9', '9'),
  ].sort(comparePackages);
  assert.deepEqual(
    sorted.map((x) => `${x.name}-${x.epoch}:${x.version}-${x.release}.${x.arch}`),
    [
      'B-0:9-9.noarch',
      'a-0:1.9-2.noarch',
      'a-0:1.9-10.aarch64',
      'a-0:1.9-10.noarch',
      'a-0:1.10~rc1-1.noarch',
      'a-0:1.10-1.noarch',
      'a-1:0.1-1.noarch',
      'b-0:1-1.noarch',
    ],
  );
});

/** Tricky pairs and rpm 4.18's answer (rpm --eval '%{lua: print(rpm.vercmp(a, b))}'). */
const VERCMP: [string, string, number][] = [
  ['1.0', '1.0', 0],
  ['1.0', '2.0', -1],
  ['2.0.1', '2.0', 1],
  ['1.0a', '1.0', 1],
  ['1.0~rc1', '1.0', -1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~~', '1.0~', -1],
  ['1.0^', '1.0', 1],
  ['1.0^git1', '1.0', 1],
  ['1.0^git1', '1.0.1', -1],
  ['1.0^git1', '1.0~rc1', 1],
  ['1.0^1^2', '1.0^1', 1],
  ['1.0', '1.0.', 0],
  ['1.0', '1_0', 0],
  ['010', '10', 0],
  ['1.001', '1.1', 0],
  ['a', '1', -1],
  ['alpha', 'beta', -1],
  ['1.0a', '1.0.a', 0],
  ['2.0a', '2.0.1', -1],
  ['5.5p1', '5.5p10', -1],
  ['5.5p10', '5.5p1', 1],
  ['10xyz', '10.1xyz', -1],
  ['xyz10', 'xyz10.1', -1],
  ['xyz.4', '8', -1],
  ['1.2.3~beta.1', '1.2.3~beta.11', -1],
  ['1.0~rc1^git1', '1.0~rc1', 1],
  ['1.0+1', '1.0', 1],
  ['1.0', '1.0+', 0],
  ['1\u00e9', '1', 0],
  ['99999999999999999999', '100000000000000000000', -1],
  ['1.2.0~alpha.beta', '1.2.0~alpha.1', -1],
  ['1.0.0', '1.0.0~0', 1],
  ['abc', 'ABC', 1],
  ['1.0~', '1.0', -1],
  ['1.0^', '1.0~', 1],
  ['~1', '^1', -1],
  ['1...2', '1.2', 0],
];
/** Whole EVRs: rpm.vercmp parses [E:]V[-R]. */
const EVRCMP: [string, string, number][] = [
  ['1:1.0-1', '2.0-1', 1],
  ['1.0-2', '1.0-10', -1],
  ['1.0-1', '1.0', 1],
  ['0:1.0-1', '1.0-1', 0],
  ['2:0.1-1', '1:9.9-9', 1],
  ['1.0-1~rc1', '1.0-1', -1],
];

function evr(text: string) {
  const parsed = parseEvr(text)!;
  return { epoch: Number(parsed.epoch), version: parsed.version, release: parsed.release };
}

test('rpmvercmp and compareEvr agree with the table (and are antisymmetric)', () => {
  for (const [a, b, want] of VERCMP) {
    assert.equal(rpmvercmp(a, b), want, `${a} vs ${b}`);
    assert.equal(rpmvercmp(b, a), -want || 0, `${b} vs ${a}`);
  }
  for (const [a, b, want] of EVRCMP) assert.equal(Math.sign(compareEvr(evr(a), evr(b))), want, `${a} vs ${b}`);
});

test('the table is what rpm itself answers', async (t) => {
  if (!requireTools(t, ['rpm'])) return;
  const pairs = [...VERCMP, ...EVRCMP];
  const lua = pairs.map(([a, b]) => `print(rpm.vercmp([[${a}]], [[${b}]]) .. " ")`).join(' ');
  const { stdout } = await execa('rpm', ['--eval', `%{lua: ${lua}}`], { env: await rpmEnv() });
  assert.deepEqual(
    stdout.trim().split(/\s+/).map(Number),
    pairs.map(([, , want]) => want),
  );
});

test('yumClientSetup: a .repo file checking package and metadata signatures', () => {
  assert.equal(
    yumClientSetup('https://repo.example.com/pkgapp/', 'stable'),
    [
      '[pkgapp-stable]',
      'name=pkgapp stable',
      'baseurl=https://repo.example.com/pkgapp/yum/stable',
      'enabled=1',
      'gpgcheck=1',
      'repo_gpgcheck=1',
      'gpgkey=https://repo.example.com/pkgapp/yum/RPM-GPG-KEY-pkgapp',
      'metadata_expire=300',
      '',
    ].join('\n'),
  );
});

// ---------------------------------------------------------------------------------------------
// readRpm

let home: string | undefined;
async function rpmEnv(): Promise<Record<string, string>> {
  home ??= await tempDir('pkgapp-rpmhome-');
  await mkdir(path.join(home, '.rpmdb'), { recursive: true });
  return { HOME: home, LANG: 'C.UTF-8', PATH: process.env['PATH']! };
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const TINY_ENTRIES: HeaderEntry[] = [
  h.strings(TAG.HEADERI18NTABLE, ['C']),
  h.string(TAG.NAME, 'tiny'),
  h.string(TAG.VERSION, '1.0'),
  h.string(TAG.RELEASE, '1'),
  h.i18n(TAG.SUMMARY, 'Tiny'),
  h.int32(TAG.BUILDTIME, [1795651200]),
  h.int32(TAG.SIZE, [5]),
  h.string(TAG.OS, 'linux'),
  h.string(TAG.ARCH, 'noarch'),
  h.int16(TAG.FILEMODES, [DIR, FILE]),
  h.int32(TAG.FILESIZES, [0, 5]),
  h.int32(TAG.FILEFLAGS, [0, 17]),
  h.int32(TAG.DIRINDEXES, [0, 1]),
  h.strings(TAG.BASENAMES, ['tiny', 'tiny.conf']),
  h.strings(TAG.DIRNAMES, ['/etc/', '/etc/tiny/']),
  h.strings(TAG.REQUIRENAME, ['rpmlib(CompressedFileNames)']),
  h.int32(TAG.REQUIREFLAGS, [RPMLIB]),
  h.strings(TAG.REQUIREVERSION, ['3.0.4-1']),
  h.int64(5008, [0, 5]),
];

/** A small but well-formed rpm from our own header encoder (the payload is not read). */
function tinyRpm(entries: HeaderEntry[] = TINY_ENTRIES): Buffer {
  const payload = Buffer.from('payload bytes');
  const header = encodeHeader(TAG.HEADERIMMUTABLE, entries);
  const signature = encodeHeader(SIGTAG.HEADERSIGNATURES, [
    h.string(SIGTAG.SHA256HEADER, sha256(header)),
    h.int32(SIGTAG.SIZE, [header.length + payload.length]),
    h.int32(SIGTAG.PAYLOADSIZE, [512]),
  ]);
  return Buffer.concat([encodeLead('tiny-1.0-1', 1), signature, signaturePadding(signature.length), header, payload]);
}

async function writeTemp(name: string, data: Buffer): Promise<string> {
  const file = path.join(await tempDir('pkgapp-rpmread-'), name);
  await writeFile(file, data);
  return file;
}

test('readRpm: lead, both headers, byte range and typed accessors of an encoder-made package', async () => {
  const bytes = tinyRpm();
  const file = await writeTemp('tiny.rpm', bytes);
  const info = await readRpm(file);
  assert.equal(info.lead.name, 'tiny-1.0-1');
  assert.equal(info.size, bytes.length);
  const sigEnd = 96 + 16 + bytes.readUInt32BE(104) * 16 + bytes.readUInt32BE(108);
  assert.equal(info.headerStart, sigEnd + ((8 - (sigEnd % 8)) % 8));
  assert.equal(
    sha256(bytes.subarray(info.headerStart, info.headerEnd)),
    info.signature.get(SIGTAG.SHA256HEADER)!.value,
  );
  assert.equal(bytes.subarray(info.headerEnd).toString(), 'payload bytes');
  assert.deepEqual(rpmNevra(info), { name: 'tiny', epoch: undefined, version: '1.0', release: '1', arch: 'noarch' });
  assert.deepEqual(info.header.get(TAG.SUMMARY), { tag: TAG.SUMMARY, type: RPM_TYPE.I18NSTRING, value: ['Tiny'] });
  assert.deepEqual(
    rpmFileList(info).map((f) => [f.path, f.mode, f.flags, f.size]),
    [
      ['/etc/tiny', DIR, 0, 0],
      ['/etc/tiny/tiny.conf', FILE, 17, 5],
    ],
  );
  assert.deepEqual(rpmDependencies(info, 'requires'), [
    { name: 'rpmlib(CompressedFileNames)', flags: RPMLIB, version: '3.0.4-1' },
  ]);
  assert.deepEqual(rpmSizes(info), { installed: 5, archive: 512 });
});

test('readRpm on a package rpmbuild made agrees with rpm -q on every field the repository uses', async (t) => {
  if (!requireTools(t, ['rpm', 'rpmbuild'])) return;
  const file = await buildRich();
  const info = await readRpm(file);
  const q = async (format: string) =>
    (await execa('rpm', ['--dbpath', path.join(home!, '.rpmdb'), '-qp', '--qf', format, file], { env: await rpmEnv() }))
      .stdout;
  const n = rpmNevra(info);
  assert.equal(
    `${n.name} ${n.epoch} ${n.version} ${n.release} ${n.arch}`,
    await q('%{NAME} %{EPOCH} %{VERSION} %{RELEASE} %{ARCH}'),
  );
  for (const [kind, tag] of [
    ['requires', 'REQUIRE'],
    ['provides', 'PROVIDE'],
    ['conflicts', 'CONFLICT'],
    ['obsoletes', 'OBSOLETE'],
    ['recommends', 'RECOMMEND'],
    ['suggests', 'SUGGEST'],
    ['supplements', 'SUPPLEMENT'],
    ['enhances', 'ENHANCE'],
  ] as const) {
    const ours = rpmDependencies(info, kind)
      .map((d) => `${d.name}|${d.flags}|${d.version}`)
      .join('\n');
    assert.equal(ours, await q(`[%{${tag}NAME}|%{${tag}FLAGS}|%{${tag}VERSION}\n]`).then((s) => s.trimEnd()), kind);
  }
  const files = rpmFileList(info)
    .map((f) => `${f.path}|${f.mode}|${f.flags}|${f.size}|${f.linkTo}|${f.digest}|${f.user}|${f.group}`)
    .join('\n');
  assert.equal(
    files,
    (
      await q(
        '[%{FILENAMES}|%{FILEMODES}|%{FILEFLAGS}|%{FILESIZES}|%{FILELINKTOS}|%{FILEDIGESTS}|%{FILEUSERNAME}|%{FILEGROUPNAME}\n]',
      )
    ).trimEnd(),
  );
  assert.ok(
    rpmFileList(info).some((f) => f.linkTo === '../../usr/bin/rich') && rpmFileList(info).some((f) => f.flags & 64),
    'a symlink and a %ghost are compared',
  );
  const changelog = rpmChangelog(info)
    .map((c) => `${c.time}|${c.author}|${c.text}`)
    .join('\n');
  assert.equal(changelog, (await q('[%{CHANGELOGTIME}|%{CHANGELOGNAME}|%{CHANGELOGTEXT}\n]')).trimEnd());
  const pkg = repoPackage(info, { sha256: 'x', mtime: 0, location: 'x' });
  assert.equal(
    `${pkg.summary}|${pkg.description}|${pkg.url}|${pkg.vendor}|${pkg.packager}|${pkg.license}|${pkg.group}|${pkg.installedSize}|${pkg.archiveSize}`,
    await q('%{SUMMARY}|%{DESCRIPTION}|%{URL}|%{VENDOR}|%{PACKAGER}|%{LICENSE}|%{GROUP}|%{SIZE}|%{ARCHIVESIZE}'),
  );
  // The byte range, checked by the digests rpm stored: header SHA256, payload SHA256, header+payload size.
  const bytes = await readFile(file);
  assert.equal(sha256(bytes.subarray(info.headerStart, info.headerEnd)), await q('%{SHA256HEADER}'));
  assert.equal(sha256(bytes.subarray(info.headerEnd)), await q('%{PAYLOADDIGEST}'));
  assert.equal(String(bytes.length - info.headerStart), await q('%{SIGSIZE}'));
});

/** Builds a package exercising epochs, ~, weak deps, %config, %ghost, a symlink and a changelog. */
async function buildRich(): Promise<string> {
  const top = await tempDir('pkgapp-rpmbuild-');
  const spec = path.join(top, 'rich.spec');
  await writeFile(spec, RICH_SPEC);
  const r = await execa('rpmbuild', ['-bb', '--define', `_topdir ${top}`, '--define', '_build_id_links none', spec], {
    env: await rpmEnv(),
    reject: false,
    all: true,
  });
  assert.equal(r.exitCode, 0, r.all);
  return path.join(top, 'RPMS/noarch/rich-test-1.2.3~rc1-4.noarch.rpm');
}

const RICH_SPEC = `Name: rich-test
Epoch: 2
Version: 1.2.3~rc1
Release: 4
Summary: Rich <test> & "package"
License: MIT and ASL 2.0
URL: https://example.com/rich?a=1&b=2
Vendor: Acme & Co
Packager: Jane Doe <jane@example.com>
Group: Applications/Test
BuildArch: noarch
Requires: nodejs >= 1:18.0-1
Requires(pre): /bin/sh
Requires(post): coreutils
Requires: /etc/rich/rich.conf
Requires: rich-api = 3
Recommends: bash-completion
Suggests: docs-pkg
Supplements: rich-meta
Enhances: rich-enh
Conflicts: old-thing < 2
Obsoletes: rich-old <= 1.0
Provides: rich-api = 3
%description
Line one & <two>.

Paragraph "two".
%install
mkdir -p %{buildroot}/etc/rich %{buildroot}/usr/bin %{buildroot}/opt/rich/data %{buildroot}/var/log
echo conf > %{buildroot}/etc/rich/rich.conf
printf '#!/bin/sh\\necho hi\\n' > %{buildroot}/usr/bin/rich
chmod 755 %{buildroot}/usr/bin/rich
echo data > %{buildroot}/opt/rich/data/a.txt
ln -s ../../usr/bin/rich %{buildroot}/opt/rich/run
%pre
exit 0
%post
exit 0
%files
%dir /etc/rich
%config(noreplace) /etc/rich/rich.conf
/usr/bin/rich
/opt/rich
%ghost /var/log/rich.log
%changelog
* Tue Nov 24 2026 Jane Doe <jane@example.com> - 2:1.2.3~rc1-4
- Second & <entry>
* Tue Nov 24 2026 Jane Doe <jane@example.com> - 2:1.2.3~rc1-3
- Same day
* Mon Nov 23 2026 Jane Doe <jane@example.com> - 1.0-1
- First entry
`;

// Hostile inputs. Offsets in the tiny package: lead 0-95, signature header intro at 96 (il at 104,
// dl at 108), its index at 112; the main header's intro at headerStart, its index 16 bytes later.

function mainIndex(bytes: Buffer, tag: number): number {
  const start = headerStartOf(bytes);
  const il = bytes.readUInt32BE(start + 8);
  for (let i = 0; i < il; i++) if (bytes.readInt32BE(start + 16 + i * 16) === tag) return start + 16 + i * 16;
  throw new Error(`no tag ${tag}`);
}

function headerStartOf(bytes: Buffer): number {
  const sigEnd = 96 + 16 + bytes.readUInt32BE(104) * 16 + bytes.readUInt32BE(108);
  return sigEnd + ((8 - (sigEnd % 8)) % 8);
}

const HOSTILE: [string, (b: Buffer) => Buffer, RegExp][] = [
  ['an empty file', () => Buffer.alloc(0), /truncated/],
  ['a cut lead', (b) => b.subarray(0, 95), /truncated/],
  ['a cut signature header', (b) => b.subarray(0, 150), /truncated/],
  ['a cut main header', (b) => b.subarray(0, headerStartOf(b) + 40), /truncated/],
  ['a file that ends in the main header data', (b) => b.subarray(0, headerStartOf(b) + 300), /truncated/],
  ['no lead magic', (b) => patch(b, 0, 0), /not an rpm package/],
  ['no main header magic', (b) => patch(b, headerStartOf(b), 0), /no main header magic/],
  ['il = 0xffffffff in the signature', (b) => patch(b, 104, 0xffffffff), /claims 4294967295 index entries/],
  ['33 signature tags', (b) => patch(b, 104, 33), /claims 33 index entries/],
  ['il = 0x10000 in the main header', (b) => patch(b, headerStartOf(b) + 8, 0x10000), /claims 65536 index entries/],
  ['il = 0xffff in a small file', (b) => patch(b, headerStartOf(b) + 8, 0xffff), /truncated/],
  ['dl = 0xffffffff in the signature', (b) => patch(b, 108, 0xffffffff), /bytes of data/],
  ['dl = 256 MiB in the main header', (b) => patch(b, headerStartOf(b) + 12, 0x10000000), /bytes of data/],
  ['dl = 256 MiB - 1 in a small file', (b) => patch(b, headerStartOf(b) + 12, 0x0fffffff), /truncated/],
  ['a negative offset', (b) => patch(b, mainIndex(b, TAG.NAME) + 8, -8 >>> 0), /offset outside/],
  ['an offset past the store', (b) => patch(b, mainIndex(b, TAG.NAME) + 8, 0x7fffffff), /offset outside/],
  ['count 0', (b) => patch(b, mainIndex(b, TAG.FILESIZES) + 12, 0), /impossible count/],
  ['count 0xffffffff', (b) => patch(b, mainIndex(b, TAG.FILESIZES) + 12, 0xffffffff), /impossible count/],
  [
    'an INT32 array running past the store',
    (b) => patch(b, mainIndex(b, TAG.FILESIZES) + 12, mainDl(b) >> 1),
    /past the data store/,
  ],
  [
    'a string array running past the store',
    (b) => patch(b, mainIndex(b, TAG.DIRNAMES) + 12, mainDl(b)),
    /past the data store/,
  ],
  ['type 0', (b) => patch(b, mainIndex(b, TAG.NAME) + 4, 0), /unknown type/],
  ['type 42', (b) => patch(b, mainIndex(b, TAG.NAME) + 4, 42), /unknown type/],
  [
    'a misaligned INT32',
    (b) => patch(b, mainIndex(b, TAG.BUILDTIME) + 8, b.readInt32BE(mainIndex(b, TAG.BUILDTIME) + 8) + 1),
    /misaligned/,
  ],
  ['a STRING with count 2', (b) => patch(b, mainIndex(b, TAG.NAME) + 12, 2), /count 1/],
  ['a tag below 100', (b) => patch(b, mainIndex(b, TAG.NAME), 7), /tag below 100/],
  [
    'a broken region trailer',
    (b) =>
      patch(
        b,
        headerStartOf(b) + 16 + 16 * b.readUInt32BE(headerStartOf(b) + 8) + b.readUInt32BE(headerStartOf(b) + 12) - 8,
        0x12345678,
      ),
    /region trailer/,
  ],
];

function mainDl(bytes: Buffer): number {
  return bytes.readUInt32BE(headerStartOf(bytes) + 12);
}

function patch(bytes: Buffer, offset: number, value: number): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeUInt32BE(value, offset);
  return copy;
}

test('readRpm refuses hostile or damaged files with a UserError naming the file, without large allocations', async () => {
  const good = tinyRpm();
  for (const [what, mutate, message] of HOSTILE) {
    const file = await writeTemp('hostile.rpm', mutate(good));
    const before = process.memoryUsage().arrayBuffers;
    await assert.rejects(readRpm(file), (e: unknown) => {
      assert.ok(isUserError(e), `${what}: ${String(e)}`);
      assert.equal(e.code, 'PKGAPP_RPM_INVALID', what);
      assert.ok(e.message.startsWith(`${file}: `), `${what}: ${e.message}`);
      assert.match(e.message, message, what);
      return true;
    });
    assert.ok(
      process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024,
      `${what}: allocated ${process.memoryUsage().arrayBuffers - before} bytes`,
    );
  }
});

test('readRpm: a missing file or a directory is a UserError too', async () => {
  const dir = await tempDir();
  for (const file of [path.join(dir, 'missing.rpm'), dir]) {
    await assert.rejects(readRpm(file), (e: unknown) => isUserError(e) && e.message.startsWith(file));
  }
});

test('parseHeaderBody: a string without its NUL, a bad region entry', () => {
  const entry = (tag: number, type: number, offset: number, count: number) => {
    const b = Buffer.alloc(16);
    b.writeInt32BE(tag, 0);
    b.writeUInt32BE(type, 4);
    b.writeInt32BE(offset, 8);
    b.writeUInt32BE(count, 12);
    return b;
  };
  const bad = (reason: string) => new Error(reason);
  assert.throws(
    () => parseHeaderBody(Buffer.concat([entry(1000, RPM_TYPE.STRING, 0, 1), Buffer.from('abc')]), 1, 3, bad),
    /string runs past/,
  );
  assert.throws(
    () => parseHeaderBody(Buffer.concat([entry(63, RPM_TYPE.BIN, 0, 16), Buffer.alloc(16)]), 1, 16, bad),
    /region trailer/,
  );
  assert.throws(
    () => parseHeaderBody(Buffer.concat([entry(63, RPM_TYPE.INT32, 0, 16), Buffer.alloc(16)]), 1, 16, bad),
    /malformed region entry/,
  );
  assert.deepEqual(
    [...parseHeaderBody(Buffer.concat([entry(1000, RPM_TYPE.STRING, 0, 1), Buffer.from('ab\0')]), 1, 3, bad).values()],
    [{ tag: 1000, type: RPM_TYPE.STRING, value: 'ab' }],
  );
});

test('accessors refuse inconsistent parallel arrays with a UserError naming the file', () => {
  const info = (extra: Record<number, RpmHeaderEntry['value']>) =>
    fakeRpm({
      [TAG.NAME]: 'x',
      [TAG.DIRNAMES]: ['/a/'],
      [TAG.BASENAMES]: ['b', 'c'],
      [TAG.DIRINDEXES]: [0, 0],
      ...extra,
    });
  const refused = (e: unknown) =>
    isUserError(e) && e.code === 'PKGAPP_RPM_INVALID' && e.message.startsWith('/fake/test.rpm: ');
  assert.throws(() => rpmFileList(info({ [TAG.DIRINDEXES]: [0] })), refused);
  assert.throws(() => rpmFileList(info({ [TAG.DIRINDEXES]: [0, 5] })), refused);
  assert.throws(() => rpmFileList(info({ [TAG.FILEMODES]: [DIR] })), refused);
  assert.throws(
    () =>
      rpmDependencies(
        info({ [TAG.REQUIRENAME]: ['a', 'b'], [TAG.REQUIREFLAGS]: [0], [TAG.REQUIREVERSION]: ['', ''] }),
        'requires',
      ),
    refused,
  );
  assert.throws(() => rpmNevra(info({})), refused);
  assert.deepEqual(
    rpmFileList(info({})).map((f) => f.path),
    ['/a/b', '/a/c'],
  );
});

test('publishYum refuses an rpm whose name, version or arch would leave the pool, before writing anything', async () => {
  const signer = {
    publicKey: { armored: 'KEY', binary: new Uint8Array() },
    signDetachedArmored: async () => 'SIG',
  } as unknown as Signer;
  const repoDir = await tempDir('pkgapp-yumrepo-');
  for (const [tag, value] of [
    [TAG.NAME, '../../evil'],
    [TAG.VERSION, '1/../../x'],
    [TAG.ARCH, 'noarch/..'],
  ] as const) {
    const entries = TINY_ENTRIES.map((e) => (e.tag === tag ? h.string(tag, value) : e));
    const file = await writeTemp('evil.rpm', tinyRpm(entries));
    await assert.rejects(
      publishYum([file], { repoDir, suite: 'stable', signer, now: new Date(0) }),
      (e: unknown) => isUserError(e) && e.code === 'PKGAPP_RPM_NAME_INVALID' && e.message.startsWith(file),
      value,
    );
  }
  assert.deepEqual(await readdir(repoDir), []);
  // The well-formed tiny package itself publishes fine with the same (fake) signer.
  const ok = await publishYum([await writeTemp('tiny.rpm', tinyRpm())], {
    repoDir,
    suite: 'stable',
    signer,
    now: new Date(0),
  });
  assert.deepEqual(ok.added, ['stable/Packages/tiny-1.0-1.noarch.rpm']);
  assert.equal(await readFile(path.join(repoDir, 'yum/stable/repodata/repomd.xml.asc'), 'utf8'), 'SIG');
});
