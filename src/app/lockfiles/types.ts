// What every lockfile reader gives pkgapp: its disagreements with package.json and the
// production packages it pins, as a graph (the layout on disk is each package manager's own).
import type { PackageJson } from '../package-json.js';

export type ManagerId = 'npm' | 'yarn-classic' | 'yarn-berry' | 'pnpm';

/** The command that brings each manager's lockfile up to date with package.json, for hints. */
export const INSTALL_COMMAND: Record<ManagerId, string> = {
  npm: 'npm install',
  pnpm: 'pnpm install',
  'yarn-classic': 'yarn install',
  'yarn-berry': 'yarn install',
};

/** A production package the lock pins, where it is installed ("node_modules/a/node_modules/b"). */
export interface PinnedPackage {
  location: string;
  name: string;
  version: string;
  optional: boolean;
}

/**
 * The platforms a package installs on (package.json "os", "cpu", "libc", as the lock records
 * them): platform packages of prebuilt binaries (@img/sharp-linux-arm64) say which one they are.
 */
export interface PlatformCondition {
  os?: string[];
  cpu?: string[];
  libc?: string[];
}

/** One package of the lock's production closure. */
export interface LockNode {
  /** Its key in the lock (a location for npm, "name@version" for pnpm, a resolution for yarn). */
  key: string;
  /** The package's own name (an alias installs it under another: see `dependencies`). */
  name: string;
  version: string;
  /** Only reached through optional dependencies: may be absent (another platform's binary). */
  optional: boolean;
  /** Production dependencies: the name it is required by → the key of its node. */
  dependencies: Map<string, string>;
  /** Names among `dependencies` that may be missing (optional dependencies, optional peers). */
  optionalNames: Set<string>;
  /** A workspace package of the monorepo: its directory relative to the lockfile's directory. */
  workspace?: string;
  /** The platforms it is for, when the lock records them (npm, pnpm, Yarn Berry). */
  platform?: PlatformCondition;
}

/** The production closure of one importer (the root project or a workspace). */
export interface LockGraph {
  /** The importer itself: its dependencies are the app's production dependencies. */
  root: LockNode;
  nodes: Map<string, LockNode>;
}

/** The package.json of the root project ("") and of every workspace, by path from the lockfile's directory. */
export type Importers = ReadonlyMap<string, PackageJson>;

/** A parsed lockfile, whichever the package manager. */
export interface Lock {
  manager: ManagerId;
  path: string;
  /** Where the lock and the importer's package.json disagree (a frozen install would refuse). */
  mismatches(importer: string): string[];
  /** The production packages the importer needs, transitively. */
  graph(importer: string): LockGraph;
  /**
   * Where the root project's production packages are installed, when the lock records it
   * (npm, without links); undefined when only the installed tree can tell.
   */
  locations?(): PinnedPackage[] | undefined;
}

/** The dependency fields of package.json a lockfile must pin, in report order. */
export const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'devDependencies'] as const;

/** name@spec for every dependency of a package.json, by field. */
export function declaredDependencies(
  pkg: PackageJson | undefined,
): { field: (typeof DEPENDENCY_FIELDS)[number]; name: string; spec: string }[] {
  const result: { field: (typeof DEPENDENCY_FIELDS)[number]; name: string; spec: string }[] = [];
  for (const field of DEPENDENCY_FIELDS) {
    const deps = pkg?.[field];
    if (deps === null || typeof deps !== 'object') continue;
    for (const [name, spec] of Object.entries(deps)) if (typeof spec === 'string') result.push({ field, name, spec });
  }
  return result;
}

/** Production dependencies of a package.json (dependencies and optionalDependencies): name → optional. */
export function productionDependencyNames(pkg: PackageJson | undefined): Map<string, boolean> {
  const result = new Map<string, boolean>();
  for (const { field, name } of declaredDependencies(pkg)) {
    if (field === 'dependencies' && !result.has(name)) result.set(name, false);
    if (field === 'optionalDependencies') result.set(name, true);
  }
  return result;
}

/** Node keys sorted, so graphs and reports do not depend on object order. */
export function sortedEntries<T>(map: ReadonlyMap<string, T>): [string, T][] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
