// Reuse of the production install (docs/internals/build-cache.md): the node_modules a frozen
// install wrote in staging, stored in the build cache under a key covering everything that decides
// it, and restored (verified file by file) instead of running the package manager again.
//
// The key: the lockfile's and package.json's bytes; the package manager, its version, the
// install's arguments and environment (a target set by the caller is in them); the tool settings
// pkgapp copies into staging (.npmrc, .yarnrc*, pnpm-workspace.yaml, .pnpmfile.cjs, Yarn releases,
// plugins and patches) and the user's and global ones, with credentials left out (they choose who
// may download, not what is installed: the lockfile's integrity hashes decide that); the Node.js
// that runs the install scripts (version, ABI, platform, arch, glibc); the identity (path, size,
// mtime) of the compilers and tools node-gyp builds with, and the environment variables they read.
// Not cached at all: installs where the root package.json has install scripts of its own (they
// may change app files), lockfiles with local file:/link: dependencies (their content is app
// files), workspace deploys and pkgapp.buildScript builds (the install then depends on the build).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { MANAGER_CONFIG_FILES, type ManagerTool } from '../app/lockfiles/package-manager.js';
import { CacheKey } from '../cache/cache-key.js';
import type { CacheStore, TreeFile } from '../cache/cache-store.js';
import { operationSignal } from '../util/atomic-output.js';

/** Installed-tree entries in the cache; bump the version when the key's recipe changes. */
export const INSTALL_KIND = 'install';
const RECIPE = 'install-v1';
/** Pointers from a base key to the newest install of that family: a blob of its lockfile, info { key }. */
export const INSTALL_BASE_KIND = 'install-base';
const BASE_RECIPE = 'install-base-v1';

const ROOT_INSTALL_SCRIPTS = [
  'preinstall',
  'install',
  'postinstall',
  'prepublish',
  'preprepare',
  'prepare',
  'postprepare',
];
const TOOLCHAIN = ['cc', 'gcc', 'c++', 'g++', 'clang', 'clang++', 'make', 'python3', 'python', 'ld', 'strip'];
const BUILD_ENV =
  /^(CC|CXX|CPP|LD|AR|CFLAGS|CXXFLAGS|CPPFLAGS|LDFLAGS|MAKEFLAGS|PYTHON|JOBS|NODE_OPTIONS|LANG|LC_ALL)$/;
const TOOL_ENV = /^(npm_config_|NPM_CONFIG_|pnpm_config_|PNPM_|YARN_|COREPACK_|NODE_GYP_|npm_package_config_)/;
const SECRET_NAME = /(auth|token|password|secret|cert|key)/i;
const SECRET_LINE =
  /(_auth|_authToken|_password|password|npmAuthToken|npmAuthIdent|npmPassword|certfile|keyfile)\s*[=:]/i;

export interface InstallKeyRequest {
  /** The project's root (lockfile and settings). */
  root: string;
  lockfilePath: string;
  tool: ManagerTool;
  /** The environment the install runs with. */
  env: NodeJS.ProcessEnv;
}

/**
 * The key of the install and its base key (the same inputs without the lockfile's and
 * package.json's bytes: the installs a seeded one can start from), or why it is not cached.
 */
export async function installKey(
  request: InstallKeyRequest,
): Promise<{ key: string; baseKey: string; lockText: Buffer } | { reason: string }> {
  const { root, lockfilePath, tool, env } = request;
  // Blocking reads throughout: a dozen small files read one after the other, where each
  // asynchronous read's thread-pool round trips left the process idle.
  const packageJsonText = readFileSync(path.join(root, 'package.json'));
  const scripts = (JSON.parse(packageJsonText.toString('utf8')) as { scripts?: Record<string, unknown> }).scripts ?? {};
  const own = ROOT_INSTALL_SCRIPTS.filter((s) => typeof scripts[s] === 'string');
  if (own.length) return { reason: `package.json has install scripts of its own (${own.join(', ')})` };
  const lockText = readFileSync(lockfilePath);
  if (/["'\s:]((file|link):)/.test(lockText.toString('utf8').replace(/"resolved":\s*"https?:[^"]*"/g, '')))
    return { reason: 'the lockfile has local file: or link: dependencies' };

  const full = new CacheKey(RECIPE);
  const base = new CacheKey(BASE_RECIPE);
  // Every input but the two below goes into both keys, in the same order as before base keys existed.
  const key = {
    add(label: string, value: string | Uint8Array | undefined) {
      full.add(label, value);
      base.add(label, value);
      return key;
    },
    addJson(label: string, value: unknown) {
      full.addJson(label, value);
      base.addJson(label, value);
      return key;
    },
  };
  // The family a seeded install starts from is one app's (its directory): a tree of another app
  // would be as correct, but its lockfile is rarely alike enough to be worth it.
  base.add('project', root);
  key.add('manager', tool.manager);
  key.add('lockfile-name', path.basename(lockfilePath));
  full.add('lockfile', lockText);
  full.add('package.json', packageJsonText);
  key.add('tool', tool.prefix.length ? 'yarnPath' : tool.file);
  key.add('tool-version', await toolVersion(tool, env));
  key.addJson('argv', tool.installProduction);
  key.addJson('tool-env', tool.env);
  // A target install's settings written into the staging copy (src/app/target-platform.ts).
  if (tool.stagingSettings) key.addJson('staging-settings', tool.stagingSettings);
  key.addJson('env', filteredEnv(env));
  for (const name of MANAGER_CONFIG_FILES) key.add(`config:${name}`, settingsFile(path.join(root, name)));
  for (const sub of ['.yarn/releases', '.yarn/plugins', '.yarn/patches', 'patches'])
    key.add(`dir:${sub}`, await treeDigest(path.join(root, sub)));
  const home = os.homedir();
  const userConfigs = [
    env['npm_config_userconfig'] ?? env['NPM_CONFIG_USERCONFIG'] ?? path.join(home, '.npmrc'),
    env['npm_config_globalconfig'] ?? env['NPM_CONFIG_GLOBALCONFIG'] ?? '',
    path.join(path.dirname(path.dirname(nodeOnPath(env))), 'etc', 'npmrc'),
    '/etc/npmrc',
    path.join(env['XDG_CONFIG_HOME'] ?? path.join(home, '.config'), 'pnpm', 'rc'),
    path.join(home, '.yarnrc'),
    path.join(home, '.yarnrc.yml'),
  ];
  for (const file of userConfigs) if (file) key.add(`user-config:${file}`, settingsFile(file));
  key.addJson('node', await nodeIdentity(env));
  key.addJson(
    'toolchain',
    TOOLCHAIN.map((name) => [name, fileIdentity(onPath(name, env))]),
  );
  return { key: full.digest(), baseKey: base.digest(), lockText };
}

/** The variables the package manager, node-gyp and compilers read, credentials left out. */
function filteredEnv(env: NodeJS.ProcessEnv): [string, string][] {
  return Object.entries(env)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .filter(([name]) => (TOOL_ENV.test(name) || BUILD_ENV.test(name)) && !SECRET_NAME.test(name))
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

/** A settings file's text without credential lines; undefined when absent. */
function settingsFile(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  return text
    .split('\n')
    .filter((line) => !SECRET_LINE.test(line))
    .join('\n');
}

/** SHA-256 over the paths and contents of every file below `dir`; undefined when absent. */
async function treeDigest(dir: string): Promise<string | undefined> {
  if (!existsSync(dir)) return undefined;
  const hash = createHash('sha256');
  const visit = async (rel: string): Promise<void> => {
    for (const entry of (await readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const child = path.join(rel, entry.name);
      hash.update(`${child}\0`);
      if (entry.isDirectory()) await visit(child);
      else if (entry.isFile()) hash.update(await readFile(path.join(dir, child))).update('\0');
    }
  };
  await visit('');
  return hash.digest('hex');
}

function onPath(program: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, program);
    try {
      if (statSync(file).isFile()) return realpathSync(file);
    } catch {
      // not here
    }
  }
  return undefined;
}

function nodeOnPath(env: NodeJS.ProcessEnv): string {
  return onPath('node', env) ?? process.execPath;
}

/** Which file it is and whether it changed: real path, size, mtime. */
function fileIdentity(file: string | undefined): string | null {
  if (file === undefined) return null;
  const st = statSync(file);
  return `${file}:${st.size}:${st.mtimeMs}`;
}

/** The Node.js that runs the install and its scripts (the node on PATH, as npm's `#!/usr/bin/env node`). */
async function nodeIdentity(env: NodeJS.ProcessEnv): Promise<unknown> {
  const node = nodeOnPath(env);
  // The node running pkgapp answers for itself: the same facts without starting a process (~100 ms).
  if (node === realpathSync(process.execPath)) return [fileIdentity(node), nodeFacts()];
  // Another node runs the same function: one list of facts, whichever node answers.
  const script = `console.log(JSON.stringify((${nodeFacts.toString()})()))`;
  const output = await new Promise<string>((resolve, reject) =>
    execFile(node, ['-e', script], { encoding: 'utf8', env: { PATH: env['PATH'] ?? '' } }, (error, stdout) =>
      error ? reject(new Error(`${node} could not report its version`, { cause: error })) : resolve(stdout),
    ),
  );
  return [fileIdentity(node), JSON.parse(output) as unknown];
}

/** What decides the installed tree of the node that runs this (self-contained: it is sent to another node as source). */
function nodeFacts(): unknown {
  const report = process.report?.getReport?.() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return [
    process.version,
    process.platform,
    process.arch,
    process.versions.modules,
    process.versions.napi,
    report?.header?.glibcVersionRuntime ?? null,
  ];
}

/** The package manager's version: npm's from its package.json, the others' from `--version`. */
async function toolVersion(tool: ManagerTool, env: NodeJS.ProcessEnv): Promise<string> {
  if (tool.prefix.length) return fileIdentity(tool.prefix[0]) ?? '';
  const file = onPath(tool.file, env);
  if (file === undefined) return 'missing';
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
        if (name === tool.file || name === '@yarnpkg/cli-dist') return `${name}@${version}`;
      } catch {
        // keep looking
      }
      break;
    }
  }
  // A standalone binary: its identity stands for its version.
  return fileIdentity(file) ?? '';
}

export interface InstallCache {
  store: CacheStore;
  log: (line: string) => void;
  /** Told the manifest (each file's SHA-256) of the node_modules restored or stored at `dir`. */
  learnTree?: (dir: string, files: readonly TreeFile[]) => void;
}

/** How to reconcile a seeded tree (npm only): runs `npm install` in the staging copy. */
export type Reconcile = () => Promise<void>;

/**
 * Restores the cached install into `<staging>/node_modules` when there is one. Otherwise, with
 * `reconcile` (npm), starts from the newest cached install of the same family (base key: all the
 * same inputs but another lockfile or package.json) and lets npm bring it to the lockfile, falling
 * back to `install` when that fails or npm wanted to change the lockfile; without one, runs
 * `install`. Stores the new node_modules. Either way `learnTree` gets each file's SHA-256.
 * Returns, when the staged node_modules is the cache entry's tree, how to keep it for the next build.
 */
export async function installThroughCache(
  cache: InstallCache,
  request: InstallKeyRequest & { staging: string },
  install: () => Promise<void>,
  reconcile?: Reconcile,
): Promise<KeepTree | undefined> {
  const started = Date.now();
  const keyed = await installKey(request);
  if ('reason' in keyed) {
    cache.log(`build cache: installed tree not reused: ${keyed.reason}`);
    await install();
    return undefined;
  }
  const target = path.join(request.staging, 'node_modules');
  const keep: KeepTree = () => cache.store.parkTree(INSTALL_KIND, keyed.key, target);
  const restored = existsSync(target) ? undefined : await cache.store.getTree(INSTALL_KIND, keyed.key, target);
  if (restored) {
    cache.learnTree?.(target, restored.files);
    const files = restored.files.filter((f) => f.type === 'file').length;
    cache.log(
      `build cache: hit, installed tree ${keyed.key.slice(0, 12)} ${restored.reused ? 'taken from the last build and checked' : 'restored'} (${files} files verified, ${restored.linked ? 'hard links' : 'copies'}) in ${((Date.now() - started) / 1000).toFixed(1)} s without running ${request.tool.name}`,
    );
    if (reconcile) await pointBaseAt(cache, keyed, false);
    return keep;
  }
  // The seed's manifest: its files still linked unchanged are stored without being read again.
  const seeded =
    reconcile && !existsSync(target) ? await seededInstall(cache, keyed, request, target, reconcile) : undefined;
  if (!seeded) {
    cache.log(`build cache: miss, installed tree ${keyed.key.slice(0, 12)}: running ${request.tool.name}`);
    await install();
  }
  const storing = Date.now();
  const stored =
    existsSync(target) &&
    (await cache.store.putTree(
      INSTALL_KIND,
      keyed.key,
      target,
      null,
      (files) => cache.learnTree?.(target, files),
      seeded,
    ));
  if (stored)
    cache.log(
      `build cache: stored installed tree ${keyed.key.slice(0, 12)} in ${((Date.now() - storing) / 1000).toFixed(1)} s`,
    );
  // Only a manager that can reconcile a seeded tree needs to know the newest one.
  if (reconcile && existsSync(target)) await pointBaseAt(cache, keyed, true);
  return stored ? keep : undefined; // stored: the staging files are the entry's own inodes now
}

type Keyed = { key: string; baseKey: string; lockText: Buffer };

/**
 * The seeded install: the base key's newest tree restored into `target`, the packages whose
 * lockfile entry changed removed (seed-npm-tree.ts), then npm's reconcile. The seed's manifest
 * when `target` now holds the install; undefined when there was nothing to seed from or it did
 * not work out (then `target` is gone and the caller runs the full install).
 */
async function seededInstall(
  cache: InstallCache,
  keyed: Keyed,
  request: InstallKeyRequest & { staging: string },
  target: string,
  reconcile: Reconcile,
): Promise<readonly TreeFile[] | undefined> {
  const started = Date.now();
  const pointer = await cache.store.getBlob(INSTALL_BASE_KIND, keyed.baseKey);
  if (!pointer) return undefined;
  let seedKey: string;
  let seedLock: string;
  try {
    seedKey = (pointer.info as { key?: unknown } | null)?.key as string;
    seedLock = readFileSync(pointer.path, 'utf8');
  } finally {
    await pointer.close();
  }
  // A pointer's info is checked like any cache content: only a well-formed key is looked up.
  if (typeof seedKey !== 'string' || !/^[0-9a-f]{64}$/.test(seedKey) || seedKey === keyed.key) return undefined;
  const { planSeed, removeChanged } = await import('./seed-npm-tree.js');
  let plan: ReturnType<typeof planSeed>;
  try {
    plan = planSeed(seedLock, keyed.lockText.toString('utf8'));
  } catch (error) {
    plan = { reason: `a lockfile is not JSON (${(error as Error).message})` };
  }
  const seed = seedKey.slice(0, 12);
  if ('reason' in plan) {
    cache.log(`build cache: installed tree ${seed} not used as a seed: ${plan.reason}`);
    return undefined;
  }
  const restored = await cache.store.getTree(INSTALL_KIND, seedKey, target);
  if (!restored) return undefined; // evicted or damaged
  const lockfile = path.join(request.staging, path.basename(request.lockfilePath));
  const packageJson = path.join(request.staging, 'package.json');
  const inputs = [readFileSync(lockfile), readFileSync(packageJson)];
  try {
    // npm rewrites its hidden lockfile in place, and that file is a hard link into the seed's
    // entry: removed first (npm does not trust it anyway, the restored directories being newer).
    await rm(path.join(target, '.package-lock.json'), { force: true });
    await removeChanged(target, plan.changed);
    cache.log(
      `build cache: miss, installed tree ${keyed.key.slice(0, 12)}: seeded from ${seed} (${plan.changed.length} lockfile entr${plan.changed.length === 1 ? 'y differs' : 'ies differ'}), reconciling with ${request.tool.name} install`,
    );
    await reconcile();
    // npm install resolves what the lockfile does not pin and rewrites it; npm ci refuses. Only
    // an untouched lockfile and package.json mean the tree is what npm ci would install.
    if (!readFileSync(lockfile).equals(inputs[0]!) || !readFileSync(packageJson).equals(inputs[1]!))
      throw new Error(`${request.tool.name} install changed the lockfile or package.json`);
  } catch (error) {
    if (operationSignal()?.aborted) throw error; // the build is being stopped: no second install
    cache.log(
      `build cache: the seeded install did not work out (${firstLine(error)}): running ${request.tool.name} ci from scratch`,
    );
    await rm(target, { recursive: true, force: true });
    await writeFile(lockfile, inputs[0]!);
    await writeFile(packageJson, inputs[1]!);
    return undefined;
  }
  cache.log(`build cache: seeded install done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return restored.files;
}

/** Points the base key at this install (its lockfile the blob, its key the info), unless it already does. */
async function pointBaseAt(cache: InstallCache, keyed: Keyed, stored: boolean): Promise<void> {
  if (!stored) {
    const pointer = await cache.store.getBlob(INSTALL_BASE_KIND, keyed.baseKey);
    const current = (pointer?.info as { key?: unknown } | null | undefined)?.key;
    await pointer?.close();
    if (current === keyed.key) return;
  }
  await cache.store.putBlob(
    INSTALL_BASE_KIND,
    keyed.baseKey,
    (file) => writeFile(file, keyed.lockText),
    { key: keyed.key },
    { replace: true },
  );
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!;
}

/**
 * Hands the staged node_modules to the cache for the next build (CacheStore.parkTree) instead of
 * removing it; false when it was not taken (the caller removes it with the staging copy).
 */
export type KeepTree = () => boolean;
