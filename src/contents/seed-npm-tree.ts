// A seeded npm install (docs/internals/build-cache.md, "One dependency changed"): which packages of
// a cached node_modules, installed from an earlier package-lock.json, can be kept for a new one.
// Kept: the locations whose lockfile entry is the same, byte for byte. Everything else is removed
// before npm reconciles the tree, so npm adds it fresh and no kept file depends on npm's own
// judgement of what changed. A package with an install script whose dependency closure changed
// would have been built against other files than a fresh `npm ci` gives it: no seeding then.
import { readdir, readlink, rm, unlink } from 'node:fs/promises';
import path from 'node:path';

type LockPackages = Record<string, Record<string, unknown>>;

export type SeedPlan =
  | {
      /** Locations (node_modules/a, node_modules/a/node_modules/b) whose entry differs, was added or removed. */
      changed: string[];
    }
  | { reason: string };

/** What to remove from a tree installed from `oldText` before npm reconciles it with `newText`. */
export function planSeed(oldText: string, newText: string): SeedPlan {
  const before = lockPackages(oldText);
  const after = lockPackages(newText);
  if (!before || !after) return { reason: 'a lockfile without "packages" (lockfileVersion 1)' };
  const changed = new Set<string>();
  for (const location of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (location === '') continue; // the root: the app itself, never in node_modules
    const a = before[location];
    const b = after[location];
    if (a === undefined || b === undefined || JSON.stringify(a) !== JSON.stringify(b)) changed.add(location);
  }
  // An install script saw its dependencies' files when it ran: if one of them changed (in the old
  // tree or the new), a fresh install would run it against other files.
  for (const [location, entry] of Object.entries(after)) {
    if (location === '' || entry['hasInstallScript'] !== true || changed.has(location)) continue;
    const hit = changedInClosure(before, location, changed) ?? changedInClosure(after, location, changed);
    if (hit) return { reason: `${location} has an install script and its dependency ${hit} changed` };
  }
  return { changed: [...changed].sort() };
}

/**
 * Removes the changed locations from the restored tree under `root`, and the `.bin` links into
 * them (npm links the bins of the packages it adds, but knows nothing of a removed package's).
 * Only unlinks: the tree's files are hard links into the cache, never to be written.
 */
export async function removeChanged(root: string, changed: readonly string[]): Promise<void> {
  const binDirs = new Map<string, string[]>();
  for (const location of changed) {
    await rm(path.join(root, location), { recursive: true, force: true });
    const bin = `${location.slice(0, location.lastIndexOf('node_modules/'))}node_modules/.bin`;
    binDirs.set(bin, [...(binDirs.get(bin) ?? []), location]);
  }
  for (const [bin, locations] of binDirs) {
    const dir = path.join(root, bin);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const target = await readlink(path.join(dir, name)).catch(() => undefined);
      if (target === undefined) continue;
      const into = path.relative(root, path.resolve(dir, target)).split(path.sep).join('/');
      if (locations.some((l) => into === l || into.startsWith(`${l}/`))) await unlink(path.join(dir, name));
    }
  }
}

function lockPackages(text: string): LockPackages | undefined {
  const lock = JSON.parse(text) as { packages?: LockPackages };
  return lock.packages && typeof lock.packages === 'object' ? lock.packages : undefined;
}

/** The first changed location among the packages `location` depends on, transitively, in `packages`. */
function changedInClosure(packages: LockPackages, location: string, changed: Set<string>): string | undefined {
  const seen = new Set<string>([location]);
  const queue = [location];
  while (queue.length) {
    const from = queue.shift()!;
    const entry = packages[from];
    if (!entry) continue;
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) {
      const deps = entry[field];
      if (!deps || typeof deps !== 'object') continue;
      for (const name of Object.keys(deps)) {
        const to = resolveFrom(packages, from, name);
        if (to === undefined || seen.has(to)) continue;
        if (changed.has(to)) return to;
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return undefined;
}

/** Where Node.js finds `name` from the package at `from`: its own node_modules, then each enclosing one. */
function resolveFrom(packages: LockPackages, from: string, name: string): string | undefined {
  for (let base = from; ;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (base === '') return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}
