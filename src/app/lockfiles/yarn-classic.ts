// yarn.lock v1 (Yarn classic), read with Yarn's own parser (@yarnpkg/lockfile). It maps each
// "name@range" a package.json or a package asks for to the version installed; workspace packages
// are not in it: a dependency on one resolves to the workspace when its version fits the range.
import yarnLockfile from '@yarnpkg/lockfile';
import * as semver from '../../util/semver.js';
import { UserError } from '../../errors.js';
import type { PackageJson } from '../package-json.js';
import { declaredDependencies, productionDependencyNames, type Importers, type Lock, type LockGraph } from './types.js';
import { walkLockGraph, workspacePackage, type WalkEdge, type WalkPackage } from './walk-graph.js';

interface ClassicEntry {
  version?: string;
  resolved?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

export interface YarnClassicLockfile {
  path: string;
  /** By "name@range", as written in package.json files (several ranges may share one entry). */
  entries: Map<string, ClassicEntry>;
}

/** Parses a yarn.lock v1; merge conflict markers and syntax errors are refused. */
export function parseYarnClassicLockfile(text: string, file: string): YarnClassicLockfile {
  let parsed: { type: string; object: Record<string, ClassicEntry> };
  try {
    parsed = yarnLockfile.parse(text, file);
  } catch (error) {
    throw new UserError(`${file}: malformed yarn.lock: ${(error as Error).message}`, {
      code: 'PKGAPP_LOCKFILE_MALFORMED',
      hint: 'Regenerate it with `yarn install`',
    });
  }
  if (parsed.type !== 'success') {
    throw new UserError(`${file}: has unresolved merge conflicts`, {
      code: 'PKGAPP_LOCKFILE_MALFORMED',
      hint: 'Resolve them with `yarn install` and commit yarn.lock',
    });
  }
  return { path: file, entries: new Map(Object.entries(parsed.object)) };
}

/** "@scope/name@^1" → ["@scope/name", "^1"]; "alias@npm:real@^1" → ["alias", "npm:real@^1"]. */
export function splitDescriptor(descriptor: string): [string, string] {
  const at = descriptor.indexOf('@', 1);
  return at === -1 ? [descriptor, ''] : [descriptor.slice(0, at), descriptor.slice(at + 1)];
}

/** The package name an entry installs: the target of an "npm:" alias, else the requested name. */
function realName(name: string, range: string): string {
  return range.startsWith('npm:') ? splitDescriptor(range.slice(4))[0] : name;
}

interface Workspace {
  dir: string;
  pkg: PackageJson;
}

/** The workspace package a dependency resolves to, as Yarn classic does: same name, version in range. */
function workspaceFor(importers: Importers, name: string, range: string): Workspace | undefined {
  for (const [dir, pkg] of importers) {
    if (dir === '' || pkg.name !== name) continue;
    const version = typeof pkg.version === 'string' ? pkg.version : '';
    if (
      range === '*' ||
      range === '' ||
      range.startsWith('workspace:') ||
      (semver.validRange(range) && semver.satisfies(version, range, { includePrerelease: true }))
    )
      return { dir, pkg };
  }
  return undefined;
}

/** package.json dependencies the lock does not pin, or pins outside their range. */
export function yarnClassicMismatches(lock: YarnClassicLockfile, importers: Importers, importer: string): string[] {
  const problems: string[] = [];
  for (const { field, name, spec } of declaredDependencies(importers.get(importer))) {
    if (workspaceFor(importers, name, spec)) continue;
    const entry = lock.entries.get(`${name}@${spec}`);
    if (entry === undefined) {
      problems.push(`${field}.${name} (${spec}) is in package.json but not in the lockfile`);
      continue;
    }
    const range = spec.startsWith('npm:') ? splitDescriptor(spec.slice(4))[1] : spec;
    if (
      entry.version !== undefined &&
      semver.validRange(range) &&
      !semver.satisfies(entry.version, range, { includePrerelease: true })
    ) {
      problems.push(`${field}.${name}: the lockfile pins ${entry.version}, outside "${spec}"`);
    }
  }
  return problems;
}

/** The production closure of an importer ("" the root, or a workspace directory). */
export function yarnClassicGraph(lock: YarnClassicLockfile, importers: Importers, importer: string): LockGraph {
  // Keys are "name@version" for packages (the real name under an alias), "workspace:DIR" for workspaces.
  const workspace = (dir: string): WalkPackage => {
    const pkg = importers.get(dir);
    const ranges = { ...(pkg?.dependencies ?? {}), ...(pkg?.optionalDependencies ?? {}) };
    return workspacePackage(dir, pkg, dir, function* () {
      for (const [name, optional] of productionDependencyNames(pkg))
        yield* edge(dir || 'the root project', name, ranges[name] ?? '', optional);
    });
  };
  /** The dependency `name@range` of the package `dependent` names: a workspace if one fits, else the lock's entry. */
  function* edge(dependent: string, name: string, range: string, optional: boolean): Generator<WalkEdge> {
    const fits = workspaceFor(importers, name, range);
    if (fits) {
      yield { alias: name, key: `workspace:${fits.dir}`, optional, describe: () => workspace(fits.dir) };
      return;
    }
    const entry = lock.entries.get(`${name}@${range}`);
    if (entry === undefined) {
      if (!optional) yield { missing: `${name}@${range}, a dependency of ${dependent}, is not in the lockfile` };
      return;
    }
    const real = realName(name, range);
    const version = entry.version ?? '';
    const key = `${real}@${version}`;
    yield {
      alias: name,
      key,
      optional,
      describe: (reachedOptionally) => ({
        name: real,
        version,
        optional: reachedOptionally,
        *dependencies() {
          for (const [dep, depRange] of Object.entries(entry.dependencies ?? {}))
            yield* edge(key, dep, depRange, false);
          for (const [dep, depRange] of Object.entries(entry.optionalDependencies ?? {}))
            yield* edge(key, dep, depRange, true);
        },
      }),
    };
  }
  return walkLockGraph({ path: lock.path, manager: 'yarn-classic' }, `workspace:${importer}`, workspace(importer));
}

export function yarnClassicLock(lock: YarnClassicLockfile, importers: Importers): Lock {
  return {
    manager: 'yarn-classic',
    path: lock.path,
    mismatches: (importer) => yarnClassicMismatches(lock, importers, importer),
    graph: (importer) => yarnClassicGraph(lock, importers, importer),
  };
}
