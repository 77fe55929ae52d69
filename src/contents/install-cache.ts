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
import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { MANAGER_CONFIG_FILES, type ManagerTool } from '../app/lockfiles/package-manager.js';
import { CacheKey } from '../cache/cache-key.js';
import type { CacheStore, TreeFile } from '../cache/cache-store.js';

/** Installed-tree entries in the cache; bump the version when the key's recipe changes. */
export const INSTALL_KIND = 'install';
const RECIPE = 'install-v1';

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

/** The key of the install, or why it is not cached. */
export async function installKey(request: InstallKeyRequest): Promise<{ key: string } | { reason: string }> {
  const { root, lockfilePath, tool, env } = request;
  const packageJsonText = await readFile(path.join(root, 'package.json'));
  const scripts = (JSON.parse(packageJsonText.toString('utf8')) as { scripts?: Record<string, unknown> }).scripts ?? {};
  const own = ROOT_INSTALL_SCRIPTS.filter((s) => typeof scripts[s] === 'string');
  if (own.length) return { reason: `package.json has install scripts of its own (${own.join(', ')})` };
  const lockText = await readFile(lockfilePath);
  if (/["'\s:]((file|link):)/.test(lockText.toString('utf8').replace(/"resolved":\s*"https?:[^"]*"/g, '')))
    return { reason: 'the lockfile has local file: or link: dependencies' };

  const key = new CacheKey(RECIPE);
  key.add('manager', tool.manager);
  key.add('lockfile-name', path.basename(lockfilePath)).add('lockfile', lockText);
  key.add('package.json', packageJsonText);
  key.add('tool', tool.prefix.length ? 'yarnPath' : tool.file);
  key.add('tool-version', await toolVersion(tool, env));
  key.addJson('argv', tool.installProduction);
  key.addJson('tool-env', tool.env);
  // A target install's settings written into the staging copy (src/app/target-platform.ts).
  if (tool.stagingSettings) key.addJson('staging-settings', tool.stagingSettings);
  key.addJson('env', filteredEnv(env));
  for (const name of MANAGER_CONFIG_FILES) key.add(`config:${name}`, await settingsFile(path.join(root, name)));
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
  for (const file of userConfigs) if (file) key.add(`user-config:${file}`, await settingsFile(file));
  key.addJson('node', await nodeIdentity(env));
  key.addJson(
    'toolchain',
    TOOLCHAIN.map((name) => [name, fileIdentity(onPath(name, env))]),
  );
  return { key: key.digest() };
}

/** The variables the package manager, node-gyp and compilers read, credentials left out. */
function filteredEnv(env: NodeJS.ProcessEnv): [string, string][] {
  return Object.entries(env)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .filter(([name]) => (TOOL_ENV.test(name) || BUILD_ENV.test(name)) && !SECRET_NAME.test(name))
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

/** A settings file's text without credential lines; undefined when absent. */
async function settingsFile(file: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
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

const NODE_FACTS =
  'const r=process.report?.getReport?.();console.log(JSON.stringify([process.version,process.platform,process.arch,process.versions.modules,process.versions.napi,r?.header?.glibcVersionRuntime??null]))';

/** The Node.js that runs the install and its scripts (the node on PATH, as npm's `#!/usr/bin/env node`). */
async function nodeIdentity(env: NodeJS.ProcessEnv): Promise<unknown> {
  const node = nodeOnPath(env);
  // The node running pkgapp answers for itself: the same facts without starting a process (~100 ms).
  if (node === realpathSync(process.execPath)) return [fileIdentity(node), ownNodeFacts()];
  const output = await new Promise<string>((resolve, reject) =>
    execFile(node, ['-e', NODE_FACTS], { encoding: 'utf8', env: { PATH: env['PATH'] ?? '' } }, (error, stdout) =>
      error ? reject(new Error(`${node} could not report its version`, { cause: error })) : resolve(stdout),
    ),
  );
  return [fileIdentity(node), JSON.parse(output) as unknown];
}

/** What NODE_FACTS prints, for the running node. */
function ownNodeFacts(): unknown {
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

/**
 * Restores the cached install into `<staging>/node_modules` when there is one; otherwise runs
 * `install` and stores its node_modules; either way `learnTree` gets each file's SHA-256. Returns,
 * when the staged node_modules is the cache entry's tree, how to keep it for the next build.
 */
export async function installThroughCache(
  cache: InstallCache,
  request: InstallKeyRequest & { staging: string },
  install: () => Promise<void>,
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
    return keep;
  }
  cache.log(`build cache: miss, installed tree ${keyed.key.slice(0, 12)}: running ${request.tool.name}`);
  await install();
  const storing = Date.now();
  if (
    existsSync(target) &&
    (await cache.store.putTree(INSTALL_KIND, keyed.key, target, null, (files) => cache.learnTree?.(target, files)))
  ) {
    cache.log(
      `build cache: stored installed tree ${keyed.key.slice(0, 12)} in ${((Date.now() - storing) / 1000).toFixed(1)} s`,
    );
    return keep; // the staging files are the entry's own inodes now
  }
  return undefined;
}

/**
 * Hands the staged node_modules to the cache for the next build (CacheStore.parkTree) instead of
 * removing it; false when it was not taken (the caller removes it with the staging copy).
 */
export type KeepTree = () => boolean;
