// Apps installed with pnpm (isolated and hoisted), Yarn classic and Yarn Berry: packaged as deb
// and rpm with exactly the lockfile's production packages (pnpm's symlinks kept, relative,
// resolving inside /opt/NAME), the SBOM listing exactly that set, --no-install checking the
// developer's tree, and the bad inputs (stale lock, unknown or conflicting package managers,
// a missing tool) refused with exit 2.
import assert from 'node:assert/strict';
import { cp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { parseLock } from '../../src/app/lockfiles/package-manager.js';
import { FROZEN_INSTALL, pathFor, pathWithoutManagers, type FixtureManager } from '../helpers/package-managers.js';
import { cleanupTestDirs, REPO_ROOT, runCli, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

const FIXTURES: { dir: string; name: string; manager: FixtureManager; lockfile: string; symlinks: boolean }[] = [
  { dir: 'pnpm', name: 'lock-pnpm', manager: 'pnpm', lockfile: 'pnpm-lock.yaml', symlinks: true },
  { dir: 'pnpm-hoisted', name: 'lock-pnpm-hoisted', manager: 'pnpm', lockfile: 'pnpm-lock.yaml', symlinks: false },
  { dir: 'yarn-classic', name: 'lock-yarn-classic', manager: 'yarn-classic', lockfile: 'yarn.lock', symlinks: false },
  { dir: 'yarn-berry', name: 'lock-yarn-berry', manager: 'yarn-berry', lockfile: 'yarn.lock', symlinks: false },
];
const PRODUCTION = ['debug@4.4.3', 'ms@2.1.3'];
const ENV = { SOURCE_DATE_EPOCH: '1795651200' };

async function copyFixture(dir: string): Promise<string> {
  const app = path.join(await tempDir('pkgapp-lock-'), dir);
  await cp(path.join(REPO_ROOT, 'test/fixtures/apps', dir), app, { recursive: true });
  return app;
}

/** dpkg-deb -c as path → symlink target (or '' for files and directories), paths absolute. */
async function debEntries(deb: string): Promise<Map<string, string>> {
  const listing = (await execa('dpkg-deb', ['--contents', deb])).stdout;
  const entries = new Map<string, string>();
  for (const line of listing.split('\n')) {
    const match = /^\S+ \S+ +\d+ \S+ \S+ \.(\/\S*?)\/?(?: -> (\S+))?$/.exec(line);
    if (match) entries.set(match[1]!, match[2] ?? '');
  }
  return entries;
}

/** The lockfile's production set, as pkgapp's reader computes it. */
async function lockProduction(app: string, fixture: (typeof FIXTURES)[number]): Promise<string[]> {
  const file = path.join(app, fixture.lockfile);
  const pkg = JSON.parse(await readFile(path.join(app, 'package.json'), 'utf8'));
  const graph = (await parseLock(fixture.manager, await readFile(file, 'utf8'), file, new Map([['', pkg]]))).graph('');
  return [...graph.nodes.values()]
    .filter((n) => n !== graph.root)
    .map((n) => `${n.name}@${n.version}`)
    .sort();
}

for (const fixture of FIXTURES) {
  test(`${fixture.dir}: deb and rpm hold the production packages only, the SBOM lists exactly the lockfile's production set`, async (t) => {
    if (!requireTools(t, ['dpkg-deb', 'rpm'])) return;
    const app = await copyFixture(fixture.dir);
    const out = await tempDir();
    const r = await runCli(['build', '-C', app, '-o', out, '-t', 'deb', '-t', 'rpm', '--json'], {
      env: { ...ENV, PATH: await pathFor(fixture.manager) },
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const built = JSON.parse(r.stdout).packages as { format: string; path: string; sbom: string }[];
    const deb = built.find((p) => p.format === 'deb')!.path;
    const rpm = built.find((p) => p.format === 'rpm')!.path;
    const opt = `/opt/${fixture.name}`;

    const entries = await debEntries(deb);
    const paths = [...entries.keys()];
    assert.ok(entries.has(`${opt}/server.js`) && entries.has(`${opt}/bin/hello.js`), 'the app files are packaged');
    for (const dep of ['debug', 'ms'])
      assert.ok(
        paths.some((p) => p.startsWith(`${opt}/node_modules/`) && p.endsWith(`/node_modules/${dep}/package.json`)),
        `${dep} is packaged`,
      );
    assert.deepEqual(
      paths.filter((p) => p.includes('is-number')),
      [],
      'the dev dependency is not packaged',
    );
    assert.deepEqual(
      paths.filter((p) => /\.modules\.yaml|\.yarn-state|\.yarn-integrity|lock\.yaml|\.package-lock/.test(p)),
      [],
      'no package-manager state',
    );

    const links = [...entries].filter(([, target]) => target !== '');
    if (fixture.symlinks) {
      assert.equal(
        entries.get(`${opt}/node_modules/debug`),
        '.pnpm/debug@4.4.3/node_modules/debug',
        "pnpm's top-level link is kept as a relative symlink",
      );
      assert.equal(
        entries.get(`${opt}/node_modules/.pnpm/debug@4.4.3/node_modules/ms`),
        '../../ms@2.1.3/node_modules/ms',
      );
      // pnpm's hoisted links, where undeclared (phantom) dependencies resolve as in development.
      assert.equal(entries.get(`${opt}/node_modules/.pnpm/node_modules/ms`), '../ms@2.1.3/node_modules/ms');
    } else {
      assert.deepEqual(links, [], 'a hoisted tree has no symlinks');
      assert.ok(
        entries.has(`${opt}/node_modules/debug/package.json`) && entries.has(`${opt}/node_modules/ms/package.json`),
      );
    }
    for (const [link, target] of links) {
      assert.ok(!path.isAbsolute(target), `${link} → ${target} is relative`);
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(link), target));
      assert.ok(resolved.startsWith(`${opt}/`), `${link} → ${target} stays inside ${opt}`);
      assert.ok(entries.has(`${resolved}/package.json`), `${link} → ${target} resolves to a packaged package`);
    }

    const rpmFiles = (await execa('rpm', ['-qp', '--qf', '[%{FILENAMES} %{FILELINKTOS}\\n]', rpm])).stdout
      .split('\n')
      .map((l) => l.trim());
    assert.ok(
      rpmFiles.some((l) => l.startsWith(`${opt}/node_modules/`) && l.endsWith('/node_modules/ms/index.js')),
      'ms is in the rpm',
    );
    assert.deepEqual(
      rpmFiles.filter((l) => l.includes('is-number')),
      [],
    );
    if (fixture.symlinks)
      assert.ok(
        rpmFiles.includes(`${opt}/node_modules/debug .pnpm/debug@4.4.3/node_modules/debug`),
        'the rpm keeps the symlink too',
      );

    const sbom = JSON.parse(await readFile(built[0]!.sbom, 'utf8')) as {
      components: { name: string; version: string }[];
    };
    const listed = sbom.components.map((c) => `${c.name}@${c.version}`).sort();
    assert.deepEqual(listed, await lockProduction(app, fixture));
    assert.deepEqual(listed, PRODUCTION);

    // Unpacked anywhere, the bin resolves its dependencies through the packaged tree (and links).
    const root = await tempDir('pkgapp-unpacked-');
    await execa('dpkg-deb', ['-x', deb, root]);
    const hello = await execa(process.execPath, [path.join(root, opt, 'bin/hello.js')], { env: { NODE_PATH: '' } });
    assert.deepEqual(JSON.parse(hello.stdout), {
      app: fixture.name,
      manager: fixture.manager === 'pnpm' ? 'pnpm' : fixture.manager.replace('-', ' '),
      humanized: '2m',
    });
  });

  test(`${fixture.dir}: --no-install packages the developer's tree and refuses one that differs from the lockfile`, async (t) => {
    if (!requireTools(t, ['dpkg-deb'])) return;
    const app = await copyFixture(fixture.dir);
    const PATH = await pathFor(fixture.manager);
    const [file, ...args] = FROZEN_INSTALL[fixture.manager];
    await execa(file!, args, { cwd: app, env: { PATH, COREPACK_ENABLE_STRICT: '0' } });
    const out = await tempDir();
    // no package manager needed to check and package an installed tree
    const r = await runCli(['build', '-C', app, '-o', out, '--no-install', '--json'], {
      env: { ...ENV, PATH: pathWithoutManagers() },
    });
    assert.equal(r.exitCode, 0, r.stderr);
    const deb = (JSON.parse(r.stdout).packages as { path: string }[])[0]!.path;
    const paths = [...(await debEntries(deb)).keys()];
    assert.ok(paths.some((p) => p.endsWith('/node_modules/ms/index.js')));
    assert.deepEqual(
      paths.filter((p) => p.includes('is-number')),
      [],
      'the installed dev dependency is left out',
    );

    // A different ms: a new file (pnpm hard-links its store: never write through the old one).
    const msManifest = await realpath(
      path.join(
        app,
        fixture.symlinks ? 'node_modules/.pnpm/ms@2.1.3/node_modules/ms/package.json' : 'node_modules/ms/package.json',
      ),
    );
    const manifest = JSON.parse(await readFile(msManifest, 'utf8'));
    await rm(msManifest);
    await writeFile(msManifest, JSON.stringify({ ...manifest, version: '2.1.2' }));
    const bad = await runCli(['build', '-C', app, '-o', out, '--no-install'], {
      env: { ...ENV, PATH: pathWithoutManagers() },
    });
    assert.equal(bad.exitCode, 2, bad.stderr);
    assert.match(bad.stderr, /node_modules does not match .*(pnpm-lock\.yaml|yarn\.lock)/);
    assert.match(bad.stderr, /ms: version 2\.1\.2 installed, the lockfile pins ms@2\.1\.3/);
    await rm(path.dirname(msManifest), { recursive: true });
    const missing = await runCli(['build', '-C', app, '-o', out, '--no-install'], {
      env: { ...ENV, PATH: pathWithoutManagers() },
    });
    assert.equal(missing.exitCode, 2, missing.stderr);
    assert.match(missing.stderr, /ms \(needed by .*debug.*\): missing \(the lockfile pins ms@2\.1\.3\)/);
  });

  test(`${fixture.dir}: a lockfile out of sync with package.json is refused (exit 2), listing every mismatch`, async () => {
    const app = await copyFixture(fixture.dir);
    const pkg = JSON.parse(await readFile(path.join(app, 'package.json'), 'utf8'));
    pkg.dependencies = { debug: '^4.4.0', 'escape-html': '^1.0.3' };
    await writeFile(path.join(app, 'package.json'), JSON.stringify(pkg, null, 2));
    const out = path.join(await tempDir(), 'dist');
    const r = await runCli(['build', '-C', app, '-o', out], { env: { ...ENV, PATH: await pathFor(fixture.manager) } });
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`${fixture.lockfile.replace('.', '\\.')} is out of sync with package\\.json:`));
    assert.match(r.stderr, /dependencies\.escape-html \(\^1\.0\.3\) is in package\.json but not in the lockfile/);
    assert.match(r.stderr, /dependencies\.debug/, 'the changed range is listed too');
    assert.match(r.stderr, fixture.manager === 'pnpm' ? /pnpm install/ : /yarn install/);
  });
}

/** Builds a copy of `dir` after `edit`, expecting exit 2 and `message`. */
async function refused(
  dir: string,
  edit: (app: string) => Promise<void>,
  message: RegExp,
  PATH?: string,
): Promise<void> {
  const app = await copyFixture(dir);
  await edit(app);
  const out = path.join(await tempDir(), 'dist');
  const r = await runCli(['build', '-C', app, '-o', out], { env: { ...ENV, PATH: PATH ?? (await pathFor('pnpm')) } });
  assert.equal(r.exitCode, 2, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, message);
  await assert.rejects(readFile(out), 'nothing is written');
}

const editPackage = (edit: (pkg: Record<string, unknown>) => void) => async (app: string) => {
  const file = path.join(app, 'package.json');
  const pkg = JSON.parse(await readFile(file, 'utf8'));
  edit(pkg);
  await writeFile(file, JSON.stringify(pkg, null, 2));
};

test('an unsupported packageManager (bun) is refused, naming the field', () =>
  refused(
    'pnpm',
    editPackage((pkg) => (pkg.packageManager = 'bun@1.1.0')),
    /"packageManager": "bun@1\.1\.0" names a package manager pkgapp does not support/,
  ));

test('lockfiles of two package managers without a packageManager to choose are refused', () =>
  refused(
    'pnpm',
    async (app) => {
      await editPackage((pkg) => delete pkg.packageManager)(app);
      await cp(path.join(REPO_ROOT, 'test/fixtures/apps/yarn-classic/yarn.lock'), path.join(app, 'yarn.lock'));
    },
    /lockfiles of several package managers \(yarn\.lock, pnpm-lock\.yaml\)[^]*"packageManager"/,
  ));

test('a packageManager that did not write the lockfile is refused', () =>
  refused(
    'yarn-classic',
    editPackage((pkg) => (pkg.packageManager = 'yarn@4.9.4')),
    /yarn\.lock is a Yarn classic \(v1\) lockfile, but package\.json "packageManager" is yarn@4\.9\.4/,
  ));

test("Yarn Berry with Plug'n'Play is refused: pkgapp needs nodeLinker: node-modules", () =>
  refused(
    'yarn-berry',
    (app) => rm(path.join(app, '.yarnrc.yml')),
    /nodeLinker is "pnp" \(the default\)[^]*nodeLinker: node-modules/,
  ));

test('a pnpm lockfile older than pnpm 8 is refused', () =>
  refused(
    'pnpm',
    (app) => writeFile(path.join(app, 'pnpm-lock.yaml'), 'lockfileVersion: 5.4\nspecifiers: {}\n'),
    /lockfileVersion 5\.4 is not supported[^]*pnpm install --lockfile-only/,
  ));

test('a missing package manager is bad input naming how to install it', async () => {
  await refused(
    'pnpm',
    async () => {},
    /the lockfile needs pnpm, but no `pnpm` is on PATH[^]*npm install -g pnpm@10\.34\.9/,
    pathWithoutManagers(),
  );
  await refused(
    'yarn-berry',
    async () => {},
    /the lockfile needs Yarn 2 or newer, but no `yarn` is on PATH[^]*@yarnpkg\/cli-dist@4\.9\.4/,
    pathWithoutManagers(),
  );
  // Yarn 4 first on PATH for a Yarn classic app: the wrong generation
  await refused(
    'yarn-classic',
    async () => {},
    /the lockfile needs Yarn classic \(1\.x\), but `yarn` on PATH is version 4\.9\.4[^]*npm install -g yarn@1\.22\.22/,
    await pathFor('yarn-berry'),
  );
});

test('pkgapp.buildScript with pnpm: dev dependencies installed for the build, production ones packaged', async (t) => {
  if (!requireTools(t, ['dpkg-deb'])) return;
  // the TypeScript fixture, its package-lock.json turned into a pnpm-lock.yaml by `pnpm import`
  const app = await copyFixture('ts-build');
  const PATH = await pathFor('pnpm');
  await execa('pnpm', ['import'], { cwd: app, env: { PATH } });
  await rm(path.join(app, 'package-lock.json'));
  const out = await tempDir();
  const r = await runCli(['build', '-C', app, '-o', out, '--json'], { env: { ...ENV, PATH } });
  assert.equal(r.exitCode, 0, r.stderr);
  const paths = [...(await debEntries((JSON.parse(r.stdout).packages as { path: string }[])[0]!.path)).keys()];
  assert.ok(paths.includes('/opt/ts-build-app/dist/server.js'), 'the build output is packaged');
  assert.ok(paths.includes('/opt/ts-build-app/node_modules/.pnpm/ms@2.1.3/node_modules/ms/index.js'));
  assert.deepEqual(
    paths.filter((p) => /typescript|@types|\/src\//.test(p)),
    [],
    'dev dependencies and sources are not',
  );
});
