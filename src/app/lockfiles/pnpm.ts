// pnpm-lock.yaml (lockfileVersion 9.0 of pnpm 9 and 10, and 6.x of pnpm 8), read with the
// `yaml` package: its importers (the root project and each workspace), the packages they pin
// and their agreement with package.json (pure).
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UserError } from '../../errors.js';
import { DEPENDENCY_FIELDS, type Importers, type Lock, type LockGraph } from './types.js';
import { platformOf, walkLockGraph, workspacePackage, type WalkEdge, type WalkPackage } from './walk-graph.js';

interface ImporterDep {
  specifier?: string;
  version?: string;
}
type ImporterDeps = Record<string, ImporterDep>;
interface PnpmImporter {
  dependencies?: ImporterDeps;
  optionalDependencies?: ImporterDeps;
  devDependencies?: ImporterDeps;
}
interface PnpmSnapshot {
  name?: string;
  version?: string;
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
}

export interface PnpmLockfile {
  path: string;
  lockfileVersion: string;
  /** By importer directory: "" is the root project. */
  importers: Map<string, PnpmImporter>;
  /** By key "name@version(peers…)", without v6's leading "/": snapshot and package metadata merged. */
  packages: Map<string, PnpmSnapshot>;
}

const HINT = 'Regenerate it with `pnpm install` (pnpm 8 or newer)';

/** Parses pnpm-lock.yaml text; lockfile versions before 6 (pnpm 7) are refused. */
export function parsePnpmLockfile(text: string, file: string): PnpmLockfile {
  let data: Record<string, unknown>;
  try {
    data = parseYaml(text) as Record<string, unknown>;
  } catch (error) {
    throw new UserError(`${file}: malformed YAML: ${(error as Error).message}`, {
      code: 'PKGAPP_LOCKFILE_MALFORMED',
      hint: HINT,
    });
  }
  if (data === null || typeof data !== 'object')
    throw new UserError(`${file}: not a pnpm lockfile`, { code: 'PKGAPP_LOCKFILE_MALFORMED', hint: HINT });
  const raw = data['lockfileVersion'];
  const version = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : '';
  const major = Number.parseInt(version, 10);
  if (!(major === 6 || major === 9)) {
    throw new UserError(
      `${file}: lockfileVersion ${version || '(none)'} is not supported (pkgapp reads pnpm lockfile versions 6 and 9)`,
      {
        code: 'PKGAPP_LOCKFILE_VERSION',
        hint: 'Upgrade it with pnpm 9 or newer: `pnpm install --lockfile-only`',
      },
    );
  }
  const importers = new Map<string, PnpmImporter>();
  const rawImporters = data['importers'] as Record<string, PnpmImporter> | undefined;
  if (rawImporters) {
    for (const [dir, importer] of Object.entries(rawImporters)) importers.set(dir === '.' ? '' : dir, importer ?? {});
  } else {
    importers.set('', data); // a v6 lockfile of a single project keeps them at the top
  }
  const packages = new Map<string, PnpmSnapshot>();
  const strip = (key: string) => (key.startsWith('/') ? key.slice(1) : key);
  for (const [key, meta] of Object.entries((data['packages'] ?? {}) as Record<string, PnpmSnapshot>))
    packages.set(strip(key), { ...meta });
  for (const [key, snapshot] of Object.entries((data['snapshots'] ?? {}) as Record<string, PnpmSnapshot>)) {
    const meta = packages.get(baseKey(key)) ?? {};
    packages.set(key, { ...meta, ...snapshot });
  }
  return { path: file, lockfileVersion: version, importers, packages };
}

/** "name@1.0.0(peer@2.0.0)" → "name@1.0.0". */
function baseKey(key: string): string {
  const paren = key.indexOf('(');
  return paren === -1 ? key : key.slice(0, paren);
}

/** The snapshot key a dependency reference points at, or undefined for a link ("link:../lib"). */
export function pnpmRefToKey(alias: string, ref: string): string | undefined {
  if (ref.startsWith('link:')) return undefined;
  if (ref.startsWith('/')) return ref.slice(1); // v6 alias or non-registry package
  if (ref.startsWith('@')) return ref; // an alias to a scoped package
  const at = ref.indexOf('@');
  if (at === -1) return `${alias}@${ref}`;
  const colon = ref.indexOf(':');
  const paren = ref.indexOf('(');
  if ((colon === -1 || at < colon) && (paren === -1 || at < paren)) return ref; // an alias: "other@1.0.0"
  return `${alias}@${ref}`;
}

/** Name and version of a snapshot key ("@scope/name@1.0.0(peer@1)"). */
function nameAndVersion(key: string, meta: PnpmSnapshot | undefined): { name: string; version: string } {
  const base = baseKey(key);
  const at = base.indexOf('@', 1);
  const name = meta?.name ?? (at === -1 ? base : base.slice(0, at));
  const version = meta?.version ?? (at === -1 ? '' : base.slice(at + 1));
  return { name, version };
}

/** Where the lock and an importer's package.json disagree: missing, extra or changed specifiers. */
export function pnpmLockfileMismatches(lock: PnpmLockfile, pkg: Record<string, unknown>, importer: string): string[] {
  const locked = lock.importers.get(importer);
  if (!locked) return [`${importer || 'the root project'} is not an importer of the lockfile`];
  const problems: string[] = [];
  for (const field of DEPENDENCY_FIELDS) {
    const wanted = (pkg[field] ?? {}) as Record<string, string>;
    const pinned = locked[field] ?? {};
    for (const [name, spec] of Object.entries(wanted)) {
      const entry = pinned[name];
      if (entry === undefined) problems.push(`${field}.${name} (${spec}) is in package.json but not in the lockfile`);
      else if (entry.specifier !== undefined && entry.specifier !== spec)
        problems.push(`${field}.${name} is "${spec}" in package.json but "${entry.specifier}" in the lockfile`);
    }
    for (const name of Object.keys(pinned)) {
      if (wanted[name] === undefined) problems.push(`${field}.${name} is in the lockfile but not in package.json`);
    }
  }
  return problems;
}

/** The production closure of an importer: its dependencies and optionalDependencies, transitively. */
export function pnpmLockGraph(lock: PnpmLockfile, importer: string, importers: Importers): LockGraph {
  // Keys are snapshot keys ("name@1.0.0(peer@2.0.0)"), and "link:DIR" for workspaces.
  const workspace = (dir: string): WalkPackage => {
    const entry = lock.importers.get(dir) ?? {};
    return workspacePackage(dir, importers.get(dir), path.posix.basename(dir), function* () {
      for (const [alias, dep] of Object.entries(entry.dependencies ?? {}))
        yield edge(alias, dep.version ?? '', false, dir);
      for (const [alias, dep] of Object.entries(entry.optionalDependencies ?? {}))
        yield edge(alias, dep.version ?? '', true, dir);
    });
  };
  const snapshot = (key: string, reachedOptionally: boolean): WalkPackage => {
    const meta = lock.packages.get(key);
    return {
      ...nameAndVersion(key, meta),
      optional: reachedOptionally || meta?.optional === true,
      platform: platformOf(meta),
      *dependencies() {
        if (meta === undefined) yield { missing: `${key} is referenced but not described` };
        for (const [alias, ref] of Object.entries(meta?.dependencies ?? {})) yield edge(alias, ref, false, undefined);
        for (const [alias, ref] of Object.entries(meta?.optionalDependencies ?? {}))
          yield edge(alias, ref, true, undefined);
      },
    };
  };
  const edge = (alias: string, ref: string, optional: boolean, importerDir: string | undefined): WalkEdge => {
    const key = pnpmRefToKey(alias, ref);
    if (key !== undefined)
      return { alias, key, optional, describe: (reachedOptionally) => snapshot(key, reachedOptionally) };
    // link:DIR, relative to the importer (or, for a package, to the lockfile's directory)
    const joined = path.posix.normalize(path.posix.join(importerDir ?? '', ref.slice('link:'.length)));
    const dir = joined === '.' ? '' : joined;
    return { alias, key: `link:${dir}`, optional, describe: () => workspace(dir) };
  };
  return walkLockGraph({ path: lock.path, manager: 'pnpm' }, `link:${importer}`, workspace(importer));
}

export function pnpmLock(lock: PnpmLockfile, importers: Importers): Lock {
  return {
    manager: 'pnpm',
    path: lock.path,
    mismatches: (importer) => pnpmLockfileMismatches(lock, importers.get(importer) ?? {}, importer),
    graph: (importer) => pnpmLockGraph(lock, importer, importers),
  };
}
