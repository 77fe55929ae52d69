// Packages for another architecture from prebuilt binaries (issue 13): the sharp + esbuild app
// (test/fixtures/apps/cross-native, real lockfiles from the npm registry) built with --arch on
// this machine. The lockfile is installed for the target: its platform packages in, this
// machine's out; every ELF object is for the target's machine (checked with binutils' readelf);
// the rpm's library Requires equal rpm's own elfdeps on the extracted files; lintian and rpmlint
// see no object of another architecture. npm, pnpm and Yarn Berry each install for the target.
// A package that compiles its addon at install has no binary for another machine: exit 2 naming
// it. The end-to-end run on an arm64 Debian root under qemu is in the second half.
//
// Run alone: npm run build && node --import tsx --test test/oracle/cross-arch.test.ts
import assert from 'node:assert/strict';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { execa } from 'execa';
import { readElfInfo } from '../../src/elf/elf-info.js';
import { createRoot } from '../helpers/chroot.js';
import { pathFor, type FixtureManager } from '../helpers/package-managers.js';
import { cleanupTestDirs, REPO_ROOT, runCli, tempDir } from '../helpers/testdir.js';
import { requireElfdeps, requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

const APP = path.join(REPO_ROOT, 'test/fixtures/apps/cross-native');
const EPOCH = '1795651200';
/** The architecture this test builds for: the other one of amd64/arm64. */
const FOREIGN =
  process.arch === 'arm64'
    ? { node: 'x64', deb: 'amd64', rpm: 'x86_64', machine: 'x86_64', readelf: 'Advanced Micro Devices X86-64' }
    : { node: 'arm64', deb: 'arm64', rpm: 'aarch64', machine: 'aarch64', readelf: 'AArch64' };
const HOST = process.arch === 'arm64' ? { node: 'arm64', machine: 'aarch64' } : { node: 'x64', machine: 'x86_64' };

/** A copy of the fixture installed with `manager` (its lockfile from lockfiles/), without node_modules. */
async function appCopy(manager: FixtureManager = 'npm'): Promise<string> {
  const dir = path.join(await tempDir('pkgapp-cross-'), 'cross-native');
  await cp(APP, dir, { recursive: true, filter: (source) => !source.includes('node_modules') });
  if (manager !== 'npm') await rm(path.join(dir, 'package-lock.json'));
  if (manager === 'pnpm') await cp(path.join(dir, 'lockfiles/pnpm-lock.yaml'), path.join(dir, 'pnpm-lock.yaml'));
  if (manager === 'yarn-berry') {
    await cp(path.join(dir, 'lockfiles/yarn.lock'), path.join(dir, 'yarn.lock'));
    await writeFile(path.join(dir, '.yarnrc.yml'), 'nodeLinker: node-modules\nenableTelemetry: false\n');
  }
  return dir;
}

interface Built {
  deb?: string;
  rpm?: string;
  stderr: string;
}

async function buildFor(dir: string, args: string[], manager: FixtureManager = 'npm'): Promise<Built> {
  const out = path.join(await tempDir(), 'dist');
  const r = await runCli(['build', '-C', dir, '-o', out, '--json', ...args], {
    env: { SOURCE_DATE_EPOCH: EPOCH, PATH: await pathFor(manager), HOME: process.env['HOME'] ?? '/root' },
  });
  assert.equal(r.exitCode, 0, r.stderr);
  const packages = (JSON.parse(r.stdout) as { packages: { format: string; path: string }[] }).packages;
  const deb = packages.find((p) => p.format === 'deb')?.path;
  const rpm = packages.find((p) => p.format === 'rpm')?.path;
  return { ...(deb ? { deb } : {}), ...(rpm ? { rpm } : {}), stderr: r.stderr };
}

async function extractDeb(deb: string): Promise<string> {
  const dir = await tempDir();
  await execa('dpkg-deb', ['-x', deb, dir]);
  return dir;
}

/** Every ELF file under `dir` (found by its magic, not its name), relative. */
async function elfFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (await readElfInfo(file)) found.push(path.relative(dir, file));
  }
  return found.sort();
}

/** binutils' word on each file's machine (readelf -h "Machine:"). */
async function readelfMachines(dir: string, files: string[]): Promise<Map<string, string>> {
  const machines = new Map<string, string>();
  for (const file of files) {
    const { stdout } = await execa('readelf', ['-h', path.join(dir, file)]);
    machines.set(file, /^\s*Machine:\s*(.+)$/m.exec(stdout)?.[1]?.trim() ?? '?');
  }
  return machines;
}

/** Package directories under node_modules that name a platform: "@img/sharp-linux-arm64", "@esbuild/linux-x64". */
function platformPackages(files: string[]): string[] {
  const names = new Set<string>();
  for (const f of files) {
    const m = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(@[^/]+\/[^/]*(?:linux|darwin|win32)[^/]*)\//.exec(f);
    if (m) names.add(m[1]!);
  }
  return [...names].sort();
}

let npmBuild: Promise<Built> | undefined;
const foreignNpmBuild = async () =>
  (npmBuild ??= (async () => buildFor(await appCopy(), ['-t', 'deb', '-t', 'rpm', '--arch', FOREIGN.deb]))());

test(`npm: --arch ${FOREIGN.deb} installs the target's platform packages; every ELF object is ${FOREIGN.machine}`, async (t) => {
  if (!requireTools(t, ['dpkg-deb', 'readelf'])) return;
  const built = await foreignNpmBuild();
  assert.equal((await execa('dpkg-deb', ['--field', built.deb!, 'Architecture'])).stdout, FOREIGN.deb);
  const root = await extractDeb(built.deb!);
  const files = (await readdir(root, { recursive: true })).map(String);
  assert.deepEqual(platformPackages(files), [
    `@esbuild/linux-${FOREIGN.node}`,
    `@img/sharp-libvips-linux-${FOREIGN.node}`,
    `@img/sharp-linux-${FOREIGN.node}`,
  ]);
  const elves = await elfFiles(root);
  const machines = await readelfMachines(root, elves);
  t.diagnostic([...machines].map(([f, m]) => `${m}\t${f}`).join('\n'));
  assert.equal(elves.length, 3, 'sharp addon, libvips, esbuild');
  for (const [file, machine] of machines) assert.equal(machine, FOREIGN.readelf, file);
  const depends = (await execa('dpkg-deb', ['--field', built.deb!, 'Depends'])).stdout;
  t.diagnostic(`Depends: ${depends}`);
  for (const pkg of ['libc6', 'libstdc++6', 'libgcc-s1'])
    assert.match(depends, new RegExp(`${pkg.replace('+', '\\+')} \\(>= `));
});

test(`npm: the ${FOREIGN.rpm} rpm's library Requires equal elfdeps on its files (without the libraries it ships)`, async (t) => {
  if (!requireTools(t, ['rpm', 'rpm2cpio', 'cpio'])) return;
  const elfdeps = requireElfdeps(t);
  if (!elfdeps) return;
  const built = await foreignNpmBuild();
  const rpmHome = await tempDirOnce();
  const qf = (tag: string) => execa('rpm', ['-qp', '--qf', tag, built.rpm!], { env: { HOME: rpmHome } });
  assert.equal((await qf('%{ARCH}')).stdout, FOREIGN.rpm);
  const dir = await tempDir();
  await execa('sh', ['-c', `rpm2cpio "$1" | cpio -idm --quiet`, 'sh', built.rpm!], { cwd: dir });
  const elves = await elfFiles(dir);
  const shipped = new Set<string>();
  const theirs = new Set<string>();
  for (const file of elves) {
    const info = await readElfInfo(path.join(dir, file));
    if (info?.soname) shipped.add(info.soname);
    const { stdout } = await execa(elfdeps, ['--requires', path.join(dir, file)]);
    for (const line of stdout.split('\n')) if (line) theirs.add(line);
  }
  const expected = [...theirs].filter((r) => !shipped.has(r.replace(/\(.*$/, ''))).sort();
  const ours = (await qf('[%{REQUIRENAME}\\n]')).stdout
    .split('\n')
    .filter((r) => /^(lib|ld-|rtld)/.test(r))
    .sort();
  t.diagnostic(`rpm -qp --requires (ELF part):\n${ours.join('\n')}`);
  assert.ok(ours.includes('libc.so.6()(64bit)'), 'the C library, with the 64-bit marker');
  assert.deepEqual(ours, expected);
});

let rpmHomeDir: Promise<string> | undefined;
const tempDirOnce = () => (rpmHomeDir ??= tempDir('pkgapp-rpmhome-'));

test(`lintian and rpmlint: no object of another architecture in the ${FOREIGN.deb} packages`, async (t) => {
  if (!requireTools(t, ['lintian', 'rpmlint'])) return;
  const built = await foreignNpmBuild();
  const lintian = (await execa('lintian', ['--tag-display-limit', '0', built.deb!], { reject: false })).stdout;
  t.diagnostic(`lintian:\n${lintian}`);
  for (const tag of ['binary-from-other-architecture', 'missing-dependency-on-libc'])
    assert.ok(!lintian.includes(tag), `lintian: ${tag}\n${lintian}`);
  const rpmlint = (
    await execa('rpmlint', [built.rpm!], { reject: false, env: { HOME: await tempDirOnce(), LANG: 'C.UTF-8' } })
  ).stdout;
  t.diagnostic(`rpmlint:\n${rpmlint.split('\n').slice(0, 40).join('\n')}`);
  assert.match(rpmlint, /dir-or-file-in-opt/, 'rpmlint looked at the files');
  for (const tag of ['arch-dependent-file-in-noarch', 'shared-library-without-dependency-information'])
    assert.ok(!rpmlint.includes(tag), `rpmlint: ${tag}\n${rpmlint}`);
});

test(`the same tree for this machine (--arch ${HOST.node}): this machine's platform packages, ${HOST.machine} only`, async (t) => {
  if (!requireTools(t, ['dpkg-deb'])) return;
  const built = await buildFor(await appCopy(), ['-t', 'deb', '--arch', HOST.node]);
  const root = await extractDeb(built.deb!);
  const files = (await readdir(root, { recursive: true })).map(String);
  assert.deepEqual(platformPackages(files), [
    `@esbuild/linux-${HOST.node}`,
    `@img/sharp-libvips-linux-${HOST.node}`,
    `@img/sharp-linux-${HOST.node}`,
  ]);
  for (const file of await elfFiles(root))
    assert.equal((await readElfInfo(path.join(root, file)))?.machineName, HOST.machine, file);
});

for (const manager of ['pnpm', 'yarn-berry'] as const) {
  test(`${manager}: --arch ${FOREIGN.deb} installs the target's platform packages, not this machine's`, async (t) => {
    if (!requireTools(t, ['dpkg-deb'])) return;
    const dir = await appCopy(manager);
    const before = manager === 'yarn-berry' ? await execa('cat', [path.join(dir, '.yarnrc.yml')]) : undefined;
    const built = await buildFor(dir, ['-t', 'deb', '--arch', FOREIGN.deb], manager);
    const root = await extractDeb(built.deb!);
    const files = (await readdir(root, { recursive: true })).map(String);
    const platforms = platformPackages(files).map((p) => p.replace(/@[\d.]+$/, '').replace('+', '/'));
    t.diagnostic(platforms.join(', '));
    assert.deepEqual([...new Set(platforms)].sort(), [
      `@esbuild/linux-${FOREIGN.node}`,
      `@img/sharp-libvips-linux-${FOREIGN.node}`,
      `@img/sharp-linux-${FOREIGN.node}`,
    ]);
    for (const file of await elfFiles(root))
      assert.equal((await readElfInfo(path.join(root, file)))?.machineName, FOREIGN.machine, file);
    if (before)
      assert.equal(
        (await execa('cat', [path.join(dir, '.yarnrc.yml')])).stdout,
        before.stdout,
        "the app's .yarnrc.yml is left as it was",
      );
  });
}

test(`a package compiled at install (better-sqlite3, binding.gyp) has no binary for ${FOREIGN.deb}: exit 2 naming it`, async (t) => {
  if (!requireTools(t, ['dpkg-deb'])) return;
  const dir = path.join(await tempDir('pkgapp-cross-'), 'native-sqlite');
  await cp(path.join(REPO_ROOT, 'test/fixtures/apps/native-sqlite'), dir, {
    recursive: true,
    filter: (source) => !source.includes('node_modules'),
  });
  const out = path.join(await tempDir(), 'dist');
  const r = await runCli(['build', '-C', dir, '-o', out, '--arch', FOREIGN.deb], {
    env: { SOURCE_DATE_EPOCH: EPOCH, PATH: await pathFor('npm'), HOME: process.env['HOME'] ?? '/root' },
  });
  t.diagnostic(r.stderr);
  assert.equal(r.exitCode, 2, r.stderr);
  assert.match(r.stderr, /node_modules\/better-sqlite3 compiles its native addon at install \(binding\.gyp\)/);
  assert.match(r.stderr, new RegExp(`no prebuilt binary for linux-${FOREIGN.node}`));
  assert.match(r.stderr, /PKGAPP_ARCH_NO_PREBUILD/);
  assert.deepEqual(await readdir(out).catch(() => []), [], 'nothing written');
});

test(`--node bundled with this machine's node for an ${FOREIGN.deb} package is refused naming the binary`, async (t) => {
  if (!requireTools(t, ['dpkg-deb'])) return;
  const r = await runCli(
    [
      'build',
      '-C',
      await appCopy(),
      '-o',
      path.join(await tempDir(), 'dist'),
      '--arch',
      FOREIGN.deb,
      '--node-binary',
      process.execPath,
    ],
    { env: { SOURCE_DATE_EPOCH: EPOCH, PATH: await pathFor('npm'), HOME: process.env['HOME'] ?? '/root' } },
  );
  assert.equal(r.exitCode, 2, r.stderr);
  assert.ok(r.stderr.includes(`${process.execPath} is a node for ${HOST.machine}`), r.stderr);
  assert.match(r.stderr, new RegExp(`node-linux-${FOREIGN.node}`), 'says where a node for the target comes from');
});

// End to end on the target's machine: an arm64 Debian 12 root (mmdebstrap --arch=arm64, cached in
// the test image cache; its programs run under qemu-user-static through binfmt_misc) gets the
// arm64 deb through apt, which checks its Depends against what the root has. Booting systemd
// under qemu is too slow for the suite (minutes per boot on this machine), so the unit's
// command runs by hand, as the unit's user, in the unit's working directory and environment,
// and answers: sharp resized an image (libvips ran) and esbuild compiled TypeScript (its Go
// program ran), both reporting arm64.
test('arm64 root under qemu: apt installs the arm64 deb, and the service answers with work done by its native code', async (t) => {
  if (process.arch !== 'x64') {
    t.skip('the arm64 root is made on an amd64 machine');
    return;
  }
  if (!requireTools(t, ['mmdebstrap', 'systemd-nspawn', 'update-binfmts', 'dpkg-deb']) || !isRootUser(t)) return;
  const built = await foreignNpmBuild();
  const root = await createRoot({ arch: 'arm64', basePackages: ['adduser', 'nodejs'] });
  try {
    await cp(built.deb!, path.join(root.path, 'root/app.deb'));
    const installed = await root.exec(['apt-get', 'install', '-y', '--no-install-recommends', '/root/app.deb'], {
      timeoutMs: 10 * 60_000,
    });
    t.diagnostic(`apt-get install:\n${installed.stdout.split('\n').slice(-8).join('\n')}`);
    assert.equal(installed.exitCode, 0, installed.stderr);
    const arch = await root.exec(['dpkg-query', '-W', '-f', '${Architecture}', 'cross-native'], { check: true });
    assert.equal(arch.stdout, 'arm64');

    const unit = await readFile(path.join(root.path, 'lib/systemd/system/cross-native.service'), 'utf8');
    const setting = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(unit)?.[1] ?? '';
    const execStart = [...setting('ExecStart').matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
    const port = String(20_000 + Math.floor(Math.random() * 20_000));
    const script = [
      `cd ${setting('WorkingDirectory')}`,
      `runuser -u ${setting('User')} -- env NODE_ENV=production PORT=${port} ${execStart.map((w) => `'${w}'`).join(' ')} > /tmp/service.log 2>&1 & service=$!`,
      // node starts in seconds under qemu; ask until it answers (at most 120 s)
      `ask() { node -e 'fetch(process.argv[1]).then(async (r) => { console.log(r.status, await r.text()); process.exit(r.ok ? 0 : 1); }, () => process.exit(1))' "http://127.0.0.1:${port}$1"; }`,
      'for i in $(seq 1 120); do ask /transform && break; sleep 1; done',
      'ask /resize',
      'status=$?',
      'kill $service; wait $service',
      'cat /tmp/service.log',
      'exit $status',
    ].join('\n');
    const run = await root.exec(['sh', '-c', script], { timeoutMs: 5 * 60_000 });
    t.diagnostic(`the unit's command (${execStart.join(' ')}) as ${setting('User')}:\n${run.stdout}${run.stderr}`);
    assert.equal(run.exitCode, 0, `${run.stdout}\n${run.stderr}`);
    const answers = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('200 '))
      .map((l) => JSON.parse(l.slice(4)) as Record<string, unknown>);
    const transform = answers.find((a) => 'code' in a);
    const resize = answers.find((a) => 'width' in a);
    assert.equal(transform?.['arch'], 'arm64');
    assert.match(String(transform?.['code']), /const answer = 6 \* 7;/, 'esbuild stripped the type annotation');
    assert.equal(resize?.['arch'], 'arm64');
    assert.deepEqual([resize?.['width'], resize?.['height']], [16, 12], 'sharp resized 64x48 to 16x12');
    assert.deepEqual(resize?.['firstPixel'], [255, 128, 0], 'and the pixels are the ones drawn');
  } finally {
    await root.destroy();
  }
});

function isRootUser(t: TestContext): boolean {
  if (process.getuid?.() === 0) return true;
  if (process.env['CI'] === 'true') assert.fail('the arm64 root needs root (mount, systemd-nspawn)');
  t.skip('needs root (mount, systemd-nspawn)');
  return false;
}
