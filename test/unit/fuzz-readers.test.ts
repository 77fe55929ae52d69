// inspect() and verify() read untrusted files. This feeds them thousands of truncated,
// bit-flipped and hand-crafted hostile packages derived from small valid ones that pkgapp
// builds itself (a signed .deb with gzip, xz and uncompressed members, a signed .rpm), and
// asserts that every one ends in success or a UserError with exit code 1 or 2: never another
// exception, never a hang (per-case timeout), with a bounded resident set. A sample also goes
// through the CLI. Reproduce a run with FUZZ_SEED=<seed printed in the test name>.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { isUserError } from '../../src/errors.js';
import { inspect } from '../../src/inspect/inspect-package.js';
import { renderInspection } from '../../src/inspect/render-inspection.js';
import { encodeHeader, encodeLead, h, signaturePadding, type HeaderEntry } from '../../src/rpm/header.js';
import { RPM_TYPE, SIGTAG, TAG } from '../../src/rpm/tags.js';
import { verify } from '../../src/verify/verify-package.js';
import { cleanupTestDirs, makeApp, minimalApp, runCli, tempDir } from '../helpers/testdir.js';

after(cleanupTestDirs);

const SEED = Number(process.env['FUZZ_SEED'] ?? 20240607);
const CASE_TIMEOUT_MS = 20_000;
const RSS_HEADROOM = 300 * 1024 * 1024;
const CLI_SAMPLE = 50;
/** FUZZ_VERBOSE=1 prints every case's outcome. */
const VERBOSE = Boolean(process.env['FUZZ_VERBOSE']);

interface Case {
  name: string;
  bytes: Buffer;
  /** Extend the file with zeros (a sparse hole) to this size: large inputs without large buffers. */
  sparseTo?: number;
}

interface Bases {
  debGzip: Buffer;
  debNone: Buffer;
  debXz: Buffer;
  rpm: Buffer;
  key: string;
}

let bases: Bases;
let work: string;

before(async () => {
  work = await tempDir('pkgapp-fuzz-');
  const keyBase = path.join(work, 'fuzz');
  const keygen = await runCli([
    'keygen',
    '--name',
    'Fuzz',
    '--email',
    'fuzz@example.com',
    '--type',
    'ed25519',
    '--out',
    keyBase,
  ]);
  assert.equal(keygen.exitCode, 0, keygen.stderr);
  const app = await makeApp(minimalApp({ pkgapp: { service: false } }, { 'etc/tiny.conf': 'x=1\n' }));
  const built: Record<string, string> = {};
  for (const compression of ['gzip', 'none', 'xz'] as const) {
    const out = path.join(work, compression);
    const targets = compression === 'gzip' ? ['-t', 'deb', '-t', 'rpm'] : ['-t', 'deb'];
    const r = await runCli(
      [
        'build',
        '-C',
        app,
        '-o',
        out,
        ...targets,
        '--no-install',
        '--compression',
        compression,
        '--sign-key',
        `${keyBase}.key`,
        '--json',
      ],
      { env: { SOURCE_DATE_EPOCH: '1795651200' } },
    );
    assert.equal(r.exitCode, 0, r.stderr);
    for (const p of JSON.parse(r.stdout).packages as { format: string; path: string }[])
      built[`${p.format}-${compression}`] = p.path;
  }
  bases = {
    debGzip: await readFile(built['deb-gzip']!),
    debNone: await readFile(built['deb-none']!),
    debXz: await readFile(built['deb-xz']!),
    rpm: await readFile(built['rpm-gzip']!),
    key: `${keyBase}.asc`,
  };
});

test(`inspect and verify end every hostile package in success or a clean UserError (seed ${SEED})`, async () => {
  const random = mulberry32(SEED);
  const cases = [
    ...large(bases),
    ...handCraftedDebs(bases),
    ...handCraftedRpms(bases),
    ...mutations(bases, random),
    ...garbage(random),
  ];
  assert.ok(cases.length >= 2000, `${cases.length} cases`);
  const dir = path.join(work, 'cases');
  await mkdir(dir, { recursive: true });
  const baseline = process.memoryUsage().rss;
  const fdsBefore = (await readdir('/proc/self/fd')).length;
  let peak = baseline;
  const failures: string[] = [];
  const outcomes = { ok: 0, exit1: 0, exit2: 0 };
  const rejected: Case[] = [];
  const started = Date.now();
  // An exception nobody caught (an 'error' event without a listener) is charged to the case that was running.
  let current = '';
  const uncaught = (error: Error) => {
    failures.push(`${current}: uncaught ${error.stack}`);
    console.log(`uncaught exception during or after "${current}": ${error.stack}`);
  };
  process.on('uncaughtException', uncaught);
  after(() => process.off('uncaughtException', uncaught));
  for (const [i, c] of cases.entries()) {
    current = c.name;
    const file = path.join(dir, `case-${i}.pkg`);
    await writeFile(file, c.bytes);
    if (c.sparseTo !== undefined) await truncate(file, c.sparseTo);
    for (const [what, run] of [
      [
        'inspect',
        async () => {
          const inspection = await inspect(file);
          return (await renderInspection(inspection)).length + JSON.stringify(inspection).length;
        },
      ],
      ['verify', () => verify(file, bases.key)],
    ] as const) {
      const outcome = await settle(run(), CASE_TIMEOUT_MS);
      if (VERBOSE)
        console.log(
          `${c.name} (${what}): ${outcome.kind === 'error' ? String((outcome.error as Error).message).split('\n')[0] : outcome.kind}`,
        );
      if (outcome.kind === 'ok') outcomes.ok++;
      else if (outcome.kind === 'timeout') failures.push(`${c.name} (${what}): no result after ${CASE_TIMEOUT_MS} ms`);
      else if (!isUserError(outcome.error))
        failures.push(`${c.name} (${what}): ${(outcome.error as Error)?.stack ?? String(outcome.error)}`);
      else if (outcome.error.exitCode !== 1 && outcome.error.exitCode !== 2)
        failures.push(`${c.name} (${what}): UserError with exit code ${outcome.error.exitCode}`);
      else {
        outcomes[outcome.error.exitCode === 1 ? 'exit1' : 'exit2']++;
        if (what === 'inspect') rejected.push(c);
      }
    }
    await rm(file, { force: true });
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const fdsAfter = (await readdir('/proc/self/fd')).length;
  console.log(`open file descriptors: ${fdsBefore} before, ${fdsAfter} after`);
  assert.ok(fdsAfter <= fdsBefore + 5, `file descriptors left open: ${fdsBefore} before, ${fdsAfter} after`);
  const children = await execa('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { reject: false });
  assert.doesNotMatch(children.stdout, /\b(xz|zstd)\b/, 'no decompressor process is left running');
  console.log(
    `fuzz: ${cases.length} packages, ${seconds} s; ok ${outcomes.ok}, exit 1 ${outcomes.exit1}, exit 2 ${outcomes.exit2}; rss +${(peak - baseline) >> 20} MiB`,
  );
  assert.deepEqual(failures.slice(0, 20), [], `${failures.length} of ${cases.length} packages did not end cleanly`);
  assert.ok(peak - baseline < RSS_HEADROOM, `rss grew by ${(peak - baseline) >> 20} MiB`);
  assert.ok(rejected.length > cases.length / 2, 'most hostile packages are refused');

  // The CLI maps the same errors to an exit code and one "pkgapp: error:" line.
  const sample = pick(rejected, CLI_SAMPLE, random);
  const cliFailures: string[] = [];
  await Promise.all(
    chunks(sample, 4).map(async (group, g) => {
      for (const [i, c] of group.entries()) {
        const file = path.join(dir, `cli-${g}-${i}.pkg`);
        await writeFile(file, c.bytes);
        if (c.sparseTo !== undefined) await truncate(file, c.sparseTo);
        const r = await runCli(['inspect', file]);
        const errorLines = r.stderr.split('\n').filter((l) => l.startsWith('pkgapp: error:'));
        if (
          (r.exitCode !== 1 && r.exitCode !== 2) ||
          errorLines.length !== 1 ||
          r.stderr.includes('unexpected failure')
        )
          cliFailures.push(`${c.name}: exit ${r.exitCode}\n${r.stderr}`);
      }
    }),
  );
  assert.deepEqual(cliFailures, []);
});

// ---------------------------------------------------------------------------------------------
// Random mutations of the valid packages

function* mutations(b: Bases, random: () => number): Generator<Case> {
  const sources: [string, Buffer, number][] = [
    ['deb-gzip', b.debGzip, 330],
    ['deb-none', b.debNone, 330],
    ['deb-xz', b.debXz, 120],
    ['rpm', b.rpm, 500],
  ];
  for (const [label, bytes, count] of sources) {
    const boundaries = structuralOffsets(label, bytes);
    for (const at of boundaries)
      for (const delta of [-1, 0, 1])
        if (at + delta > 0 && at + delta < bytes.length)
          yield { name: `${label} cut at ${at + delta}`, bytes: bytes.subarray(0, at + delta) };
    for (let i = 0; i < count; i++) {
      const kind = i % 3;
      if (kind === 0) {
        const at = Math.floor(random() * bytes.length);
        yield { name: `${label} truncated to ${at}`, bytes: bytes.subarray(0, at) };
      } else if (kind === 1) {
        const copy = Buffer.from(bytes);
        const flips = 1 + Math.floor(random() * 8);
        const near = random() < 0.6 ? Math.min(bytes.length, 8192) : bytes.length;
        const where: number[] = [];
        for (let f = 0; f < flips; f++) {
          const at = Math.floor(random() * near);
          copy[at]! ^= 1 << Math.floor(random() * 8);
          where.push(at);
        }
        yield { name: `${label} bits flipped at ${where.join(',')}`, bytes: copy };
      } else {
        const copy = Buffer.from(bytes);
        const at = Math.floor(random() * Math.min(bytes.length, 8192));
        const length = 1 + Math.floor(random() * 16);
        const fill = [0x00, 0xff, 0x7f, 0x80][Math.floor(random() * 4)]!;
        copy.fill(fill, at, at + length);
        yield { name: `${label} ${length} bytes at ${at} set to ${fill}`, bytes: copy };
      }
    }
  }
}

/** Offsets where a truncation hits a structure: ar headers, rpm header boundaries. */
function structuralOffsets(label: string, bytes: Buffer): number[] {
  if (label === 'rpm') {
    const { sigStart, mainStart, mainEnd } = rpmLayout(bytes);
    return [4, 96, sigStart + 8, sigStart + 16, mainStart, mainStart + 16, mainEnd - 16, mainEnd];
  }
  return debMembers(bytes).flatMap((m) => [
    m.headerAt,
    m.headerAt + 48,
    m.dataAt,
    m.dataAt + 10,
    m.dataAt + 512,
    m.dataAt + m.size,
  ]);
}

function* garbage(random: () => number): Generator<Case> {
  const prefixes: [string, Buffer][] = [
    ['none', Buffer.alloc(0)],
    ['ar magic', Buffer.from('!<arch>\n')],
    [
      'ar magic + debian-binary',
      Buffer.from('!<arch>\ndebian-binary   0           0     0     100644  4         `\n2.0\n'),
    ],
    ['rpm lead magic', Buffer.from([0xed, 0xab, 0xee, 0xdb, 3, 0])],
    ['rpm lead', encodeLead('x-1-1', 1)],
  ];
  for (const [label, prefix] of prefixes) {
    for (let i = 0; i < 24; i++) {
      const length = i === 0 ? 0 : Math.floor(random() * 4096);
      const body = Buffer.alloc(length);
      for (let j = 0; j < length; j++) body[j] = Math.floor(random() * 256);
      yield { name: `garbage after ${label}, ${length} bytes`, bytes: Buffer.concat([prefix, body]) };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Large packages (sparse files): memory must not follow their size

const LARGE = 256 << 20;

function* large(b: Bases): Generator<Case> {
  const members = debMembers(b.debGzip);
  const control = b.debGzip.subarray(members[1]!.dataAt, members[1]!.dataAt + members[1]!.size);
  const head = (name: string, size: number) =>
    Buffer.from(
      `${name.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${String(size).padEnd(10)}\`\n`,
      'latin1',
    );
  const prefix = ar([
    ['debian-binary', Buffer.from('2.0\n')],
    ['control.tar.gz', control],
  ]);
  const bigFile = tarEntry({ name: './big', sizeField: LARGE.toString(8).padStart(11, '0') }).subarray(0, 512);
  const dataSize = 512 + LARGE + 1024;
  yield {
    name: `data.tar with a ${LARGE >> 20} MiB file`,
    bytes: Buffer.concat([prefix, head('data.tar', dataSize), bigFile]),
    sparseTo: prefix.length + 60 + dataSize,
  };
  const small = ar([
    ['debian-binary', Buffer.from('2.0\n')],
    ['control.tar.gz', control],
    ['data.tar', tar([tarEntry({ name: './x' })])],
  ]);
  yield {
    name: `_gpgorigin of ${LARGE >> 20} MiB`,
    bytes: Buffer.concat([small, head('_gpgorigin', LARGE)]),
    sparseTo: small.length + 60 + LARGE,
  };
  yield { name: `rpm with a ${LARGE >> 20} MiB payload`, bytes: b.rpm, sparseTo: b.rpm.length + LARGE };
}

// ---------------------------------------------------------------------------------------------
// Hand-crafted hostile .debs

function* handCraftedDebs(b: Bases): Generator<Case> {
  const members = debMembers(b.debGzip);
  const member = (name: string) => {
    const m = members.find((x) => x.name === name)!;
    return b.debGzip.subarray(m.dataAt, m.dataAt + m.size);
  };
  const control = member('control.tar.gz');
  const data = member('data.tar.gz');
  const origin = member('_gpgorigin');
  const valid = (dataMember: [string, Buffer], extra: [string, Buffer, string?][] = []) =>
    ar([['debian-binary', Buffer.from('2.0\n')], ['control.tar.gz', control], dataMember, ...extra]);

  // ar member sizes and names
  for (const size of [
    '9999999999',
    '-1',
    '',
    'abc',
    '1e3',
    ' 12',
    '0x20',
    '4294967296',
    '00000000001',
    '9007199254740993',
  ]) {
    yield {
      name: `ar: data member size "${size}"`,
      bytes: ar([
        ['debian-binary', Buffer.from('2.0\n')],
        ['control.tar.gz', control],
        ['data.tar.gz', data, size],
      ]),
    };
    yield {
      name: `ar: control member size "${size}"`,
      bytes: ar([
        ['debian-binary', Buffer.from('2.0\n')],
        ['control.tar.gz', control, size],
        ['data.tar.gz', data],
      ]),
    };
    yield {
      name: `ar: debian-binary size "${size}"`,
      bytes: ar([
        ['debian-binary', Buffer.from('2.0\n'), size],
        ['control.tar.gz', control],
        ['data.tar.gz', data],
      ]),
    };
  }
  for (const name of [
    '',
    '/',
    '//',
    'control.tar.gz/',
    '\0\0\0',
    'data.tar.gz',
    'data.tar.',
    'data.tar.gzip',
    'control.tar.bz2',
    'data.tar.bz2',
    'data.tar.lzma',
    '../../etc',
  ]) {
    yield {
      name: `ar: extra member named ${JSON.stringify(name)}`,
      bytes: valid(['data.tar.gz', data], [[name, Buffer.from('x')]]),
    };
  }
  yield {
    name: 'ar: 5000 extra members',
    bytes: valid(
      ['data.tar.gz', data],
      Array.from({ length: 5000 }, (_, i): [string, Buffer] => [`_x${i}`, Buffer.alloc(i % 3)]),
    ),
  };
  yield {
    name: 'ar: no debian-binary',
    bytes: ar([
      ['control.tar.gz', control],
      ['data.tar.gz', data],
    ]),
  };
  yield {
    name: 'ar: control only',
    bytes: ar([
      ['debian-binary', Buffer.from('2.0\n')],
      ['control.tar.gz', control],
    ]),
  };
  yield {
    name: 'ar: data only',
    bytes: ar([
      ['debian-binary', Buffer.from('2.0\n')],
      ['data.tar.gz', data],
    ]),
  };
  for (const version of ['3.0\n', '', '2.0', '\n', '2.0\n'.repeat(10000), '\xff\xfe'])
    yield {
      name: `ar: debian-binary ${JSON.stringify(version.slice(0, 8))}`,
      bytes: ar([
        ['debian-binary', Buffer.from(version, 'latin1')],
        ['control.tar.gz', control],
        ['data.tar.gz', data],
      ]),
    };
  yield {
    name: 'ar: header without fmag',
    bytes: Buffer.concat([
      Buffer.from('!<arch>\n'),
      Buffer.from('debian-binary   0           0     0     100644  4         xx2.0\n'),
    ]),
  };

  // control.tar variants
  const controlFile = (text: string | Buffer) => tarEntry({ name: './control', data: Buffer.from(text) });
  const controlTars: [string, Buffer][] = [
    ['no control file', tar([tarEntry({ name: './md5sums', data: Buffer.from('x') })])],
    ['empty control', tar([controlFile('')])],
    ['binary control', tar([controlFile(Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 13, 0]))])],
    ['control without colon', tar([controlFile('Package\n')])],
    ['two stanzas', tar([controlFile('Package: a\n\nPackage: b\n')])],
    ['duplicate fields', tar([controlFile('Package: a\nPackage: b\n')])],
    ['continuation first', tar([controlFile(' x\nPackage: a\n')])],
    ['only Package', tar([controlFile('Package: a\n')])],
    [
      'escape sequences',
      tar([
        controlFile('Package: \x1b[31mred\x1b[0m\nVersion: 1\u202e\nDescription: x\n \x07\r\n'),
        tarEntry({ name: './postinst', mode: '0000755', data: Buffer.from('#!/bin/sh\x1b]0;pwned\x07\necho\n') }),
      ]),
    ],
    [
      'huge conffiles',
      tar([
        controlFile('Package: a\nVersion: 1\nArchitecture: all\n'),
        tarEntry({ name: './conffiles', data: Buffer.from('/etc/x\n'.repeat(150000)) }),
      ]),
    ],
    [
      'huge postinst',
      tar([
        controlFile('Package: a\nVersion: 1\nArchitecture: all\n'),
        tarEntry({ name: './postinst', data: Buffer.from('#!/bin/sh\n' + 'echo x\n'.repeat(300000)) }),
      ]),
    ],
    ['17 MiB control', tar([controlFile(Buffer.alloc(17 << 20, 0x41))])],
    ['control is a directory', tar([tarEntry({ name: './control/', type: '5' })])],
    ['control is a symlink', tar([tarEntry({ name: './control', type: '2', linkname: '/etc/passwd' })])],
    [
      'control with absurd size',
      tar([tarEntry({ name: './control', sizeField: '77777777777', data: Buffer.from('Package: a\n') })], false),
    ],
    ['control repeated 200 times', tar(Array.from({ length: 200 }, () => controlFile('Package: a\nVersion: 1\n')))],
    ['truncated tar', tar([controlFile('Package: a\n')]).subarray(0, 700)],
  ];
  for (const [label, tarBytes] of controlTars) {
    yield {
      name: `control.tar.gz: ${label}`,
      bytes: ar([
        ['debian-binary', Buffer.from('2.0\n')],
        ['control.tar.gz', gzipSync(tarBytes)],
        ['data.tar.gz', data],
      ]),
    };
    yield {
      name: `control.tar: ${label}`,
      bytes: ar([
        ['debian-binary', Buffer.from('2.0\n')],
        ['control.tar', tarBytes],
        ['data.tar.gz', data],
      ]),
    };
  }
  for (const [name, bytes] of [
    ['control.tar.gz', Buffer.from('not gzip')],
    ['control.tar.xz', Buffer.from('not xz at all')],
    ['control.tar.zst', Buffer.from('not zstd')],
    ['control.tar.bz2', Buffer.from('BZh9')],
    ['control.tar.gz', gzipSync(Buffer.alloc(0))],
    ['control.tar.gz', Buffer.alloc(0)],
  ] as const) {
    yield {
      name: `${name}: ${JSON.stringify(bytes.toString('latin1').slice(0, 12))}`,
      bytes: ar([
        ['debian-binary', Buffer.from('2.0\n')],
        [name, bytes],
        ['data.tar.gz', data],
      ]),
    };
  }

  // data.tar variants: absurd sizes, deep nesting, long names, odd types
  const deep = Array.from({ length: 3000 }, () => 'a').join('/');
  const dataTars: [string, Buffer, boolean?][] = [
    ['size 77777777777', tar([tarEntry({ name: './x', sizeField: '77777777777', data: Buffer.from('abc') })], false)],
    [
      'base-256 size 2^62',
      tar([tarEntry({ name: './x', sizeField: Buffer.from([0x80, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0]) })], false),
    ],
    ['base-256 negative size', tar([tarEntry({ name: './x', sizeField: Buffer.alloc(12, 0xff) })], false)],
    [
      'base-256 size 2^88',
      tar(
        [
          tarEntry({
            name: './x',
            sizeField: Buffer.from([0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
          }),
        ],
        false,
      ),
    ],
    ['non-octal size', tar([tarEntry({ name: './x', sizeField: 'zzzzzzzzzzz' })], false)],
    [
      'non-octal mode, uid, mtime',
      tar([tarEntry({ name: './x', mode: '99999999', uid: 'garbage', mtimeField: Buffer.alloc(12, 0xff) })]),
    ],
    [
      'mtime base-256 huge',
      tar([
        tarEntry({
          name: './x',
          mtimeField: Buffer.from([0x80, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
        }),
      ]),
    ],
    [
      '3000-component path via L',
      tar([...longName('L', `./${deep}/file`), tarEntry({ name: './placeholder', data: Buffer.from('x') })]),
    ],
    [
      '3000 nested directories',
      tar(
        Array.from({ length: 3000 }, (_, i) => [
          ...longName('L', `./${deep.slice(0, i * 2 + 1)}/`),
          tarEntry({ name: './d/', type: '5' }),
        ]).flat(),
      ),
    ],
    ['L with a 5 MB name', tar([...longName('L', 'n'.repeat(5 << 20)), tarEntry({ name: './x' })])],
    [
      'L declaring 9999999999 bytes',
      tar([tarEntry({ name: '././@LongLink', type: 'L', sizeField: '112402762177', data: Buffer.from('x') })], false),
    ],
    [
      'K with a 3 MB target',
      tar([...longName('K', 't'.repeat(3 << 20)), tarEntry({ name: './l', type: '2', linkname: 'x' })]),
    ],
    [
      'pax header with odd records',
      tar([
        tarEntry({ name: 'PaxHeader', type: 'x', data: Buffer.from('-5 a=b\n99999 path=x\n0 x\nabc\n') }),
        tarEntry({ name: './x' }),
      ]),
    ],
    [
      'pax size=abc',
      tar([
        tarEntry({ name: 'PaxHeader', type: 'x', data: Buffer.from('15 size=abcde\n') }),
        tarEntry({ name: './x' }),
      ]),
    ],
    [
      'pax size huge',
      tar([
        tarEntry({ name: 'PaxHeader', type: 'x', data: Buffer.from('28 size=99999999999999999\n') }),
        tarEntry({ name: './x' }),
      ]),
    ],
    [
      'global pax path',
      tar([
        tarEntry({ name: 'g', type: 'g', data: Buffer.from('20 path=/etc/pwned\n') }),
        tarEntry({ name: './x' }),
        tarEntry({ name: './y' }),
      ]),
    ],
    ['20000 entries', tar(Array.from({ length: 20000 }, (_, i) => tarEntry({ name: `./opt/many/f${i}` })))],
    [
      'names with escapes and newlines',
      tar([
        tarEntry({ name: './\x1b[2J\x1b[31mred\nline\r' }),
        tarEntry({ name: './l', type: '2', linkname: '\x1b]0;x\x07' }),
      ]),
    ],
    [
      'device, fifo, unknown types',
      tar([
        tarEntry({ name: './c', type: '3' }),
        tarEntry({ name: './b', type: '4' }),
        tarEntry({ name: './p', type: '6' }),
        tarEntry({ name: './z', type: 'Z' }),
        tarEntry({ name: './h', type: '1', linkname: './nowhere' }),
      ]),
    ],
    ['unknown format magic', tar([tarEntry({ name: './x', magic: 'XXXXXX\0\0' })])],
    ['no end marker', tar([tarEntry({ name: './x', data: Buffer.from('abc') })], false)],
    ['trailing garbage', Buffer.concat([tar([tarEntry({ name: './x' })]), Buffer.from('garbage'.repeat(100))])],
    [
      'bad checksum',
      (() => {
        const t = tar([tarEntry({ name: './x' })]);
        t[0] = 0x41;
        return t;
      })(),
    ],
    ['64 MiB of zero blocks', Buffer.alloc(64 << 20)],
  ];
  for (const [label, tarBytes] of dataTars) {
    yield { name: `data.tar.gz: ${label}`, bytes: valid(['data.tar.gz', gzipSync(tarBytes, { level: 1 })]) };
    if (tarBytes.length < 8 << 20) yield { name: `data.tar: ${label}`, bytes: valid(['data.tar', tarBytes]) };
  }
  for (const [name, bytes] of [
    ['data.tar.xz', Buffer.from('not xz')],
    ['data.tar.zst', Buffer.from('not zstd')],
    ['data.tar.bz2', Buffer.from('BZh91AY&SY')],
    ['data.tar.lzma', Buffer.from('x')],
    [
      'data.tar.gz',
      Buffer.concat([gzipSync(tar([tarEntry({ name: './a' })])), gzipSync(tar([tarEntry({ name: './b' })]))]),
    ],
    ['data.tar.gz', Buffer.concat([gzipSync(tar([tarEntry({ name: './a' })])), Buffer.from('trailing junk')])],
  ] as const) {
    yield { name: `${name}: ${JSON.stringify(bytes.toString('latin1').slice(0, 10))}`, bytes: valid([name, bytes]) };
  }

  // debsigs members: garbage, oversized, malformed OpenPGP packets
  const packets: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['garbage', Buffer.from('definitely not a signature')],
    ['2 MiB', Buffer.alloc(2 << 20, 0x89)],
    ['armored garbage', Buffer.from('-----BEGIN PGP SIGNATURE-----\n\n!!!!\n-----END PGP SIGNATURE-----\n')],
    ['armored, no body', Buffer.from('-----BEGIN PGP SIGNATURE-----\n')],
    ['packet longer than data', Buffer.from([0xc2, 0xff, 0x7f, 0xff, 0xff, 0xff, 4])],
    ['partial length', Buffer.from([0xc2, 0xe5, 4, 0, 1, 8])],
    ['old format, indeterminate', Buffer.from([0x8b, 4, 0, 1, 8, 0xff, 0xff])],
    ['v4, subpacket area past the end', Buffer.from([0xc2, 8, 4, 0, 1, 8, 0xff, 0xff, 0, 0])],
    ['v4, subpacket length 2^32-1', Buffer.from([0xc2, 12, 4, 0, 1, 8, 0, 6, 0xff, 0xff, 0xff, 0xff, 0xff, 16])],
    ['v3, truncated', Buffer.from([0x88, 5, 3, 5, 0, 0, 0])],
    ['v9', Buffer.from([0xc2, 3, 9, 0, 0])],
    ['not a signature packet', Buffer.from([0xc6, 2, 1, 2])],
    ['signature of another package', origin],
  ];
  for (const [label, sig] of packets) {
    yield { name: `_gpgorigin: ${label}`, bytes: valid(['data.tar.gz', data], [['_gpgorigin', sig]]) };
    yield { name: `_gpgbuilder: ${label}`, bytes: valid(['data.tar.gz', data], [['_gpgbuilder', sig]]) };
  }
  // A valid signature over other content: the member data changed after signing.
  yield {
    name: '_gpgorigin over a different data.tar',
    bytes: valid(['data.tar.gz', gzipSync(tar([tarEntry({ name: './x' })]))], [['_gpgorigin', origin]]),
  };
}

// ---------------------------------------------------------------------------------------------
// Hand-crafted hostile .rpms

const TINY: HeaderEntry[] = [
  h.strings(TAG.HEADERI18NTABLE, ['C']),
  h.string(TAG.NAME, 'tiny'),
  h.string(TAG.VERSION, '1.0'),
  h.string(TAG.RELEASE, '1'),
  h.i18n(TAG.SUMMARY, 'Tiny'),
  h.int32(TAG.BUILDTIME, [1795651200]),
  h.string(TAG.OS, 'linux'),
  h.string(TAG.ARCH, 'noarch'),
  h.int16(TAG.FILEMODES, [0o40755, 0o100644]),
  h.int32(TAG.FILESIZES, [0, 5]),
  h.int32(TAG.FILEFLAGS, [0, 17]),
  h.int32(TAG.DIRINDEXES, [0, 1]),
  h.strings(TAG.BASENAMES, ['tiny', 'tiny.conf']),
  h.strings(TAG.DIRNAMES, ['/etc/', '/etc/tiny/']),
  h.strings(TAG.REQUIRENAME, ['rpmlib(CompressedFileNames)']),
  h.int32(TAG.REQUIREFLAGS, [0x100000a]),
  h.strings(TAG.REQUIREVERSION, ['3.0.4-1']),
];

function tinyRpm(main: HeaderEntry[], signature: HeaderEntry[] = []): Buffer {
  const header = encodeHeader(TAG.HEADERIMMUTABLE, main);
  const sig = encodeHeader(SIGTAG.HEADERSIGNATURES, [h.int32(SIGTAG.SIZE, [header.length + 7]), ...signature]);
  return Buffer.concat([
    encodeLead('tiny-1.0-1', 1),
    sig,
    signaturePadding(sig.length),
    header,
    Buffer.from('payload'),
  ]);
}

function* handCraftedRpms(b: Bases): Generator<Case> {
  const with_ = (tag: number, entry: HeaderEntry | undefined) => [
    ...TINY.filter((e) => e.tag !== tag),
    ...(entry ? [entry] : []),
  ];
  const variants: [string, HeaderEntry[], HeaderEntry[]?][] = [
    ['valid tiny', TINY],
    ['no NAME', with_(TAG.NAME, undefined)],
    ['NAME as INT32', with_(TAG.NAME, h.int32(TAG.NAME, [1]))],
    ['EPOCH as STRING', [...TINY, h.string(1003, 'one')]],
    ['BUILDTIME 2^52 (INT64)', with_(TAG.BUILDTIME, h.int64(TAG.BUILDTIME, [2 ** 52]))],
    ['directory index out of range', with_(TAG.DIRINDEXES, h.int32(TAG.DIRINDEXES, [0, 99]))],
    ['directory index 2^32-1', with_(TAG.DIRINDEXES, h.int32(TAG.DIRINDEXES, [0, 0xffffffff]))],
    ['fewer dir indexes than basenames', with_(TAG.DIRINDEXES, h.int32(TAG.DIRINDEXES, [0]))],
    ['FILEMODES as STRING_ARRAY', with_(TAG.FILEMODES, h.strings(TAG.FILEMODES, ['a', 'b']))],
    ['FILEMODES short', with_(TAG.FILEMODES, h.int16(TAG.FILEMODES, [0o40755]))],
    ['LONGFILESIZES 2^62', [...TINY, h.int64(5008, [0, 2 ** 52])]],
    ['requires arrays of different lengths', with_(TAG.REQUIREFLAGS, h.int32(TAG.REQUIREFLAGS, [1, 2, 3]))],
    ['PREIN as BIN, PREINPROG as INT32', [...TINY, h.bin(TAG.PREIN, Buffer.from('x')), h.int32(TAG.PREINPROG, [1])]],
    [
      'scriptlets with escapes',
      [
        ...TINY,
        h.string(TAG.POSTIN, '\x1b[2J\x1b]0;x\x07echo'),
        h.strings(TAG.POSTINPROG, ['/bin/sh', '-e\x1b[1m']),
        h.string(1151, 'lua'),
        h.string(1154, '<lua>'),
      ],
    ],
    [
      '100000 basenames',
      [
        ...TINY.filter(
          (e) => ![TAG.FILEMODES, TAG.FILESIZES, TAG.FILEFLAGS, TAG.DIRINDEXES, TAG.BASENAMES].includes(e.tag as never),
        ),
        h.strings(
          TAG.BASENAMES,
          Array.from({ length: 100000 }, (_, i) => `f${i}`),
        ),
        h.int32(TAG.DIRINDEXES, new Array(100000).fill(0)),
      ],
    ],
    [
      '5000-component dirname',
      [...TINY.filter((e) => e.tag !== TAG.DIRNAMES), h.strings(TAG.DIRNAMES, ['/etc/', `/${'d/'.repeat(5000)}`])],
    ],
    [
      'OLDFILENAMES only',
      [
        ...TINY.filter((e) => ![TAG.BASENAMES, TAG.DIRNAMES, TAG.DIRINDEXES].includes(e.tag as never)),
        h.strings(1027, ['/a', '/b']),
      ],
    ],
    ['SHA256HEADER as INT32', TINY, [h.int32(SIGTAG.SHA256HEADER, [1])]],
    ['PAYLOADDIGEST as INT32', [...TINY, h.int32(TAG.PAYLOADDIGEST, [1])]],
    [
      'PAYLOADDIGESTALGO as STRING',
      [...TINY, h.strings(TAG.PAYLOADDIGEST, ['00']), h.string(TAG.PAYLOADDIGESTALGO, 'x')],
    ],
    ['LONGSIGSIZE as STRING', TINY, [h.string(SIGTAG.LONGSIGSIZE, 'x')]],
    ['RSAHEADER garbage', TINY, [h.bin(SIGTAG.RSAHEADER, Buffer.from('garbage'))]],
    ['RSAHEADER as STRING', TINY, [h.string(SIGTAG.RSAHEADER, 'x')]],
    [
      'RSAHEADER subpacket length 2^32-1',
      TINY,
      [h.bin(SIGTAG.RSAHEADER, Buffer.from([0xc2, 12, 4, 0, 1, 8, 0, 6, 0xff, 0xff, 0xff, 0xff, 0xff, 16]))],
    ],
    ['PGP packet longer than data', TINY, [h.bin(SIGTAG.PGP, Buffer.from([0x89, 0xff, 0xff, 4]))]],
    ['GPG copied from a real package', TINY, [h.bin(SIGTAG.GPG, realSignature(b.rpm))]],
    ['DSAHEADER over another header', TINY, [h.bin(SIGTAG.DSAHEADER, realSignature(b.rpm))]],
    ['MD5 not 16 bytes', TINY, [h.bin(SIGTAG.MD5, Buffer.from('x'))]],
  ];
  for (const [label, main, signature] of variants) yield { name: `rpm: ${label}`, bytes: tinyRpm(main, signature) };

  // Lead
  const { sigStart, mainStart, mainEnd } = rpmLayout(b.rpm);
  const patch = (at: number, write: (buf: Buffer) => void) => {
    const copy = Buffer.from(b.rpm);
    write(copy.subarray(at));
    return copy;
  };
  yield { name: 'rpm lead: major 9', bytes: patch(4, (x) => (x[0] = 9)) };
  yield { name: 'rpm lead: signature type 0', bytes: patch(78, (x) => x.writeUInt16BE(0, 0)) };
  yield { name: 'rpm lead: name without NUL', bytes: patch(10, (x) => x.fill(0xff, 0, 66)) };

  // il / dl of both headers
  for (const [which, start] of [
    ['signature', sigStart],
    ['main', mainStart],
  ] as const) {
    for (const il of [0, 1, 33, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff])
      yield { name: `rpm ${which} header: il=${il}`, bytes: patch(start + 8, (x) => x.writeUInt32BE(il, 0)) };
    for (const dl of [0, 15, 16, 0x03ffffff, 0x04000001, 0x0fffffff, 0x10000000, 0x7fffffff, 0xffffffff])
      yield { name: `rpm ${which} header: dl=${dl}`, bytes: patch(start + 12, (x) => x.writeUInt32BE(dl, 0)) };
    yield { name: `rpm ${which} header: bad magic`, bytes: patch(start, (x) => (x[0] = 0)) };
  }
  // Every index entry of both headers: hostile tag, type, offset and count
  for (const [which, start] of [
    ['signature', sigStart],
    ['main', mainStart],
  ] as const) {
    const il = b.rpm.readUInt32BE(start + 8);
    for (let e = 0; e < il; e++) {
      const at = start + 16 + e * 16;
      for (const tag of [99, -1])
        yield { name: `rpm ${which} entry ${e}: tag ${tag}`, bytes: patch(at, (x) => x.writeInt32BE(tag, 0)) };
      for (const type of [0, 10, RPM_TYPE.INT16, RPM_TYPE.INT64, RPM_TYPE.STRING, RPM_TYPE.BIN, RPM_TYPE.STRING_ARRAY])
        yield { name: `rpm ${which} entry ${e}: type ${type}`, bytes: patch(at + 4, (x) => x.writeUInt32BE(type, 0)) };
      for (const offset of [-16, 0x7fffffff, 0x80000000 | 0, 3])
        yield {
          name: `rpm ${which} entry ${e}: offset ${offset}`,
          bytes: patch(at + 8, (x) => x.writeInt32BE(offset, 0)),
        };
      for (const count of [0, 0xffffffff, 0x10000, 2])
        yield {
          name: `rpm ${which} entry ${e}: count ${count}`,
          bytes: patch(at + 12, (x) => x.writeUInt32BE(count, 0)),
        };
    }
  }
  // The region trailer at the end of the main header's store
  for (const offset of [0, -16, 16, -0x7fffffff, 0x7fffffff])
    yield { name: `rpm region trailer offset ${offset}`, bytes: patch(mainEnd - 8, (x) => x.writeInt32BE(offset, 0)) };
}

/** The first signature tag of `rpm` that holds an OpenPGP packet. */
function realSignature(rpm: Buffer): Buffer {
  const { sigStart } = rpmLayout(rpm);
  const il = rpm.readUInt32BE(sigStart + 8);
  const store = sigStart + 16 + il * 16;
  for (let e = 0; e < il; e++) {
    const at = sigStart + 16 + e * 16;
    const tag = rpm.readInt32BE(at);
    if (tag === SIGTAG.RSAHEADER || tag === SIGTAG.DSAHEADER)
      return rpm.subarray(store + rpm.readInt32BE(at + 8), store + rpm.readInt32BE(at + 8) + rpm.readUInt32BE(at + 12));
  }
  throw new Error('the base rpm is not signed');
}

// ---------------------------------------------------------------------------------------------
// Helpers: layouts, ar and tar writers that also write what pkgapp's encoders refuse

function rpmLayout(rpm: Buffer): { sigStart: number; mainStart: number; mainEnd: number } {
  const sigStart = 96;
  const sigEnd = sigStart + 16 + rpm.readUInt32BE(sigStart + 8) * 16 + rpm.readUInt32BE(sigStart + 12);
  const mainStart = sigEnd + ((8 - (sigEnd % 8)) % 8);
  const mainEnd = mainStart + 16 + rpm.readUInt32BE(mainStart + 8) * 16 + rpm.readUInt32BE(mainStart + 12);
  return { sigStart, mainStart, mainEnd };
}

function debMembers(deb: Buffer): { name: string; headerAt: number; dataAt: number; size: number }[] {
  const members = [];
  let at = 8;
  while (at + 60 <= deb.length) {
    const name = deb.toString('latin1', at, at + 16).trim();
    const size = Number(deb.toString('latin1', at + 48, at + 58).trim());
    members.push({ name, headerAt: at, dataAt: at + 60, size });
    at += 60 + size + (size % 2);
  }
  return members;
}

/** An ar archive; a member's size field can be given raw (the data is written whatever it says). */
function ar(members: [string, Buffer, string?][]): Buffer {
  const parts: Buffer[] = [Buffer.from('!<arch>\n')];
  for (const [name, data, size] of members) {
    const field = (value: string, width: number) => value.slice(0, width).padEnd(width, ' ');
    parts.push(
      Buffer.from(
        field(name, 16) +
          field('0', 12) +
          field('0', 6) +
          field('0', 6) +
          field('100644', 8) +
          field(size ?? String(data.length), 10) +
          '`\n',
        'latin1',
      ),
      data,
    );
    if (data.length % 2) parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

interface RawTarEntry {
  name: string;
  type?: string;
  data?: Buffer;
  mode?: string;
  uid?: string;
  linkname?: string;
  sizeField?: string | Buffer;
  mtimeField?: Buffer;
  magic?: string;
}

/** One tar entry with a valid checksum, whatever its fields say; data padded to 512. */
function tarEntry(e: RawTarEntry): Buffer {
  const block = Buffer.alloc(512);
  block.write(e.name.slice(0, 100), 0, 'latin1');
  block.write((e.mode ?? '0000644').slice(0, 8), 100, 'latin1');
  block.write((e.uid ?? '0000000').slice(0, 8), 108, 'latin1');
  block.write('0000000', 116, 'latin1');
  const data = e.data ?? Buffer.alloc(0);
  if (Buffer.isBuffer(e.sizeField)) e.sizeField.copy(block, 124, 0, 12);
  else block.write((e.sizeField ?? data.length.toString(8).padStart(11, '0')).slice(0, 12), 124, 'latin1');
  if (e.mtimeField) e.mtimeField.copy(block, 136, 0, 12);
  else block.write('15000000000', 136, 'latin1');
  block.write(e.type ?? '0', 156, 'latin1');
  block.write((e.linkname ?? '').slice(0, 100), 157, 'latin1');
  block.write(e.magic ?? 'ustar  \0', 257, 'latin1');
  block.write('root', 265, 'latin1');
  block.write('root', 297, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return Buffer.concat([block, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

/** A GNU ././@LongLink entry carrying a long name (L) or link target (K). */
function longName(type: 'L' | 'K', value: string): Buffer[] {
  return [tarEntry({ name: '././@LongLink', type, data: Buffer.from(`${value}\0`) })];
}

function tar(entries: Buffer[], endMarker = true): Buffer {
  return Buffer.concat([...entries, Buffer.alloc(endMarker ? 1024 : 0)]);
}

// ---------------------------------------------------------------------------------------------
// Running

type Outcome = { kind: 'ok' } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

async function settle(promise: Promise<unknown>, ms: number): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        (): Outcome => ({ kind: 'ok' }),
        (error: unknown): Outcome => ({ kind: 'error', error }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A small deterministic PRNG (mulberry32), so a failing case can be reproduced from the seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(items: readonly T[], n: number, random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

function chunks<T>(items: readonly T[], n: number): T[][] {
  const groups: T[][] = Array.from({ length: n }, () => []);
  items.forEach((item, i) => groups[i % n]!.push(item));
  return groups;
}
