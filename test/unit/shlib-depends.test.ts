// deb library Depends (src/deb/shlib-depends.ts) from parsed dpkg symbols/shlibs records, and
// the shipped table (src/deb/shlibs-table.ts) checked against this machine's dpkg records when
// the installed package versions are the ones it was generated from.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execa } from 'execa';
import { shlibDepends } from '../../src/deb/shlib-depends.js';
import { loadDpkgShlibs, parseShlibsFile, parseSymbolsFile } from '../../src/deb/shlibs-data.js';
import { pkgappShlibsTable, SHLIBS_TABLE_SOURCE } from '../../src/deb/shlibs-table.js';
import type { ElfInfo } from '../../src/elf/elf-info.js';

const SYMBOLS = [
  'libc.so.6 libc6 #MINVER#',
  '| libc6 (>> 2.36), libc6 (<< 2.37)',
  ' GLIBC_2.2.5@GLIBC_2.2.5 2.2.5',
  ' GLIBC_2.34@GLIBC_2.34 2.34',
  ' __libc_start_main@GLIBC_2.34 2.34',
  ' memcpy@GLIBC_2.14 2.14',
  ' GLIBC_2.14@GLIBC_2.14 2.14',
  ' __libc_enable_secure@GLIBC_PRIVATE 0 1',
  'libstdc++.so.6 libstdc++6 #MINVER#',
  ' CXXABI_1.3.8@CXXABI_1.3.8 4.9',
  ' (c++)"std::__throw_bad_array_new_length()@GLIBCXX_3.4.29" 11',
  ' GLIBCXX_3.4.29@GLIBCXX_3.4.29 11',
  ' GLIBCXX_3.4.21@GLIBCXX_3.4.21 5',
  ' _ZNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE9_M_createERmm@GLIBCXX_3.4.21 5.2',
  'libuv.so.1 libuv1 #MINVER#',
  '* Build-Depends-Package: libuv1-dev',
  ' uv_accept@Base 1.4.2',
  ' uv_metrics_idle_time@Base 1.39.0',
  'libgail.so.18 libgail18 #MINVER#, libgail-common',
  ' gail_foo@Base 2.8.0',
  'libGLX_mesa.so.0 libglx-mesa0',
  ' __glx_Main@Base 17.0.0~',
  '',
].join('\n');

const SHLIBS = [
  'libz 1 zlib1g (>= 1:1.2.3.3.dfsg-1)',
  'udeb: libz 1 zlib1g-udeb (>= 1:1.2.3.3.dfsg-1)',
  'libgcc_s 1 libgcc-s1',
  'libfoo-2.0 0 libfoo2 (>= 2.0.3)',
  'libc 6 libc6 (>= 2.36)',
  '',
].join('\n');

function data() {
  return parseShlibsFile(SHLIBS, parseSymbolsFile(SYMBOLS));
}

function elf(needed: string[], versionNeeds: ElfInfo['versionNeeds'] = [], file = '/opt/app/addon.node'): ElfInfo {
  return {
    path: file,
    bits: 64,
    littleEndian: true,
    machine: 62,
    machineName: 'x86_64',
    osabi: 0,
    type: 'DYN',
    interpreter: undefined,
    needed,
    soname: undefined,
    rpath: [],
    runpath: [],
    versionNeeds,
    versionDefinitions: [],
    sysvHash: false,
    gnuHash: true,
    debugTag: false,
    hasSymtab: false,
    hasDebugInfo: false,
    dynamicFrom: 'program-headers',
  };
}

const need = (file: string, ...names: string[]) => ({ file, versions: names.map((name) => ({ name, weak: false })) });

test('symbols and shlibs records: per version tag the highest minimal version; symbols win over shlibs', () => {
  const d = data();
  assert.deepEqual(d.get('libc.so.6'), {
    package: 'libc6',
    versions: { 'GLIBC_2.2.5': '2.2.5', 'GLIBC_2.34': '2.34', 'GLIBC_2.14': '2.14', GLIBC_PRIVATE: '0' },
    from: 'dpkg-symbols',
  });
  assert.deepEqual(d.get('libstdc++.so.6')!.versions, {
    'CXXABI_1.3.8': '4.9',
    'GLIBCXX_3.4.29': '11',
    'GLIBCXX_3.4.21': '5.2',
  });
  assert.deepEqual(d.get('libuv.so.1'), { package: 'libuv1', versions: {}, base: '1.39.0', from: 'dpkg-symbols' });
  assert.equal(d.get('libgail.so.18')!.package, 'libgail18');
  assert.deepEqual(
    d.get('libGLX_mesa.so.0'),
    { package: 'libglx-mesa0', versions: {}, from: 'dpkg-symbols' },
    'no #MINVER#: no floor',
  );
  assert.deepEqual(d.get('libz.so.1'), {
    package: 'zlib1g',
    versions: {},
    base: '1:1.2.3.3.dfsg-1',
    from: 'dpkg-shlibs',
  });
  assert.deepEqual(d.get('libgcc_s.so.1'), { package: 'libgcc-s1', versions: {}, from: 'dpkg-shlibs' });
  assert.equal(d.get('libfoo-2.0.so.0')?.package ?? d.get('libfoo-2.0-0.so')?.package, 'libfoo2');
  assert.equal(d.get('libz1.so'), undefined);
});

test('Depends: floors from the needed version tags, merged per package, sorted', () => {
  const objects = [
    elf(
      ['libstdc++.so.6', 'libc.so.6', 'libm.so.6'],
      [need('libc.so.6', 'GLIBC_2.2.5', 'GLIBC_2.14'), need('libstdc++.so.6', 'GLIBCXX_3.4.21', 'CXXABI_1.3.8')],
    ),
    elf(['libc.so.6', 'libuv.so.1', 'libz.so.1'], [need('libc.so.6', 'GLIBC_2.34')], '/opt/app/other.node'),
  ];
  const result = shlibDepends(objects, [data()]);
  assert.deepEqual(result.depends, [
    'libc6 (>= 2.34)',
    'libstdc++6 (>= 5.2)',
    'libuv1 (>= 1.39.0)',
    'zlib1g (>= 1:1.2.3.3.dfsg-1)',
  ]);
  assert.deepEqual(result.problems, [{ kind: 'unmapped-library', file: '/opt/app/addon.node', soname: 'libm.so.6' }]);
  assert.deepEqual(
    result.origins.map((o) => `${o.file} ${o.soname} ${o.package} ${o.floor ?? '-'} ${o.from}`),
    [
      '/opt/app/addon.node libstdc++.so.6 libstdc++6 5.2 dpkg-symbols',
      '/opt/app/addon.node libc.so.6 libc6 2.14 dpkg-symbols',
      '/opt/app/other.node libc.so.6 libc6 2.34 dpkg-symbols',
      '/opt/app/other.node libuv.so.1 libuv1 1.39.0 dpkg-symbols',
      '/opt/app/other.node libz.so.1 zlib1g 1:1.2.3.3.dfsg-1 dpkg-shlibs',
    ],
  );
});

test('shipped libraries are left out; a newer glibc than the data knows still sets its floor; unknown tags are reported', () => {
  const result = shlibDepends(
    [
      elf(
        ['libc.so.6', 'libvips-cpp.so.42', 'libstdc++.so.6'],
        [need('libc.so.6', 'GLIBC_2.38'), need('libstdc++.so.6', 'GLIBCXX_3.4.32')],
      ),
    ],
    [data()],
    new Set(['libvips-cpp.so.42']),
  );
  assert.deepEqual(result.depends, ['libc6 (>= 2.38)', 'libstdc++6']);
  assert.deepEqual(result.problems, [
    {
      kind: 'unknown-version',
      file: '/opt/app/addon.node',
      soname: 'libstdc++.so.6',
      package: 'libstdc++6',
      version: 'GLIBCXX_3.4.32',
    },
  ]);
  // Only GLIBC_PRIVATE (floor "0"): an unversioned dependency, never "(>= 0)".
  assert.deepEqual(shlibDepends([elf(['libc.so.6'], [need('libc.so.6', 'GLIBC_PRIVATE')])], [data()]).depends, [
    'libc6',
  ]);
  // Relocatable objects load nothing.
  assert.deepEqual(shlibDepends([{ ...elf(['libc.so.6']), type: 'REL' }], [data()]).depends, []);
});

test('sources are asked in order: the machine first, then the table', () => {
  const machine = parseSymbolsFile('libc.so.6 libc6 #MINVER#\n GLIBC_2.14@GLIBC_2.14 2.99\n');
  const result = shlibDepends([elf(['libc.so.6'], [need('libc.so.6', 'GLIBC_2.14')])], [machine, pkgappShlibsTable()]);
  assert.deepEqual(result.depends, ['libc6 (>= 2.99)']);
  assert.deepEqual(
    shlibDepends([elf(['libc.so.6'], [need('libc.so.6', 'GLIBC_2.14')])], [pkgappShlibsTable()]).depends,
    ['libc6 (>= 2.14)'],
  );
});

test('the shipped table covers the usual libraries and every loader name', () => {
  const table = pkgappShlibsTable();
  for (const [soname, pkg] of [
    ['libc.so.6', 'libc6'],
    ['libm.so.6', 'libc6'],
    ['libpthread.so.0', 'libc6'],
    ['libdl.so.2', 'libc6'],
    ['librt.so.1', 'libc6'],
    ['ld-linux-x86-64.so.2', 'libc6'],
    ['ld-linux-aarch64.so.1', 'libc6'],
    ['libstdc++.so.6', 'libstdc++6'],
    ['libgcc_s.so.1', 'libgcc-s1'],
    ['libz.so.1', 'zlib1g'],
    ['libssl.so.3', 'libssl3'],
    ['libcrypto.so.3', 'libssl3'],
    ['libatomic.so.1', 'libatomic1'],
    ['libgomp.so.1', 'libgomp1'],
  ]) {
    assert.equal(table.get(soname!)?.package, pkg, soname);
    assert.equal(table.get(soname!)?.from, 'pkgapp-table');
  }
  assert.equal(table.get('libstdc++.so.6')!.versions['GLIBCXX_3.4.30'], '12');
  assert.equal(table.get('libc.so.6')!.versions['GLIBC_2.34'], '2.34');
});

test('each architecture has its own table: arm64 objects get the floors of arm64 records', () => {
  // arm64's oldest glibc tag, GLIBC_2.17, also carries the pthread symbols that moved into
  // libc.so.6 in glibc 2.34: Debian 12's libc6:arm64 symbols file gives them 2.34, and
  // dpkg-shlibdeps (DEB_HOST_ARCH=arm64, a multiarch root) writes libc6 (>= 2.34) for sharp's
  // arm64 binaries. amd64's GLIBC_2.17 is only clock_gettime's.
  const sharp = [
    elf(['libc.so.6', 'libstdc++.so.6'], [need('libc.so.6', 'GLIBC_2.17'), need('libc.so.6', 'GLIBC_2.25')]),
  ];
  assert.deepEqual(shlibDepends(sharp, [pkgappShlibsTable('arm64')]).depends, ['libc6 (>= 2.34)', 'libstdc++6']);
  assert.deepEqual(shlibDepends(sharp, [pkgappShlibsTable('amd64')]).depends, ['libc6 (>= 2.25)', 'libstdc++6']);
  assert.equal(pkgappShlibsTable('arm64').get('ld-linux-aarch64.so.1')?.versions['GLIBC_2.17'], '2.17');
  // an architecture without a table of its own gets amd64's
  assert.deepEqual(pkgappShlibsTable('riscv64').get('libc.so.6'), pkgappShlibsTable('amd64').get('libc.so.6'));
});

test("the shipped table is what this machine's dpkg records say, for packages at the table's versions", async (t) => {
  const machine = await loadDpkgShlibs(SHLIBS_TABLE_SOURCE.arch);
  if (machine.size === 0) return t.skip('no dpkg records on this machine (/var/lib/dpkg/info)');
  let checked = 0;
  const table = pkgappShlibsTable();
  for (const [pkg, version] of Object.entries(SHLIBS_TABLE_SOURCE.packages)) {
    const installed = await execa('dpkg-query', ['-W', '-f', '${Version}', `${pkg}:${SHLIBS_TABLE_SOURCE.arch}`], {
      reject: false,
    });
    if (installed.exitCode !== 0 || installed.stdout !== version) continue;
    for (const [soname, entry] of table) {
      if (entry.package !== pkg || (Object.keys(entry.versions).length === 0 && entry.base === undefined)) continue;
      const mine = machine.get(soname);
      assert.ok(mine, `${soname} is not in this machine's records`);
      assert.deepEqual(
        { versions: entry.versions, base: entry.base },
        { versions: mine.versions, base: mine.base },
        soname,
      );
      checked++;
    }
  }
  t.diagnostic(`${checked} table entries match this machine's dpkg records`);
});
