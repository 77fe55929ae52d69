// Finds the lockfile's production packages in an installed node_modules tree the way Node does
// (node_modules of the requiring package's real directory, then of each parent), so it works for
// every layout: npm's and Yarn's hoisted trees, pnpm's isolated one (node_modules/NAME → .pnpm/…)
// and workspace links. Each package must be installed with the version the lockfile pins.
import { lstatSync, readdirSync, readFileSync, realpathSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { LockGraph, LockNode, ManagerId, PinnedPackage } from '../app/lockfiles/types.js';
import { UserError } from '../errors.js';
import { declaredLicense } from '../manifest/declared-license.js';

/** A pinned package found installed, with what its installed package.json declares. */
export interface InstalledPackage extends PinnedPackage {
  /** Its license (any of npm's forms, as one expression). */
  license: string | undefined;
  /** Its engines.node range, as written: the Node.js versions it says it runs on. */
  nodeEngine: string | undefined;
}

/** The facts pkgapp keeps from an installed package.json (read from disk, so right for every package manager). */
export function declaredFacts(manifest: Record<string, unknown>): Pick<InstalledPackage, 'license' | 'nodeEngine'> {
  const engines = manifest['engines'];
  const node = engines && typeof engines === 'object' ? (engines as Record<string, unknown>)['node'] : undefined;
  return {
    license: declaredLicense(manifest),
    nodeEngine: typeof node === 'string' && node.trim() ? node.trim() : undefined,
  };
}

export interface InstalledTree {
  /** Every real package directory reached, relative to the root, sorted (the importer excluded). */
  packages: InstalledPackage[];
  /** Symlinks that were followed (pnpm's), relative to the root, sorted. */
  links: string[];
  /** The node each real directory holds, by directory ("" or the importer for the app itself). */
  nodeAt: Map<string, LockNode>;
  /** For each real directory: dependency name → the real directory it resolves to. */
  edges: Map<string, Map<string, string>>;
}

/**
 * Resolves the graph from `importer` (the app's directory, relative to root) in the tree under
 * `root`; every missing or different package is listed in one PKGAPP_NODE_MODULES_MISMATCH.
 */
export async function resolveInstalledTree(
  root: string,
  importer: string,
  graph: LockGraph,
  lockfilePath: string,
  manager: ManagerId,
): Promise<InstalledTree> {
  const realRoot = realpathSync(root);
  const problems: string[] = [];
  const nodeAt = new Map<string, LockNode>([[importer, graph.root]]);
  const edges = new Map<string, Map<string, string>>();
  const links = new Set<string>();
  const facts = new Map<string, Pick<InstalledPackage, 'license' | 'nodeEngine'>>();
  const queue: string[] = [importer];
  while (queue.length) {
    const from = queue.shift()!;
    const node = nodeAt.get(from)!;
    const out = new Map<string, string>();
    edges.set(from, out);
    for (const [alias, key] of node.dependencies) {
      const child = graph.nodes.get(key);
      if (!child) continue;
      const optional = node.optionalNames.has(alias) || child.optional;
      const found = lookUp(realRoot, from, alias);
      const wanted =
        child.workspace !== undefined ? `the workspace ${child.workspace}` : `${child.name}@${child.version}`;
      if (found === undefined) {
        if (!optional) problems.push(`${alias} (needed by ${describe(from)}): missing (the lockfile pins ${wanted})`);
        continue;
      }
      if (found.outside) {
        problems.push(`${found.path} links outside ${root} (to ${found.real})`);
        continue;
      }
      for (const link of found.links) links.add(link);
      let manifest: Record<string, unknown>;
      try {
        manifest = JSON.parse(readFileSync(path.join(realRoot, found.real, 'package.json'), 'utf8')) as Record<
          string,
          unknown
        >;
      } catch {
        problems.push(`${found.path}: no readable package.json (the lockfile pins ${wanted})`);
        continue;
      }
      if (child.workspace !== undefined ? found.real !== child.workspace : manifest['version'] !== child.version) {
        problems.push(
          `${found.path}: ${child.workspace !== undefined ? `is ${found.real}` : `version ${String(manifest['version'])} installed`}, the lockfile pins ${wanted}`,
        );
        continue;
      }
      out.set(alias, found.real);
      const seen = nodeAt.get(found.real);
      if (seen === undefined) {
        nodeAt.set(found.real, child);
        facts.set(found.real, declaredFacts(manifest));
        queue.push(found.real);
      }
    }
  }
  if (problems.length) throw nodeModulesMismatch(root, lockfilePath, problems, manager);
  const packages: InstalledPackage[] = [];
  for (const [location, node] of nodeAt) {
    if (location === importer) continue;
    packages.push({
      location,
      name: node.name,
      version: node.version,
      optional: node.optional,
      license: undefined,
      nodeEngine: undefined,
      ...facts.get(location),
    });
  }
  packages.sort((a, b) => compare(a.location, b.location));
  if (manager === 'pnpm') for (const link of pnpmHoistedLinks(realRoot, nodeAt)) links.add(link);
  return { packages, links: [...links].sort(compare), nodeAt, edges };
}

/**
 * pnpm's isolated layout also links every package into node_modules/.pnpm/node_modules (its
 * hoist-pattern "*"), where Node finds dependencies a package uses without declaring them.
 * Apps work with those in development, so the links that point at packaged directories ship too.
 */
function pnpmHoistedLinks(realRoot: string, nodeAt: ReadonlyMap<string, LockNode>): string[] {
  const dir = 'node_modules/.pnpm/node_modules';
  const names: string[] = [];
  for (const entry of readdirOrEmpty(path.join(realRoot, dir))) {
    if (!entry.startsWith('@')) names.push(entry);
    else for (const scoped of readdirOrEmpty(path.join(realRoot, dir, entry))) names.push(`${entry}/${scoped}`);
  }
  const found: string[] = [];
  for (const name of names) {
    const link = `${dir}/${name}`;
    try {
      if (!lstatSync(path.join(realRoot, link)).isSymbolicLink()) continue;
      const real = path
        .relative(realRoot, realpathSync(path.join(realRoot, link)))
        .split(path.sep)
        .join('/');
      if (nodeAt.has(real)) found.push(link);
    } catch {
      // a dangling link (a dev dependency that was not installed): not shipped
    }
  }
  return found;
}

function readdirOrEmpty(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function describe(from: string): string {
  return from === '' ? 'the app' : from;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Node's lookup of `name` from the real directory `from` (relative to root): from/node_modules/name,
 * then each parent's, up to root. Returns the path found, its real directory and the symlinks on
 * the way (the found path itself, and links in its parents, as pnpm makes).
 */
function lookUp(
  root: string,
  from: string,
  name: string,
): { path: string; real: string; links: string[]; outside: boolean } | undefined {
  const parts = from === '' ? [] : from.split('/');
  for (let n = parts.length; n >= 0; n--) {
    if (n > 0 && parts[n - 1] === 'node_modules') continue;
    const candidate = [...parts.slice(0, n), 'node_modules', name].join('/');
    let st: Stats;
    try {
      st = lstatSync(path.join(root, candidate));
    } catch {
      continue;
    }
    let real: string;
    try {
      real = realpathSync(path.join(root, candidate));
    } catch {
      continue; // a dangling link: Node would keep looking too
    }
    const rel = path.relative(root, real);
    const outside = rel.startsWith('..') || path.isAbsolute(rel);
    return {
      path: candidate,
      real: rel.split(path.sep).join('/'),
      links: st.isSymbolicLink() ? [candidate] : [],
      outside,
    };
  }
  return undefined;
}

export const FROZEN_INSTALL: Record<ManagerId, string> = {
  npm: 'npm ci',
  pnpm: 'pnpm install --frozen-lockfile',
  'yarn-classic': 'yarn install --frozen-lockfile',
  'yarn-berry': 'yarn install --immutable',
};

/** node_modules differs from the lockfile: every difference, and how to install exactly the lock. */
export function nodeModulesMismatch(
  root: string,
  lockfilePath: string,
  problems: string[],
  manager: ManagerId,
): UserError {
  return new UserError(`${root}/node_modules does not match ${lockfilePath}:\n  ${problems.join('\n  ')}`, {
    code: 'PKGAPP_NODE_MODULES_MISMATCH',
    hint: `Run \`${FROZEN_INSTALL[manager]}\` to install exactly the lockfile, or build without --no-install`,
  });
}
