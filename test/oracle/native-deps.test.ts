// The native fixtures built with -t deb -t rpm for this machine: the compiled better-sqlite3 app
// (test/fixtures/apps/native-sqlite, built from source with node-gyp, node bundled) and the app on
// prebuilt platform packages (test/fixtures/apps/cross-native: sharp with its own libvips found
// through $ORIGIN, esbuild's static Go binary), checked with the distributions' own tools:
// - lintian: no missing-dependency-on-libc, no unstripped-binary-or-object for the compiled addons
//   (issue 13; the bundled node is the build machine's binary, shipped as it is);
// - rpmlint: no env-script-interpreter, and shared-library-without-dependency-information only for
//   an object that names no library at all (a property of the file, not of the package);
// - the rpm's auto-generated Requires (RPMSENSE_FIND_REQUIRES) equal rpm's own
//   /usr/lib/rpm/elfdeps --requires run on the files extracted from that rpm;
// - the deb's library Depends name the packages dpkg-shlibdeps gives for the files extracted
//   from that deb, with floors no lower.
//
// Run alone: npm run build && node --import tsx --test test/oracle/native-deps.test.ts
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { execa } from 'execa';
import { compareDebVersions } from '../../src/deb/deb-version.js';
import { readElfInfo } from '../../src/elf/elf-info.js';
import type { DebInspection, RpmInspection } from '../../src/inspect/inspect-package.js';
import { buildFixture, FIXTURES, type BuiltFixture, type MatrixFixture } from '../helpers/fixture-matrix.js';
import { assertElfMatchesReadelf } from '../helpers/readelf-view.js';
import { cleanupTestDirs, runCli, tempDir } from '../helpers/testdir.js';
import { requireElfdeps, requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

const FIND_REQUIRES = 1 << 14;

interface NativeFixture {
  label: string;
  fixture: MatrixFixture;
  /** An addon the package must hold (and, when compiled here, ship stripped). */
  addon: RegExp;
  compiled: boolean;
}
const NATIVE: NativeFixture[] = [
  {
    label: 'compiled better-sqlite3',
    fixture: FIXTURES.find((f) => f.source.endsWith('/native-sqlite'))!,
    addon: /\/better_sqlite3\.node$/,
    compiled: true,
  },
  {
    label: 'prebuilt sharp + esbuild',
    fixture: FIXTURES.find((f) => f.source.endsWith('/cross-native'))!,
    addon: /\/sharp-linux-[a-z0-9]+\.node$/,
    compiled: false,
  },
];

const builds = new Map<NativeFixture, Promise<BuiltFixture>>();
let rpmHome = '';

before(async () => {
  rpmHome = await tempDir('pkgapp-rpmhome-');
});

async function needBuild(t: TestContext, native: NativeFixture, tools: string[]): Promise<BuiltFixture | undefined> {
  if (!requireTools(t, [...(native.fixture.tools ?? []), 'rpm', 'dpkg-deb', ...tools])) return undefined;
  let built = builds.get(native);
  if (!built) builds.set(native, (built = buildFixture(native.fixture)));
  return built;
}

/** rpm with a private HOME and database: Debian's rpm keeps them in ~/.rpmdb. */
async function rpm(args: string[]): Promise<string> {
  return (
    await execa('rpm', ['--dbpath', path.join(rpmHome, '.rpmdb'), ...args], { env: { HOME: rpmHome, LANG: 'C.UTF-8' } })
  ).stdout;
}

/** Every ELF file under `dir` (type EXEC or DYN), absolute. */
async function elfFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const info = await readElfInfo(file);
    if (info && (info.type === 'EXEC' || info.type === 'DYN')) found.push(file);
  }
  return found.sort();
}

/** "a (>= 1), b" → package → highest floor (first alternative of each relation). */
function relations(text: string): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const m = /^([^\s(|]+)\s*(?:\((>=|>>|=)\s*([^)]+)\))?/.exec(entry.split('|')[0]!.trim())!;
    const floor = m[3]?.trim();
    const before = out.get(m[1]!);
    out.set(
      m[1]!,
      before === undefined ? floor : floor === undefined || compareDebVersions(before, floor) >= 0 ? before : floor,
    );
  }
  return out;
}

for (const native of NATIVE) {
  test(`${native.label}: lintian: no missing-dependency-on-libc, no unstripped-binary-or-object`, async (t) => {
    const b = await needBuild(t, native, ['lintian']);
    if (!b) return;
    const { stdout } = await execa('lintian', ['--tag-display-limit', '0', b.packages.deb.path], {
      reject: false,
      env: { LANG: 'C.UTF-8' },
    });
    t.diagnostic(`lintian:\n${stdout}`);
    assert.ok(!stdout.includes('missing-dependency-on-libc'), `lintian reports missing-dependency-on-libc:\n${stdout}`);
    // The addons compiled during the build are stripped; the bundled node is the build machine's
    // binary, shipped as its maker built it (as prebuilt objects are).
    const unstripped = stdout.split('\n').filter((l) => l.includes('unstripped-binary-or-object'));
    assert.deepEqual(
      unstripped.filter((l) => l.includes('/node_modules/')),
      [],
      'compiled addons are stripped',
    );
    assert.ok(
      unstripped.every((l) => l.includes(`[opt/${b.name}/node/bin/node]`)),
      unstripped.join('\n'),
    );
  });

  test(`${native.label}: rpmlint: no shared-library-without-dependency-information, no env-script-interpreter`, async (t) => {
    const b = await needBuild(t, native, ['rpmlint', 'rpm2cpio', 'cpio']);
    if (!b) return;
    const { stdout } = await execa('rpmlint', [b.packages.rpm.path], {
      reject: false,
      env: { HOME: rpmHome, LANG: 'C.UTF-8' },
    });
    t.diagnostic(`rpmlint:\n${stdout.split('\n').slice(0, 60).join('\n')}`);
    assert.match(stdout, /E: dir-or-file-in-opt/, 'rpmlint really looked at the files');
    assert.ok(!stdout.includes('env-script-interpreter'), `rpmlint reports env-script-interpreter:\n${stdout}`);
    // rpmlint reads the tag off the file's own dynamic section (no DT_NEEDED at all), which no
    // package metadata changes: better-sqlite3's test_extension.node links nothing. Every object
    // that names libraries gets its Requires, so the tag may only remain for those that name none.
    const dir = await tempDir();
    await execa('sh', ['-c', `rpm2cpio "$1" | cpio -idm --quiet`, 'sh', b.packages.rpm.path], { cwd: dir });
    for (const line of stdout.split('\n').filter((l) => l.includes('shared-library-without-dependency-information'))) {
      const file = line.trim().split(' ').pop()!;
      const info = await readElfInfo(path.join(dir, file));
      assert.deepEqual(
        info?.needed,
        [],
        `${line}: the object names libraries, yet rpmlint finds no dependency information`,
      );
      t.diagnostic(`left: ${line.trim()} (the object has no DT_NEEDED)`);
    }
  });

  test(`${native.label}: the rpm's ELF Requires equal elfdeps --requires on the files extracted from it (less the libraries it ships)`, async (t) => {
    const b = await needBuild(t, native, ['rpm2cpio', 'cpio']);
    if (!b) return;
    const elfdeps = requireElfdeps(t);
    if (!elfdeps) return;
    const dir = await tempDir();
    await execa('sh', ['-c', `rpm2cpio "$1" | cpio -idm --quiet`, 'sh', b.packages.rpm.path], { cwd: dir });
    const files = await elfFiles(dir);
    assert.ok(
      files.some((f) => native.addon.test(f)),
      files.join('\n'),
    );
    // rpm's generator leaves out what the package provides itself (sharp's libvips-cpp.so.42,
    // found through its $ORIGIN RUNPATH): elfdeps --provides on the same files says what that is.
    const theirs = new Set<string>();
    const provided = new Set<string>();
    for (const file of files) {
      const { stdout } = await execa(elfdeps, ['--requires', file]);
      for (const line of stdout.split('\n')) if (line) theirs.add(line);
      const provides = await execa(elfdeps, ['--provides', file]);
      for (const line of provides.stdout.split('\n')) if (line) provided.add(line.replace(/\(.*$/, ''));
    }
    for (const need of theirs) if (provided.has(need.replace(/\(.*$/, ''))) theirs.delete(need);
    const requires = (await rpm(['-qp', '--qf', '[%{REQUIRENAME}\\t%{REQUIREFLAGS}\\n]', b.packages.rpm.path]))
      .split('\n')
      .filter(Boolean);
    const ours = requires.filter((l) => Number(l.split('\t')[1]) & FIND_REQUIRES).map((l) => l.split('\t')[0]!);
    t.diagnostic(`${files.length} ELF files; Requires:\n${ours.join('\n')}`);
    assert.ok(ours.includes('libc.so.6()(64bit)') || ours.includes('libc.so.6'), 'the C library is required');
    assert.deepEqual(
      ours,
      [...theirs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  });

  test(`${native.label}: the deb's library Depends: dpkg-shlibdeps' packages on the extracted files, floors no lower`, async (t) => {
    const b = await needBuild(t, native, ['dpkg-shlibdeps']);
    if (!b) return;
    const dir = await tempDir();
    await execa('dpkg-deb', ['-x', b.packages.deb.path, path.join(dir, 'root')]);
    // root/DEBIAN marks the package tree, so dpkg-shlibdeps resolves $ORIGIN in a RUNPATH and
    // finds the libraries the package ships itself (sharp's libvips) there, needing no package.
    await mkdir(path.join(dir, 'root/DEBIAN'));
    await mkdir(path.join(dir, 'debian'));
    await writeFile(
      path.join(dir, 'debian/control'),
      'Source: pkgapp-oracle\n\nPackage: pkgapp-oracle\nArchitecture: any\n',
    );
    const files = await elfFiles(path.join(dir, 'root'));
    const { stdout } = await execa('dpkg-shlibdeps', ['-O', ...files], { cwd: dir });
    const theirs = relations(/^shlibs:Depends=(.*)$/m.exec(stdout)?.[1] ?? '');
    const depends = (await execa('dpkg-deb', ['-f', b.packages.deb.path, 'Depends'])).stdout;
    // adduser is the service user's; nodejs (system runtime) comes from engines, not from ELF files.
    const ours = relations(depends);
    ours.delete('adduser');
    ours.delete('nodejs');
    t.diagnostic(`Depends: ${depends}\ndpkg-shlibdeps: ${stdout}`);
    assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort(), 'the same library packages');
    for (const [pkg, floor] of theirs) {
      if (floor === undefined) continue;
      const mine = ours.get(pkg);
      assert.ok(
        mine !== undefined && compareDebVersions(mine, floor) >= 0,
        `${pkg}: floor ${mine ?? '(none)'} below dpkg-shlibdeps' ${floor}`,
      );
    }
  });

  test(`${native.label}: pkgapp inspect lists the ELF objects as readelf reads them, each library from a package Depends/Requires names`, async (t) => {
    const b = await needBuild(t, native, ['readelf', 'rpm2cpio', 'cpio']);
    if (!b) return;
    const inspected = async <T>(file: string) => {
      const r = await runCli(['inspect', '--json', file]);
      assert.equal(r.exitCode, 0, r.stderr);
      return JSON.parse(r.stdout) as T;
    };
    const deb = await inspected<DebInspection>(b.packages.deb.path);
    const debRoot = await tempDir();
    await execa('dpkg-deb', ['-x', b.packages.deb.path, debRoot]);
    const count = await assertElfMatchesReadelf(deb.elf!.objects, debRoot, 'deb');
    const addon = deb.elf!.objects.find((o) => native.addon.test(o.path));
    assert.ok(addon, `the addon is listed: ${deb.elf!.objects.map((o) => o.path).join(', ')}`);
    // compiled here: stripped as dh_strip does; prebuilt: as its maker shipped it
    if (native.compiled) assert.ok(addon.stripped, addon.path);
    const shipped = new Set(deb.elf!.objects.map((o) => o.path));
    for (const need of deb.elf!.objects.flatMap((o) => o.needed)) {
      // a library the package holds itself (sharp's libvips) is named as that file
      if (need.provider.kind === 'shipped') {
        assert.ok(shipped.has(need.provider.file), `${need.soname}: ${JSON.stringify(need.provider)}`);
        continue;
      }
      assert.equal(need.provider.kind, 'package', `${need.soname}: ${JSON.stringify(need.provider)}`);
      if (need.provider.kind === 'package') assert.ok(need.provider.inDepends, JSON.stringify(need));
    }
    const rpm = await inspected<RpmInspection>(b.packages.rpm.path);
    const rpmRoot = await tempDir();
    await execa('sh', ['-c', 'rpm2cpio "$1" | cpio -idm --quiet', 'sh', b.packages.rpm.path], { cwd: rpmRoot });
    assert.equal(await assertElfMatchesReadelf(rpm.elf!.objects, rpmRoot, 'rpm'), count);
    for (const need of rpm.elf!.objects.flatMap((o) => o.needed)) {
      if (need.provider.kind === 'shipped') assert.ok(shipped.has(need.provider.file), need.soname);
      else assert.deepEqual(need.provider.kind === 'system' && need.provider.missing, [], need.soname);
    }
    t.diagnostic(`${count} ELF objects in each package agree with readelf`);
  });
}
