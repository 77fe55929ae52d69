// The service's entry and the bin scripts checked against what the package will hold: app
// files (before installing, to fail fast) and, after installing, the installed tree (a
// dependency's bin, an entry inside node_modules), plus the framework caches the unit links.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { PackageJson } from '../app/read-app.js';
import { UserError } from '../errors.js';
import type { Manifest, ServiceSpec } from '../manifest/manifest.js';
import { resolveDependencyBin } from './dependency-bin.js';

/** What the build knows after installing: the staged tree and what of it is packaged. */
export interface InstalledView {
  root: string;
  appFiles: readonly string[];
  /** Locations of the packaged packages and links ("node_modules/next"). */
  packageLocations: readonly string[];
  packageJson: PackageJson;
}

/** An entry inside node_modules: checked against the installed tree, not the app's files. */
export function isInNodeModules(file: string): boolean {
  return file === 'node_modules' || file.startsWith('node_modules/');
}

/**
 * The service entry (unless it lies in node_modules or is a dependency's bin, which only the
 * installed tree can confirm) and the bin scripts must be among the app's files. An entry
 * without extension counts when node would find it (`node server` runs server.js).
 */
export function checkEntryPoints(
  manifest: Manifest,
  appFiles: readonly string[],
  dir: string,
  explain?: (file: string) => string,
): void {
  const files = new Set(appFiles);
  const service = manifest.service;
  const wanted = [
    ...(service && service.bin === undefined && !isInNodeModules(service.entry)
      ? [[service.entry, 'the service entry', true]]
      : []),
    ...manifest.bins.map((b) => [b.target, `bin "${b.name}"`, false]),
  ] as [string, string, boolean][];
  for (const [file, what, asNode] of wanted) {
    if (!(asNode ? nodeCandidates(file) : [file]).some((f) => files.has(f))) {
      // explain (select-app-files.ts) names the rule that left the file out
      throw new UserError(
        `${dir}: ${what} "${file}" is not among the app's files${explain ? `: ${explain(file)}` : ''}`,
        {
          code: 'PKGAPP_ENTRY_MISSING',
          hint: 'Create the file, or change the rule named (package.json "files", .npmignore, pkgapp.include / pkgapp.exclude); docs/file-selection.md has the rules',
        },
      );
    }
  }
}

/**
 * The service as it will run from the installed tree: a dependency's command resolved to its
 * script, an entry in node_modules confirmed to be in a packaged package, and a link for each
 * framework cache found among the app files (Next.js: .next/cache → /var/cache/NAME/next).
 */
export async function resolveServiceEntry(manifest: Manifest, view: InstalledView): Promise<Manifest> {
  const service = manifest.service;
  if (service === undefined) return manifest;
  let entry = service.entry;
  if (service.bin !== undefined)
    entry = await resolveDependencyBin(view.root, view.packageJson, service.bin, service.source);
  if (isInNodeModules(entry)) await checkInstalledEntry(entry, view, service.source);
  const { bin: _resolved, ...rest } = service;
  const resolved: ServiceSpec = { ...rest, entry, cacheLinks: frameworkCaches(view.appFiles) };
  return { ...manifest, service: resolved };
}

async function checkInstalledEntry(entry: string, view: InstalledView, where: string): Promise<void> {
  const owner = view.packageLocations.filter((l) => entry.startsWith(`${l}/`)).sort((a, b) => b.length - a.length)[0];
  const found = await Promise.all(
    nodeCandidates(entry).map((f) =>
      stat(path.join(view.root, f)).then(
        (s) => s.isFile(),
        () => false,
      ),
    ),
  );
  if (owner === undefined || !found.includes(true)) {
    throw new UserError(
      `${where}: the service entry "${entry}" is not ${owner === undefined ? 'in any production dependency the package ships' : `a file of ${owner.replace(/^.*node_modules\//, '')}`}`,
      {
        code: 'PKGAPP_ENTRY_MISSING',
        hint: 'Point "pkgapp": { "service": { "entry" } } at a script of a package in "dependencies" (its package.json "bin" names it), or use "command": "BIN ARGS"',
      },
    );
  }
}

/** The files `node FILE` may load for FILE, in node's order (CommonJS resolution of a path). */
function nodeCandidates(file: string): string[] {
  const exts = ['.js', '.mjs', '.cjs', '.json', '.node'];
  return [file, ...exts.map((e) => file + e), ...exts.map((e) => `${file}/index${e}`)];
}

/** Next.js's build leaves .next/BUILD_ID; its image optimizer and ISR write .next/cache at run time. */
function frameworkCaches(appFiles: readonly string[]): ServiceSpec['cacheLinks'] {
  return appFiles.includes('.next/BUILD_ID') ? [{ path: '.next/cache', subdir: 'next' }] : [];
}
