// The ELF reader (src/elf/elf-info.ts) on ELF images built byte by byte: every class and byte
// order, the program-header and section-header paths, and truncated or corrupt images, which
// must give an ElfFormatError naming the file (never a hang, a RangeError or a huge allocation).
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { ElfFormatError, readElfInfo, type ElfInfo } from '../../src/elf/elf-info.js';
import { machineName } from '../../src/elf/machines.js';
import { elfRequires } from '../../src/rpm/elf-requires.js';
import { buildElf, type SyntheticElf } from '../helpers/synthetic-elf.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';
import { requireTool } from '../helpers/tools.js';

after(cleanupTestDirs);

const LIBRARY: Omit<SyntheticElf, 'bits' | 'little'> = {
  needed: ['libstdc++.so.6', 'libc.so.6', 'libvips-cpp.so.42'],
  soname: 'sharp-linux-x64.node',
  runpath: '$ORIGIN/../../sharp-libvips-linux-x64/lib:$ORIGIN/lib',
  versionNeeds: [
    { file: 'libstdc++.so.6', versions: [{ name: 'GLIBCXX_3.4.21' }, { name: 'CXXABI_1.3.8' }] },
    {
      file: 'libc.so.6',
      versions: [{ name: 'GLIBC_2.14' }, { name: 'GLIBC_2.34', weak: true }, { name: 'GLIBC_2.2.5' }],
    },
  ],
  versionDefinitions: ['SHARP_1.0', 'SHARP_2.0'],
};

async function write(name: string, bytes: Buffer): Promise<string> {
  const file = path.join(await tempDir(), name);
  await writeFile(file, bytes);
  return file;
}

function dynamicPart(info: ElfInfo) {
  const { needed, soname, rpath, runpath, versionNeeds, versionDefinitions } = info;
  return { needed, soname, rpath, runpath, versionNeeds, versionDefinitions };
}

const EXPECTED = {
  needed: ['libstdc++.so.6', 'libc.so.6', 'libvips-cpp.so.42'],
  soname: LIBRARY.soname,
  rpath: [],
  runpath: ['$ORIGIN/../../sharp-libvips-linux-x64/lib', '$ORIGIN/lib'],
  versionNeeds: [
    {
      file: 'libstdc++.so.6',
      versions: [
        { name: 'GLIBCXX_3.4.21', weak: false },
        { name: 'CXXABI_1.3.8', weak: false },
      ],
    },
    {
      file: 'libc.so.6',
      versions: [
        { name: 'GLIBC_2.14', weak: false },
        { name: 'GLIBC_2.34', weak: true },
        { name: 'GLIBC_2.2.5', weak: false },
      ],
    },
  ],
  versionDefinitions: ['SHARP_1.0', 'SHARP_2.0'],
};

const LAYOUTS = [
  { bits: 64, little: true, machine: 62, name: 'x86_64' },
  { bits: 64, little: true, machine: 183, name: 'aarch64' },
  { bits: 32, little: true, machine: 40, name: 'arm' },
  { bits: 32, little: true, machine: 3, name: 'i386' },
  { bits: 64, little: false, machine: 22, name: 's390x' },
  { bits: 64, little: false, machine: 21, name: 'ppc64' },
  { bits: 64, little: true, machine: 21, name: 'ppc64le' },
  { bits: 32, little: false, machine: 20, name: 'ppc' },
  { bits: 64, little: true, machine: 243, name: 'riscv64' },
] as const;

test('32/64-bit, little/big-endian: needed, soname, runpath, version needs and definitions', async () => {
  for (const layout of LAYOUTS) {
    const file = await write(`${layout.name}.node`, buildElf({ ...LIBRARY, ...layout, symtab: true }));
    const info = (await readElfInfo(file))!;
    assert.equal(info.bits, layout.bits, layout.name);
    assert.equal(info.littleEndian, layout.little);
    assert.equal(info.machine, layout.machine);
    assert.equal(info.machineName, layout.name);
    assert.equal(info.type, 'DYN');
    assert.equal(info.interpreter, undefined);
    assert.deepEqual(dynamicPart(info), EXPECTED, layout.name);
    assert.equal(info.dynamicFrom, 'program-headers');
    assert.equal(info.hasSymtab, true);
    assert.equal(info.hasDebugInfo, false);
    assert.equal(info.gnuHash, true);
    assert.equal(info.sysvHash, false);
  }
});

test('readelf reads the synthetic images as the reader does (the images are real ELF)', async (t) => {
  if (!requireTool(t, 'readelf')) return;
  for (const layout of LAYOUTS.slice(0, 5)) {
    const file = await write(`${layout.name}-readelf.node`, buildElf({ ...LIBRARY, ...layout }));
    const { stdout } = await execa('readelf', ['-d', '-V', '--wide', file]);
    for (const name of [...EXPECTED.needed, 'GLIBCXX_3.4.21', 'CXXABI_1.3.8', 'GLIBC_2.34', 'SHARP_2.0'])
      assert.ok(stdout.includes(name), `${layout.name}: readelf does not show ${name}\n${stdout}`);
    assert.match(stdout, /Name: GLIBC_2\.34\s+Flags: WEAK/);
    assert.ok(stdout.includes('Library runpath: [$ORIGIN/../../sharp-libvips-linux-x64/lib:$ORIGIN/lib]'));
  }
});

test('an executable: PT_INTERP, DT_DEBUG, rpath; debug sections mark it unstripped', async () => {
  const file = await write(
    'app',
    buildElf({
      bits: 64,
      little: true,
      type: 2,
      interpreter: '/lib64/ld-linux-x86-64.so.2',
      needed: ['libc.so.6'],
      rpath: '/opt/app/lib',
      debugInfo: true,
      sysvHash: true,
    }),
  );
  const info = (await readElfInfo(file))!;
  assert.equal(info.type, 'EXEC');
  assert.equal(info.interpreter, '/lib64/ld-linux-x86-64.so.2');
  assert.deepEqual(info.rpath, ['/opt/app/lib']);
  assert.deepEqual(info.runpath, []);
  assert.equal(info.debugTag, true);
  assert.equal(info.hasDebugInfo, true);
  assert.equal(info.hasSymtab, false);
  assert.equal(info.sysvHash, true);
  assert.deepEqual(info.versionNeeds, []);
  assert.equal(info.soname, undefined);
});

test('without program headers the section headers are read; without section headers the program headers', async () => {
  const sectionsOnly = (await readElfInfo(
    await write(
      'sections-only.node',
      buildElf({ ...LIBRARY, bits: 64, little: false, machine: 22, programHeaders: false }),
    ),
  ))!;
  assert.equal(sectionsOnly.dynamicFrom, 'section-headers');
  assert.deepEqual(dynamicPart(sectionsOnly), EXPECTED);
  const stripped = (await readElfInfo(
    await write('sstripped.node', buildElf({ ...LIBRARY, bits: 32, little: true, machine: 3, sections: false })),
  ))!;
  assert.equal(stripped.dynamicFrom, 'program-headers');
  assert.deepEqual(dynamicPart(stripped), EXPECTED);
  assert.equal(stripped.hasSymtab, false);
  assert.equal(stripped.hasDebugInfo, false);
  const neither = (await readElfInfo(
    await write('object.o', buildElf({ bits: 64, little: true, type: 1, programHeaders: false, sections: false })),
  ))!;
  assert.equal(neither.type, 'REL');
  assert.equal(neither.dynamicFrom, 'none');
  assert.deepEqual(neither.needed, []);
});

test('rpm requirements of the synthetic objects: (64bit) marker only for 64-bit, weak needs kept', async () => {
  const r64 = (await readElfInfo(await write('r64.node', buildElf({ ...LIBRARY, bits: 64, little: true }))))!;
  const r32 = (await readElfInfo(
    await write('r32.node', buildElf({ ...LIBRARY, bits: 32, little: true, machine: 3 })),
  ))!;
  assert.deepEqual(elfRequires([{ info: r64, executable: false }], new Set(['libvips-cpp.so.42'])), [
    'libc.so.6()(64bit)',
    'libc.so.6(GLIBC_2.14)(64bit)',
    'libc.so.6(GLIBC_2.2.5)(64bit)',
    'libc.so.6(GLIBC_2.34)(64bit)',
    'libstdc++.so.6()(64bit)',
    'libstdc++.so.6(CXXABI_1.3.8)(64bit)',
    'libstdc++.so.6(GLIBCXX_3.4.21)(64bit)',
    'rtld(GNU_HASH)',
  ]);
  assert.deepEqual(elfRequires([{ info: r32, executable: true }]), [
    'libc.so.6',
    'libc.so.6(GLIBC_2.14)',
    'libc.so.6(GLIBC_2.2.5)',
    'libc.so.6(GLIBC_2.34)',
    'libstdc++.so.6',
    'libstdc++.so.6(CXXABI_1.3.8)',
    'libstdc++.so.6(GLIBCXX_3.4.21)',
    'libvips-cpp.so.42',
    'rtld(GNU_HASH)',
  ]);
  const exe = (await readElfInfo(
    await write(
      'exe',
      buildElf({
        bits: 64,
        little: true,
        type: 2,
        interpreter: '/lib/ld.so',
        needed: ['libc.so.6', 'ld-linux-x86-64.so.2', 'notalib.so.1', 'libnoso', ' '],
        sysvHash: true,
      }),
    ),
  ))!;
  assert.deepEqual(
    elfRequires([{ info: exe, executable: false }]),
    [],
    'an executable without execute bits requires nothing (elfdeps)',
  );
  assert.deepEqual(
    elfRequires([{ info: exe, executable: true }]),
    ['ld-linux-x86-64.so.2()(64bit)', 'libc.so.6()(64bit)'],
    'sonames filtered as elfdeps does; SysV hash: no rtld(GNU_HASH)',
  );
});

test('not ELF: undefined; truncated at any point: ElfFormatError naming the file', async () => {
  assert.equal(await readElfInfo(await write('empty.node', Buffer.alloc(0))), undefined);
  assert.equal(
    await readElfInfo(await write('script.js', Buffer.from('#!/usr/bin/env node\nconsole.log(1)\n'))),
    undefined,
  );
  assert.equal(
    await readElfInfo(
      await write('macho.node', Buffer.concat([Buffer.from([0xcf, 0xfa, 0xed, 0xfe]), Buffer.alloc(100)])),
    ),
    undefined,
  );
  const badClass = buildElf({ bits: 64, little: true });
  badClass[4] = 7;
  await assert.rejects(
    readElfInfo(await write('badclass.node', badClass)),
    (e: Error) => e instanceof ElfFormatError && /badclass\.node: unknown ELF class 7/.test(e.message),
  );
  for (const spec of [
    { ...LIBRARY, bits: 64 as const, little: true },
    { ...LIBRARY, bits: 32 as const, little: false, sections: false },
  ]) {
    const whole = buildElf(spec);
    let errors = 0;
    for (let cut = 4; cut < whole.length; cut += Math.max(1, Math.floor(whole.length / 97))) {
      const file = await write(`cut-${spec.bits}-${cut}.node`, whole.subarray(0, cut));
      await assert.rejects(
        readElfInfo(file),
        (e: Error) => e instanceof ElfFormatError && e.message.startsWith(`${file}: `),
        `cut at ${cut}`,
      );
      errors++;
    }
    assert.ok(errors > 50);
  }
});

test('corrupt counts, offsets and sizes: ElfFormatError, never a hang or a huge read', async () => {
  const cases: [string, Buffer, RegExp][] = [
    [
      'verneed-count.node',
      buildElf({ ...LIBRARY, bits: 64, little: true, verneedCount: 10_000_000 }),
      /version records is more than/,
    ],
    [
      'verneed-aux.node',
      buildElf({ ...LIBRARY, bits: 64, little: true, sections: false, verneedAux: 0x7ffffff0 }),
      /a version need entry .* lies outside the file/,
    ],
    [
      'strsz.node',
      buildElf({ ...LIBRARY, bits: 64, little: true, strsz: 3 }),
      /string offset \d+ (lies outside|is not NUL-terminated)/,
    ],
  ];
  const phnum = buildElf({ ...LIBRARY, bits: 64, little: true });
  phnum.writeUInt16LE(0xfffe, 56);
  cases.push(['phnum.node', phnum, /program header table .* lies outside the file/]);
  const shoff = buildElf({ ...LIBRARY, bits: 32, little: false });
  shoff.writeUInt32BE(0xfffffff0, 32);
  cases.push(['shoff.node', shoff, /section header table .* lies outside the file/]);
  const dynamicSize = buildElf({ ...LIBRARY, bits: 64, little: true });
  // PT_DYNAMIC's p_filesz (second program header, at 64 + 56 + 32) claims 2^40 bytes.
  dynamicSize.writeBigUInt64LE(1n << 40n, 64 + 56 + 32);
  cases.push(['dynamic-size.node', dynamicSize, /dynamic section claims \d+ bytes/]);
  const huge = buildElf({ ...LIBRARY, bits: 64, little: true });
  huge.writeBigUInt64LE(1n << 62n, 40);
  cases.push(['huge-offset.node', huge, /too large/]);
  for (const [name, bytes, pattern] of cases) {
    const file = await write(name, bytes);
    await assert.rejects(
      readElfInfo(file),
      (e: Error) => e instanceof ElfFormatError && e.message.startsWith(file) && pattern.test(e.message),
      name,
    );
  }
});

test('random byte corruption: every answer is an ElfInfo or an ElfFormatError', async () => {
  let seed = 13;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const images = [
    buildElf({ ...LIBRARY, bits: 64, little: true, interpreter: '/lib/ld.so', type: 2 }),
    buildElf({ ...LIBRARY, bits: 32, little: false, sections: false }),
  ];
  const dir = await tempDir();
  for (let round = 0; round < 300; round++) {
    const image = Buffer.from(images[round % 2]!);
    for (let flips = 1 + Math.floor(random() * 6); flips > 0; flips--)
      image[Math.floor(random() * image.length)] = Math.floor(random() * 256);
    const file = path.join(dir, `fuzz-${round}.node`);
    await writeFile(file, image);
    try {
      await readElfInfo(file);
    } catch (error) {
      assert.ok(error instanceof ElfFormatError, `round ${round}: ${(error as Error).stack}`);
      assert.ok(error.message.startsWith(file), error.message);
    }
  }
});

test('machine names', () => {
  assert.equal(machineName(8, 64, true), 'mips64el');
  assert.equal(machineName(8, 32, false), 'mips');
  assert.equal(machineName(258, 64, true), 'loongarch64');
  assert.equal(machineName(9999, 64, true), 'EM_9999');
});
