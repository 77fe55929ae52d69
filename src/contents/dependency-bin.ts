// A start command's program found in the installed tree: which production dependency's
// package.json "bin" provides `next`, `verdaccio`, `json-server`… (npm's node_modules/.bin links
// are not trusted: the staged tree may lack them, and devDependencies' would be there too).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PackageJson } from '../app/read-app.js';
import { UserError } from '../errors.js';

/**
 * The script that command `bin` runs, relative to `root` ("node_modules/next/dist/bin/next"),
 * from the "bin" of the app's dependencies or optionalDependencies installed under root.
 * `where` names the command's source for messages. A command only a devDependency provides,
 * or none, is a UserError (PKGAPP_START_BIN).
 */
export async function resolveDependencyBin(
  root: string,
  packageJson: PackageJson,
  bin: string,
  where: string,
): Promise<string> {
  const production = Object.keys({ ...packageJson.dependencies, ...packageJson.optionalDependencies }).sort();
  // The package named like the command first: when two provide it, that is the one meant.
  const order = production.includes(bin) ? [bin, ...production.filter((d) => d !== bin)] : production;
  for (const dependency of order) {
    const target = binsOf(await readManifest(root, dependency), dependency).get(bin);
    if (target !== undefined) return path.posix.join('node_modules', dependency, target);
  }
  const dev = Object.keys(packageJson.devDependencies ?? {});
  const devProvider = dev.includes(bin) ? bin : undefined;
  throw new UserError(
    devProvider !== undefined
      ? `${where}: "${bin}" comes from ${devProvider}, a devDependency, which the package does not ship`
      : `${where}: no production dependency provides the command "${bin}" (${production.length ? `none of ${production.join(', ')} has it in its package.json "bin"` : 'package.json has no "dependencies"'})`,
    {
      code: 'PKGAPP_START_BIN',
      hint:
        devProvider !== undefined
          ? `Move ${devProvider} to "dependencies" if the service needs it at run time (then update the lockfile), or start the app without it`
          : 'Add the package that provides it to "dependencies", or set "pkgapp": { "service": { "entry": "path/to/script.js" } }',
    },
  );
}

async function readManifest(root: string, dependency: string): Promise<{ name?: unknown; bin?: unknown } | undefined> {
  try {
    return JSON.parse(await readFile(path.join(root, 'node_modules', dependency, 'package.json'), 'utf8')) as {
      name?: unknown;
      bin?: unknown;
    };
  } catch {
    return undefined; // not installed (an optional dependency for another platform)
  }
}

/** A package.json "bin" as command → normalized script path (a string is the package's own name, unscoped). */
function binsOf(manifest: { name?: unknown; bin?: unknown } | undefined, dependency: string): Map<string, string> {
  const bins = new Map<string, string>();
  const bin = manifest?.bin;
  const name = (typeof manifest?.name === 'string' ? manifest.name : dependency).replace(/^@[^/]+\//, '');
  const entries =
    typeof bin === 'string' ? [[name, bin] as const] : bin && typeof bin === 'object' ? Object.entries(bin) : [];
  for (const [command, target] of entries) {
    if (typeof target !== 'string') continue;
    const normalized = path.posix.normalize(target.replace(/\\/g, '/'));
    if (normalized.startsWith('../') || normalized.startsWith('/')) continue;
    bins.set(command, normalized);
  }
  return bins;
}
