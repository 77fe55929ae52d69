// yarn.lock v1 (Yarn classic), read with Yarn's own parser (@yarnpkg/lockfile). It maps each
// "name@range" a package.json or a package asks for to the version installed; workspace packages
// are not in it: a dependency on one resolves to the workspace when its version fits the range.
import yarnLockfile from '@yarnpkg/lockfile';
import semver from 'semver';
import { UserError } from '../../errors.js';
import type { PackageJson } from '../package-json.js';
import { declaredDependencies, productionDependencyNames, type Importers, type Lock, type LockGraph, type LockNode } from './types.js';

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
    parsed = yarnLockfile.parse(text, file) as typeof parsed;
  } catch (error) {
    throw new UserError(`${file}: malformed yarn.lock: ${(error as Error).message}`, { code: 'PKGAPP_LOCKFILE_MALFORMED', hint: 'Regenerate it with `yarn install`' });
  }
  if (parsed.type !== 'success') {
    throw new UserError(`${file}: has unresolved merge conflicts`, { code: 'PKGAPP_LOCKFILE_MALFORMED', hint: 'Resolve them with `yarn install` and commit yarn.lock' });
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
    if (range === '*' || range === '' || range.startsWith('workspace:') || (semver.validRange(range) && semver.satisfies(version, range, { includePrerelease: true }))) return { dir, pkg };
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
    if (entry.version !== undefined && semver.validRange(range) && !semver.satisfies(entry.version, range, { includePrerelease: true })) {
      problems.push(`${field}.${name}: the lockfile pins ${entry.version}, outside "${spec}"`);
    }
  }
  return problems;
}

/** The production closure of an importer ("" the root, or a workspace directory). */
export function yarnClassicGraph(lock: YarnClassicLockfile, importers: Importers, importer: string): LockGraph {
  const nodes = new Map<string, LockNode>();
  const missing: string[] = [];
  const queue: (() => void)[] = [];
  const workspaceNode = (dir: string): LockNode => {
    const pkg = importers.get(dir);
    const node: LockNode = {
      key: `workspace:${dir}`,
      name: typeof pkg?.name === 'string' ? pkg.name : dir,
      version: typeof pkg?.version === 'string' ? pkg.version : '',
      optional: false,
      dependencies: new Map(),
      optionalNames: new Set(),
      ...(dir !== '' ? { workspace: dir } : {}),
    };
    nodes.set(node.key, node);
    const deps = { ...(pkg?.dependencies ?? {}), ...(pkg?.optionalDependencies ?? {}) };
    for (const [name, optional] of productionDependencyNames(pkg)) edge(node, name, deps[name] ?? '', optional);
    return node;
  };
  function edge(from: LockNode, name: string, range: string, optional: boolean): void {
    const workspace = workspaceFor(importers, name, range);
    let key: string;
    if (workspace) {
      key = `workspace:${workspace.dir}`;
      if (!nodes.has(key)) queue.push(() => void (nodes.has(key) || workspaceNode(workspace.dir)));
    } else {
      const entry = lock.entries.get(`${name}@${range}`);
      if (entry === undefined) {
        if (!optional) missing.push(`${name}@${range}, a dependency of ${from.workspace ?? (from.key.startsWith('workspace:') ? 'the root project' : from.key)}, is not in the lockfile`);
        return;
      }
      const version = entry.version ?? '';
      key = `${realName(name, range)}@${version}`;
      if (!nodes.has(key)) {
        const node: LockNode = { key, name: realName(name, range), version, optional: optional || from.optional, dependencies: new Map(), optionalNames: new Set() };
        nodes.set(key, node);
        queue.push(() => {
          for (const [dep, depRange] of Object.entries(entry.dependencies ?? {})) edge(node, dep, depRange, false);
          for (const [dep, depRange] of Object.entries(entry.optionalDependencies ?? {})) edge(node, dep, depRange, true);
        });
      }
    }
    from.dependencies.set(name, key);
    if (optional) from.optionalNames.add(name);
  }
  const root = workspaceNode(importer);
  while (queue.length) queue.shift()!();
  if (missing.length) {
    throw new UserError(`${lock.path} is incomplete:\n  ${missing.join('\n  ')}`, { code: 'PKGAPP_LOCKFILE_STALE', hint: 'Run `yarn install` to update the lockfile, then commit it' });
  }
  return { root, nodes };
}

export function yarnClassicLock(lock: YarnClassicLockfile, importers: Importers): Lock {
  return {
    manager: 'yarn-classic',
    path: lock.path,
    mismatches: (importer) => yarnClassicMismatches(lock, importers, importer),
    graph: (importer) => yarnClassicGraph(lock, importers, importer),
  };
}
