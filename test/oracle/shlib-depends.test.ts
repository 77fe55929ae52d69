// The deb library Depends against dpkg-shlibdeps on the same real ELF files (the node binary,
// /usr/bin executables, system libraries, addons compiled here): the same packages, and floors
// no lower than dpkg-shlibdeps' (pkgapp knows the symbol versions an object needs, not each
// symbol it imports, so its floor is the highest of any symbol with those versions). Checked
// twice: with the machine's dpkg records, and with only the table pkgapp ships (for the
// libraries the table covers).
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { compareDebVersions } from '../../src/deb/deb-version.js';
import { shlibDepends, type DebLibraryDependency } from '../../src/deb/shlib-depends.js';
import { loadDpkgShlibs } from '../../src/deb/shlibs-data.js';
import { pkgappShlibsTable } from '../../src/deb/shlibs-table.js';
import { readElfInfo, type ElfInfo } from '../../src/elf/elf-info.js';
import { compiledElfSamples, systemElfSamples } from '../helpers/elf-samples.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';
import { which } from '../helpers/tools.js';

after(cleanupTestDirs);

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEB_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

function requireShlibdeps(t: TestContext): boolean {
  if (which('dpkg-shlibdeps') && DEB_ARCH[process.arch]) return true;
  const why = `needs dpkg-shlibdeps on a Debian machine: apt-get install dpkg-dev`;
  if (process.env.CI === 'true') throw new Error(`${why} (CI=true, so this is a failure, not a skip)`);
  t.skip(why);
  return false;
}

/** dpkg-shlibdeps -O for one file, as {package, floor}; undefined when it cannot (a library it cannot find). */
async function dpkgShlibdeps(dir: string, file: string): Promise<DebLibraryDependency[] | undefined> {
  const result = await execa('dpkg-shlibdeps', ['-O', file], { cwd: dir, reject: false });
  if (result.exitCode !== 0) return undefined;
  const value = /^shlibs:Depends=(.*)$/m.exec(result.stdout)?.[1] ?? '';
  const byPackage = new Map<string, string | undefined>();
  for (const entry of value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    // "libc6 (>= 2.34)"; an alternative "a | b" is judged by its first package.
    const m = /^([^\s(|]+)\s*(?:\((>=|>>|<<|=)\s*([^)]+)\))?/.exec(entry.split('|')[0]!.trim())!;
    const floor = m[2] === '>=' || m[2] === '>>' || m[2] === '=' ? m[3]!.trim() : undefined;
    const before = byPackage.get(m[1]!);
    byPackage.set(
      m[1]!,
      before === undefined
        ? floor
        : floor === undefined
          ? before
          : compareDebVersions(floor, before) > 0
            ? floor
            : before,
    );
  }
  return [...byPackage]
    .map(([pkg, floor]) => ({ package: pkg, ...(floor ? { floor } : {}) }))
    .sort((a, b) => (a.package < b.package ? -1 : 1));
}

function assertNoLower(ours: DebLibraryDependency[], theirs: DebLibraryDependency[], what: string): number {
  assert.deepEqual(
    ours.map((d) => d.package),
    theirs.map((d) => d.package),
    `${what}: packages`,
  );
  let higher = 0;
  for (const [i, dep] of theirs.entries()) {
    if (!dep.floor) continue;
    const mine = ours[i]!.floor;
    assert.ok(
      mine !== undefined && compareDebVersions(mine, dep.floor) >= 0,
      `${what}: ${dep.package} floor ${mine ?? '(none)'} is lower than dpkg-shlibdeps' ${dep.floor}`,
    );
    if (compareDebVersions(mine, dep.floor) > 0) higher++;
  }
  return higher;
}

/** glibc's own objects need GLIBC_PRIVATE, which dpkg-shlibdeps pins to one exact libc6 build: not a payload case. */
function usesGlibcPrivate(info: ElfInfo): boolean {
  return info.versionNeeds.some((n) => n.versions.some((v) => v.name === 'GLIBC_PRIVATE'));
}

test('deb library Depends: the packages dpkg-shlibdeps gives, floors no lower (machine records, then the shipped table)', async (t) => {
  if (!requireShlibdeps(t)) return;
  const dir = await tempDir();
  await mkdir(path.join(dir, 'debian'));
  await writeFile(
    path.join(dir, 'debian/control'),
    'Source: pkgapp-oracle\n\nPackage: pkgapp-oracle\nArchitecture: any\n',
  );
  const compiled = await compiledElfSamples(await tempDir());
  // user.node and rpath.node need a library that belongs to no package: the shipped-library case, tested below.
  // dpkg-shlibdeps takes seconds a file: fewer system files than the elfdeps test.
  const files = [
    ...(await systemElfSamples(REPO, { bins: 14, libs: 16 })),
    ...[compiled.napi, compiled.cxx, compiled.sysvHash, compiled.m32, compiled.noExec].filter(
      (f): f is string => f !== undefined,
    ),
  ];
  const machine = await loadDpkgShlibs(DEB_ARCH[process.arch]!);
  assert.ok(machine.get('libc.so.6'), 'this Debian machine has libc6 symbols');
  const table = pkgappShlibsTable(DEB_ARCH[process.arch]);
  let compared = 0;
  let tableCompared = 0;
  let higherFloors = 0;
  const skipped: string[] = [];
  for (const file of files) {
    const info = (await readElfInfo(file))!;
    if (usesGlibcPrivate(info)) {
      skipped.push(`${file} (GLIBC_PRIVATE)`);
      continue;
    }
    const theirs = await dpkgShlibdeps(dir, file);
    if (!theirs) {
      skipped.push(`${file} (dpkg-shlibdeps failed)`);
      continue;
    }
    const ours = shlibDepends([info], [machine, table]);
    assert.deepEqual(
      ours.problems.filter((p) => p.kind === 'unmapped-library'),
      [],
      file,
    );
    higherFloors += assertNoLower(ours.packages, theirs, file);
    compared++;
    const tableOnly = shlibDepends([info], [table]);
    if (tableOnly.problems.length === 0) {
      assertNoLower(tableOnly.packages, theirs, `${file} (pkgapp's table only)`);
      tableCompared++;
    } else {
      assert.ok(
        tableOnly.problems.every((p) => p.kind === 'unmapped-library' && p.file === file && !table.has(p.soname)),
        JSON.stringify(tableOnly.problems),
      );
    }
  }
  t.diagnostic(
    `${compared} files compared with dpkg-shlibdeps (${higherFloors} floors above its own), ${tableCompared} with the shipped table alone; skipped: ${skipped.join(', ') || 'none'}`,
  );
  assert.ok(compared >= 25, `only ${compared} files compared`);
  assert.ok(tableCompared >= 10, `only ${tableCompared} files compared with the table alone`);
});

test('a library the package ships is no Depends; an unknown one is a problem naming file and soname', async (t) => {
  if (!requireShlibdeps(t)) return;
  const compiled = await compiledElfSamples(await tempDir());
  const user = (await readElfInfo(compiled.user!))!;
  const sources = [await loadDpkgShlibs(DEB_ARCH[process.arch]!), pkgappShlibsTable(DEB_ARCH[process.arch])];
  const unknown = shlibDepends([user], sources);
  assert.deepEqual(unknown.problems, [{ kind: 'unmapped-library', file: compiled.user, soname: 'libbundled.so.1' }]);
  const shipped = shlibDepends([user], sources, new Set(['libbundled.so.1']));
  assert.deepEqual(shipped.problems, []);
  assert.ok(
    shipped.depends.some((d) => d.startsWith('libc6 (>= ')),
    shipped.depends.join(', '),
  );
  assert.deepEqual(
    shipped.origins.map((o) => o.soname),
    ['libc.so.6'],
  );
});
