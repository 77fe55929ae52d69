// package-lock.json / npm-shrinkwrap.json v2 and v3 (npm 7+): the production packages they pin
// and their agreement with package.json (pure). v1 (npm 6) is refused with a hint.
import * as semver from '../../util/semver.js';
import { UserError } from '../../errors.js';
import { DEPENDENCY_FIELDS, type Importers, type Lock, type LockGraph, type PinnedPackage } from './types.js';
import { platformOf, walkLockGraph, type WalkEdge, type WalkPackage } from './walk-graph.js';

interface LockPackage {
  name?: string;
  version?: string;
  dev?: boolean;
  optional?: boolean;
  /** Dev dependency of the app and optional dependency of a production one: installed as optional. */
  devOptional?: boolean;
  link?: boolean;
  /** Recorded but not installed (an optional peer nothing needs): npm ci skips it. */
  extraneous?: boolean;
  /** For links: the target directory, relative to the lockfile's directory. */
  resolved?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
}

export interface NpmLockfile {
  path: string;
  lockfileVersion: number;
  packages: Record<string, LockPackage>;
}

/** Parses lockfile JSON text; v1 (npm 6) is refused with a hint. */
export function parseNpmLockfile(text: string, path: string): NpmLockfile {
  let data: { lockfileVersion?: unknown; packages?: unknown };
  try {
    data = JSON.parse(text) as typeof data;
  } catch (error) {
    throw new UserError(`${path}: malformed JSON: ${(error as Error).message}`, {
      code: 'PKGAPP_LOCKFILE_MALFORMED',
      hint: 'Regenerate it with `npm install`',
    });
  }
  const version = data.lockfileVersion;
  if (version === 1 || typeof data.packages !== 'object' || data.packages === null) {
    throw new UserError(
      `${path}: lockfileVersion ${String(version)} is not supported (pkgapp reads versions 2 and 3)`,
      {
        code: 'PKGAPP_LOCKFILE_VERSION',
        hint: 'Upgrade it with npm 7 or newer: `npm install --package-lock-only`',
      },
    );
  }
  // npm 11 records optional peers it resolved but did not install as "extraneous" (Nuxt 3:
  // @nuxt/schema 4, commander 14); npm ci never installs them, so they are not part of the tree.
  const packages = Object.fromEntries(
    Object.entries(data.packages as Record<string, LockPackage>).filter(([, entry]) => entry.extraneous !== true),
  );
  return { path, lockfileVersion: Number(version), packages };
}

/**
 * Lists where the lockfile disagrees with package.json for one importer ("" the root, or a
 * workspace's directory): a dependency missing from the lock, a different spec, or a pinned
 * version outside the range. npm ci refuses the same lockfiles.
 */
export function npmLockfileMismatches(lock: NpmLockfile, pkg: Record<string, unknown>, importer = ''): string[] {
  const root = lock.packages[importer] ?? {};
  const problems: string[] = [];
  for (const field of DEPENDENCY_FIELDS) {
    const wanted = (pkg[field] ?? {}) as Record<string, string>;
    const locked = root[field] ?? {};
    for (const [name, spec] of Object.entries(wanted)) {
      if (locked[name] === undefined) {
        problems.push(`${field}.${name} (${spec}) is in package.json but not in the lockfile`);
      } else if (locked[name] !== spec) {
        problems.push(`${field}.${name} is "${spec}" in package.json but "${locked[name]}" in the lockfile`);
      } else {
        const at = resolveLocation(lock, importer, name);
        const pinned = at === undefined ? undefined : lock.packages[at]?.version;
        if (
          pinned !== undefined &&
          semver.validRange(spec) &&
          !semver.satisfies(pinned, spec, { includePrerelease: true })
        ) {
          problems.push(`${field}.${name}: the lockfile pins ${pinned}, outside "${spec}"`);
        }
      }
    }
    for (const name of Object.keys(locked)) {
      if (wanted[name] === undefined) problems.push(`${field}.${name} is in the lockfile but not in package.json`);
    }
  }
  return problems;
}

/**
 * Production packages (not dev-only) of a lockfile without workspace links, sorted by location:
 * npm marks them itself. Links (workspaces, file: directories) need npmLockGraph instead.
 */
export function npmProductionPackages(lock: NpmLockfile): PinnedPackage[] {
  const result: PinnedPackage[] = [];
  for (const [location, entry] of Object.entries(lock.packages)) {
    if (location === '' || entry.dev) continue;
    if (!location.startsWith('node_modules/') && !location.includes('/node_modules/')) continue; // workspace folders
    if (entry.link) {
      throw new Error(
        `${lock.path}: "${location}" is a link to ${entry.resolved ?? 'another directory'}: use npmLockGraph() for lockfiles with links`,
      );
    }
    const name = location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length);
    result.push({
      location,
      name,
      version: entry.version ?? '',
      optional: entry.optional === true || entry.devOptional === true,
    });
  }
  return result.sort((a, b) => (a.location < b.location ? -1 : a.location > b.location ? 1 : 0));
}

/** True when the lock links directories into node_modules (workspaces, file: dependencies). */
export function npmLockHasLinks(lock: NpmLockfile): boolean {
  return Object.values(lock.packages).some((entry) => entry.link === true);
}

/**
 * Where a package at `from` finds `name`, by Node's lookup: from/node_modules/name, then each
 * parent directory's node_modules, up to the lockfile's directory.
 */
export function resolveLocation(lock: NpmLockfile, from: string, name: string): string | undefined {
  const parts = from === '' ? [] : from.split('/');
  for (let n = parts.length; n >= 0; n--) {
    if (n > 0 && parts[n - 1] === 'node_modules') continue;
    const candidate = [...parts.slice(0, n), 'node_modules', name].join('/');
    if (lock.packages[candidate] !== undefined) return candidate;
  }
  return undefined;
}

/** The production closure of an importer, following links to workspace packages. */
export function npmLockGraph(lock: NpmLockfile, importer: string): LockGraph {
  // Keys are locations; a link is followed to its target directory, which is a workspace.
  const describe = (location: string, linked: boolean): WalkPackage => {
    const entry = lock.packages[location] ?? {};
    return {
      name:
        entry.name ??
        location.slice(
          location.lastIndexOf('node_modules/') + (location.includes('node_modules/') ? 'node_modules/'.length : 0),
        ),
      version: entry.version ?? '',
      // npm marks what only optional dependencies reach itself: the path the walk took does not matter
      optional: entry.optional === true || entry.devOptional === true,
      workspace: linked ? location : undefined,
      platform: platformOf(entry),
      dependencies: () => npmEdges(lock, location, entry, describe),
    };
  };
  return walkLockGraph({ path: lock.path, manager: 'npm' }, importer, describe(importer, importer !== ''));
}

/** What the package at `location` requires, found by Node's lookup from there; each name once (dependencies first, then optional, then peers). */
function* npmEdges(
  lock: NpmLockfile,
  location: string,
  entry: LockPackage,
  describe: (location: string, linked: boolean) => WalkPackage,
): Generator<WalkEdge> {
  const wanted: [string, boolean][] = [
    ...Object.keys(entry.dependencies ?? {}).map((n): [string, boolean] => [n, false]),
    ...Object.keys(entry.optionalDependencies ?? {}).map((n): [string, boolean] => [n, true]),
    ...Object.keys(entry.peerDependencies ?? {}).map((n): [string, boolean] => [
      n,
      entry.peerDependenciesMeta?.[n]?.optional === true,
    ]),
  ];
  const found = new Set<string>();
  for (const [name, optional] of wanted) {
    if (found.has(name)) continue;
    const at = resolveLocation(lock, location, name);
    if (at === undefined) {
      // npm leaves out optional dependencies and peers it did not install; anything else is a hole in the lock
      if (!optional && !entry.peerDependencies?.[name])
        yield { missing: `${name}, a dependency of ${location || 'the root project'}, is not in the lockfile` };
      continue;
    }
    found.add(name);
    const target = lock.packages[at]!;
    const linked = target.link === true;
    const key = linked ? (target.resolved ?? at) : at;
    yield { alias: name, key, optional, describe: () => describe(key, linked) };
  }
}

/** The npm Lock for build(): importers' package.json files by directory. */
export function npmLock(lock: NpmLockfile, importers: Importers): Lock {
  return {
    manager: 'npm',
    path: lock.path,
    mismatches: (importer) => npmLockfileMismatches(lock, importers.get(importer) ?? {}, importer),
    graph: (importer) => npmLockGraph(lock, importer),
    locations: () => (npmLockHasLinks(lock) ? undefined : npmProductionPackages(lock)),
  };
}
