// Puts the app and its pinned production node_modules in one directory tree, ready to collect.
import { access, copyFile, cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import packlist from 'npm-packlist';
import type { AppSource } from '../app/read-app.js';
import { UserError } from '../errors.js';
import { runTool } from '../util/run-tool.js';
import type { PinnedPackage } from '../app/lockfile.js';

export interface StagedApp {
  /** Directory holding the app files and node_modules. */
  root: string;
  /** The app's own files (what `npm pack` selects), relative to root, sorted. */
  appFiles: string[];
  /** Removes the staging copy (a no-op with --no-install). */
  cleanup(): Promise<void>;
}

/** The files `npm pack` would put in the tarball of the app in `dir` ("files", .npmignore, defaults). */
export async function listAppFiles(dir: string, packageJson: AppSource['packageJson']): Promise<string[]> {
  // npm-packlist only reads these fields of an Arborist node; a full tree load would walk
  // node_modules, which pkgapp reads itself from the lockfile.
  const tree = { path: dir, package: packageJson, isProjectRoot: true, workspaces: null, edgesOut: new Map() };
  const files = await packlist(tree as unknown as Parameters<typeof packlist>[0]);
  return files.map((f) => f.split(path.sep).join('/')).sort();
}

/**
 * Copies the app files and the lockfile into a temporary directory and runs
 * `npm ci --omit=dev` there, so exactly the pinned production dependencies are installed.
 */
export async function stageWithInstall(app: AppSource, appFiles: string[]): Promise<StagedApp> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'pkgapp-stage-'));
  const cleanup = () => rm(root, { recursive: true, force: true });
  try {
    const copies = [...appFiles, path.basename(app.lockfilePath)];
    if (await fileExists(path.join(app.dir, '.npmrc'))) copies.push('.npmrc'); // registry auth for the install; never packaged
    for (const rel of copies) {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await copyFile(path.join(app.dir, rel), path.join(root, rel));
    }
    await runTool('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: root,
      what: `npm ci --omit=dev in a staging copy of ${app.dir}`,
      code: 'PKGAPP_NPM_CI',
      env: { npm_config_update_notifier: 'false' },
    });
    return { root, appFiles, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * Apps that need a build (TypeScript, bundlers): copy the source tree (not node_modules, .git or
 * the output directory) into a staging directory, `npm ci` with dev dependencies, run the
 * configured npm script, then `npm prune --omit=dev`, so the package gets the built output and
 * only the production dependencies. With install false the script runs in place instead, with
 * the node_modules already there.
 */
export async function stageWithBuild(app: AppSource, script: string, install: boolean, selectFiles: (root: string) => Promise<string[]>, outDir: string): Promise<StagedApp> {
  const run = (root: string, args: string[], what: string) => runTool('npm', args, { cwd: root, what, code: 'PKGAPP_BUILD_STEP', env: { npm_config_update_notifier: 'false' } });
  if (!install) {
    await run(app.dir, ['run', script], `npm run ${script} in ${app.dir}`);
    return { root: app.dir, appFiles: await selectFiles(app.dir), cleanup: async () => {} };
  }
  const root = await mkdtemp(path.join(os.tmpdir(), 'pkgapp-stage-'));
  const cleanup = () => rm(root, { recursive: true, force: true });
  try {
    const skip = new Set([path.join(app.dir, 'node_modules'), path.join(app.dir, '.git'), outDir]);
    await cp(app.dir, root, { recursive: true, verbatimSymlinks: true, filter: (source) => !skip.has(source) });
    await run(root, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], `npm ci in a staging copy of ${app.dir}`);
    await run(root, ['run', script], `npm run ${script} (pkgapp.buildScript) in a staging copy of ${app.dir}`);
    await run(root, ['prune', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], 'npm prune --omit=dev after the build');
    return { root, appFiles: await selectFiles(root), cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Uses the app's own node_modules (--no-install). */
export function stageInPlace(app: AppSource, appFiles: string[]): StagedApp {
  return { root: app.dir, appFiles, cleanup: async () => {} };
}

/** A pinned package found installed, with the license its package.json declares. */
export interface InstalledPackage extends PinnedPackage {
  license: string | undefined;
}

/**
 * Compares node_modules with the lockfile: every pinned production package must be present
 * at its location with the pinned version. Missing optional packages (another platform's
 * binaries) are fine. Returns the packages present.
 */
export async function checkInstalledTree(root: string, pinned: PinnedPackage[], lockfilePath: string): Promise<InstalledPackage[]> {
  const problems: string[] = [];
  const present: InstalledPackage[] = [];
  for (const pkg of pinned) {
    let installed: string | undefined;
    let license: unknown;
    try {
      ({ version: installed, license } = JSON.parse(await readFile(path.join(root, pkg.location, 'package.json'), 'utf8')) as { version?: string; license?: unknown });
    } catch {
      installed = undefined;
    }
    if (installed === undefined) {
      if (!pkg.optional) problems.push(`${pkg.location}: missing (the lockfile pins ${pkg.name}@${pkg.version})`);
    } else if (installed !== pkg.version) {
      problems.push(`${pkg.location}: version ${installed} installed, the lockfile pins ${pkg.version}`);
    } else {
      present.push({ ...pkg, license: typeof license === 'string' ? license : undefined });
    }
  }
  if (problems.length) {
    throw new UserError(`${root}/node_modules does not match ${lockfilePath}:\n  ${problems.join('\n  ')}`, {
      code: 'PKGAPP_NODE_MODULES_MISMATCH',
      hint: 'Run `npm ci` to install exactly the lockfile, or build without --no-install',
    });
  }
  return present;
}

async function fileExists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}
