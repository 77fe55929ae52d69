// What never goes into a package: secrets in the app, pkgapp's own products and configuration,
// build caches, and packaging noise in node_modules. `pkgapp.include` overrides all of these
// for app files; `pkgapp.exclude` always wins.
import { Minimatch } from '../util/minimatch.js';
import { MANAGER_CONFIG_FILES } from '../app/lockfiles/package-manager.js';
import { BUILD_CACHES } from './build-outputs.js';

/** Secrets by default (docs/file-selection.md): env files, npm credentials, VCS data, private keys. */
const SECRET_PATTERNS = [
  '**/.env',
  '**/.env.*',
  '**/.npmrc',
  '**/.git',
  '**/.git/**',
  '**/*.pem',
  '**/*.key',
  '**/id_rsa*',
  '**/id_ed25519*',
  '**/*.p12',
  '**/*.pfx',
];

/**
 * App-root files read by pkgapp or the package manager at build time, never by the app:
 * pkgapp's configuration, the package managers' settings, Yarn's release/plugins/cache.
 */
const BUILD_TIME_ONLY = ['pkgapp.config.json', ...MANAGER_CONFIG_FILES, '.yarn'];

/** What pkgapp writes into an output directory: packages, SBOMs, and their temporary names (util/atomic-output.ts). */
const PKGAPP_PRODUCT = /(\.deb|\.rpm|\.cdx\.json)$|^\..+\.tmp-\d+-[0-9a-f]{8}$/;

/**
 * Development metadata npm tarballs carry, never read at run time, that lintian flags
 * (package-contains-npm-ignore-file, package-contains-vcs-control-file,
 * package-contains-eslint-config-file).
 */
const NODE_MODULES_NOISE = new Set([
  '.npmignore',
  '.gitignore',
  '.gitattributes',
  '.gitmodules',
  '.npmrc',
  '.git',
  '.hgignore',
  '.travis.yml',
  '.eslintignore',
  '.editorconfig',
]);
const NODE_MODULES_NOISE_PATTERN = /^\.eslintrc(\.\w+)?$/;

export interface ExcludeRules {
  /** Paths (globs) the config includes deliberately, relative to the app. */
  include: readonly string[];
  /** Extra globs to exclude, relative to the app. */
  exclude: readonly string[];
}

const GLOB = { dot: true };
/** Compiled patterns: compiling is most of a match's cost, and every app file is matched. */
const compiled = new Map<string, Minimatch>();
function minimatch(relPath: string, pattern: string): boolean {
  let m = compiled.get(pattern);
  if (m === undefined) compiled.set(pattern, (m = new Minimatch(pattern, GLOB)));
  return m.match(relPath);
}

/** A path matches a pattern itself, or lies below a directory the pattern matches (".next" covers ".next/server/app.js"). */
export function matchesPattern(relPath: string, pattern: string): boolean {
  const p = pattern.replace(/^\.\//, '').replace(/\/+$/, '');
  return minimatch(relPath, p) || minimatch(relPath, `${p}/**`);
}

/** Why a pkgapp rule leaves an app file out: which rule, and a sentence for messages. */
export interface LeftOut {
  by: 'exclude' | 'secret' | 'product' | 'build-time' | 'cache' | 'node-gyp';
  message: string;
}

/**
 * Why an app file (relative to the app directory) is never packaged, whatever selects it, or
 * undefined when nothing here leaves it out. `nodeGypApp`: the app itself has a binding.gyp,
 * so build/ holds node-gyp's leftovers besides the addon.
 */
export function appFileRule(rules: ExcludeRules, nodeGypApp = false): (relPath: string) => LeftOut | undefined {
  return (relPath) => {
    const excluded = rules.exclude.find((p) => matchesPattern(relPath, p));
    if (excluded !== undefined) return { by: 'exclude', message: `pkgapp.exclude "${excluded}" leaves it out` };
    if (rules.include.some((p) => matchesPattern(relPath, p))) return undefined;
    const secret = SECRET_PATTERNS.find((p) => minimatch(relPath, p));
    if (secret !== undefined)
      return {
        by: 'secret',
        message: `it matches the secret pattern "${secret}" (list it in pkgapp.include to package it)`,
      };
    const base = relPath.slice(relPath.lastIndexOf('/') + 1);
    if (PKGAPP_PRODUCT.test(base))
      return {
        by: 'product',
        message:
          'pkgapp never packages its own output (.deb, .rpm, .cdx.json and their temporary files; list it in pkgapp.include to package it)',
      };
    const top = relPath.split('/', 1)[0]!;
    if (BUILD_TIME_ONLY.includes(top))
      return { by: 'build-time', message: `${top} is read at build time only and never packaged` };
    const cache = BUILD_CACHES.find((p) => matchesPattern(relPath, p));
    if (cache !== undefined)
      return { by: 'cache', message: `it is in a build cache (${cache}; list it in pkgapp.include to package it)` };
    if (nodeGypApp && isNodeGypIntermediate(relPath))
      return { by: 'node-gyp', message: "it is node-gyp's intermediate output" };
    return undefined;
  };
}

/** True for a file name pkgapp writes into an output directory (a package, an SBOM, a temporary file). */
export function isPkgappProduct(baseName: string): boolean {
  return PKGAPP_PRODUCT.test(baseName);
}

/** Builds the predicate for the app's own files (paths relative to the app directory). */
export function appFileFilter(rules: ExcludeRules): (relPath: string) => boolean {
  const rule = appFileRule(rules);
  return (relPath) => rule(relPath) === undefined;
}

/** True for a node_modules file or directory name that is dropped from the package. */
export function isNodeModulesNoise(baseName: string): boolean {
  return NODE_MODULES_NOISE.has(baseName) || NODE_MODULES_NOISE_PATTERN.test(baseName);
}

/**
 * node-gyp's leftovers in a native package's build/ directory: Makefiles, config.gypi, object
 * files and dependency lists (megabytes, and they name the staging directory, which would make
 * builds irreproducible). Only build/Release and build/Debug are loaded at run time, and of those
 * only the linked results. `pathInPackage` is relative to a package that has a binding.gyp.
 */
export function isNodeGypIntermediate(pathInPackage: string): boolean {
  const parts = pathInPackage.split('/');
  // node-pre-gyp's per-N-API-version build trees (bcrypt 5: build-tmp-napi-v3/); the addon it
  // loads was copied to its module_path (lib/binding/napi-v3/).
  if (/^build-tmp-napi-v\d+$/.test(parts[0]!)) return true;
  if (parts[0] !== 'build' || parts.length < 2) return false;
  if (parts[1] !== 'Release' && parts[1] !== 'Debug') return true;
  if (parts.length >= 3 && (parts[2] === 'obj' || parts[2] === 'obj.target' || parts[2] === '.deps')) return true;
  return /\.(a|o)$/.test(parts[parts.length - 1]!);
}
