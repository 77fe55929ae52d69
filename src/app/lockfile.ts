// package-lock.json v2/v3 → the production packages it pins, and its agreement with package.json (pure).
import semver from 'semver';
import { UserError } from '../errors.js';
import type { PackageJson } from './read-app.js';

interface LockPackage {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  /** Dev dependency of the app and optional dependency of a production one: installed as optional. */
  devOptional?: boolean;
  link?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

export interface Lockfile {
  path: string;
  lockfileVersion: number;
  packages: Record<string, LockPackage>;
}

/** A production package the lock pins: its location ("node_modules/a/node_modules/b"). */
export interface PinnedPackage {
  location: string;
  name: string;
  version: string;
  optional: boolean;
}

/** Parses lockfile JSON text; v1 (npm 6) is refused with a hint. */
export function parseLockfile(text: string, path: string): Lockfile {
  let data: { lockfileVersion?: unknown; packages?: unknown };
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${path}: malformed JSON: ${(error as Error).message}`, { code: 'PKGAPP_LOCKFILE_MALFORMED', hint: 'Regenerate it with `npm install`' });
  }
  const version = data.lockfileVersion;
  if (version === 1 || typeof data.packages !== 'object' || data.packages === null) {
    throw new UserError(`${path}: lockfileVersion ${String(version)} is not supported (pkgapp reads versions 2 and 3)`, {
      code: 'PKGAPP_LOCKFILE_VERSION',
      hint: 'Upgrade it with npm 7 or newer: `npm install --package-lock-only`',
    });
  }
  return { path, lockfileVersion: Number(version), packages: data.packages as Record<string, LockPackage> };
}

/**
 * Lists where the lockfile disagrees with package.json: a dependency missing from the lock,
 * a different spec, or a pinned version outside the range. npm ci refuses the same lockfiles.
 */
export function lockfileMismatches(lock: Lockfile, pkg: PackageJson): string[] {
  const root = lock.packages[''] ?? {};
  const problems: string[] = [];
  for (const field of ['dependencies', 'optionalDependencies', 'devDependencies'] as const) {
    const wanted = pkg[field] ?? {};
    const locked = root[field] ?? {};
    for (const [name, spec] of Object.entries(wanted)) {
      if (locked[name] === undefined) {
        problems.push(`${field}.${name} (${spec}) is in package.json but not in the lockfile`);
      } else if (locked[name] !== spec) {
        problems.push(`${field}.${name} is "${spec}" in package.json but "${locked[name]}" in the lockfile`);
      } else {
        const pinned = lock.packages[`node_modules/${name}`]?.version;
        if (pinned !== undefined && semver.validRange(spec) && !semver.satisfies(pinned, spec, { includePrerelease: true })) {
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

/** Production packages (not dev-only), sorted by location; workspace links are refused for now. */
export function productionPackages(lock: Lockfile): PinnedPackage[] {
  const result: PinnedPackage[] = [];
  for (const [location, entry] of Object.entries(lock.packages)) {
    if (location === '' || entry.dev) continue;
    if (!location.startsWith('node_modules/') && !location.includes('/node_modules/')) continue; // workspace folders
    if (entry.link) {
      throw new UserError(`${lock.path}: "${location}" is a workspace link, which pkgapp cannot package yet`, {
        code: 'PKGAPP_WORKSPACES_UNSUPPORTED',
        hint: 'Package an app that is not an npm workspace member',
      });
    }
    const name = location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length);
    result.push({ location, name, version: entry.version ?? '', optional: entry.optional === true || entry.devOptional === true });
  }
  return result.sort((a, b) => (a.location < b.location ? -1 : a.location > b.location ? 1 : 0));
}
