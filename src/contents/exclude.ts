// What never goes into a package: secrets in the app, and packaging noise in node_modules.
import { minimatch } from 'minimatch';

/** Secrets by default (design.md): env files, npm credentials, VCS data, private keys. */
const SECRET_PATTERNS = ['**/.env', '**/.env.*', '**/.npmrc', '**/.git', '**/.git/**', '**/*.pem', '**/*.key', '**/id_rsa*', '**/id_ed25519*', '**/*.p12', '**/*.pfx'];

/**
 * Development metadata npm tarballs carry, never read at run time, that lintian flags
 * (package-contains-npm-ignore-file, package-contains-vcs-control-file,
 * package-contains-eslint-config-file).
 */
const NODE_MODULES_NOISE = new Set(['.npmignore', '.gitignore', '.gitattributes', '.gitmodules', '.npmrc', '.git', '.hgignore', '.travis.yml', '.eslintignore', '.editorconfig']);
const NODE_MODULES_NOISE_PATTERN = /^\.eslintrc(\.\w+)?$/;

export interface ExcludeRules {
  /** Paths (globs) the config includes deliberately, relative to the app. */
  include: readonly string[];
  /** Extra globs to exclude, relative to the app. */
  exclude: readonly string[];
}

/** Builds the predicate for the app's own files (paths relative to the app directory). */
export function appFileFilter(rules: ExcludeRules): (relPath: string) => boolean {
  const opts = { dot: true };
  return (relPath) => {
    if (rules.exclude.some((p) => minimatch(relPath, p, opts))) return false;
    if (!SECRET_PATTERNS.some((p) => minimatch(relPath, p, opts))) return true;
    return rules.include.some((p) => minimatch(relPath, p, opts));
  };
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
  if (parts[0] !== 'build' || parts.length < 2) return false;
  if (parts[1] !== 'Release' && parts[1] !== 'Debug') return true;
  if (parts.length >= 3 && (parts[2] === 'obj' || parts[2] === 'obj.target' || parts[2] === '.deps')) return true;
  return /\.(a|o)$/.test(parts[parts.length - 1]!);
}
