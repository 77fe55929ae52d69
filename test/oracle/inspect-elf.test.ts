// `pkgapp inspect`'s ELF section on a package of prebuilt native code (objects compiled here with
// gcc and dropped into node_modules as a prebuilt package ships them: an addon that loads the
// package's own libbundled.so.1 through an $ORIGIN RUNPATH, one through an $ORIGIN RPATH, a C++
// addon): the objects and what they need equal readelf's view of the files dpkg-deb -x and
// rpm2cpio | cpio extract from the same packages, and where each library comes from is what
// the packages declare (Depends / Requires) or the package's own file on the object's search path.
// The compiled better-sqlite3 package gets the same check in test/oracle/native-deps.test.ts.
import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import type { DebInspection, Inspection, RpmInspection } from '../../src/inspect/inspect-package.js';
import { compiledElfSamples } from '../helpers/elf-samples.js';
import { assertElfMatchesReadelf } from '../helpers/readelf-view.js';
import { cleanupTestDirs, makeApp, minimalApp, runCli, tempDir } from '../helpers/testdir.js';
import { requireTools, which } from '../helpers/tools.js';

after(cleanupTestDirs);

const TOOLS = ['gcc', 'g++', 'readelf', 'dpkg-deb', 'rpm2cpio', 'cpio'];
const PREFIX = '/opt/tiny-app/node_modules/prebuilt/prebuilds/linux-x64';
let packages: { deb: string; rpm: string } | undefined;

before(async () => {
  if (!TOOLS.every((tool) => which(tool))) return;
  const samples = await compiledElfSamples(await tempDir());
  const app = await makeApp(
    minimalApp(
      { dependencies: { prebuilt: '1.0.0' } },
      {
        'node_modules/prebuilt/package.json': { name: 'prebuilt', version: '1.0.0', license: 'MIT' },
      },
    ),
  );
  // package-lock.json must name the dependency for --no-install.
  const lock = path.join(app, 'package-lock.json');
  const parsed = JSON.parse(await readFile(lock, 'utf8')) as { packages: Record<string, unknown> };
  parsed.packages[''] = { name: 'tiny-app', version: '1.0.0', dependencies: { prebuilt: '1.0.0' } };
  parsed.packages['node_modules/prebuilt'] = { version: '1.0.0', license: 'MIT' };
  await writeFile(lock, JSON.stringify(parsed));
  const dir = path.join(app, 'node_modules/prebuilt/prebuilds/linux-x64');
  await mkdir(path.join(dir, 'lib'), { recursive: true });
  await copyFile(samples.user!, path.join(dir, 'user.node')); // RUNPATH $ORIGIN/lib:/opt/x
  await copyFile(samples.bundled!, path.join(dir, 'lib/libbundled.so.1'));
  await copyFile(samples.rpath!, path.join(dir, 'lib/rpath.node')); // RPATH $ORIGIN
  await copyFile(samples.cxx!, path.join(dir, 'cxx.node'));
  const out = await tempDir();
  const r = await runCli(['build', '-C', app, '-o', out, '-t', 'deb', '-t', 'rpm', '--no-install'], {
    env: { SOURCE_DATE_EPOCH: '1795651200', PATH: process.env['PATH']! },
  });
  assert.equal(r.exitCode, 0, r.stderr);
  const names = await readdir(out);
  packages = {
    deb: path.join(
      out,
      names.find((n) => n.endsWith('.deb'))!,
    ),
    rpm: path.join(
      out,
      names.find((n) => n.endsWith('.rpm'))!,
    ),
  };
});

async function inspectJson<T extends Inspection>(file: string): Promise<T> {
  const r = await runCli(['inspect', '--json', file]);
  assert.equal(r.exitCode, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

test('inspect on a deb of prebuilt objects: readelf agrees, shipped and system libraries are told apart', async (t) => {
  if (!requireTools(t, TOOLS)) return;
  const inspection = await inspectJson<DebInspection>(packages!.deb);
  const root = await tempDir();
  await execa('dpkg-deb', ['-x', packages!.deb, root]);
  const compared = await assertElfMatchesReadelf(inspection.elf!.objects, root, 'deb');
  assert.equal(compared, 4);
  const byPath = new Map(inspection.elf!.objects.map((o) => [o.path, o]));
  const provider = (file: string, soname: string) =>
    byPath.get(`${PREFIX}/${file}`)!.needed.find((n) => n.soname === soname)?.provider;
  assert.deepEqual(provider('user.node', 'libbundled.so.1'), {
    kind: 'shipped',
    file: `${PREFIX}/lib/libbundled.so.1`,
    searchPath: '$ORIGIN/lib',
  });
  assert.deepEqual(provider('lib/rpath.node', 'libbundled.so.1'), {
    kind: 'shipped',
    file: `${PREFIX}/lib/libbundled.so.1`,
    searchPath: '$ORIGIN',
  });
  // Every system library maps to a package the deb's Depends satisfies.
  const system = inspection.elf!.objects.flatMap((o) => o.needed).filter((n) => n.provider.kind !== 'shipped');
  assert.ok(system.some((n) => n.soname === 'libstdc++.so.6'));
  for (const need of system) {
    assert.equal(need.provider.kind, 'package', need.soname);
    if (need.provider.kind === 'package') assert.ok(need.provider.inDepends, JSON.stringify(need));
  }
  const libc = system.find((n) => n.soname === 'libc.so.6')!.provider;
  assert.equal(libc.kind === 'package' && libc.package, 'libc6');
  assert.ok(
    inspection.dependencies.Depends!.some((d) => d.startsWith('libc6')),
    inspection.dependencies.Depends!.join(', '),
  );
  // The human view says the same.
  const text = await runCli(['inspect', packages!.deb]);
  assert.match(text.stdout, /^ELF objects \(4\)$/m);
  assert.match(
    text.stdout,
    /needs libbundled\.so\.1 \[BUNDLED_2\.0\]\n {6}shipped in the package: \S+\/lib\/libbundled\.so\.1 \(found through \$ORIGIN\/lib\)/,
  );
  assert.match(
    text.stdout,
    /needs libstdc\+\+\.so\.6 \[[^\]]*GLIBCXX_3\.4[^\]]*\]\n {6}libstdc\+\+6 \(>= [\d.]+\) from /,
  );
});

test('inspect on an rpm of prebuilt objects: readelf agrees, every system library is in Requires', async (t) => {
  if (!requireTools(t, TOOLS)) return;
  const inspection = await inspectJson<RpmInspection>(packages!.rpm);
  const root = await tempDir();
  await execa('sh', ['-c', 'rpm2cpio "$1" | cpio -idm --quiet', 'sh', packages!.rpm], { cwd: root });
  assert.equal(await assertElfMatchesReadelf(inspection.elf!.objects, root, 'rpm'), 4);
  const requires = new Set(inspection.dependencies.requires.map((r) => r.name));
  const needs = inspection.elf!.objects.flatMap((o) => o.needed);
  for (const need of needs) {
    if (need.soname === 'libbundled.so.1') {
      assert.equal(need.provider.kind, 'shipped');
      assert.ok(![...requires].some((r) => r.startsWith('libbundled')), 'a shipped library is not required');
      continue;
    }
    assert.equal(need.provider.kind, 'system', need.soname);
    if (need.provider.kind !== 'system') continue;
    assert.deepEqual(need.provider.missing, [], need.soname);
    assert.ok(need.provider.requires.length > 0, need.soname);
    for (const r of need.provider.requires) assert.ok(requires.has(r), r);
  }
  assert.ok(requires.has('libstdc++.so.6()(64bit)') || requires.has('libstdc++.so.6'));
});
