// Puts the app and its pinned production node_modules in one directory tree, ready to collect:
// a staging copy installed by the app's package manager in its frozen, production-only mode
// (or the app's own tree with --no-install), checked against the lockfile package by package.
// A workspace of a monorepo is deployed: its files and the packages its production closure
// needs (sibling workspaces as real files) are laid out in a tree of their own.
import { readFileSync } from 'node:fs';
import { access, copyFile, cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { AppProject, AppSource } from '../app/read-app.js';
import { MANAGER_CONFIG_FILES, type ManagerTool } from '../app/lockfiles/package-manager.js';
import { applyStagingSettings } from '../app/target-platform.js';
import type { Lock, LockGraph, ManagerId, PinnedPackage } from '../app/lockfiles/types.js';
import { UserError } from '../errors.js';
import { temporaryDir, type TemporaryDir } from '../util/atomic-output.js';
import { runTool } from '../util/run-tool.js';
import { snapshotTree, writtenSince } from './build-outputs.js';
import { layOutWorkspace } from './deploy-workspace.js';
import type { InstallCache, KeepTree } from './install-cache.js';
import { isPkgappProduct } from './exclude.js';
import {
  declaredFacts,
  FROZEN_INSTALL,
  nodeModulesMismatch,
  resolveInstalledTree,
  type InstalledPackage,
} from './installed-tree.js';
import { listAppFiles, selectAppFiles, type AppSelection } from './select-app-files.js';

export { listAppFiles };

export interface StagedApp {
  /** Directory holding the app files and node_modules. */
  root: string;
  /** The app's own files (select-app-files.ts), relative to root, sorted. */
  appFiles: string[];
  /** How they were selected: what was added beyond npm pack, and warnings. */
  selection: AppSelection;
  /** The production packages installed under root, as the lockfile pins them. */
  packages: InstalledPackage[];
  /** Symlinks under root that are packaged as symlinks (pnpm's node_modules/NAME → .pnpm/…). */
  links: string[];
  /** Removes the staging copies (a no-op with --no-install, unless a workspace was deployed). */
  cleanup(): Promise<void>;
}

export type { InstalledPackage };

/** The project of an app read without one (tests' hand-made AppSource): npm, lockfile in its dir. */
export function projectOf(app: AppSource): AppProject {
  return app.project ?? { root: app.dir, importer: '', manager: 'npm', importers: new Map([['', app.packageJson]]) };
}

/** True when the app is packaged as a deployed workspace rather than in its own tree. */
export function needsDeploy(project: AppProject, graph: LockGraph): boolean {
  return (
    project.importer !== '' || [...graph.nodes.values()].some((n) => n !== graph.root && n.workspace !== undefined)
  );
}

export interface StageRequest {
  app: AppSource;
  lock: Lock;
  graph: LockGraph;
  /** The package manager; needed unless install is false and there is no build script. */
  tool: ManagerTool | undefined;
  /** false: use the node_modules already there (checked against the lockfile). */
  install: boolean;
  /** pkgapp.buildScript: the script to run first, with dev dependencies installed. */
  buildScript: string | undefined;
  /** Without a build script: the app files, selected before anything is installed. */
  selection: AppSelection | undefined;
  /** With a build script: selects the app files in the built app directory, given the files the build wrote. */
  selectFiles: (appDir: string, buildOutputs: string[]) => Promise<AppSelection>;
  /** The build cache: the production install is reused from it when it can be (install-cache.ts). */
  cache?: InstallCache | undefined;
}

/** Stages the app: see the top of this file. The caller must call cleanup(). */
export async function stageApp(request: StageRequest): Promise<StagedApp> {
  const { app, lock, graph, tool, install, buildScript } = request;
  const project = projectOf(app);
  const deploy = needsDeploy(project, graph);
  // Registered with the build's operation (util/atomic-output.ts): removed on abort too.
  const temps: TemporaryDir[] = [];
  // A node_modules the build cache takes back for the next build (install-cache.ts), not removed.
  const keepers: KeepTree[] = [];
  const cleanup = async () => {
    for (const keep of keepers.splice(0)) keep();
    for (const dir of temps.splice(0)) await dir.remove();
  };
  try {
    let source = project.root; // where node_modules is installed
    let buildOutputs: string[] = []; // what the build script wrote
    const run = (args: string[], cwd: string, what: string, code: string) =>
      runTool(tool!.file, [...tool!.prefix, ...args], { cwd, what, code, env: tool!.env });
    const show = (args: string[]) => `${tool!.name} ${args.join(' ')}`;
    if (install) {
      // In the cache's file system when the cache is used: the installed tree is hard-linked to and
      // from it. A build script or a workspace deploy is not cached, so it stages in TMPDIR as before.
      const cached = request.cache !== undefined && buildScript === undefined && !deploy;
      const staging = cached ? await request.cache!.store.scratchDir('stage') : await temporaryDir('pkgapp-stage-');
      temps.push(staging);
      source = staging.path;
      if (buildScript === undefined && !deploy) {
        await copyForInstall(project.root, source, request.selection!.files, app.lockfilePath);
        await applyStagingSettings(tool!, source); // a target install's settings (src/app/target-platform.ts)
        const installNow = () =>
          run(
            tool!.installProduction,
            source,
            `${show(tool!.installProduction)} in a staging copy of ${app.dir}`,
            installErrorCode(tool!),
          ).then(() => undefined);
        if (request.cache) {
          // Loaded here: only an install with a cache uses it.
          const { installThroughCache } = await import('./install-cache.js');
          const reconcileArgs = tool!.reconcileProduction;
          const reconcileNow = reconcileArgs
            ? () =>
                run(
                  reconcileArgs,
                  source,
                  `${show(reconcileArgs)} in a staging copy of ${app.dir} (seeded from the build cache)`,
                  installErrorCode(tool!),
                ).then(() => undefined)
            : undefined;
          const keep = await installThroughCache(
            request.cache,
            { root: project.root, lockfilePath: app.lockfilePath, tool: tool!, env: process.env, staging: source },
            installNow,
            reconcileNow,
          );
          if (keep) keepers.push(keep);
        } else await installNow();
      } else {
        request.cache?.log(
          `build cache: installed tree not reused: ${buildScript !== undefined ? 'pkgapp.buildScript runs in the same tree' : 'a workspace is deployed'}`,
        );
        await copyProject(project.root, source);
        const appDir = path.join(source, project.importer);
        if (buildScript !== undefined) {
          await run(
            tool!.installAll,
            source,
            `${show(tool!.installAll)} in a staging copy of ${project.root}`,
            'PKGAPP_BUILD_STEP',
          );
          const before = snapshotTree(appDir);
          await run(
            tool!.runScript(buildScript),
            appDir,
            `${show(tool!.runScript(buildScript))} (pkgapp.buildScript) in a staging copy of ${app.dir}`,
            'PKGAPP_BUILD_STEP',
          );
          buildOutputs = writtenSince(before, snapshotTree(appDir));
          if (tool!.pruneProduction) await applyStagingSettings(tool!, source);
          if (tool!.pruneProduction)
            await run(
              tool!.pruneProduction,
              source,
              `${show(tool!.pruneProduction)} after the build`,
              'PKGAPP_BUILD_STEP',
            );
        } else {
          await applyStagingSettings(tool!, source);
          await run(
            tool!.installProduction,
            source,
            `${show(tool!.installProduction)} in a staging copy of ${project.root}`,
            installErrorCode(tool!),
          );
        }
      }
    } else {
      if (graph.nodes.size > 1 && !(await fileExists(path.join(source, 'node_modules'))))
        throw nodeModulesMissing(source, project.manager);
      if (buildScript !== undefined) {
        const before = snapshotTree(app.dir);
        await run(
          tool!.runScript(buildScript),
          app.dir,
          `${show(tool!.runScript(buildScript))} in ${app.dir}`,
          'PKGAPP_BUILD_STEP',
        );
        buildOutputs = writtenSince(before, snapshotTree(app.dir));
      }
    }
    const appDir = path.join(source, project.importer);
    const selection = buildScript !== undefined ? await request.selectFiles(appDir, buildOutputs) : request.selection!;
    const appFiles = selection.files;

    const locations = !deploy ? lock.locations?.() : undefined;
    if (locations) {
      // npm records where each package goes: check exactly those places
      const packages = await checkInstalledTree(source, locations, app.lockfilePath, project.manager);
      return { root: source, appFiles, selection, packages, links: [], cleanup };
    }
    const tree = await resolveInstalledTree(source, project.importer, graph, app.lockfilePath, project.manager);
    if (!deploy) return { root: source, appFiles, selection, packages: tree.packages, links: tree.links, cleanup };
    const deployDir = await temporaryDir('pkgapp-deploy-');
    temps.push(deployDir);
    const target = deployDir.path;
    const packages = await layOutWorkspace({
      source,
      importer: project.importer,
      appFiles,
      tree,
      graph,
      target,
      importers: project.importers,
      listFiles: workspaceFiles,
    });
    return { root: target, appFiles, selection, packages, links: [], cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * A sibling workspace's files: what npm pack would publish, plus the framework output directories
 * a .gitignore hides (an internal library's dist/), minus secrets, caches and pkgapp's products.
 */
async function workspaceFiles(dir: string, packageJson: AppSource['packageJson']): Promise<string[]> {
  return (await selectAppFiles({ dir, packageJson, rules: { include: [], exclude: [] } })).files;
}

function installErrorCode(tool: ManagerTool): string {
  return tool.manager === 'npm' ? 'PKGAPP_NPM_CI' : 'PKGAPP_INSTALL_FAILED';
}

/**
 * The app files, the lockfile and the package manager's settings (registry auth, node-linker,
 * Yarn's release and plugins) for an install in a staging directory; none of them is packaged
 * unless it is an app file.
 */
async function copyForInstall(dir: string, root: string, appFiles: string[], lockfilePath: string): Promise<void> {
  const copies = [...appFiles, path.basename(lockfilePath)];
  for (const name of MANAGER_CONFIG_FILES) if (await fileExists(path.join(dir, name))) copies.push(name);
  for (const rel of copies) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await copyFile(path.join(dir, rel), path.join(root, rel));
  }
  for (const sub of ['.yarn/releases', '.yarn/plugins', '.yarn/patches', 'patches']) {
    if (await fileExists(path.join(dir, sub)))
      await cp(path.join(dir, sub), path.join(root, sub), { recursive: true, verbatimSymlinks: true });
  }
}

/**
 * The whole project without node_modules (at any depth), .git or pkgapp's earlier products
 * (.deb, .rpm, SBOMs: possibly many megabytes, never packaged).
 */
async function copyProject(dir: string, root: string): Promise<void> {
  await cp(dir, root, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (source) =>
      !['node_modules', '.git'].includes(path.basename(source)) && !isPkgappProduct(path.basename(source)),
  });
}

/** --no-install in a directory that has no node_modules at all: one line, not every package listed. */
function nodeModulesMissing(dir: string, manager: ManagerId): UserError {
  return new UserError(
    `node_modules is missing in ${dir}: run ${FROZEN_INSTALL[manager]}${manager === 'npm' ? " (or your package manager's install)" : ''} first, or drop --no-install`,
    {
      code: 'PKGAPP_NODE_MODULES_MISSING',
      hint: '--no-install packages the node_modules already installed; without it pkgapp installs the lockfile in a staging copy itself',
    },
  );
}

/**
 * Compares node_modules with the lockfile: every pinned production package must be present
 * at its location with the pinned version. Missing optional packages (another platform's
 * binaries) are fine. Returns the packages present, with the license and engines.node their
 * package.json declares.
 */
export async function checkInstalledTree(
  root: string,
  pinned: PinnedPackage[],
  lockfilePath: string,
  manager: ManagerId = 'npm',
): Promise<InstalledPackage[]> {
  const problems: string[] = [];
  const present: InstalledPackage[] = [];
  // Blocking reads: hundreds of small files, where each asynchronous read (four thread-pool round
  // trips, one file after the other) left the process mostly idle (~0.1 s for 639 packages).
  for (const pkg of pinned) {
    let manifest: Record<string, unknown> | undefined;
    try {
      manifest = JSON.parse(readFileSync(path.join(root, pkg.location, 'package.json'), 'utf8')) as Record<
        string,
        unknown
      >;
    } catch {
      manifest = undefined;
    }
    const installed = manifest?.['version'];
    if (manifest === undefined || installed === undefined) {
      if (!pkg.optional) problems.push(`${pkg.location}: missing (the lockfile pins ${pkg.name}@${pkg.version})`);
    } else if (installed !== pkg.version) {
      problems.push(
        `${pkg.location}: version ${typeof installed === 'string' ? installed : JSON.stringify(installed)} installed, the lockfile pins ${pkg.version}`,
      );
    } else {
      present.push({ ...pkg, ...declaredFacts(manifest) });
    }
  }
  if (problems.length) throw nodeModulesMismatch(root, lockfilePath, problems, manager);
  return present;
}

async function fileExists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
