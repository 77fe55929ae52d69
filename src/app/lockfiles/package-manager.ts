// Which package manager an app uses (its lockfile and package.json "packageManager"), reading
// its lockfile, and finding the tool that installs it: its frozen, production-only install and
// the commands pkgapp.buildScript needs.
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { EXIT_USAGE, UserError } from '../../errors.js';
import type { PackageJson } from '../package-json.js';
import type { Importers, Lock, ManagerId } from './types.js';
// The lockfile readers, their parsers (yaml, @yarnpkg/*) and execa are imported when used: a
// build loads only its own manager's reader, which keeps a small build's start-up short.

export const MANAGER_LABELS: Record<ManagerId, string> = {
  npm: 'npm',
  'yarn-classic': 'Yarn classic',
  'yarn-berry': 'Yarn Berry',
  pnpm: 'pnpm',
};

/** Lockfile names pkgapp reads, in precedence order (npm prefers npm-shrinkwrap.json). */
const LOCKFILES: [string, 'npm' | 'yarn' | 'pnpm' | 'bun'][] = [
  ['npm-shrinkwrap.json', 'npm'],
  ['package-lock.json', 'npm'],
  ['yarn.lock', 'yarn'],
  ['pnpm-lock.yaml', 'pnpm'],
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
];

/** The lockfiles of the package managers pkgapp installs with (not Bun's): a directory holding one is a project's root. */
export const PROJECT_LOCKFILE_NAMES: readonly string[] = LOCKFILES.filter(([, kind]) => kind !== 'bun').map(
  ([name]) => name,
);

/** The files besides package.json a package manager reads its settings from (never packaged). */
export const MANAGER_CONFIG_FILES = ['.npmrc', '.yarnrc', '.yarnrc.yml', 'pnpm-workspace.yaml', '.pnpmfile.cjs'];

export interface DetectedManager {
  manager: ManagerId;
  lockfilePath: string;
}

/** "pnpm@10.3.0+sha512.…" → { name: "pnpm", version: "10.3.0" }. */
export function parsePackageManagerField(value: unknown): { name: string; version: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(@?[^@\s]+)(?:@([^+\s]*))?/.exec(value.trim());
  return match ? { name: match[1]!, version: match[2] ?? '' } : undefined;
}

/**
 * Finds the lockfile in `dir` and the manager that wrote it. package.json "packageManager"
 * decides between several lockfiles and must agree with the one it names.
 */
export async function detectManager(dir: string, packageJson: PackageJson): Promise<DetectedManager> {
  const found: { file: string; kind: 'npm' | 'yarn' | 'pnpm' | 'bun' }[] = [];
  for (const [name, kind] of LOCKFILES) {
    const file = path.join(dir, name);
    if (await exists(file)) found.push({ file, kind });
  }
  const field = parsePackageManagerField(packageJson.packageManager);
  const pkgPath = path.join(dir, 'package.json');
  if (field && !['npm', 'yarn', 'pnpm'].includes(field.name)) {
    throw new UserError(
      `${pkgPath}: "packageManager": "${String(packageJson.packageManager)}" names a package manager pkgapp does not support`,
      {
        code: 'PKGAPP_PACKAGE_MANAGER_UNSUPPORTED',
        hint: 'pkgapp installs apps with npm, Yarn (classic, or Berry with nodeLinker: node-modules) or pnpm: use one of them and commit its lockfile',
      },
    );
  }
  const supported = found.filter((f) => f.kind !== 'bun');
  const kinds = [...new Set(supported.map((f) => f.kind))];
  let chosen: { file: string; kind: 'npm' | 'yarn' | 'pnpm' } | undefined;
  if (field) {
    chosen = supported.find((f) => f.kind === field.name) as typeof chosen;
    if (!chosen && supported.length) {
      throw new UserError(
        `${pkgPath}: "packageManager" is ${field.name}, but the lockfile is ${supported.map((f) => path.basename(f.file)).join(' and ')}`,
        {
          code: 'PKGAPP_PACKAGE_MANAGER_CONFLICT',
          hint: `Install with ${field.name} and commit its lockfile, or change "packageManager" to the tool that wrote the lockfile`,
        },
      );
    }
  } else if (kinds.length > 1) {
    throw new UserError(
      `${dir}: lockfiles of several package managers (${supported.map((f) => path.basename(f.file)).join(', ')})`,
      {
        code: 'PKGAPP_PACKAGE_MANAGER_AMBIGUOUS',
        hint: 'Delete the ones you do not use, or name the package manager in package.json "packageManager" (e.g. "pnpm@10.5.0")',
      },
    );
  } else {
    chosen = supported[0] as typeof chosen;
  }
  if (!chosen) {
    if (found.length) {
      throw new UserError(`${dir}: ${path.basename(found[0]!.file)} is a Bun lockfile, which pkgapp does not read`, {
        code: 'PKGAPP_PACKAGE_MANAGER_UNSUPPORTED',
        hint: 'pkgapp installs apps with npm, Yarn or pnpm: install with one of them and commit its lockfile',
      });
    }
    throw new UserError(`${dir}: no package-lock.json or npm-shrinkwrap.json (nor yarn.lock or pnpm-lock.yaml)`, {
      code: 'PKGAPP_LOCKFILE_MISSING',
      hint: 'pkgapp ships exactly the dependencies the lockfile pins: run `npm install` (or yarn, pnpm) and commit the lockfile',
    });
  }
  if (chosen.kind !== 'yarn') return { manager: chosen.kind, lockfilePath: chosen.file };
  const berry = isBerryLockfile(await readFile(chosen.file, 'utf8'));
  const wantsBerry = field ? Number.parseInt(field.version, 10) >= 2 : undefined;
  if (wantsBerry !== undefined && wantsBerry !== berry) {
    throw new UserError(
      `${chosen.file} is a ${berry ? 'Yarn Berry' : 'Yarn classic (v1)'} lockfile, but package.json "packageManager" is ${String(packageJson.packageManager)}`,
      {
        code: 'PKGAPP_PACKAGE_MANAGER_CONFLICT',
        hint: berry
          ? 'Set "packageManager" to the Yarn version that wrote yarn.lock'
          : 'Run `yarn install` with that Yarn version to migrate yarn.lock, and commit it',
      },
    );
  }
  return { manager: berry ? 'yarn-berry' : 'yarn-classic', lockfilePath: chosen.file };
}

/** Berry lockfiles start with a __metadata block; classic ones with "# yarn lockfile v1". */
export function isBerryLockfile(text: string): boolean {
  return /^__metadata:/m.test(text);
}

/** Parses the lockfile for its manager; importers are the package.json files of the root ("") and each workspace. */
export async function parseLock(manager: ManagerId, text: string, file: string, importers: Importers): Promise<Lock> {
  switch (manager) {
    case 'npm': {
      const { npmLock, parseNpmLockfile } = await import('./npm.js');
      return npmLock(parseNpmLockfile(text, file), importers);
    }
    case 'pnpm': {
      const { parsePnpmLockfile, pnpmLock } = await import('./pnpm.js');
      return pnpmLock(parsePnpmLockfile(text, file), importers);
    }
    case 'yarn-classic': {
      const { parseYarnClassicLockfile, yarnClassicLock } = await import('./yarn-classic.js');
      return yarnClassicLock(parseYarnClassicLockfile(text, file), importers);
    }
    case 'yarn-berry': {
      const { parseYarnBerryLockfile, yarnBerryLock } = await import('./yarn-berry.js');
      return yarnBerryLock(parseYarnBerryLockfile(text, file), importers);
    }
  }
}

/** Settings written into the staging copy's configuration file before an install (src/app/target-platform.ts). */
export interface StagingSettings {
  /** Relative to the staging directory: ".yarnrc.yml". */
  file: string;
  settings: Record<string, unknown>;
}

/** How to run the package manager of a project, and the commands pkgapp runs with it. */
export interface ManagerTool {
  manager: ManagerId;
  /** The program and the arguments before the command's own (a Berry yarnPath runs with node). */
  file: string;
  prefix: string[];
  /** What users call it, for messages: "pnpm", "yarn". */
  name: string;
  env: Record<string, string>;
  /** Installs exactly the lockfile, production dependencies only, refusing to change it. */
  installProduction: string[];
  /** Installs exactly the lockfile with dev dependencies, for pkgapp.buildScript. */
  installAll: string[];
  /** Removes dev dependencies after a build, when the manager can (else they are just not packaged). */
  pruneProduction: string[] | undefined;
  /**
   * Brings an existing production node_modules (a cached one, seeded: src/contents/install-cache.ts)
   * to the lockfile, replacing only what differs; npm only. It may rewrite the lockfile when the
   * lockfile and package.json disagree (npm ci refuses): the caller checks and falls back.
   */
  reconcileProduction?: string[];
  runScript(script: string): string[];
  /** Settings merged into the staging copy's configuration before installing (a target install, src/app/target-platform.ts). */
  stagingSettings?: StagingSettings;
}

// Keep corepack from refusing a yarn whose version differs from "packageManager" or editing
// package.json, and every tool quiet about updates and telemetry.
const TOOL_ENV = {
  npm_config_update_notifier: 'false',
  COREPACK_ENABLE_STRICT: '0',
  COREPACK_ENABLE_AUTO_PIN: '0',
  YARN_ENABLE_TELEMETRY: '0',
  YARN_ENABLE_PROGRESS_BARS: '0',
};

/**
 * Finds the package manager's program: npm, pnpm and yarn on PATH, or the yarnPath a Berry
 * project's .yarnrc.yml names. A missing tool, or a yarn of the wrong generation, is bad input
 * naming how to install it. `dir` is the lockfile's directory.
 */
export async function findTool(
  manager: ManagerId,
  dir: string,
  packageJson: PackageJson,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ManagerTool> {
  const field = parsePackageManagerField(packageJson.packageManager);
  const pinned = field?.version ? `@${field.version}` : '';
  const base = { manager, env: TOOL_ENV, prefix: [] as string[] };
  switch (manager) {
    case 'npm':
      return {
        ...base,
        file: 'npm',
        name: 'npm',
        installProduction: ['ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'],
        installAll: ['ci', '--no-audit', '--no-fund', '--loglevel=error'],
        pruneProduction: ['prune', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'],
        // --save and --package-lock: a user's save=false or package-lock=false would keep npm from
        // writing the lockfile it changed (the caller's only sign) or from reading it at all.
        reconcileProduction: [
          'install',
          '--omit=dev',
          '--save',
          '--package-lock',
          '--no-audit',
          '--no-fund',
          '--loglevel=error',
        ],
        runScript: (script) => ['run', script],
      };
    case 'pnpm': {
      const version = await toolVersion('pnpm', [], dir, env);
      if (version === undefined || Number.parseInt(version, 10) < 8) {
        throw missingTool(manager, dir, 'pnpm', version, `npm install -g pnpm${pinned || '@10'}`);
      }
      return {
        ...base,
        file: 'pnpm',
        name: 'pnpm',
        installProduction: ['install', '--frozen-lockfile', '--prod', '--config.confirmModulesPurge=false'],
        installAll: ['install', '--frozen-lockfile', '--config.confirmModulesPurge=false'],
        pruneProduction: undefined,
        runScript: (script) => ['run', script],
      };
    }
    case 'yarn-classic': {
      const version = await toolVersion('yarn', [], dir, env);
      if (version === undefined || !version.startsWith('1.'))
        throw missingTool(
          manager,
          dir,
          'yarn',
          version,
          `npm install -g yarn${pinned.startsWith('@1') ? pinned : '@1'}`,
        );
      return {
        ...base,
        file: 'yarn',
        name: 'yarn',
        installProduction: ['install', '--frozen-lockfile', '--production', '--non-interactive', '--no-progress'],
        installAll: ['install', '--frozen-lockfile', '--production=false', '--non-interactive', '--no-progress'],
        pruneProduction: undefined,
        runScript: (script) => ['run', script],
      };
    }
    case 'yarn-berry': {
      const rc = await readYarnrc(dir);
      const linker = typeof rc['nodeLinker'] === 'string' ? rc['nodeLinker'] : 'pnp';
      if (linker !== 'node-modules') {
        throw new UserError(
          `${path.join(dir, '.yarnrc.yml')}: nodeLinker is "${linker}"${rc['nodeLinker'] === undefined ? ' (the default)' : ''}; pkgapp packages a node_modules directory`,
          {
            code: 'PKGAPP_YARN_PNP_UNSUPPORTED',
            hint: 'Add `nodeLinker: node-modules` to .yarnrc.yml and run `yarn install`',
          },
        );
      }
      let file = 'yarn';
      let prefix: string[] = [];
      if (typeof rc['yarnPath'] === 'string') {
        const yarnPath = path.resolve(dir, rc['yarnPath']);
        if (!(await exists(yarnPath))) {
          throw new UserError(`${path.join(dir, '.yarnrc.yml')}: yarnPath ${rc['yarnPath']} does not exist`, {
            code: 'PKGAPP_PACKAGE_MANAGER_MISSING',
            hint: 'Commit the Yarn release (`yarn set version`) or remove yarnPath',
          });
        }
        file = process.execPath;
        prefix = [yarnPath];
      }
      const version = await toolVersion(file, prefix, dir, env);
      if (version === undefined || Number.parseInt(version, 10) < 2) {
        throw missingTool(
          manager,
          dir,
          'yarn',
          version,
          `npm install -g @yarnpkg/cli-dist${pinned || '@4'}` + '`, or commit a release with `yarn set version',
        );
      }
      return {
        ...base,
        file,
        prefix,
        name: 'yarn',
        // `focus` is Yarn's production-only install; it never rewrites the lock, and pkgapp checks
        // the installed versions against it afterwards.
        installProduction: ['workspaces', 'focus', '--all', '--production'],
        installAll: ['install', '--immutable'],
        pruneProduction: undefined,
        runScript: (script) => ['run', script],
      };
    }
  }
}

function missingTool(
  manager: ManagerId,
  dir: string,
  program: string,
  found: string | undefined,
  install: string,
): UserError {
  const wanted =
    manager === 'yarn-classic'
      ? 'Yarn classic (1.x)'
      : manager === 'yarn-berry'
        ? 'Yarn 2 or newer'
        : MANAGER_LABELS[manager];
  return new UserError(
    `${dir}: the lockfile needs ${wanted}, but ${found === undefined ? `no \`${program}\` is on PATH` : `\`${program}\` on PATH is version ${found}`}`,
    {
      code: 'PKGAPP_PACKAGE_MANAGER_MISSING',
      exitCode: EXIT_USAGE,
      hint: `Install it (\`${install}\`) or put it first on PATH, then retry`,
    },
  );
}

/** `program --version`, or undefined when it cannot run. */
async function toolVersion(
  file: string,
  prefix: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const { execa } = await import('execa');
  const result = await execa(file, [...prefix, '--version'], {
    cwd,
    env: { ...env, ...TOOL_ENV },
    reject: false,
    stripFinalNewline: true,
    timeout: 60_000,
  });
  if (result.exitCode !== 0) return undefined;
  const match = /\d+\.\d+\.\d+\S*/.exec(String(result.stdout));
  return match?.[0];
}

/** The settings of .yarnrc.yml in `dir` ({} without one). */
async function readYarnrc(dir: string): Promise<Record<string, unknown>> {
  const file = path.join(dir, '.yarnrc.yml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return {};
  }
  const { parseSyml } = await import('@yarnpkg/parsers');
  try {
    return parseSyml(text) ?? {};
  } catch (error) {
    throw new UserError(`${file}: malformed: ${(error as Error).message}`, {
      code: 'PKGAPP_YARNRC_MALFORMED',
      hint: 'Fix the YAML syntax of .yarnrc.yml',
    });
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
