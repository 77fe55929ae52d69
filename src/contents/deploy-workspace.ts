// A workspace deployed out of its monorepo: the app's files at the top of a new tree and the
// packages its production closure reaches below it, in a node_modules hierarchy where every
// require() resolves to exactly the package it resolved to in the monorepo. Packages are hoisted
// as far up as no other version of the same name is in the way (or would be shadowed); sibling
// workspaces become real directories holding the files `npm pack` would publish.
import { cp, mkdir, copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { PackageJson } from '../app/read-app.js';
import type { LockGraph } from '../app/lockfiles/types.js';
import type { InstalledPackage, InstalledTree } from './installed-tree.js';

export interface LayoutRequest {
  /** The monorepo tree holding the installed packages. */
  source: string;
  /** The app's directory relative to source. */
  importer: string;
  appFiles: readonly string[];
  tree: InstalledTree;
  graph: LockGraph;
  /** An empty directory to lay the app out in. */
  target: string;
  importers: ReadonlyMap<string, PackageJson>;
  listFiles: (dir: string, packageJson: PackageJson) => Promise<string[]>;
}

/** One package placed: its path from the new root ("node_modules/a/node_modules/b") and its source. */
export interface Placement {
  location: string;
  source: string;
}

/**
 * Places every real directory the tree reaches under the importer: breadth first, each
 * dependency at the highest node_modules from which its dependent still finds it, where no
 * other package of that name is (or is found through by an already placed package).
 */
export function placePackages(
  importer: string,
  edges: ReadonlyMap<string, ReadonlyMap<string, string>>,
  keyOf: (source: string) => string,
): Placement[] {
  const placed = new Map<string, string>(); // location → source
  /** For each name: where packages found it, [from location, found at level]. */
  const resolutions = new Map<string, [string[], string[]][]>();
  const loc = (aliases: string[]) => aliases.map((a) => `node_modules/${a}`).join('/');
  const result: Placement[] = [];
  const queue: [string, string[]][] = [[importer, []]];
  const isPrefix = (prefix: string[], of: string[]) =>
    prefix.length <= of.length && prefix.every((a, i) => of[i] === a);
  while (queue.length) {
    const [source, at] = queue.shift()!;
    for (const [alias, child] of edges.get(source) ?? []) {
      // walk up from `at`: the first package of that name found is what Node would load
      let free: string[] | undefined;
      let found: string[] | undefined;
      for (let n = at.length; n >= 0; n--) {
        const level = at.slice(0, n);
        const existing = placed.get(loc([...level, alias]));
        if (existing !== undefined) {
          if (existing === child || keyOf(existing) === keyOf(child)) found = level;
          break;
        }
        free = level;
      }
      const record = (level: string[]) => {
        const list = resolutions.get(alias) ?? [];
        list.push([at, level]);
        resolutions.set(alias, list);
      };
      if (found !== undefined) {
        record(found);
        continue;
      }
      if (free === undefined)
        throw new Error(`cannot place ${alias} below ${loc(at) || 'the app'}: the name is taken there`);
      // placing it must not shadow a package of that name found from further down through this level
      let level: string[] | undefined;
      for (let n = free.length; n <= at.length && level === undefined; n++) {
        const candidate = at.slice(0, n);
        const shadows = (resolutions.get(alias) ?? []).some(
          ([from, foundAt]) => isPrefix(candidate, from) && foundAt.length < candidate.length,
        );
        if (!shadows) level = candidate;
      }
      if (level === undefined)
        throw new Error(`cannot place ${alias} below ${loc(at) || 'the app'} without shadowing another version`);
      const location = [...level, alias];
      placed.set(loc(location), child);
      result.push({ location: loc(location), source: child });
      record(level);
      queue.push([child, location]);
    }
  }
  return result.sort((a, b) => (a.location < b.location ? -1 : 1));
}

/** Copies the app files and the placed packages into request.target; returns the packages placed. */
export async function layOutWorkspace(request: LayoutRequest): Promise<InstalledPackage[]> {
  const { source, importer, tree, target } = request;
  for (const rel of request.appFiles) {
    await mkdir(path.dirname(path.join(target, rel)), { recursive: true });
    await copyFile(path.join(source, importer, rel), path.join(target, rel));
  }
  const keyOf = (dir: string) => tree.nodeAt.get(dir)?.key ?? dir;
  const placements = placePackages(importer, tree.edges, keyOf);
  const byLocation = new Map(tree.packages.map((p) => [p.location, p]));
  const packages: InstalledPackage[] = [];
  for (const { location, source: from } of placements) {
    const node = tree.nodeAt.get(from)!;
    const dest = path.join(target, location);
    if (node.workspace !== undefined) {
      // a sibling workspace: the files it would publish, not its source tree
      const pkg = request.importers.get(node.workspace) ?? {};
      for (const rel of await request.listFiles(path.join(source, from), pkg)) {
        await mkdir(path.dirname(path.join(dest, rel)), { recursive: true });
        await copyFile(path.join(source, from, rel), path.join(dest, rel));
      }
    } else {
      const top = path.join(source, from);
      await cp(top, dest, {
        recursive: true,
        verbatimSymlinks: true,
        filter: (file) => path.basename(file) !== 'node_modules' || file === top,
      });
    }
    const installed = byLocation.get(from);
    packages.push({
      location,
      name: node.name,
      version: node.version,
      optional: node.optional,
      license: installed?.license,
      nodeEngine: installed?.nodeEngine,
    });
  }
  return packages;
}
