// yarn.lock of Yarn Berry (2+, __metadata version 4 and later), read with Yarn's own parser
// (@yarnpkg/parsers parseSyml). Entries are keyed by descriptors ("ms@npm:^2.1.3", several
// joined by ", ") and name a resolution; each workspace has an entry ("app@workspace:.") listing
// its dependencies and devDependencies together, so package.json tells which are production.
import { parseSyml } from '@yarnpkg/parsers';
import * as semver from '../../util/semver.js';
import { UserError } from '../../errors.js';
import {
  declaredDependencies,
  productionDependencyNames,
  type Importers,
  type Lock,
  type LockGraph,
  type PlatformCondition,
} from './types.js';
import { walkLockGraph, type WalkPackage } from './walk-graph.js';
import { splitDescriptor } from './yarn-classic.js';

interface BerryEntry {
  version?: string;
  resolution?: string;
  dependencies?: Record<string, string>;
  /** parseSyml reads every scalar as a string: optional is "true", never the boolean. */
  dependenciesMeta?: Record<string, { optional?: string | boolean }>;
  linkType?: string;
  /** "os=linux & cpu=arm64 & libc=glibc": the platforms a platform package is for. */
  conditions?: string;
}

export interface YarnBerryLockfile {
  path: string;
  /** __metadata.version: 4 (Yarn 2), 6 (Yarn 3), 8 (Yarn 4). */
  version: number;
  /** By descriptor. */
  entries: Map<string, BerryEntry>;
}

const HINT = 'Regenerate it with `yarn install`';

/** Parses a Berry yarn.lock. */
export function parseYarnBerryLockfile(text: string, file: string): YarnBerryLockfile {
  let data: Record<string, unknown>;
  try {
    data = parseSyml(text);
  } catch (error) {
    throw new UserError(`${file}: malformed yarn.lock: ${(error as Error).message}`, {
      code: 'PKGAPP_LOCKFILE_MALFORMED',
      hint: HINT,
    });
  }
  const version = Number((data['__metadata'] as { version?: unknown } | undefined)?.version);
  if (!(version >= 4)) {
    throw new UserError(
      `${file}: __metadata.version ${String(version)} is not supported (pkgapp reads Yarn 2 and newer lockfiles)`,
      { code: 'PKGAPP_LOCKFILE_VERSION', hint: HINT },
    );
  }
  const entries = new Map<string, BerryEntry>();
  for (const [keys, entry] of Object.entries(data)) {
    if (keys === '__metadata') continue;
    for (const key of keys.split(',')) entries.set(key.trim(), entry as BerryEntry);
  }
  return { path: file, version, entries };
}

/** A package.json range as Yarn writes it in descriptors: semver ranges and tags get "npm:". */
export function normalizeRange(range: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(range)) return range; // npm:, workspace:, patch:, file:, git+https:…
  if (semver.validRange(range) || /^[a-z][a-z0-9-]*$/i.test(range)) return `npm:${range}`;
  return range;
}

/** The workspace entry of an importer ("" is the root: "name@workspace:."). */
function workspaceEntry(lock: YarnBerryLockfile, importer: string): BerryEntry | undefined {
  const suffix = `@workspace:${importer === '' ? '.' : importer}`;
  for (const [key, entry] of lock.entries) if (key.endsWith(suffix) && entry.resolution === key) return entry;
  for (const [key, entry] of lock.entries) if (key.endsWith(suffix)) return entry;
  return undefined;
}

/** Where the workspace's lock entry and its package.json disagree. */
export function yarnBerryMismatches(lock: YarnBerryLockfile, importers: Importers, importer: string): string[] {
  const entry = workspaceEntry(lock, importer);
  if (!entry) return [`${importer || 'the root project'} has no workspace entry in the lockfile`];
  const locked = entry.dependencies ?? {};
  const problems: string[] = [];
  const declared = new Set<string>();
  for (const { field, name, spec } of declaredDependencies(importers.get(importer))) {
    declared.add(name);
    const range = normalizeRange(spec);
    if (locked[name] === undefined)
      problems.push(`${field}.${name} (${spec}) is in package.json but not in the lockfile`);
    else if (locked[name] !== range)
      problems.push(`${field}.${name} is "${spec}" in package.json but "${locked[name]}" in the lockfile`);
    else if (!lock.entries.has(`${name}@${range}`))
      problems.push(`${field}.${name}: the lockfile does not resolve ${name}@${range}`);
  }
  for (const name of Object.keys(locked)) {
    if (!declared.has(name)) problems.push(`${name} is in the lockfile but not in package.json`);
  }
  return problems;
}

/** The production closure of an importer. */
export function yarnBerryGraph(lock: YarnBerryLockfile, importers: Importers, importer: string): LockGraph {
  // Keys are resolutions ("ms@npm:2.1.3", "app@workspace:packages/app").
  const describe = (resolution: string, entry: BerryEntry, reachedOptionally: boolean): WalkPackage => {
    const dir = workspaceDir(resolution);
    const pkg = dir === undefined ? undefined : importers.get(dir);
    const deps = entry.dependencies ?? {};
    return {
      name: typeof pkg?.name === 'string' ? pkg.name : splitDescriptor(resolution)[0],
      version: typeof pkg?.version === 'string' ? pkg.version : (entry.version ?? ''),
      optional: reachedOptionally,
      workspace: dir || undefined,
      platform: berryConditions(entry.conditions),
      *dependencies() {
        // a workspace's entry lists its devDependencies too: its package.json tells the production ones
        const wanted =
          dir !== undefined
            ? productionDependencyNames(pkg)
            : new Map(Object.keys(deps).map((n) => [n, isOptional(entry.dependenciesMeta?.[n])]));
        for (const [name, optional] of wanted) {
          const range = deps[name];
          const target = range === undefined ? undefined : lock.entries.get(`${name}@${range}`);
          const key = target?.resolution;
          if (target === undefined || key === undefined) {
            if (!optional)
              yield {
                missing: `${name}@${range ?? '?'}, a dependency of ${dir === undefined ? resolution : dir || 'the root project'}, is not in the lockfile`,
              };
            continue;
          }
          yield { alias: name, key, optional, describe: (reached: boolean) => describe(key, target, reached) };
        }
      },
    };
  };
  const rootEntry = workspaceEntry(lock, importer);
  if (!rootEntry?.resolution)
    throw new UserError(`${lock.path}: ${importer || 'the root project'} has no workspace entry`, {
      code: 'PKGAPP_LOCKFILE_STALE',
      hint: 'Run `yarn install` to update the lockfile, then commit it',
    });
  return walkLockGraph(
    { path: lock.path, manager: 'yarn-berry' },
    rootEntry.resolution,
    describe(rootEntry.resolution, rootEntry, false),
  );
}

/** Yarn's "os=linux & cpu=arm64" conditions as os/cpu/libc lists (only conjunctions of equalities, as Yarn writes them). */
function berryConditions(text: string | undefined): PlatformCondition | undefined {
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  const condition: PlatformCondition = {};
  for (const term of text.split('&')) {
    const m = /^\s*(os|cpu|libc)\s*=\s*(\S+)\s*$/.exec(term);
    if (!m) return undefined; // an expression pkgapp does not read: no platform claimed
    (condition[m[1] as 'os' | 'cpu' | 'libc'] ??= []).push(m[2]!);
  }
  return condition;
}

/** An optional dependency by the entry's dependenciesMeta (another platform's binary may not be installed). */
function isOptional(meta: { optional?: string | boolean } | undefined): boolean {
  return meta?.optional === true || meta?.optional === 'true';
}

/** The workspace directory of a resolution ("app@workspace:packages/app" → "packages/app", "…@workspace:." → ""), undefined for any other package. */
function workspaceDir(resolution: string): string | undefined {
  const at = resolution.indexOf('@workspace:', 1);
  if (at === -1) return undefined;
  const dir = resolution.slice(at + '@workspace:'.length);
  return dir === '.' ? '' : dir;
}

export function yarnBerryLock(lock: YarnBerryLockfile, importers: Importers): Lock {
  return {
    manager: 'yarn-berry',
    path: lock.path,
    mismatches: (importer) => yarnBerryMismatches(lock, importers, importer),
    graph: (importer) => yarnBerryGraph(lock, importers, importer),
  };
}
