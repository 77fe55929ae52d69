// The lockfile API other modules and tests use: npm's package-lock.json readers under their
// historical names, and the types shared by every package manager (src/app/lockfiles/).
import type { PackageJson } from './package-json.js';
import { npmLockfileMismatches, npmProductionPackages, parseNpmLockfile, type NpmLockfile } from './lockfiles/npm.js';

export type { Lock, LockGraph, LockNode, ManagerId, PinnedPackage } from './lockfiles/types.js';
export type Lockfile = NpmLockfile;

/** Parses package-lock.json / npm-shrinkwrap.json text; v1 (npm 6) is refused with a hint. */
export function parseLockfile(text: string, path: string): Lockfile {
  return parseNpmLockfile(text, path);
}

/** Where package-lock.json disagrees with the root package.json (see npmLockfileMismatches). */
export function lockfileMismatches(lock: Lockfile, pkg: PackageJson): string[] {
  return npmLockfileMismatches(lock, pkg);
}

/** The production packages package-lock.json pins, with their locations, sorted. */
export function productionPackages(lock: Lockfile): import('./lockfiles/types.js').PinnedPackage[] {
  return npmProductionPackages(lock);
}
