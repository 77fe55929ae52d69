// Every fixture app × every target: built with the CLI, installed in a booted Debian 12
// (`apt-get install ./x.deb`; Debian's rpm with its own database for the rpms), its
// service configured through the environment file and answering over HTTP, its bins run.
// One root and one boot per target, all fixtures installed side by side on their own ports.
// The table of results is printed at the end (see test/helpers/fixture-matrix.ts).
//
// Also here, reusing the one (slow: node-gyp compiles SQLite) native-sqlite build: the native
// addon makes the package architecture-specific, and a foreign --arch is refused unless forced.
import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { apt } from '../helpers/apt-repo.js';
import { createRoot, type Booted, type Root } from '../helpers/chroot.js';
import {
  buildFixture,
  configureAndRun,
  FIXTURES,
  hostPackageArch,
  portOf,
  renderMatrix,
  shIn,
  TARGETS,
  type BuiltFixture,
  type MatrixFixture,
  type MatrixRow,
  type Target,
} from '../helpers/fixture-matrix.js';
import { cleanupTestDirs, listDir, REPO_ROOT, runCli, tempDir } from '../helpers/testdir.js';
import { E2E_TOOLS, requireTools } from '../helpers/tools.js';

// PKGAPP_MATRIX_ONLY=yarn,monorepo: only the fixtures whose directory contains one of these (while working on one).
const only = process.env.PKGAPP_MATRIX_ONLY?.split(',').filter(Boolean);
const selected = (f: MatrixFixture) => !only || only.some((s) => f.source.includes(s));
const started = Date.now();
const built = new Map<MatrixFixture, BuiltFixture>();
const buildFailed = new Map<MatrixFixture, string>();
const rows: MatrixRow[] = [];

after(async () => {
  const order = (r: MatrixRow) =>
    FIXTURES.findIndex((f) => f.id === r.fixture) * TARGETS.length + TARGETS.indexOf(r.target);
  if (rows.length) {
    console.log(
      `\nfixture × target matrix (${((Date.now() - started) / 1000).toFixed(0)} s, Node ${process.version}, ${process.arch}):\n\n${renderMatrix([...rows].sort((a, b) => order(a) - order(b)))}\n`,
    );
  }
  await cleanupTestDirs();
});

for (const fixture of FIXTURES) {
  test(`build ${fixture.id} as deb and rpm`, async (t) => {
    if (!selected(fixture)) return t.skip('not in PKGAPP_MATRIX_ONLY');
    if (!requireTools(t, fixture.tools ?? [])) return;
    try {
      const result = await buildFixture(fixture);
      built.set(fixture, result);
      t.diagnostic(
        `${result.name}: ${TARGETS.map((target) => path.basename(result.packages[target].path)).join(', ')} in ${result.seconds.toFixed(1)} s`,
      );
    } catch (error) {
      buildFailed.set(fixture, (error as Error).message.split('\n')[0]!);
      throw error;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Native addons

const NATIVE = FIXTURES.find((f) => f.source === 'test/fixtures/apps/native-sqlite')!;
const ADDON = /node_modules\/better-sqlite3\/build\/Release\/(obj\.target\/)?(better_sqlite3|test_extension)\.node/;

/** The native fixture as pkgapp installed it (/opt/NAME from the built deb) with its lockfile: an installed tree for --no-install. */
let installedTree: Promise<string> | undefined;
function nativeInstalledTree(): Promise<string> {
  installedTree ??= (async () => {
    const native = built.get(NATIVE)!;
    const dir = await tempDir('pkgapp-native-tree-');
    await execa('dpkg-deb', ['-x', native.packages.deb.path, dir]);
    const app = path.join(dir, 'opt', native.name);
    await copyFile(path.join(REPO_ROOT, NATIVE.source, 'package-lock.json'), path.join(app, 'package-lock.json'));
    return app;
  })();
  return installedTree;
}

/** The native build, or a skip (tools missing) / failure (the build failed). */
function nativeBuild(t: { skip(message?: string): void }): BuiltFixture | undefined {
  const native = built.get(NATIVE);
  if (native) return native;
  if (buildFailed.has(NATIVE)) assert.fail(`the native-sqlite build failed: ${buildFailed.get(NATIVE)}`);
  t.skip('native-sqlite was not built');
  return undefined;
}

test('native-sqlite: the compiled addon alone makes the packages amd64 / x86_64', async (t) => {
  const native = nativeBuild(t);
  if (!native || !requireTools(t, ['dpkg-deb', 'rpm'])) return;
  const host = hostPackageArch();
  const deb = native.packages.deb.path;
  const rpm = native.packages.rpm.path;
  assert.equal((await execa('dpkg-deb', ['--field', deb, 'Architecture'])).stdout, host.deb);
  assert.equal((await execa('rpm', ['-qp', '--qf', '%{ARCH}', rpm])).stdout, host.rpm);
  assert.match(path.basename(deb), new RegExp(`_${host.deb}\\.deb$`));
  assert.match(path.basename(rpm), new RegExp(`\\.${host.rpm}\\.rpm$`));
  assert.match(
    (await execa('dpkg-deb', ['--contents', deb])).stdout,
    /\.\/opt\/native-sqlite-app\/node_modules\/better-sqlite3\/build\/Release\/better_sqlite3\.node$/m,
  );
  assert.match(
    (await execa('rpm', ['-qpl', rpm])).stdout,
    /^\/opt\/native-sqlite-app\/node_modules\/better-sqlite3\/build\/Release\/better_sqlite3\.node$/m,
  );

  // That build also bundles node, itself architecture-specific: without it, the addon alone decides.
  const out = await tempDir();
  const r = await runCli([
    'build',
    '-C',
    await nativeInstalledTree(),
    '-o',
    out,
    '-t',
    'deb',
    '-t',
    'rpm',
    '--no-install',
    '--json',
  ]);
  assert.equal(r.exitCode, 0, r.stderr);
  const archs = (JSON.parse(r.stdout).packages as { architecture: string }[]).map((p) => p.architecture);
  assert.deepEqual(archs, [host.deb, host.rpm]);
});

test('native-sqlite: a foreign --arch is refused naming the addon (exit 2); --force-arch accepts it', async (t) => {
  const native = nativeBuild(t);
  if (!native || !requireTools(t, ['dpkg-deb', 'rpm'])) return;
  const tree = await nativeInstalledTree();
  const foreign = process.arch === 'arm64' ? { deb: 'amd64', rpm: 'x86_64' } : { deb: 'arm64', rpm: 'aarch64' };
  const host = hostPackageArch();

  for (const [target, arch] of [
    ['deb', foreign.deb],
    ['rpm', foreign.rpm],
  ] as const) {
    const out = path.join(await tempDir(), 'dist');
    const refused = await runCli(['build', '-C', tree, '-o', out, '-t', target, '--arch', arch, '--no-install']);
    assert.equal(refused.exitCode, 2, refused.stderr);
    assert.match(
      refused.stderr,
      new RegExp(
        `--arch ${foreign.deb}/${foreign.rpm}: the app ships native addons built for this machine \\(${host.deb}/${host.rpm}\\)`,
      ),
    );
    assert.match(refused.stderr, ADDON, 'the message names the native file');
    assert.match(refused.stderr, /--force-arch/, 'and says how to override');
    assert.deepEqual(await listDir(out), [], 'nothing written');
    t.diagnostic(
      `-t ${target} --arch ${arch}: ${refused.stderr
        .split('\n')
        .filter((l) => /native addons|--force-arch/.test(l))
        .join(' / ')}`,
    );
  }

  const out = await tempDir();
  const forced = await runCli([
    'build',
    '-C',
    tree,
    '-o',
    out,
    '-t',
    'deb',
    '-t',
    'rpm',
    '--arch',
    foreign.deb,
    '--force-arch',
    '--no-install',
    '--json',
  ]);
  assert.equal(forced.exitCode, 0, forced.stderr);
  const packages = JSON.parse(forced.stdout).packages as { format: Target; path: string; architecture: string }[];
  assert.deepEqual(
    packages.map((p) => p.architecture),
    [foreign.deb, foreign.rpm],
  );
  assert.equal((await execa('dpkg-deb', ['--field', packages[0]!.path, 'Architecture'])).stdout, foreign.deb);
  assert.equal((await execa('rpm', ['-qp', '--qf', '%{ARCH}', packages[1]!.path])).stdout, foreign.rpm);
});

// node-gyp leaves ~17 MB of intermediates in build/ (obj/, obj.target/, *.o, sqlite3.a), and its
// Makefile, config.gypi and .deps/*.d name the random staging directory: packaged, they made two
// builds with the same SOURCE_DATE_EPOCH differ (the linked .node itself is byte-identical).
test('native-sqlite: the package holds the compiled addon, not node-gyp intermediates or build-machine paths', async (t) => {
  const native = nativeBuild(t);
  if (!native || !requireTools(t, ['dpkg-deb'])) return;
  // The deb as unpacked by dpkg-deb -x (shared with the tests above).
  const tree = await nativeInstalledTree();
  const files = (await readdir(path.join(tree, 'node_modules'), { recursive: true })).map((f) => `node_modules/${f}`);
  const intermediates = files.filter((f) =>
    /\/build\/(Makefile|config\.gypi|.*\.(o|a|d|mk)$|Release\/(obj|obj\.target|\.deps)(\/|$))/.test(f),
  );
  assert.deepEqual(intermediates.slice(0, 5), [], `${intermediates.length} node-gyp intermediates packaged`);
  const leaks = (
    await execa('grep', ['-rl', 'pkgapp-stage-', path.join(tree, 'node_modules')], { reject: false })
  ).stdout
    .split('\n')
    .filter(Boolean);
  assert.deepEqual(
    leaks.map((f) => path.relative(tree, f)),
    [],
    'files naming the staging directory',
  );
  assert.ok(
    files.includes('node_modules/better-sqlite3/build/Release/better_sqlite3.node'),
    'the addon itself is packaged',
  );
});

// ---------------------------------------------------------------------------------------------
// Installed and running

/** Where the packages are copied inside the root. */
const PACKAGES_DIR = '/srv/packages';

/** Where a fixture's package is inside the root (the monorepos' packages share a file name). */
function packageIn(fixture: MatrixFixture, app: BuiltFixture, target: Target): string {
  return `${PACKAGES_DIR}/${FIXTURES.indexOf(fixture)}/${path.basename(app.packages[target].path)}`;
}

/** Installs one fixture's package file on the booted root: apt-get install ./x.deb, or Debian's rpm. */
async function install(target: Target, root: Root, b: Booted, file: string): Promise<void> {
  if (target === 'deb') await apt(root, ['install', '-y', file]);
  // --nodeps: the nodejs the rpms need is Debian's, which is not in this rpm database.
  else await shIn(b, `rpm --dbpath /var/lib/rpm --nodeps -Uvh ${file} 2>&1`);
}

/** Removes an installed package (before another fixture's package of the same name goes in). */
async function remove(target: Target, root: Root, b: Booted, name: string): Promise<void> {
  if (target === 'deb') await apt(root, ['purge', '-y', name]);
  else await shIn(b, `rpm --dbpath /var/lib/rpm --nodeps -e ${name} 2>&1`);
}

for (const target of TARGETS) {
  test(`${target}: every fixture installs and runs on a booted Debian 12`, async (t) => {
    if (!requireTools(t, ['root', ...E2E_TOOLS])) return;
    let root: Root | undefined;
    try {
      root = await createRoot();
      for (const [fixture, app] of built) {
        const file = path.join(root.path, packageIn(fixture, app, target));
        await mkdir(path.dirname(file), { recursive: true });
        await copyFile(app.packages[target].path, file);
      }
      const b = await root.boot();
      if (target === 'rpm') await shIn(b, 'mkdir -p /var/lib/rpm && rpm --dbpath /var/lib/rpm --initdb');

      // All fixtures side by side on their own ports, except that the monorepos' api workspaces
      // share a package name: each replaces the one installed before it.
      const installed = new Set<string>();
      for (const fixture of FIXTURES) {
        await t.test(fixture.id, async (st) => {
          const app = built.get(fixture);
          const row: MatrixRow = {
            fixture: fixture.id,
            flags: (fixture.args ?? []).join(' '),
            target,
            file: '',
            buildSeconds: app?.seconds,
            installed: undefined,
            ok: undefined,
            ran: '',
          };
          rows.push(row);
          if (!app) {
            row.ran = buildFailed.has(fixture)
              ? `build failed: ${buildFailed.get(fixture)}`
              : selected(fixture)
                ? 'not built (tools missing)'
                : 'not selected';
            if (buildFailed.has(fixture)) {
              row.ok = false;
              assert.fail(row.ran);
            }
            st.skip(row.ran);
            return;
          }
          row.file = path.basename(app.packages[target].path);
          try {
            row.installed = false;
            const replaces = installed.has(app.name);
            if (replaces) await remove(target, root!, b, app.name);
            await install(target, root!, b, packageIn(fixture, app, target));
            installed.add(app.name);
            row.installed = true;
            row.ran =
              (replaces ? `(replaced the ${app.name} installed before) ` : '') +
              (await configureAndRun(fixture, { b, target, name: app.name, port: portOf(fixture) }));
            row.ok = true;
            st.diagnostic(row.ran);
          } catch (error) {
            row.ok = false;
            row.ran = (error as Error).message.split('\n').slice(0, 2).join(' ');
            throw error;
          }
        });
      }
      await b.shutdown();
    } finally {
      await root?.destroy();
    }
  });
}

test('every fixture under test/fixtures/apps is in the matrix', async () => {
  const dirs = (await readdir(path.join(REPO_ROOT, 'test/fixtures/apps'), { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => `test/fixtures/apps/${d.name}`);
  const missing = dirs.filter((d) => !FIXTURES.some((f) => f.source === d || f.source.startsWith(`${d}/`)));
  assert.deepEqual(missing, [], 'add an entry to FIXTURES in test/helpers/fixture-matrix.ts');
});
