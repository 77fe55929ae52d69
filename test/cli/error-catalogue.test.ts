// The error catalogue (src/error-catalogue.ts), entry by entry: each test really provokes the
// error, through the CLI's main() (in process, the code path of dist/cli.js, fast), a real
// `node dist/cli.js` run where the environment must differ (PATH, a full stdout), or the library
// where the CLI cannot reach the error cheaply; and asserts the exit code, that the message names
// the file, key or flag, and that a hint says what to do. Then the drift checks: every error code
// in src/ is catalogued, and every entry has a test here.
//
// Run alone: npm run build && node --import tsx --test test/cli/error-catalogue.test.ts
import assert from 'node:assert/strict';
import { chmod, cp, mkdir, readdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, truncateSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, test, type TestContext } from 'node:test';
import { execa } from 'execa';
import lockfile from 'proper-lockfile';
import * as openpgp from 'openpgp';
import { main, reportError } from '../../src/cli/main.js';
import { parseCacheSize } from '../../src/cache/cache-dir.js';
import { ERROR_CATALOGUE, type CatalogueEntry } from '../../src/error-catalogue.js';
import { CLI, cleanupTestDirs, makeApp, minimalApp, REPO_ROOT, runCli, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';
import { compileAddon, NAPI_ADDON_IMPORTS, V8_ADDON_IMPORTS } from '../helpers/native-addons.js';
import { stripCompiledAddons } from '../../src/contents/strip-compiled.js';
import type { ManagerTool } from '../../src/app/lockfiles/package-manager.js';

after(cleanupTestDirs);

const EPOCH = '1795651200';

interface Outcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** What a trigger provoked, and what its message must name (file, key or flag). */
interface Triggered {
  result: Outcome;
  names: (string | RegExp)[];
}

interface Trigger {
  /** Host tools it needs (requireTools: skipped locally, a failure on CI). */
  needs?: string[];
  run(): Promise<Triggered>;
}

/** Runs the CLI's main() in this process with captured output; env is what the CLI sees as the environment. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const exitCode = await main(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: { ...env },
    interactive: false,
  });
  return { exitCode, stdout, stderr };
}

/** A library call's error, reported exactly as the CLI reports it. */
async function viaLibrary(call: () => Promise<unknown>): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  try {
    await call();
  } catch (error) {
    const exitCode = reportError(error, {
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      env: {},
      interactive: false,
    });
    return { exitCode, stdout, stderr };
  }
  throw new Error('the library call succeeded');
}

const naming = (result: Outcome, ...names: (string | RegExp)[]): Triggered => ({ result, names });

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

/** A temporary app: minimalApp with package.json overrides and extra files. */
const app = (overrides: Record<string, unknown> = {}, extra: Record<string, string | object> = {}) =>
  makeApp(minimalApp(overrides, extra));
const pkgJson = (overrides: Record<string, unknown>) => ({ ...(minimalApp()['package.json'] as object), ...overrides });
const lock = (deps: Record<string, string>, packages: Record<string, object> = {}) => ({
  name: 'tiny-app',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: { '': { name: 'tiny-app', version: '1.0.0', dependencies: deps }, ...packages },
});

/** `pkgapp build -C dir -o <new dir> [--no-install] ...args`. */
async function build(
  dir: string,
  args: string[] = [],
  env: Record<string, string> = {},
  install = false,
): Promise<Outcome> {
  return cli(
    ['build', '-C', dir, '-o', path.join(await tempDir(), 'dist'), ...(install ? [] : ['--no-install']), ...args],
    { SOURCE_DATE_EPOCH: EPOCH, ...env },
  );
}

/** A package tree as node-gyp leaves it: binding.gyp, build/config.gypi and an unstripped addon. */
async function compiledAddonTree(): Promise<string> {
  const root = await tempDir();
  const pkg = path.join(root, 'node_modules/addon');
  await mkdir(path.join(pkg, 'build/Release'), { recursive: true });
  await writeFile(path.join(pkg, 'binding.gyp'), "{ 'targets': [] }\n");
  await writeFile(path.join(pkg, 'build/config.gypi'), '{}\n');
  await compileAddon(path.join(pkg, 'build/Release/addon.node'), NAPI_ADDON_IMPORTS, ['-g']);
  return root;
}

/** A copy of a test/fixtures/apps app (their lockfiles are real). */
async function fixtureCopy(name: string): Promise<string> {
  const dir = path.join(await tempDir('pkgapp-fixture-'), name);
  await cp(path.join(REPO_ROOT, 'test/fixtures/apps', name), dir, {
    recursive: true,
    filter: (source) => !source.includes(`${path.sep}node_modules`),
  });
  return dir;
}

// Keys, made with openpgp directly (ed25519: fast).
const USER = { name: 'Catalogue Test', email: 'catalogue@example.com' };
const keys = once(async () => {
  const dir = await tempDir('pkgapp-keys-');
  const file = async (name: string, text: string) => {
    const p = path.join(dir, name);
    await writeFile(p, text);
    return p;
  };
  const ed = (extra: object = {}) =>
    openpgp.generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [USER],
      format: 'armored',
      ...extra,
    } as never) as unknown as Promise<{ privateKey: string; publicKey: string }>;
  const main = await ed();
  const other = await ed();
  const protectedKey = await ed({ passphrase: 'correct horse' });
  const expired = await ed({ date: new Date(Date.now() - 10 * 86_400_000), keyExpirationTime: 86_400 });
  const revoked = await openpgp.revokeKey({
    key: await openpgp.readPrivateKey({ armoredKey: (await ed()).privateKey }),
    format: 'armored',
  });
  const p256 = (await openpgp.generateKey({
    type: 'ecc',
    curve: 'nistP256',
    userIDs: [USER],
    format: 'armored',
  } as never)) as unknown as { privateKey: string };
  return {
    secret: await file('main.key', main.privateKey),
    public: await file('main.asc', main.publicKey),
    otherSecret: await file('other.key', other.privateKey),
    protectedSecret: await file('protected.key', protectedKey.privateKey),
    expiredSecret: await file('expired.key', expired.privateKey),
    revokedSecret: await file('revoked.key', (revoked as unknown as { privateKey: string }).privateKey),
    p256Armored: p256.privateKey,
    garbage: await file('garbage.key', 'this is not a key\n'),
  };
});

/** One unsigned .deb and .rpm of a minimal app, built once and shared (tests only read them). */
const packages = once(async () => builtPackages(await app(), EPOCH, ['-t', 'deb', '-t', 'rpm']));
/** The same name and version built a minute later: other bytes. */
const rebuilt = once(async () => builtPackages(await app(), String(Number(EPOCH) + 60), ['-t', 'deb', '-t', 'rpm']));

async function builtPackages(dir: string, epoch: string, args: string[]): Promise<{ deb: string; rpm: string }> {
  const r = await cli(
    ['build', '-C', dir, '-o', path.join(await tempDir(), 'dist'), '--no-install', '--json', ...args],
    { SOURCE_DATE_EPOCH: epoch },
  );
  assert.equal(r.exitCode, 0, r.stderr);
  const built = JSON.parse(r.stdout) as { packages: { format: string; path: string }[] };
  return {
    deb: built.packages.find((p) => p.format === 'deb')?.path ?? '',
    rpm: built.packages.find((p) => p.format === 'rpm')?.path ?? '',
  };
}

/** `pkgapp publish --repo repo --sign-key KEY ...args`. */
async function publish(repo: string, args: string[], key?: string): Promise<Outcome> {
  return cli(['publish', '--repo', repo, '--sign-key', key ?? (await keys()).secret, ...args]);
}

/** A copy of `file` with `change` applied, in a new directory, with the same name. */
async function altered(file: string, change: (bytes: Buffer) => Buffer): Promise<string> {
  const copy = path.join(await tempDir(), path.basename(file));
  await writeFile(copy, change(await readFile(file)));
  return copy;
}

/** A directory with a `node` link to this node and nothing else: a PATH without npm. */
async function pathWithoutNpm(): Promise<string> {
  const bin = await tempDir('pkgapp-bin-');
  await symlink(process.execPath, path.join(bin, 'node'));
  return bin;
}

const otherArch = process.arch === 'arm64' ? 'amd64' : 'arm64';
const otherCpu = process.arch === 'arm64' ? 'x64' : 'arm64';

const triggers: Record<string, Trigger> = {
  // Command line.
  PKGAPP_USAGE_NO_COMMAND: { run: async () => naming(await cli([]), 'no command given') },
  PKGAPP_USAGE_UNKNOWN_COMMAND: { run: async () => naming(await cli(['bild']), "'bild'", 'Did you mean build?') },
  PKGAPP_USAGE_UNKNOWN_OPTION: {
    run: async () => naming(await cli(['build', '--frobnicate']), "'--frobnicate'", 'pkgapp build --help'),
  },
  PKGAPP_USAGE_OPTION_ARGUMENT: { run: async () => naming(await cli(['build', '-C']), '--dir') },
  PKGAPP_USAGE_REQUIRED_OPTION: { run: async () => naming(await cli(['verify', 'x.deb']), '--key') },
  PKGAPP_USAGE_MISSING_ARGUMENT: { run: async () => naming(await cli(['inspect']), "'file'", 'pkgapp inspect --help') },
  PKGAPP_USAGE_EXCESS_ARGUMENTS: { run: async () => naming(await cli(['build', 'my-app']), "'build'", '-C DIR') },

  // Build options.
  PKGAPP_TARGET_UNKNOWN: { run: async () => naming(await build(await app(), ['-t', 'msi']), '"msi"', '--target') },
  PKGAPP_COMPRESSION_UNKNOWN: {
    run: async () => naming(await build(await app(), ['--compression', 'lz4']), '"lz4"', '--compression'),
  },
  PKGAPP_OUT_DIR_INVALID: {
    run: async () => {
      const dir = await app();
      return naming(await build(dir, ['-o', 'package.json/dist']), `-o ${dir}/package.json/dist`, 'ENOTDIR');
    },
  },
  PKGAPP_LEVEL_INVALID: { run: async () => naming(await build(await app(), ['--level', '12']), '--level 12') },
  PKGAPP_CACHE_SIZE_INVALID: {
    run: async () => naming(await viaLibrary(async () => parseCacheSize('lots')), '"lots"', 'PKGAPP_CACHE_MAX_SIZE'),
  },
  PKGAPP_ARCH_INVALID: { run: async () => naming(await build(await app(), ['--arch', 'sparc']), '--arch "sparc"') },
  PKGAPP_NODE_INVALID: { run: async () => naming(await build(await app(), ['--node', 'nodejs']), '--node "nodejs"') },
  PKGAPP_RELEASE_INVALID: {
    run: async () => naming(await build(await app(), ['--release', 'x-1']), '--release "x-1"'),
  },
  PKGAPP_VERSION_INVALID: {
    run: async () => {
      const dir = await app({ version: '1.2' });
      return naming(await build(dir), `${dir}/package.json: "version"`, '"1.2"');
    },
  },
  PKGAPP_VERSION_HYPHEN: {
    run: async () => {
      const dir = await app({ version: '1.0.0-alpha-1' });
      return naming(await build(dir), `${dir}/package.json: "version"`, '"alpha-1"');
    },
  },
  PKGAPP_SOURCE_DATE_EPOCH_INVALID: {
    run: async () =>
      naming(await build(await app(), [], { SOURCE_DATE_EPOCH: 'yesterday' }), 'SOURCE_DATE_EPOCH', '"yesterday"'),
  },
  PKGAPP_NODE_BINARY_INVALID: {
    run: async () =>
      naming(await build(await app(), ['--node-binary', '/nonexistent/node']), '--node-binary /nonexistent/node'),
  },
  PKGAPP_NODE_BINARY_SHARED: {
    // No shared-library node here: an `ldd` on PATH reports libnode.so for the binary, as it
    // does for Debian's node. The real CLI process, so the PATH is its own.
    run: async () => {
      const bin = await tempDir('pkgapp-bin-');
      await writeFile(
        path.join(bin, 'ldd'),
        '#!/bin/sh\necho "\tlibnode.so.115 => /usr/lib/x86_64-linux-gnu/libnode.so.115"\n',
      );
      await chmod(path.join(bin, 'ldd'), 0o755);
      const result = await runCli(
        [
          'build',
          '-C',
          await app(),
          '-o',
          path.join(await tempDir(), 'dist'),
          '--no-install',
          '--node-binary',
          process.execPath,
        ],
        { env: { PATH: `${bin}:${process.env['PATH']}` } },
      );
      return naming(result, process.execPath, 'libnode.so', '--node-binary');
    },
  },
  PKGAPP_HOST_ARCH_UNKNOWN: {
    // The machine's architecture is what it is: the function asked about another one.
    run: async () => {
      const { hostArch } = await import('../../src/manifest/arch.js');
      return naming(await viaLibrary(async () => hostArch('mips')), 'Node.js "mips"', '--arch');
    },
  },
  PKGAPP_ARCH_NATIVE_MISMATCH: {
    run: async () => {
      const dir = await makeApp({
        ...minimalApp({ dependencies: { addon: '1.0.0' } }),
        'package-lock.json': lock({ addon: '1.0.0' }, { 'node_modules/addon': { version: '1.0.0' } }),
        'node_modules/addon/package.json': { name: 'addon', version: '1.0.0', license: 'MIT' },
        'node_modules/addon/build/Release/addon.node': 'ELF',
      });
      return naming(await build(dir, ['--arch', otherArch]), `--arch ${otherArch}`, 'addon.node', '--force-arch');
    },
  },
  PKGAPP_ARCH_NO_PREBUILD: {
    // The lockfile has a platform package of `imgkit` for this machine's CPU only.
    run: async () => {
      const dir = await makeApp({
        ...minimalApp({ dependencies: { imgkit: '1.0.0' } }),
        'package-lock.json': lock(
          { imgkit: '1.0.0' },
          {
            'node_modules/imgkit': {
              version: '1.0.0',
              optionalDependencies: { [`imgkit-linux-${process.arch}`]: '1.0.0' },
            },
            [`node_modules/imgkit-linux-${process.arch}`]: {
              version: '1.0.0',
              optional: true,
              os: ['linux'],
              cpu: [process.arch],
            },
          },
        ),
      });
      return naming(
        await build(dir, ['--arch', otherArch]),
        'imgkit@1.0.0',
        `--arch ${otherCpu}`,
        'no prebuilt binary',
      );
    },
  },
  PKGAPP_ARCH_INSTALL_UNSUPPORTED: {
    run: async () => {
      const { installTarget, toolForTarget } = await import('../../src/app/target-platform.js');
      const classic: ManagerTool = {
        manager: 'yarn-classic',
        file: 'yarn',
        prefix: [],
        name: 'yarn',
        env: {},
        installProduction: [],
        installAll: [],
        pruneProduction: undefined,
        runScript: () => [],
      };
      return naming(
        await viaLibrary(async () => toolForTarget(classic, installTarget(otherCpu)!, '/srv/app')),
        '/srv/app/yarn.lock',
        'Yarn classic',
        'Yarn Berry',
      );
    },
  },
  PKGAPP_ARCH_INSTALL_INCOMPLETE: {
    // node_modules installed for this machine: the target's platform package is missing.
    run: async () => {
      const dir = await makeApp({
        ...minimalApp({ dependencies: { imgkit: '1.0.0' } }),
        'package-lock.json': lock(
          { imgkit: '1.0.0' },
          {
            'node_modules/imgkit': {
              version: '1.0.0',
              optionalDependencies: { [`imgkit-linux-${otherCpu}`]: '1.0.0' },
            },
            [`node_modules/imgkit-linux-${otherCpu}`]: {
              version: '1.0.0',
              optional: true,
              os: ['linux'],
              cpu: [otherCpu],
            },
          },
        ),
        'node_modules/imgkit/package.json': { name: 'imgkit', version: '1.0.0', license: 'MIT' },
      });
      return naming(await build(dir, ['--arch', otherArch]), `imgkit-linux-${otherCpu}@1.0.0`, '--no-install');
    },
  },

  // The app.
  PKGAPP_PACKAGE_JSON_MISSING: {
    run: async () => {
      const dir = await makeApp({ 'server.js': '' });
      return naming(await build(dir), `${dir}/package.json`);
    },
  },
  PKGAPP_PACKAGE_JSON_MALFORMED: {
    run: async () =>
      naming(await build(await makeApp({ 'package.json': '{ "name": "x", }' })), /package\.json: malformed JSON/),
  },
  PKGAPP_PACKAGE_JSON_INVALID: {
    run: async () =>
      naming(await build(await makeApp({ 'package.json': '[]' })), /package\.json: must contain a JSON object/),
  },
  PKGAPP_PACKAGE_JSON_FIELD: {
    run: async () => naming(await build(await app({ version: undefined })), /package\.json: "version" is missing/),
  },
  PKGAPP_NAME_INVALID: {
    run: async () => naming(await build(await app({ name: 'My App' })), /package\.json: "name"/, '"My App"'),
  },
  PKGAPP_MAINTAINER_MISSING: {
    run: async () => naming(await build(await app({ author: 'Someone' })), /package\.json: no maintainer/, '"author"'),
  },
  PKGAPP_ENGINES_INVALID: {
    run: async () => naming(await build(await app({ engines: { node: 'latest' } })), '"engines.node"', '"latest"'),
  },
  PKGAPP_BIN_INVALID: {
    run: async () => naming(await build(await app({ bin: { 'bad name': 'server.js' } })), '"bin.bad name"'),
  },
  PKGAPP_SERVICE_ENTRY: {
    run: async () =>
      naming(
        await build(await app({ main: undefined })),
        /package\.json: cannot tell how to start the service/,
        '"start"',
        '"main"',
      ),
  },
  PKGAPP_START_COMMAND: {
    run: async () =>
      naming(
        await build(await app({ scripts: { start: 'npm run build && node server.js' } })),
        /package\.json: "scripts\.start": cannot run/,
        '"&&" runs a second command',
      ),
  },
  PKGAPP_HEALTH_INVALID: {
    run: async () =>
      naming(
        await build(await app({ pkgapp: { service: { health: { url: 'http://example.com:${PORT}/healthz' } } } })),
        '"service.health.url"',
        'http://example.com:${PORT}/healthz',
      ),
  },
  PKGAPP_RELEASES_UNSUPPORTED: {
    run: async () =>
      naming(
        await build(await app({ pkgapp: { releases: { keep: 2 } } }), ['-t', 'rpm', '--node', 'bundled']),
        'pkgapp.releases',
        'bundled Node.js runtime',
      ),
  },
  PKGAPP_START_BIN: {
    run: async () =>
      naming(
        await build(await app({ scripts: { start: 'next start' } })),
        /package\.json: "scripts\.start": no production dependency provides the command "next"/,
        '"dependencies"',
      ),
  },
  PKGAPP_PATH_OUTSIDE_APP: {
    run: async () =>
      naming(
        await build(await app({ pkgapp: { service: { entry: '../server.js' } } })),
        '"service.entry"',
        '"../server.js"',
      ),
  },
  PKGAPP_ENTRY_MISSING: {
    run: async () =>
      naming(
        await build(
          await app({ files: ['lib/'], pkgapp: { service: { entry: 'app.js' } } }, { 'app.js': '', 'lib/a.js': '' }),
        ),
        'the service entry "app.js"',
        '"files"',
      ),
  },
  PKGAPP_CONFIG_FILE_MISSING: {
    run: async () => {
      const dir = await app();
      await mkdir(path.join(dir, 'pkgapp.config.json'));
      return naming(await build(dir), `${dir}/pkgapp.config.json: cannot be read (EISDIR)`);
    },
  },
  PKGAPP_CONFIG_FILE_MALFORMED: {
    run: async () =>
      naming(
        await build(await app({}, { 'pkgapp.config.json': '{ "name": }' })),
        /pkgapp\.config\.json: malformed JSON/,
      ),
  },
  PKGAPP_CONFIG_TWICE: {
    run: async () =>
      naming(
        await build(await app({ pkgapp: {} }, { 'pkgapp.config.json': {} })),
        'package.json "pkgapp"',
        'pkgapp.config.json',
      ),
  },
  PKGAPP_CONFIG_INVALID: {
    run: async () =>
      naming(
        await build(await app({ pkgapp: { service: { usr: 'x' } } })),
        /package\.json "pkgapp": invalid configuration/,
        '"pkgapp.service.usr"',
      ),
  },
  PKGAPP_DEPENDS_INVALID: {
    run: async () =>
      naming(
        await build(await app({ pkgapp: { depends: { deb: ['libfoo, libbar'] } } })),
        'pkgapp.depends.deb',
        '"libfoo, libbar"',
      ),
  },
  PKGAPP_HOOK_UNREADABLE: {
    run: async () =>
      naming(
        await build(await app({ pkgapp: { hooks: { postinst: 'hooks/nope.sh' } } })),
        'hooks.postinst',
        '"hooks/nope.sh"',
      ),
  },
  PKGAPP_HOOK_INVALID: {
    run: async () =>
      naming(
        await build(
          await app(
            { pkgapp: { hooks: { postinst: 'hooks/post.sh' } } },
            { 'hooks/post.sh': 'echo hi\nPKGAPP_HOOK_EOF\n' },
          ),
        ),
        'hooks.postinst',
        'PKGAPP_HOOK_EOF',
      ),
  },
  PKGAPP_LOCKFILE_MISSING: {
    run: async () => {
      const dir = await makeApp({ 'package.json': pkgJson({}), 'server.js': '' });
      return naming(await build(dir), dir, 'package-lock.json');
    },
  },
  PKGAPP_LOCKFILE_MALFORMED: {
    run: async () =>
      naming(
        await build(await app({}, { 'package-lock.json': '{ "lockfileVersion": 3,' })),
        /package-lock\.json: malformed JSON/,
      ),
  },
  PKGAPP_LOCKFILE_VERSION: {
    run: async () =>
      naming(
        await build(await app({}, { 'package-lock.json': { lockfileVersion: 1, dependencies: {} } })),
        /package-lock\.json: lockfileVersion 1/,
      ),
  },
  PKGAPP_LOCKFILE_STALE: {
    run: async () =>
      naming(
        await build(await app({ dependencies: { express: '^4.0.0' } })),
        /package-lock\.json is out of sync with package\.json/,
        'dependencies.express',
      ),
  },
  PKGAPP_LINK_OUTSIDE: {
    run: async () => {
      const dir = await makeApp({
        ...minimalApp({ dependencies: { shared: 'file:../shared' } }),
        'package-lock.json': lock(
          { shared: 'file:../shared' },
          {
            'node_modules/shared': { resolved: '../shared', link: true },
            '../shared': { name: 'shared', version: '1.0.0' },
          },
        ),
      });
      return naming(await build(dir), `${dir}/package-lock.json: shared is linked from ../shared, outside ${dir}`);
    },
  },
  PKGAPP_PACKAGE_MANAGER_UNSUPPORTED: {
    run: async () =>
      naming(await build(await app({ packageManager: 'bun@1.1.0' })), /package\.json: "packageManager": "bun@1\.1\.0"/),
  },
  PKGAPP_PACKAGE_MANAGER_CONFLICT: {
    run: async () =>
      naming(
        await build(await app({ packageManager: 'pnpm@10.5.0' })),
        /package\.json: "packageManager" is pnpm, but the lockfile is package-lock\.json/,
      ),
  },
  PKGAPP_PACKAGE_MANAGER_AMBIGUOUS: {
    run: async () => {
      const dir = await app({}, { 'yarn.lock': '# yarn lockfile v1\n' });
      return naming(
        await build(dir),
        `${dir}: lockfiles of several package managers (package-lock.json, yarn.lock)`,
        '"packageManager"',
      );
    },
  },
  PKGAPP_PACKAGE_MANAGER_MISSING: {
    // A pnpm app, and no pnpm on the PATH the CLI sees.
    run: async () => {
      const dir = await fixtureCopy('pnpm');
      return naming(
        await cli(['build', '-C', dir, '-o', path.join(await tempDir(), 'dist')], {
          SOURCE_DATE_EPOCH: EPOCH,
          PATH: await pathWithoutNpm(),
        }),
        'pnpm',
        'PATH',
      );
    },
  },
  PKGAPP_YARN_PNP_UNSUPPORTED: {
    run: async () => {
      const dir = await fixtureCopy('yarn-berry');
      await writeFile(path.join(dir, '.yarnrc.yml'), 'enableTelemetry: false\n');
      return naming(await build(dir, [], {}, true), `${dir}/.yarnrc.yml: nodeLinker is "pnp" (the default)`);
    },
  },
  PKGAPP_YARNRC_MALFORMED: {
    run: async () => {
      const dir = await fixtureCopy('yarn-berry');
      await writeFile(path.join(dir, '.yarnrc.yml'), 'nodeLinker: [node-modules\n');
      return naming(await build(dir, [], {}, true), `${dir}/.yarnrc.yml: malformed`);
    },
  },
  PKGAPP_WORKSPACE_CONFIG: {
    run: async () => {
      const dir = await app({}, { 'pnpm-workspace.yaml': 'packages: [packages/*\n' });
      return naming(await build(dir, ['--workspace', 'api']), `${dir}/pnpm-workspace.yaml`);
    },
  },
  PKGAPP_WORKSPACE_NOT_FOUND: {
    run: async () => {
      const dir = await app();
      return naming(await build(dir, ['--workspace', 'api']), `${dir}: no workspace "api"`, '-C');
    },
  },
  PKGAPP_NODE_MODULES_MISMATCH: {
    run: async () => {
      const dir = await makeApp({
        ...minimalApp({ dependencies: { dep: '1.0.0' } }),
        'package-lock.json': lock({ dep: '1.0.0' }, { 'node_modules/dep': { version: '1.0.0' } }),
        'node_modules/.package-lock.json': {},
      });
      return naming(
        await build(dir),
        `${dir}/node_modules does not match ${dir}/package-lock.json`,
        'node_modules/dep: missing',
        '--no-install',
      );
    },
  },
  PKGAPP_NODE_MODULES_MISSING: {
    run: async () => {
      const dir = await makeApp({
        ...minimalApp({ dependencies: { dep: '1.0.0' } }),
        'package-lock.json': lock({ dep: '1.0.0' }, { 'node_modules/dep': { version: '1.0.0' } }),
      });
      return naming(await build(dir), `node_modules is missing in ${dir}: run npm ci`, 'drop --no-install');
    },
  },
  PKGAPP_NATIVE_NOT_BUILT: {
    run: async () => {
      const dir = await makeApp({
        ...minimalApp({ dependencies: { addon: '1.0.0' } }),
        'package-lock.json': lock({ addon: '1.0.0' }, { 'node_modules/addon': { version: '1.0.0' } }),
        'node_modules/addon/package.json': { name: 'addon', version: '1.0.0', license: 'MIT' },
        'node_modules/addon/binding.gyp': "{ 'targets': [] }\n",
        'node_modules/addon/index.js': "module.exports = require('./build/Release/addon.node');\n",
      });
      return naming(
        await build(dir),
        'node_modules/addon: native package (binding.gyp) with no compiled addon',
        'allowScripts',
      );
    },
  },
  PKGAPP_NODE_ENGINES_CONFLICT: {
    run: async () => {
      const dir = await makeApp({
        ...minimalApp({ dependencies: { old: '1.0.0' }, engines: { node: '>=20' } }),
        'package-lock.json': lock({ old: '1.0.0' }, { 'node_modules/old': { version: '1.0.0' } }),
        'node_modules/old/package.json': { name: 'old', version: '1.0.0', license: 'MIT', engines: { node: '<18' } },
      });
      return naming(await build(dir), 'engines.node', 'old@1.0.0', '"<18"', '">=20"', 'nodeVersion');
    },
  },
  PKGAPP_NODE_ABI_FLOOR: {
    needs: ['gcc'],
    run: async () => {
      const dir = await makeApp({
        ...minimalApp({
          dependencies: { addon: '1.0.0' },
          engines: { node: `>=${Number(process.versions.node.split('.')[0]) + 1}` },
        }),
        'package-lock.json': lock({ addon: '1.0.0' }, { 'node_modules/addon': { version: '1.0.0' } }),
        'node_modules/addon/package.json': { name: 'addon', version: '1.0.0', license: 'MIT' },
      });
      await mkdir(path.join(dir, 'node_modules/addon/build/Release'), { recursive: true });
      await compileAddon(path.join(dir, 'node_modules/addon/build/Release/addon.node'), V8_ADDON_IMPORTS);
      return naming(
        await build(dir),
        '/opt/tiny-app/node_modules/addon/build/Release/addon.node',
        `compiled for Node.js ${process.versions.node.split('.')[0]}`,
        'nodeVersion',
      );
    },
  },
  PKGAPP_LIBRARY_UNMAPPED: {
    needs: ['gcc'],
    run: async () => {
      // An addon linked against a library no Debian package is known to ship.
      const libDir = await tempDir();
      await compileAddon(path.join(libDir, 'libpkgapptest.so'), [], ['-Wl,-soname,libpkgapptest.so.1']);
      const dir = await makeApp({
        ...minimalApp({ dependencies: { addon: '1.0.0' } }),
        'package-lock.json': lock({ addon: '1.0.0' }, { 'node_modules/addon': { version: '1.0.0' } }),
        'node_modules/addon/package.json': { name: 'addon', version: '1.0.0', license: 'MIT' },
      });
      await mkdir(path.join(dir, 'node_modules/addon/build/Release'), { recursive: true });
      await compileAddon(path.join(dir, 'node_modules/addon/build/Release/addon.node'), NAPI_ADDON_IMPORTS, [
        `-L${libDir}`,
        '-Wl,--no-as-needed',
        '-lpkgapptest',
      ]);
      return naming(
        await build(dir, ['-t', 'deb']),
        '/opt/tiny-app/node_modules/addon/build/Release/addon.node needs libpkgapptest.so.1',
        'pkgapp.libraries',
      );
    },
  },
  PKGAPP_ELF_INVALID: {
    run: async () => {
      const dir = await makeApp({
        ...minimalApp({ dependencies: { addon: '1.0.0' } }),
        'package-lock.json': lock({ addon: '1.0.0' }, { 'node_modules/addon': { version: '1.0.0' } }),
        'node_modules/addon/package.json': { name: 'addon', version: '1.0.0', license: 'MIT' },
        // An ELF header whose program header table lies past the end of the file.
        'node_modules/addon/addon.node': Buffer.concat([
          Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]),
          Buffer.alloc(8),
          Buffer.from([3, 0, 62, 0, 1, 0, 0, 0]),
          Buffer.alloc(8),
          Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0]),
          Buffer.alloc(12),
          Buffer.from([64, 0, 56, 0, 9, 0, 64, 0, 0, 0, 0, 0]),
        ]).toString('latin1'),
      });
      return naming(
        await build(dir, ['--force-arch']),
        '/opt/tiny-app/node_modules/addon/addon.node',
        'not a readable ELF object',
        'pkgapp.exclude',
      );
    },
  },
  PKGAPP_NODE_TOO_OLD: {
    run: async () =>
      naming(
        await build(await app({ engines: { node: '>=99' } }), ['--node', 'bundled']),
        `bundled Node.js ${process.versions.node}`,
        '>=99',
        '--node-binary',
      ),
  },
  PKGAPP_INIT_EXISTS: {
    run: async () => {
      const dir = await app({}, { 'pkgapp.config.json': {} });
      return naming(await cli(['init', '-C', dir]), `${dir}/pkgapp.config.json already exists`);
    },
  },

  // Building.
  PKGAPP_NPM_CI: {
    // The lockfile pins a local tarball that is not there: npm ci fails at once, offline.
    run: async () => {
      const dir = await makeApp({
        ...minimalApp({ dependencies: { absent: '1.0.0' } }),
        'package-lock.json': lock(
          { absent: '1.0.0' },
          { 'node_modules/absent': { version: '1.0.0', resolved: 'file:absent-1.0.0.tgz' } },
        ),
      });
      return naming(
        await build(dir, [], {}, true),
        /npm ci --omit=dev .*in a staging copy of .* failed/,
        dir,
        'absent-1.0.0.tgz',
      );
    },
  },
  PKGAPP_NPM_CI_NOT_FOUND: {
    run: async () => {
      const result = await runCli(['build', '-C', await app(), '-o', path.join(await tempDir(), 'dist')], {
        env: { PATH: await pathWithoutNpm() },
      });
      return naming(result, /npm ci --omit=dev .*: "npm" is not installed/);
    },
  },
  PKGAPP_INSTALL_FAILED: {
    // A pnpm app whose pnpm (a stand-in on PATH, as the fixture matrix uses) fails to install.
    run: async () => {
      const dir = await fixtureCopy('pnpm');
      const bin = await pathWithoutNpm();
      await writeFile(
        path.join(bin, 'pnpm'),
        '#!/bin/sh\nif [ "$1" = --version ]; then echo 10.34.9; exit 0; fi\necho "ERR_PNPM_FETCH_404 GET https://registry.npmjs.org/debug: Not Found" >&2\nexit 1\n',
      );
      await chmod(path.join(bin, 'pnpm'), 0o755);
      const result = await runCli(['build', '-C', dir, '-o', path.join(await tempDir(), 'dist')], {
        env: { PATH: bin },
      });
      return naming(result, /pnpm install .* in a staging copy of .* failed/, 'ERR_PNPM_FETCH_404');
    },
  },
  PKGAPP_INSTALL_FAILED_NOT_FOUND: {
    // findTool ran pnpm --version a moment before, so only a vanished tool gets here: runTool
    // itself, with the code the pnpm and Yarn installs pass it.
    run: async () => {
      const { runTool } = await import('../../src/util/run-tool.js');
      return naming(
        await viaLibrary(() =>
          runTool('pkgapp-vanished-pnpm', ['install'], {
            what: 'pnpm install in a staging copy of /srv/app',
            code: 'PKGAPP_INSTALL_FAILED',
          }),
        ),
        '"pkgapp-vanished-pnpm" is not installed',
      );
    },
  },
  PKGAPP_BUILD_STEP: {
    run: async () => {
      const dir = await app({
        scripts: { build: 'echo the compiler says no >&2; exit 3' },
        pkgapp: { buildScript: 'build' },
      });
      return naming(await build(dir), `npm run build in ${dir} failed`, 'the compiler says no');
    },
  },
  PKGAPP_BUILD_STEP_NOT_FOUND: {
    run: async () => {
      const dir = await app({ scripts: { build: 'true' }, pkgapp: { buildScript: 'build' } });
      const result = await runCli(['build', '-C', dir, '-o', path.join(await tempDir(), 'dist'), '--no-install'], {
        env: { PATH: await pathWithoutNpm() },
      });
      return naming(result, `npm run build in ${dir}: "npm" is not installed`);
    },
  },
  PKGAPP_STRIP_MISSING: {
    needs: ['gcc'],
    // The library: the CLI strips only in its own staging copy, made by a real install.
    run: async () => {
      const root = await compiledAddonTree();
      const result = await viaLibrary(() =>
        stripCompiledAddons({
          root,
          locations: ['node_modules/addon'],
          ownTree: true,
          keepSymbols: false,
          ci: true,
          searchPath: '/nonexistent',
          log: () => {},
        }),
      );
      return naming(
        result,
        'node_modules/addon/build/Release/addon.node',
        '"strip" is not installed',
        'CI=true',
        '--keep-symbols',
      );
    },
  },
  PKGAPP_STRIP_FAILED: {
    needs: ['gcc'],
    run: async () => {
      const root = await compiledAddonTree();
      const result = await viaLibrary(() =>
        stripCompiledAddons({
          root,
          locations: ['node_modules/addon'],
          ownTree: true,
          keepSymbols: false,
          ci: false,
          strip: '/bin/false',
          log: () => {},
        }),
      );
      return naming(result, 'stripping node_modules/addon/build/Release/addon.node (/bin/false) failed');
    },
  },
  PKGAPP_PATH_CONFLICT: {
    run: async () =>
      naming(await build(await app({}, { '.pkgapp/release.json': '{}' })), '/opt/tiny-app/.pkgapp/release.json'),
  },
  PKGAPP_COMPRESSOR_NOT_FOUND: {
    // A child process: the compressor is looked up on the PATH of pkgapp's own process.
    run: async () => {
      const args = [
        'build',
        '-C',
        await app(),
        '-o',
        path.join(await tempDir(), 'dist'),
        '--no-install',
        '--compression',
        'zstd',
      ];
      return naming(
        await runCli(args, { env: { SOURCE_DATE_EPOCH: EPOCH, PATH: await pathWithoutNpm() } }),
        '"zstd" is not installed',
        '--compression',
      );
    },
  },
  PKGAPP_RPM_FILE_TOO_LARGE: {
    run: async () => {
      const dir = await app();
      await writeFile(path.join(dir, 'huge.bin'), '');
      await truncate(path.join(dir, 'huge.bin'), 2 ** 32 + 1); // sparse: no disk used
      return naming(await build(dir, ['-t', 'rpm']), '/opt/tiny-app/huge.bin is 4294967297 bytes');
    },
  },
  PKGAPP_FILE_CHANGED: {
    // Only the library can act in the middle of a build: its progress callback shrinks a file
    // that is written later (files go in path order; a.bin's 8 MiB keep z.bin unread meanwhile).
    run: async () => {
      const dir = await app({}, { 'a.bin': 'a'.repeat(8 << 20), 'z.bin': 'z'.repeat(1 << 20) });
      const { build: buildLibrary } = await import('../../src/build.js');
      let shrunk = false;
      const result = await viaLibrary(() =>
        buildLibrary({
          dir,
          outDir: path.join(dir, 'out'),
          install: false,
          env: { SOURCE_DATE_EPOCH: EPOCH },
          progress: () => {
            if (!shrunk) truncateSync(path.join(dir, 'z.bin'), 10);
            shrunk = true;
          },
        }),
      );
      return naming(result, `${dir}/z.bin changed while the package was being built`);
    },
  },

  // Signing keys.
  PKGAPP_SIGN_KEY_MISSING: {
    run: async () =>
      naming(
        await cli(['publish', '--repo', await tempDir(), (await packages()).deb]),
        '--sign-key',
        'PKGAPP_SIGN_KEY',
      ),
  },
  PKGAPP_SIGN_KEY_UNREADABLE: {
    run: async () =>
      naming(
        await build(await app(), ['--sign-key', '/nonexistent/signing.key']),
        '--sign-key /nonexistent/signing.key: cannot be read (ENOENT)',
      ),
  },
  PKGAPP_SIGN_KEY_INVALID: {
    run: async () =>
      naming(
        await build(await app(), ['--sign-key', (await keys()).garbage]),
        `${(await keys()).garbage}: not an OpenPGP key`,
      ),
  },
  PKGAPP_SIGN_KEY_PUBLIC: {
    run: async () =>
      naming(
        await build(await app(), ['--sign-key', (await keys()).public]),
        `${(await keys()).public}: this is a public key`,
      ),
  },
  PKGAPP_SIGN_KEY_UNSUPPORTED: {
    run: async () =>
      naming(
        await build(await app(), [], { PKGAPP_SIGN_KEY: (await keys()).p256Armored }),
        /PKGAPP_SIGN_KEY: ecdsa \(nistP256\) signing keys are not accepted/,
      ),
  },
  PKGAPP_SIGN_KEY_EXPIRED: {
    run: async () =>
      naming(
        await build(await app(), ['--sign-key', (await keys()).expiredSecret]),
        `${(await keys()).expiredSecret}: the key expired on`,
      ),
  },
  PKGAPP_SIGN_KEY_UNUSABLE: {
    run: async () =>
      naming(
        await build(await app(), ['--sign-key', (await keys()).revokedSecret]),
        `${(await keys()).revokedSecret}: the key has no valid signing key`,
      ),
  },
  PKGAPP_SIGN_PASSPHRASE_MISSING: {
    run: async () =>
      naming(
        await build(await app(), ['--sign-key', (await keys()).protectedSecret]),
        `${(await keys()).protectedSecret}: the key is protected by a passphrase`,
        'PKGAPP_SIGN_PASSPHRASE',
      ),
  },
  PKGAPP_SIGN_PASSPHRASE_WRONG: {
    run: async () =>
      naming(
        await build(await app(), ['--sign-key', (await keys()).protectedSecret], { PKGAPP_SIGN_PASSPHRASE: 'wrong' }),
        `${(await keys()).protectedSecret}: wrong passphrase (PKGAPP_SIGN_PASSPHRASE)`,
      ),
  },
  PKGAPP_KEY_TYPE: {
    run: async () =>
      naming(
        await cli([
          'keygen',
          '--name',
          'A',
          '--email',
          'a@example.com',
          '--type',
          'dsa',
          '--out',
          path.join(await tempDir(), 'k'),
        ]),
        '--type "dsa"',
      ),
  },
  PKGAPP_KEY_EXPIRES: {
    run: async () =>
      naming(
        await cli([
          'keygen',
          '--name',
          'A',
          '--email',
          'a@example.com',
          '--expires',
          'soon',
          '--out',
          path.join(await tempDir(), 'k'),
        ]),
        '--expires "soon"',
      ),
  },
  PKGAPP_KEY_USER_ID: {
    run: async () =>
      naming(
        await cli([
          'keygen',
          '--name',
          'A',
          '--email',
          'nope',
          '--type',
          'ed25519',
          '--out',
          path.join(await tempDir(), 'k'),
        ]),
        '--email "nope"',
      ),
  },
  PKGAPP_KEY_EXISTS: {
    run: async () => {
      const base = path.join(await tempDir(), 'signing');
      await writeFile(`${base}.key`, 'old key');
      return naming(
        await cli(['keygen', '--name', 'A', '--email', 'a@example.com', '--type', 'ed25519', '--out', base]),
        `${base}.key already exists`,
        '--out',
      );
    },
  },
  PKGAPP_KEY_OUT_INVALID: {
    run: async () =>
      naming(
        await cli([
          'keygen',
          '--name',
          'A',
          '--email',
          'a@example.com',
          '--type',
          'ed25519',
          '--out',
          '/nonexistent/dir/signing',
        ]),
        '--out /nonexistent/dir/signing',
        '/nonexistent/dir is not a directory',
      ),
  },

  // Reading packages.
  PKGAPP_FILE_UNREADABLE: {
    run: async () =>
      naming(await cli(['inspect', '/nonexistent/app.deb']), '/nonexistent/app.deb: cannot be read (ENOENT)'),
  },
  PKGAPP_NOT_A_PACKAGE: {
    run: async () => {
      const file = path.join(await app(), 'package.json');
      return naming(await cli(['inspect', file]), `${file}: neither a .deb nor an .rpm`);
    },
  },
  PKGAPP_DEB_UNREADABLE: {
    // Only an I/O error after the magic was read gets here (the file vanished, a bad disk): the
    // reader itself, on a file that is not there.
    run: async () => {
      const { readArMembers } = await import('../../src/deb/read-deb.js');
      return naming(
        await viaLibrary(() => readArMembers('/nonexistent/gone.deb')),
        '/nonexistent/gone.deb: cannot be read (ENOENT)',
      );
    },
  },
  PKGAPP_DEB_INVALID: {
    run: async () => {
      const file = await altered((await packages()).deb, (b) => b.subarray(0, 200));
      return naming(await cli(['inspect', file]), `${file}: not a valid Debian package`);
    },
  },
  PKGAPP_CONTROL_INVALID: {
    // A damaged Packages index in the repository: a line that is not "Field: value".
    run: async () => {
      const repo = await tempDir();
      const index = path.join(repo, 'apt/dists/stable/main/binary-all/Packages');
      await mkdir(path.dirname(index), { recursive: true });
      await writeFile(index, 'Package: tiny-app\nthis line is damaged\n');
      return naming(await publish(repo, [(await packages()).deb]), `${index}, line 2: not a "Field: value" line`);
    },
  },
  PKGAPP_RPM_UNREADABLE: {
    run: async () => {
      const { readRpm } = await import('../../src/rpm/read-rpm.js');
      return naming(
        await viaLibrary(() => readRpm('/nonexistent/gone.rpm')),
        '/nonexistent/gone.rpm: cannot be read (ENOENT)',
      );
    },
  },
  PKGAPP_RPM_INVALID: {
    run: async () => {
      const file = await altered((await packages()).rpm, (b) => b.subarray(0, 120));
      return naming(await cli(['inspect', file]), `${file}: `);
    },
  },
  PKGAPP_RPM_DAMAGED: {
    run: async () => {
      const file = await altered((await packages()).rpm, (b) => {
        const copy = Buffer.from(b);
        copy[copy.length - 10] = copy[copy.length - 10]! ^ 0xff; // inside the payload
        return copy;
      });
      return naming(await publish(await tempDir(), [file]), `${file}: payload SHA256 digest does not match`);
    },
  },
  PKGAPP_VERIFY_KEY_UNREADABLE: {
    run: async () =>
      naming(
        await cli(['verify', (await packages()).deb, '--key', '/nonexistent/key.asc']),
        '--key /nonexistent/key.asc: cannot be read (ENOENT)',
      ),
  },
  PKGAPP_VERIFY_KEY_INVALID: {
    run: async () =>
      naming(
        await cli(['verify', (await packages()).deb, '--key', (await keys()).garbage]),
        `--key ${(await keys()).garbage}: not an OpenPGP public key`,
      ),
  },
  PKGAPP_VERIFY_FAILED: {
    run: async () =>
      naming(
        await cli(['verify', (await packages()).deb, '--key', (await keys()).public]),
        `${(await packages()).deb}: not signed`,
        '--sign-key',
      ),
  },

  // Repositories.
  PKGAPP_PUBLISH_NO_FILES: {
    run: async () => {
      const sbom = path.join(await tempDir(), 'tiny-app-1.0.0.cdx.json');
      await writeFile(sbom, '{}');
      return naming(await publish(await tempDir(), [sbom]), 'nothing to publish', '.deb');
    },
  },
  PKGAPP_PUBLISH_FORMAT_UNSUPPORTED: {
    // A format registered through the library (test/helpers/tgz-format.ts) declares no repository: refused, never dropped.
    run: async () => {
      const [{ registerFormat }, { tgzFormat }, { publish: publishLibrary }] = await Promise.all([
        import('../../src/index.js'),
        import('../helpers/tgz-format.js'),
        import('../../src/publish/publish.js'),
      ]);
      const tarball = path.join(await tempDir(), 'tiny-app_1.0.0_any.tar.gz');
      await writeFile(tarball, gzipSync('not much of an installed tree'));
      const unregister = registerFormat(tgzFormat);
      try {
        const [{ deb }, { secret }, repoDir] = await Promise.all([packages(), keys(), tempDir()]);
        return naming(
          await viaLibrary(() => publishLibrary([deb, tarball], { repoDir, signKey: { file: secret } })),
          tarball,
          'tgz packages',
        );
      } finally {
        unregister();
      }
    },
  },
  PKGAPP_PROMOTE_SPEC: {
    run: async () =>
      naming(
        await cli([
          'promote',
          '--repo',
          await tempDir(),
          '--from',
          'staging',
          '--to',
          'production',
          '--sign-key',
          (await keys()).secret,
          'tiny-app',
        ]),
        '"tiny-app" is not NAME=VERSION',
      ),
  },
  PKGAPP_SUITE_INVALID: {
    run: async () =>
      naming(await publish(await tempDir(), ['--suite', 'a/b', (await packages()).deb]), 'suite "a/b"', '--suite'),
  },
  PKGAPP_APT_NAME_INVALID: {
    run: async () =>
      naming(
        await publish(await tempDir(), ['--component', 'a/b', (await packages()).deb]),
        'apt component "a/b"',
        '--component',
      ),
  },
  PKGAPP_YUM_CHANNEL_INVALID: {
    run: async () =>
      naming(
        await publish(await tempDir(), ['--suite', 'pool', (await packages()).rpm]),
        'yum channel "pool"',
        '--suite',
      ),
  },
  PKGAPP_KEEP_INVALID: {
    run: async () => naming(await publish(await tempDir(), ['--keep', '0', (await packages()).deb]), '--keep "0"'),
  },
  PKGAPP_REPO_UNWRITABLE: {
    run: async () =>
      naming(
        await publish('/dev/null/repo', [(await packages()).deb]),
        '--repo /dev/null/repo: cannot be created or written',
      ),
  },
  PKGAPP_REPO_LOCKED: {
    // Another publisher holds the lock: the library with lockTimeout 0 instead of the CLI's minutes of waiting.
    run: async () => {
      const repo = await tempDir();
      const release = await lockfile.lock(repo, { lockfilePath: path.join(repo, '.pkgapp-publish.lock') });
      try {
        const { publish: publishLibrary } = await import('../../src/publish/publish.js');
        const [{ deb }, { secret }] = await Promise.all([packages(), keys()]);
        return naming(
          await viaLibrary(() => publishLibrary([deb], { repoDir: repo, signKey: { file: secret }, lockTimeout: 0 })),
          `${repo} is locked by another publisher`,
        );
      } finally {
        await release();
      }
    },
  },
  PKGAPP_REPO_URL_INVALID: {
    run: async () => {
      const { parseRepoLocation } = await import('../../src/publish/storage/repo-url.js');
      return naming(
        await viaLibrary(async () => parseRepoLocation('s3://Acme_Packages/apt')),
        '--repo "s3://Acme_Packages/apt"',
        'bucket "Acme_Packages"',
      );
    },
  },
  PKGAPP_S3_REQUEST_FAILED: {
    // Nothing listens on port 9: the S3 client's connection error, as publish would report it.
    run: async () => {
      const { S3Storage } = await import('../../src/publish/storage/s3-storage.js');
      const storage = new S3Storage({
        bucket: 'pkgapp-repo',
        prefix: 'apt',
        endpoint: 'http://127.0.0.1:9',
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
        maxAttempts: 1,
      });
      return naming(
        await viaLibrary(() => storage.head('dists/stable/InRelease')),
        's3://pkgapp-repo/apt',
        'HEAD dists/stable/InRelease',
        'ECONNREFUSED',
      );
    },
  },
  PKGAPP_HTTP_REQUEST_FAILED: {
    // A server that refuses anonymous reads (a private bucket behind its URL): 403, naming the URL.
    run: async () => {
      const server = http.createServer((_request, response) => {
        response.statusCode = 403;
        response.end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo`;
      try {
        return naming(
          await cli(['check-repo', url]),
          `${url}/apt/dists/stable/InRelease answered 403`,
          'anonymous reads',
        );
      } finally {
        server.close();
      }
    },
  },
  PKGAPP_CHECK_REPO_NOT_FOUND: {
    run: async () => {
      const repo = await tempDir();
      return naming(await cli(['check-repo', repo]), `${repo}: no apt suite or yum channel`);
    },
  },
  PKGAPP_CHECK_REPO_FAILED: {
    // A published repository whose pool .deb was deleted: apt would fail to download it.
    run: async () => {
      const repo = await tempDir();
      assert.equal((await publish(repo, [(await packages()).deb])).exitCode, 0);
      await rm(path.join(repo, 'apt/pool/main/t/tiny-app/tiny-app_1.0.0_all.deb'));
      return naming(
        await cli(['check-repo', repo]),
        'apt/pool/main/t/tiny-app/tiny-app_1.0.0_all.deb: listed in apt/dists/stable/main/binary-',
        'but missing',
      );
    },
  },
  PKGAPP_PROMOTE_NOT_FOUND: {
    run: async () =>
      naming(
        await cli([
          'promote',
          '--repo',
          await tempDir(),
          '--from',
          'staging',
          '--to',
          'production',
          '--sign-key',
          (await keys()).secret,
          'tiny-app=9.9.9',
        ]),
        'tiny-app=9.9.9',
        'suite "staging"',
      ),
  },
  PKGAPP_PUBLISH_RELEASE_MISSING: {
    // pkgapp.releases: the NAME .deb without the NAME-release-ID .deb it depends on.
    run: async () => {
      const built = await cli(
        [
          'build',
          '-C',
          await app({ pkgapp: { releases: { keep: 2 } } }),
          '-o',
          path.join(await tempDir(), 'dist'),
          '--no-install',
          '--json',
        ],
        { SOURCE_DATE_EPOCH: EPOCH },
      );
      assert.equal(built.exitCode, 0, built.stderr);
      const [name, release] = (JSON.parse(built.stdout) as { packages: { name: string; path: string }[] }).packages;
      assert.equal(release?.name, 'tiny-app-release-1.0.0');
      const repo = await tempDir();
      return naming(
        await publish(repo, [name!.path]),
        `${name!.path}: tiny-app 1.0.0 depends on tiny-app-release-1.0.0 (= 1.0.0)`,
        `suite "stable" (component main) of ${repo}/apt`,
      );
    },
  },
  PKGAPP_APT_VERSION_EXISTS: {
    run: async () => {
      const { deb } = await packages();
      const repo = await tempDir();
      assert.equal((await publish(repo, [deb])).exitCode, 0);
      const other = (await rebuilt()).deb;
      return naming(await publish(repo, [other]), `${other}: tiny-app 1.0.0 (all) differs from`);
    },
  },
  PKGAPP_YUM_VERSION_EXISTS: {
    run: async () => {
      const { rpm } = await packages();
      const repo = await tempDir();
      assert.equal((await publish(repo, [rpm])).exitCode, 0);
      const other = (await rebuilt()).rpm;
      return naming(await publish(repo, [other]), `${other}: tiny-app-1.0.0-1.noarch is already published`);
    },
  },
  PKGAPP_YUM_STATE_INVALID: {
    // yum in object storage (publish-yum-store.ts) over a directory: a state object it cannot read.
    run: async () => {
      const repo = await tempDir();
      const state = path.join(repo, 'yum/stable/pkgapp-state.json');
      await mkdir(path.dirname(state), { recursive: true });
      await writeFile(state, '{"version": 7}\n');
      return naming(await viaLibrary(() => yumToStore(repo, 'stable')), `${state}: not a pkgapp yum state object`);
    },
  },
  PKGAPP_YUM_POOL_DAMAGED: {
    run: async () => {
      const repo = await tempDir();
      await yumToStore(repo, 'staging');
      const pooled = path.join(repo, 'yum/staging/Packages/tiny-app-1.0.0-1.noarch.rpm');
      await rm(pooled);
      return naming(
        await viaLibrary(() => yumToStore(repo, 'stable', 'staging')),
        `${pooled}: listed in channel "staging" but missing`,
      );
    },
  },
  PKGAPP_APT_KEY_MISMATCH: {
    run: async () => {
      const repo = await tempDir();
      assert.equal((await publish(repo, [(await packages()).deb])).exitCode, 0);
      return naming(
        await publish(repo, [(await packages()).deb], (await keys()).otherSecret),
        `${repo}/apt is signed with key`,
        'pkgapp-archive-keyring.gpg',
      );
    },
  },
  PKGAPP_APT_POOL_DAMAGED: {
    run: async () => {
      const repo = await tempDir();
      assert.equal((await publish(repo, ['--suite', 'staging', (await packages()).deb])).exitCode, 0);
      const pooled = path.join(repo, 'apt/pool/main/t/tiny-app/tiny-app_1.0.0_all.deb');
      await rm(pooled);
      return naming(
        await cli([
          'promote',
          '--repo',
          repo,
          '--from',
          'staging',
          '--to',
          'production',
          '--sign-key',
          (await keys()).secret,
          'tiny-app=1.0.0',
        ]),
        `${pooled}: listed in suite "staging" but missing`,
      );
    },
  },
  PKGAPP_APT_INDEX_INVALID: {
    run: async () => {
      const repo = await tempDir();
      const index = path.join(repo, 'apt/dists/stable/main/binary-all/Packages');
      await mkdir(path.dirname(index), { recursive: true });
      await writeFile(index, 'Package: tiny-app\nVersion: 1.0.0\nArchitecture: all\n');
      return naming(await publish(repo, [(await packages()).deb]), `${index}: stanza without`);
    },
  },
  PKGAPP_RPM_NAME_INVALID: {
    // pkgapp build refuses such names, so the rpm writer is called directly with one.
    run: async () => {
      const file = await rpmNamed('tiny app');
      return naming(await publish(await tempDir(), [file]), `${file}: package name "tiny app"`);
    },
  },
  PKGAPP_RPM_CONTROL_CHARS: {
    run: async () => {
      const { rpm } = await builtPackages(await app({ description: 'Tiny\u0001test service' }), EPOCH, ['-t', 'rpm']);
      return naming(await publish(await tempDir(), [rpm]), `${rpm}: summary contains a control character`);
    },
  },

  PKGAPP_INTERRUPTED: {
    // The real CLI, Ctrl-C'd while it writes a package (a 64 MiB file at gzip -9).
    run: async () => {
      const dir = await app({}, { 'big.bin': Buffer.alloc(64 * 1024 * 1024, 7).toString('latin1') });
      const out = path.join(await tempDir(), 'dist');
      const child = execa(process.execPath, [CLI, 'build', '-C', dir, '-o', out, '--no-install', '--level', '9'], {
        reject: false,
        env: { SOURCE_DATE_EPOCH: EPOCH },
      });
      for (let i = 0; i < 1000 && (await readdir(out).catch(() => [])).length === 0; i++)
        await new Promise((r) => setTimeout(r, 10));
      child.kill('SIGINT');
      const r = await child;
      assert.deepEqual(await readdir(out).catch(() => []), [], 'no temporary file left');
      return naming(
        { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) },
        'interrupted by SIGINT',
      );
    },
  },

  // Unexpected failures: a real one, stdout on a full disk (/dev/full), in the real CLI process.
  PKGAPP_UNEXPECTED: {
    run: async () => {
      const full = openSync('/dev/full', 'w');
      try {
        const r = spawnSync(process.execPath, [CLI, '--version'], {
          stdio: ['ignore', full, 'pipe'],
          encoding: 'utf8',
        });
        return naming({ exitCode: r.status ?? -1, stdout: '', stderr: r.stderr }, 'ENOSPC: no space left on device');
      } finally {
        closeSync(full);
      }
    },
  },
};

/**
 * publish-yum-store.ts (yum in object storage) over a LocalStorage of `repo`, which needs no S3
 * server: publishes the catalogue's rpm to `suite`, or promotes it from `from` to `suite`.
 */
async function yumToStore(repo: string, suite: string, from?: string): Promise<unknown> {
  const [{ LocalStorage }, { loadSigner }, store, { rpm }, { secret }] = await Promise.all([
    import('../../src/publish/storage/local-storage.js'),
    import('../../src/sign/openpgp-signer.js'),
    import('../../src/publish/yum/publish-yum-store.js'),
    packages(),
    keys(),
  ]);
  const options = { store: new LocalStorage(repo), signer: await loadSigner({ file: secret }), suite, now: new Date() };
  return from === undefined
    ? store.publishYumToStore([rpm], options)
    : store.promoteYumInStore('tiny-app', '1.0.0', from, options);
}

/** An rpm whose Name pkgapp build would refuse, written by the rpm writer itself. */
async function rpmNamed(name: string): Promise<string> {
  const dir = await app();
  const [{ readApp }, { resolveManifest }, { formatFor }, { EntryStore }] = await Promise.all([
    import('../../src/app/read-app.js'),
    import('../../src/manifest/resolve-manifest.js'),
    import('../../src/formats.js'),
    import('../../src/contents/entry-store.js'),
  ]);
  const manifest = { ...resolveManifest(await readApp(dir), { buildTime: Number(EPOCH) }), name };
  const outDir = await tempDir();
  const written = await formatFor('rpm').write({
    manifest,
    contents: new EntryStore(),
    bundled: [],
    arch: 'all',
    outDir,
    compression: 'gzip',
    level: 1,
  });
  await written.commit();
  return written.path;
}

/** The report: exit code, one error line naming `names`, a hint, the code line. */
function assertReported(t: TestContext, entry: CatalogueEntry, { result, names }: Triggered): void {
  const { stderr } = result;
  const context = `${entry.code}: exit ${result.exitCode}\n--- stderr\n${stderr}--- stdout\n${result.stdout}`;
  assert.equal(result.exitCode, entry.exitCode, context);
  const headline = entry.code === 'PKGAPP_UNEXPECTED' ? 'pkgapp: unexpected failure: ' : 'pkgapp: error: ';
  assert.equal(
    stderr.split('\n').filter((l) => l.startsWith('pkgapp: error: ') || l.startsWith('pkgapp: unexpected failure: '))
      .length,
    1,
    `one error line\n${context}`,
  );
  const report = stderr.slice(stderr.indexOf(headline));
  assert.ok(stderr.includes(headline), context);
  for (const name of names) {
    if (typeof name === 'string') assert.ok(report.includes(name), `names ${JSON.stringify(name)}\n${context}`);
    else assert.match(report, name, context);
  }
  const hint = /^ {2}hint: (.+)$/m.exec(report)?.[1] ?? '';
  assert.ok(hint.split(/\s+/).length >= 3, `a hint says what to do\n${context}`);
  assert.match(report, new RegExp(`^ {2}code: ${entry.code} \\(docs/errors\\.md\\)$`, 'm'), context);
  assert.equal(result.stdout, '', `nothing on stdout without --json\n${context}`);
  t.diagnostic(report.split('\n')[0]!.slice(0, 200));
}

for (const entry of ERROR_CATALOGUE) {
  test(`${entry.code} (exit ${entry.exitCode}): ${entry.when}`, async (t) => {
    const trigger = triggers[entry.code];
    assert.ok(
      trigger,
      `no test triggers ${entry.code}: add an entry to \`triggers\` in test/cli/error-catalogue.test.ts`,
    );
    if (trigger.needs && !requireTools(t, trigger.needs)) return;
    assertReported(t, entry, await trigger.run());
  });
}

// --- The catalogue cannot drift from the code. ---

/** 'PKGAPP_…' strings in src/ that are not error codes (environment variables, markers). */
const NOT_ERROR_CODES = new Set([
  'PKGAPP_SIGN_KEY',
  'PKGAPP_SIGN_PASSPHRASE',
  'PKGAPP_HOOK_EOF',
  'PKGAPP_HOOK_PHASE',
  'PKGAPP_DEBUG',
  'PKGAPP_CACHE_DIR',
  'PKGAPP_CACHE_MAX_SIZE',
]);

/**
 * Codes built from a base code with a template. read-app.ts readJsonFile(file, BASE, hint) throws
 * BASE_MISSING or BASE_MALFORMED. run-tool.ts runTool(file, args, { code: BASE }) throws BASE when
 * the tool fails and BASE_NOT_FOUND when it is not installed; callers pass the base through their
 * own wrappers, so in a file that calls runTool every code outside a `new UserError(...)` counts
 * as a runTool base.
 */
const JSON_SUFFIXES = ['_MISSING', '_MALFORMED'];
const TOOL_SUFFIXES = ['', '_NOT_FOUND'];
/** The templates DERIVED knows about; any other `code: \`...${...}...\`` must be taught to it. */
const KNOWN_TEMPLATES = new Set(['`${code}_MISSING`', '`${code}_MALFORMED`', '`${code}_NOT_FOUND`']);

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
}

/** [start, end) of every `new UserError(...)` call in `text`. */
function userErrorSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  for (const match of text.matchAll(/new UserError\(/g)) {
    let depth = 1;
    let i = match.index + match[0].length;
    for (; i < text.length && depth > 0; i++) depth += text[i] === '(' ? 1 : text[i] === ')' ? -1 : 0;
    spans.push([match.index, i]);
  }
  return spans;
}

/** Every error code src/ can report, with the files that use it; and templates it cannot read. */
async function codesInSource(): Promise<{ used: Map<string, Set<string>>; unknownTemplates: string[] }> {
  const used = new Map<string, Set<string>>();
  const unknownTemplates: string[] = [];
  const add = (code: string, file: string) => used.set(code, (used.get(code) ?? new Set()).add(file));
  for (const file of await sourceFiles(path.join(REPO_ROOT, 'src'))) {
    const rel = path.relative(REPO_ROOT, file);
    if (rel === path.join('src', 'error-catalogue.ts')) continue;
    const text = await readFile(file, 'utf8');
    const bases = new Set<string>();
    for (const match of text.matchAll(/readJsonFile\([^;]*?'(PKGAPP_[A-Z0-9_]+)'/g)) {
      bases.add(match[1]!);
      for (const suffix of JSON_SUFFIXES) add(`${match[1]}${suffix}`, rel);
    }
    const thrown = userErrorSpans(text);
    const callsRunTool = /\brunTool\(/.test(text) && !rel.endsWith(path.join('util', 'run-tool.ts'));
    for (const match of text.matchAll(/(['"`])(PKGAPP_[A-Z0-9_]+)\1/g)) {
      const code = match[2]!;
      if (NOT_ERROR_CODES.has(code) || bases.has(code)) continue;
      const toolCode = callsRunTool && !thrown.some(([from, to]) => match.index >= from && match.index < to);
      for (const suffix of toolCode ? TOOL_SUFFIXES : ['']) add(`${code}${suffix}`, rel);
    }
    for (const match of text.matchAll(/code:\s*(`[^`]*\$\{[^`]*`)/g)) {
      if (!KNOWN_TEMPLATES.has(match[1]!)) unknownTemplates.push(`${rel}: code: ${match[1]}`);
    }
  }
  return { used, unknownTemplates };
}

test('every error code used in src/ is in the catalogue, and every catalogue entry is used', async () => {
  const { used, unknownTemplates } = await codesInSource();
  const catalogued = new Set(ERROR_CATALOGUE.map((e) => e.code));
  const missing = [...used]
    .filter(([code]) => !catalogued.has(code))
    .map(([code, files]) => `  ${code} (${[...files].join(', ')})`);
  assert.deepEqual(
    missing,
    [],
    [
      'These error codes are used in src/ but are not in the error catalogue:',
      ...missing,
      'For each one:',
      '  1. add an entry to ERROR_CATALOGUE in src/error-catalogue.ts, in its section:',
      "     { code: 'PKGAPP_…', exitCode: U (2: bad usage or input) or F (1: a step failed), section: 'app', when: 'when it happens, one line for users', fix: 'what to do' },",
      '  2. add a trigger to `triggers` in test/cli/error-catalogue.test.ts that makes pkgapp report it (CLI through cli()/runCli(), or the library through viaLibrary()),',
      '  3. run `npm run docs` to regenerate docs/errors.md.',
      'A PKGAPP_ string that is not an error code (an environment variable name) goes into NOT_ERROR_CODES in this test instead.',
    ].join('\n'),
  );
  assert.deepEqual(
    unknownTemplates,
    [],
    'an error code built with a template: teach codesInSource() and KNOWN_TEMPLATES in test/cli/error-catalogue.test.ts which codes it makes, and catalogue them',
  );
  const unused = [...catalogued].filter((code) => !used.has(code));
  assert.deepEqual(
    unused,
    [],
    'catalogue entries no code in src/ reports: remove them from src/error-catalogue.ts (and their triggers here), then `npm run docs`',
  );
});

test('every catalogue entry has a trigger here, and every trigger is for a catalogued code', () => {
  const catalogued = new Set(ERROR_CATALOGUE.map((e) => e.code));
  assert.equal(catalogued.size, ERROR_CATALOGUE.length, 'no code twice in the catalogue');
  assert.deepEqual(
    ERROR_CATALOGUE.map((e) => e.code).filter((code) => !triggers[code]),
    [],
    'add a trigger to `triggers` for each of these catalogue entries',
  );
  assert.deepEqual(
    Object.keys(triggers).filter((code) => !catalogued.has(code)),
    [],
    'triggers for codes the catalogue does not list',
  );
});

// --- JSON mode and unexpected failures. ---

test('--json: a failure before the result is one JSON error document on stdout, with the same exit code', async () => {
  const dir = await makeApp({ 'package.json': pkgJson({}), 'server.js': '' });
  const failed = await cli(['build', '-C', dir, '--no-install', '--json']);
  assert.equal(failed.exitCode, 2);
  const { error } = JSON.parse(failed.stdout) as { error: Record<string, unknown> };
  assert.deepEqual(Object.keys(error), ['code', 'exitCode', 'message', 'hint']);
  assert.deepEqual([error['code'], error['exitCode']], ['PKGAPP_LOCKFILE_MISSING', 2]);
  assert.match(String(error['message']), new RegExp(`^${dir}: no package-lock\\.json`));
  assert.match(
    failed.stderr,
    new RegExp(`^ {2}hint: ${String(error['hint']).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'),
    'the same hint as on stderr',
  );
  assert.match(failed.stderr, /^pkgapp: error: .*no package-lock\.json/m, 'the human report stays on stderr');

  const usage = await cli(['build', '--json', '--frobnicate']);
  assert.equal(usage.exitCode, 2);
  assert.equal(JSON.parse(usage.stdout).error.code, 'PKGAPP_USAGE_UNKNOWN_OPTION');

  const noJson = await cli(['build', '-C', dir, '--no-install', '--', '--json']);
  assert.equal(noJson.stdout, '', '--json after "--" is not the flag');

  // verify --json prints its result (valid: false) and exits 1, without a second document.
  const verified = await cli(['verify', (await packages()).deb, '--key', (await keys()).public, '--json']);
  assert.equal(verified.exitCode, 1, verified.stderr);
  const doc = JSON.parse(verified.stdout) as { valid: boolean; problem: string };
  assert.equal(doc.valid, false);
  assert.equal(doc.problem, 'not signed');
  assert.match(verified.stderr, /code: PKGAPP_VERIFY_FAILED/);

  // A success prints its document only (the catalogue's errors never leak into it).
  const init = await cli(['init', '-C', await app(), '--json']);
  assert.equal(init.exitCode, 0, init.stderr);
  assert.ok(JSON.parse(init.stdout).file);
});

test('an unexpected failure in a command: a short report with the versions, exit 1; PKGAPP_DEBUG=1 gives the whole error', async () => {
  // stdout fails under the command (as a write to a vanished terminal does): not a UserError.
  const brokenStdout = (env: Record<string, string>) => {
    let stderr = '';
    const io = {
      stdout: () => {
        throw Object.assign(new Error('EIO: i/o error, write'), {
          code: 'EIO',
          cause: new Error('the terminal went away'),
        });
      },
      stderr: (t: string) => void (stderr += t),
      env,
      interactive: false,
    };
    return { io, stderr: () => stderr };
  };
  const short = brokenStdout({});
  assert.equal(await main(['init', '-C', await app(), '--json'], short.io), 1);
  const report = short.stderr();
  const version = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
  assert.match(report, /^pkgapp: unexpected failure: EIO: i\/o error, write\n/);
  assert.ok(
    report.includes(`  pkgapp ${version}, node ${process.version}, ${process.platform}-${process.arch}\n`),
    report,
  );
  assert.match(report, /^ {2}cause: the terminal went away$/m);
  assert.match(report, /^ {2}code: PKGAPP_UNEXPECTED \(docs\/errors\.md\)$/m);
  assert.ok(report.split('\n').filter((l) => /^\s+at /.test(l)).length <= 5, `at most 5 stack frames:\n${report}`);
  assert.ok(report.split('\n').length <= 14, `short:\n${report}`);

  const debug = brokenStdout({ PKGAPP_DEBUG: '1' });
  assert.equal(await main(['init', '-C', await app(), '--json'], debug.io), 1);
  assert.ok(
    debug
      .stderr()
      .split('\n')
      .filter((l) => /^\s+at /.test(l)).length > 5,
    debug.stderr(),
  );
  assert.match(debug.stderr(), /the terminal went away/);

  // With --json and a working stdout, the document says so too.
  let stdout = '';
  const exitCode = reportError(
    new TypeError('Cannot read properties of undefined'),
    { stdout: (t) => void (stdout += t), stderr: () => {}, env: {}, interactive: false },
    { json: true },
  );
  assert.equal(exitCode, 1);
  const doc = JSON.parse(stdout) as {
    error: { code: string; exitCode: number; message: string; versions: { pkgapp: string; node: string } };
  };
  assert.equal(doc.error.code, 'PKGAPP_UNEXPECTED');
  assert.equal(doc.error.message, 'TypeError: Cannot read properties of undefined');
  assert.deepEqual(
    [doc.error.exitCode, doc.error.versions.pkgapp, doc.error.versions.node],
    [1, version, process.version],
  );
});

test('the real CLI process: exit codes and the report as main() gives them', async () => {
  const usage = await runCli(['build', '--frobnicate']);
  assert.equal(usage.exitCode, 2);
  assert.equal(
    usage.stderr,
    "pkgapp: error: unknown option '--frobnicate'\n  hint: `pkgapp build --help` lists its options\n  code: PKGAPP_USAGE_UNKNOWN_OPTION (docs/errors.md)",
  ); // execa drops the final newline
  const dir = await makeApp({ 'package.json': pkgJson({}), 'server.js': '' });
  const json = await runCli(['build', '-C', dir, '--json']);
  assert.equal(json.exitCode, 2);
  assert.equal(JSON.parse(json.stdout).error.code, 'PKGAPP_LOCKFILE_MISSING');
  const help = await runCli(['build', '--help']);
  assert.equal(help.exitCode, 0);
  assert.match(help.stdout, /^Usage: pkgapp build/);
});
