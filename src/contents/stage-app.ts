// Puts the app and its pinned production node_modules in one directory tree, ready to collect:
// a staging copy installed by the app's package manager in its frozen, production-only mode
// (or the app's own tree with --no-install), checked against the lockfile package by package.
// A workspace of a monorepo is deployed: its files and the packages its production closure
// needs (sibling workspaces as real files) are laid out in a tree of their own.
import { access, copyFile, cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import packlist from 'npm-packlist';
import type { AppProject, AppSource } from '../app/read-app.js';
import { MANAGER_CONFIG_FILES, type ManagerTool } from '../app/lockfiles/package-manager.js';
import type { Lock, LockGraph, ManagerId, PinnedPackage } from '../app/lockfiles/types.js';
import { runTool } from '../util/run-tool.js';
import { layOutWorkspace } from './deploy-workspace.js';
import { declaredFacts, nodeModulesMismatch, resolveInstalledTree, type InstalledPackage } from './installed-tree.js';

export interface StagedApp {
  /** Directory holding the app files and node_modules. */
  root: string;
  /** The app's own files (what `npm pack` selects), relative to root, sorted. */
  appFiles: string[];
  /** The production packages installed under root, as the lockfile pins them. */
  packages: InstalledPackage[];
  /** Symlinks under root that are packaged as symlinks (pnpm's node_modules/NAME → .pnpm/…). */
  links: string[];
  /** Removes the staging copies (a no-op with --no-install, unless a workspace was deployed). */
  cleanup(): Promise<void>;
}

export type { InstalledPackage };

/** The files `npm pack` would put in the tarball of the app in `dir` ("files", .npmignore, defaults). */
export async function listAppFiles(dir: string, packageJson: AppSource['packageJson']): Promise<string[]> {
  // npm-packlist only reads these fields of an Arborist node; a full tree load would walk
  // node_modules, which pkgapp reads itself from the lockfile.
  const tree = { path: dir, package: packageJson, isProjectRoot: true, workspaces: null, edgesOut: new Map() };
  const files = await packlist(tree as unknown as Parameters<typeof packlist>[0]);
  return files.map((f) => f.split(path.sep).join('/')).sort();
}

/** The project of an app read without one (tests' hand-made AppSource): npm, lockfile in its dir. */
export function projectOf(app: AppSource): AppProject {
  return app.project ?? { root: app.dir, importer: '', manager: 'npm', importers: new Map([['', app.packageJson]]) };
}

/** True when the app is packaged as a deployed workspace rather than in its own tree. */
export function needsDeploy(project: AppProject, graph: LockGraph): boolean {
  return project.importer !== '' || [...graph.nodes.values()].some((n) => n !== graph.root && n.workspace !== undefined);
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
  appFiles: string[] | undefined;
  /** With a build script: selects the app files in the (built) app directory. */
  selectFiles: (appDir: string) => Promise<string[]>;
  /** The output directory, never copied into a staging copy. */
  outDir: string;
}

/** Stages the app: see the top of this file. The caller must call cleanup(). */
export async function stageApp(request: StageRequest): Promise<StagedApp> {
  const { app, lock, graph, tool, install, buildScript } = request;
  const project = projectOf(app);
  const deploy = needsDeploy(project, graph);
  const temps: string[] = [];
  const cleanup = async () => {
    for (const dir of temps.splice(0)) await rm(dir, { recursive: true, force: true });
  };
  try {
    let source = project.root; // where node_modules is installed
    const run = (args: string[], cwd: string, what: string, code: string) => runTool(tool!.file, [...tool!.prefix, ...args], { cwd, what, code, env: tool!.env });
    const show = (args: string[]) => `${tool!.name} ${args.join(' ')}`;
    if (install) {
      source = await mkdtemp(path.join(os.tmpdir(), 'pkgapp-stage-'));
      temps.push(source);
      if (buildScript === undefined && !deploy) {
        await copyForInstall(project.root, source, request.appFiles!, app.lockfilePath);
        await run(tool!.installProduction, source, `${show(tool!.installProduction)} in a staging copy of ${app.dir}`, installErrorCode(tool!));
      } else {
        await copyProject(project.root, source, request.outDir);
        const appDir = path.join(source, project.importer);
        if (buildScript !== undefined) {
          await run(tool!.installAll, source, `${show(tool!.installAll)} in a staging copy of ${project.root}`, 'PKGAPP_BUILD_STEP');
          await run(tool!.runScript(buildScript), appDir, `${show(tool!.runScript(buildScript))} (pkgapp.buildScript) in a staging copy of ${app.dir}`, 'PKGAPP_BUILD_STEP');
          if (tool!.pruneProduction) await run(tool!.pruneProduction, source, `${show(tool!.pruneProduction)} after the build`, 'PKGAPP_BUILD_STEP');
        } else {
          await run(tool!.installProduction, source, `${show(tool!.installProduction)} in a staging copy of ${project.root}`, installErrorCode(tool!));
        }
      }
    } else if (buildScript !== undefined) {
      await run(tool!.runScript(buildScript), app.dir, `${show(tool!.runScript(buildScript))} in ${app.dir}`, 'PKGAPP_BUILD_STEP');
    }
    const appDir = path.join(source, project.importer);
    const appFiles = buildScript !== undefined ? await request.selectFiles(appDir) : request.appFiles!;

    const locations = !deploy ? lock.locations?.() : undefined;
    if (locations) {
      // npm records where each package goes: check exactly those places
      const packages = await checkInstalledTree(source, locations, app.lockfilePath, project.manager);
      return { root: source, appFiles, packages, links: [], cleanup };
    }
    const tree = await resolveInstalledTree(source, project.importer, graph, app.lockfilePath, project.manager);
    if (!deploy) return { root: source, appFiles, packages: tree.packages, links: tree.links, cleanup };
    const target = await mkdtemp(path.join(os.tmpdir(), 'pkgapp-deploy-'));
    temps.push(target);
    const packages = await layOutWorkspace({ source, importer: project.importer, appFiles, tree, graph, target, importers: project.importers, listFiles: listAppFiles });
    return { root: target, appFiles, packages, links: [], cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
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
    if (await fileExists(path.join(dir, sub))) await cp(path.join(dir, sub), path.join(root, sub), { recursive: true, verbatimSymlinks: true });
  }
}

/** The whole project without node_modules (at any depth), .git or the output directory. */
async function copyProject(dir: string, root: string, outDir: string): Promise<void> {
  await cp(dir, root, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (source) => source !== outDir && !['node_modules', '.git'].includes(path.basename(source)),
  });
}

/**
 * Compares node_modules with the lockfile: every pinned production package must be present
 * at its location with the pinned version. Missing optional packages (another platform's
 * binaries) are fine. Returns the packages present, with the license and engines.node their
 * package.json declares.
 */
export async function checkInstalledTree(root: string, pinned: PinnedPackage[], lockfilePath: string, manager: ManagerId = 'npm'): Promise<InstalledPackage[]> {
  const problems: string[] = [];
  const present: InstalledPackage[] = [];
  for (const pkg of pinned) {
    let manifest: Record<string, unknown> | undefined;
    try {
      manifest = JSON.parse(await readFile(path.join(root, pkg.location, 'package.json'), 'utf8')) as Record<string, unknown>;
    } catch {
      manifest = undefined;
    }
    const installed = manifest?.['version'];
    if (manifest === undefined || installed === undefined) {
      if (!pkg.optional) problems.push(`${pkg.location}: missing (the lockfile pins ${pkg.name}@${pkg.version})`);
    } else if (installed !== pkg.version) {
      problems.push(`${pkg.location}: version ${String(installed)} installed, the lockfile pins ${pkg.version}`);
    } else {
      present.push({ ...pkg, ...declaredFacts(manifest) });
    }
  }
  if (problems.length) throw nodeModulesMismatch(root, lockfilePath, problems, manager);
  return present;
}

async function fileExists(file: string): Promise<boolean> {
  return access(file).then(() => true, () => false);
}
