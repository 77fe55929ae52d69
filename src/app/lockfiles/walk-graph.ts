// The dependency-graph walk every lockfile reader shares. A reader knows how its lock names a
// package and finds a dependency; the walk does the rest the same way for all four: breadth first
// from the importer, each package once (by its key), every edge recorded on the node it leaves,
// optional reach carried down, and every hole in the lock collected into one error.
import { UserError } from '../../errors.js';
import type { PackageJson } from '../package-json.js';
import { INSTALL_COMMAND, type LockGraph, type LockNode, type ManagerId, type PlatformCondition } from './types.js';

/** A package as a reader describes it when the walk first reaches it. */
export interface WalkPackage {
  name: string;
  version: string;
  /** Only reached through optional dependencies (may be absent from the install). */
  optional: boolean;
  /** A workspace's directory relative to the lockfile's; undefined for any other package. */
  workspace?: string | undefined;
  /** The platforms it is for, when the lock says. */
  platform?: PlatformCondition | undefined;
  /** Its production dependencies, asked for once, when the walk expands the package. */
  dependencies(): Iterable<WalkEdge>;
}

/** A dependency the lock resolves: the name it is required by, and the key of the package it gets. */
export interface ResolvedEdge {
  alias: string;
  key: string;
  /** An optional dependency or optional peer: the package may be missing. */
  optional: boolean;
  /**
   * The package behind `key`, called only when the walk first reaches it; `reachedOptionally` is
   * true when that first path is optional (this edge, or the package it leaves).
   */
  describe(reachedOptionally: boolean): WalkPackage;
}

/** A dependency the lock should resolve and does not: the line the error lists for it. */
export interface MissingEdge {
  missing: string;
}

export type WalkEdge = ResolvedEdge | MissingEdge;

/**
 * The production closure of one importer: `root` (keyed `rootKey`) and everything its
 * dependencies reach. Nodes are created in the order they are first reached, and a package's
 * first path decides whether it is optional. A missing dependency fails the whole walk with
 * PKGAPP_LOCKFILE_STALE naming each hole and the command that refreshes `manager`'s lock.
 */
export function walkLockGraph(
  lock: { path: string; manager: ManagerId },
  rootKey: string,
  root: WalkPackage,
): LockGraph {
  const nodes = new Map<string, LockNode>();
  const pending: (WalkPackage | undefined)[] = [];
  const order: LockNode[] = [];
  const missing: string[] = [];
  const reach = (key: string, pkg: WalkPackage): LockNode => {
    const node: LockNode = {
      key,
      name: pkg.name,
      version: pkg.version,
      optional: pkg.optional,
      dependencies: new Map(),
      optionalNames: new Set(),
      ...(pkg.workspace !== undefined ? { workspace: pkg.workspace } : {}),
      ...(pkg.platform !== undefined ? { platform: pkg.platform } : {}),
    };
    nodes.set(key, node);
    order.push(node);
    pending.push(pkg);
    return node;
  };
  const rootNode = reach(rootKey, root);
  for (let i = 0; i < order.length; i++) {
    const node = order[i]!;
    const pkg = pending[i]!;
    pending[i] = undefined; // its description is spent: let the lock entries it holds go
    for (const edge of pkg.dependencies()) {
      if ('missing' in edge) {
        missing.push(edge.missing);
        continue;
      }
      node.dependencies.set(edge.alias, edge.key);
      if (edge.optional) node.optionalNames.add(edge.alias);
      if (!nodes.has(edge.key)) reach(edge.key, edge.describe(edge.optional || node.optional));
    }
  }
  if (missing.length) {
    throw new UserError(`${lock.path} is incomplete:\n  ${missing.join('\n  ')}`, {
      code: 'PKGAPP_LOCKFILE_STALE',
      hint: `Run \`${INSTALL_COMMAND[lock.manager]}\` to update the lockfile, then commit it`,
    });
  }
  return { root: rootNode, nodes };
}

/** The os/cpu/libc lists of a lock entry (npm's and pnpm's spell them as package.json does); undefined without any. */
export function platformOf(
  entry: { os?: unknown; cpu?: unknown; libc?: unknown } | undefined,
): PlatformCondition | undefined {
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);
  const condition: PlatformCondition = {};
  for (const field of ['os', 'cpu', 'libc'] as const) {
    const values = list(entry?.[field]);
    if (values?.length) condition[field] = values;
  }
  return Object.keys(condition).length ? condition : undefined;
}

/**
 * A workspace of the monorepo ("" the root project) as its package.json names it: never
 * optional, whatever path reaches it, because the package manager always links it.
 */
export function workspacePackage(
  dir: string,
  pkg: PackageJson | undefined,
  fallbackName: string,
  dependencies: () => Iterable<WalkEdge>,
): WalkPackage {
  return {
    name: typeof pkg?.name === 'string' ? pkg.name : fallbackName,
    version: typeof pkg?.version === 'string' ? pkg.version : '',
    optional: false,
    workspace: dir === '' ? undefined : dir,
    dependencies,
  };
}
