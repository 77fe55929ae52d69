// Reads what the app directory says about itself: package.json, pkgapp config, lockfile, hooks.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { validateConfig, type HookPhase, type PkgappConfig } from './config-schema.js';
import { detectManager, PROJECT_LOCKFILE_NAMES } from './lockfiles/package-manager.js';
import type { ManagerId } from './lockfiles/types.js';
import type { PackageJson } from './package-json.js';
import { readReleaseInfo, type ReleaseInfo } from './release-info.js';
import { listWorkspaces, pickWorkspace } from './workspaces.js';

// Still importable from here (most of src/ does); its home is the leaf module src/app/package-json.ts.
export type { PackageJson };

/** The raw, unresolved description of an app, as read from its directory. */
export interface AppSource {
  dir: string;
  packageJson: PackageJson;
  config: PkgappConfig;
  /** Where the config came from, for error messages. */
  configSource: string;
  lockfilePath: string;
  /** Contents of the configured user hooks, by phase. */
  hooks: Partial<Record<HookPhase, string>>;
  /** Git commit and lockfile hash, for release.json. */
  releaseInfo: ReleaseInfo;
  /** Where the lockfile is and who wrote it; absent: an npm app with its lockfile in `dir`. */
  project?: AppProject;
}

/** The project the lockfile describes: the app itself, or the monorepo one of whose workspaces it is. */
export interface AppProject {
  /** The lockfile's directory: `dir`, or the monorepo root. */
  root: string;
  /** The app's directory relative to root ("" unless a workspace), with "/" separators. */
  importer: string;
  manager: ManagerId;
  /** package.json of the root project ("") and of each workspace, by directory. */
  importers: Map<string, PackageJson>;
}

export interface ReadAppOptions {
  /** Package this workspace (a package name or directory) of the monorepo in `dir`. */
  workspace?: string;
}

/** Reads and validates the app in `dir`; every problem is a UserError naming the file. */
export async function readApp(dir: string, options: ReadAppOptions = {}): Promise<AppSource> {
  let root = path.resolve(dir);
  let rootPkg = await readPackageJson(root);
  let absDir = root;
  let importer = '';
  let workspaces = await listWorkspaces(root, rootPkg);
  if (options.workspace !== undefined) {
    importer = pickWorkspace(root, workspaces, options.workspace).dir;
    absDir = path.join(root, importer);
  } else if (!(await hasLockfile(root))) {
    // A workspace's own directory: the lockfile is at the monorepo root above it.
    const enclosing = await enclosingMonorepo(root);
    if (enclosing) ({ root, rootPkg, workspaces, importer } = enclosing);
  }
  const pkgPath = path.join(absDir, 'package.json');
  const pkg = importer === '' ? rootPkg : await readPackageJson(absDir);

  const configFile = path.join(absDir, 'pkgapp.config.json');
  const fileConfig = (await exists(configFile))
    ? await readJsonFile(
        configFile,
        'PKGAPP_CONFIG_FILE',
        'Make pkgapp.config.json a readable JSON file, or remove it and configure pkgapp in package.json "pkgapp"',
      )
    : undefined;
  if (fileConfig !== undefined && pkg.pkgapp !== undefined) {
    throw new UserError(`${absDir}: configuration found both in package.json "pkgapp" and in pkgapp.config.json`, {
      code: 'PKGAPP_CONFIG_TWICE',
      hint: 'Move everything into one place: delete pkgapp.config.json or the "pkgapp" key of package.json',
    });
  }
  const configSource = fileConfig !== undefined ? configFile : `${pkgPath} "pkgapp"`;
  const config = validateConfig(fileConfig ?? pkg.pkgapp ?? {}, configSource);

  const { manager, lockfilePath } = await detectManager(root, rootPkg);
  const importers = new Map<string, PackageJson>([
    ['', rootPkg],
    ...workspaces.map((w): [string, PackageJson] => [w.dir, w.packageJson]),
  ]);
  const hooks: Partial<Record<HookPhase, string>> = {};
  for (const [phase, file] of Object.entries(config.hooks ?? {}) as [HookPhase, string][]) {
    hooks[phase] = await readHook(absDir, file, phase, configSource);
  }
  return {
    dir: absDir,
    packageJson: pkg,
    config,
    configSource,
    lockfilePath,
    hooks,
    releaseInfo: await readReleaseInfo(absDir, lockfilePath),
    project: { root, importer, manager, importers },
  };
}

async function readPackageJson(dir: string): Promise<PackageJson> {
  const pkgPath = path.join(dir, 'package.json');
  const packageJson = await readJsonFile(
    pkgPath,
    'PKGAPP_PACKAGE_JSON',
    `Run pkgapp in the app's directory or pass -C DIR`,
  );
  if (typeof packageJson !== 'object' || packageJson === null || Array.isArray(packageJson)) {
    throw new UserError(`${pkgPath}: must contain a JSON object`, {
      code: 'PKGAPP_PACKAGE_JSON_INVALID',
      hint: 'package.json holds one object: {"name": …, "version": …}',
    });
  }
  return packageJson as PackageJson;
}

async function hasLockfile(dir: string): Promise<boolean> {
  for (const name of PROJECT_LOCKFILE_NAMES) if (await exists(path.join(dir, name))) return true;
  return false;
}

/** The monorepo (lockfile and workspaces) above `dir` that lists it as a workspace, if any. */
async function enclosingMonorepo(
  dir: string,
): Promise<
  | { root: string; rootPkg: PackageJson; workspaces: Awaited<ReturnType<typeof listWorkspaces>>; importer: string }
  | undefined
> {
  for (let up = path.dirname(dir); up !== path.dirname(up); up = path.dirname(up)) {
    if (!(await exists(path.join(up, 'package.json'))) || !(await hasLockfile(up))) continue;
    const rootPkg = await readPackageJson(up);
    const workspaces = await listWorkspaces(up, rootPkg);
    const importer = path.relative(up, dir).split(path.sep).join('/');
    return workspaces.some((w) => w.dir === importer) ? { root: up, rootPkg, workspaces, importer } : undefined;
  }
  return undefined;
}

async function readHook(dir: string, file: string, phase: string, source: string): Promise<string> {
  const full = path.resolve(dir, file);
  try {
    return await readFile(full, 'utf8');
  } catch (error) {
    throw new UserError(
      `${source}: hooks.${phase} names "${file}", which cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      {
        code: 'PKGAPP_HOOK_UNREADABLE',
        hint: 'Hook paths are relative to the app directory',
        cause: error,
      },
    );
  }
}

/** Reads a JSON file; a missing file or a syntax error names the file. */
export async function readJsonFile(file: string, code: string, missingHint: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    throw new UserError(errno === 'ENOENT' ? `${file}: not found` : `${file}: cannot be read (${errno})`, {
      code: `${code}_MISSING`,
      hint: missingHint || undefined,
      cause: error,
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UserError(`${file}: malformed JSON: ${(error as Error).message}`, {
      code: `${code}_MALFORMED`,
      hint: 'Fix the JSON syntax (a trailing comma or a missing quote is the usual cause)',
      cause: error,
    });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
