// Reads what the app directory says about itself: package.json, pkgapp config, lockfile, hooks.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { validateConfig, type HookPhase, type PkgappConfig } from './config-schema.js';
import { readReleaseInfo, type ReleaseInfo } from './release-info.js';

/** The npm package.json fields pkgapp reads (everything is optional until checked). */
export interface PackageJson {
  name?: unknown;
  version?: unknown;
  description?: unknown;
  author?: unknown;
  maintainers?: unknown;
  homepage?: unknown;
  license?: unknown;
  main?: unknown;
  bin?: unknown;
  scripts?: Record<string, unknown>;
  engines?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  pkgapp?: unknown;
  [key: string]: unknown;
}

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
}

const LOCKFILES = ['npm-shrinkwrap.json', 'package-lock.json'];

/** Reads and validates the app in `dir`; every problem is a UserError naming the file. */
export async function readApp(dir: string): Promise<AppSource> {
  const absDir = path.resolve(dir);
  const pkgPath = path.join(absDir, 'package.json');
  const packageJson = await readJsonFile(pkgPath, 'PKGAPP_PACKAGE_JSON', `Run pkgapp in the app's directory or pass -C DIR`);
  if (typeof packageJson !== 'object' || packageJson === null || Array.isArray(packageJson)) {
    throw new UserError(`${pkgPath}: must contain a JSON object`, { code: 'PKGAPP_PACKAGE_JSON_INVALID' });
  }
  const pkg = packageJson as PackageJson;

  const configFile = path.join(absDir, 'pkgapp.config.json');
  const fileConfig = (await exists(configFile)) ? await readJsonFile(configFile, 'PKGAPP_CONFIG_FILE', '') : undefined;
  if (fileConfig !== undefined && pkg.pkgapp !== undefined) {
    throw new UserError(`${absDir}: configuration found both in package.json "pkgapp" and in pkgapp.config.json`, {
      code: 'PKGAPP_CONFIG_TWICE',
      hint: 'Keep one of them',
    });
  }
  const configSource = fileConfig !== undefined ? configFile : `${pkgPath} "pkgapp"`;
  const config = validateConfig(fileConfig ?? pkg.pkgapp ?? {}, configSource);

  const lockfilePath = await findLockfile(absDir);
  const hooks: Partial<Record<HookPhase, string>> = {};
  for (const [phase, file] of Object.entries(config.hooks ?? {}) as [HookPhase, string][]) {
    hooks[phase] = await readHook(absDir, file, phase, configSource);
  }
  return { dir: absDir, packageJson: pkg, config, configSource, lockfilePath, hooks, releaseInfo: await readReleaseInfo(absDir, lockfilePath) };
}

async function findLockfile(dir: string): Promise<string> {
  for (const name of LOCKFILES) {
    const file = path.join(dir, name);
    if (await exists(file)) return file;
  }
  throw new UserError(`${dir}: no package-lock.json or npm-shrinkwrap.json`, {
    code: 'PKGAPP_LOCKFILE_MISSING',
    hint: 'pkgapp ships exactly the dependencies the lockfile pins: run `npm install` and commit package-lock.json',
  });
}

async function readHook(dir: string, file: string, phase: string, source: string): Promise<string> {
  const full = path.resolve(dir, file);
  try {
    return await readFile(full, 'utf8');
  } catch (error) {
    throw new UserError(`${source}: hooks.${phase} names "${file}", which cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      code: 'PKGAPP_HOOK_UNREADABLE',
      hint: 'Hook paths are relative to the app directory',
      cause: error,
    });
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
