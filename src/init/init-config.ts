// `pkgapp init`: a starter pkgapp.config.json for the app in a directory, from what its
// package.json, lockfile and code say. It never overwrites an existing configuration.
import { access, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readJsonFile, type PackageJson } from '../app/read-app.js';
import { listAppFiles } from '../contents/stage-app.js';
import { isUserError, UserError } from '../errors.js';
import { detectManager, MANAGER_LABELS } from '../app/lockfiles/package-manager.js';
import { checkPackageName, debianNameFromNpm } from '../manifest/names.js';
import { findEnvReads } from './env-reads.js';
import { frameworkVariables } from './framework-variables.js';
import { knownDescription, placeholderDescription } from './known-variables.js';
import { runtimeNotes } from './runtime-notes.js';
import { schemaLink } from './schema-link.js';
import { proposeStart } from './start-proposal.js';
import { looksMinified, sourceFilesToScan, worthReading } from './source-files.js';

export interface InitResult {
  file: string;
  config: Record<string, unknown>;
  /** Things the user should look at, one line each. */
  notes: string[];
}

/** Variables every process has or systemd sets for the unit: not part of the app's contract. */
const AMBIENT = new Set([
  'NODE_ENV',
  'HOME',
  'PATH',
  'USER',
  'LOGNAME',
  'SHELL',
  'PWD',
  'TZ',
  'LANG',
  'TERM',
  'TMPDIR',
  'CI',
  'DEBUG',
  'NO_COLOR',
  'FORCE_COLOR',
  'STATE_DIRECTORY',
  'CACHE_DIRECTORY',
  'RUNTIME_DIRECTORY',
  'LOGS_DIRECTORY',
  'CONFIGURATION_DIRECTORY',
  'INVOCATION_ID',
  'JOURNAL_STREAM',
  'NOTIFY_SOCKET',
  'LISTEN_FDS',
  'LISTEN_PID',
]);
/** Inlined into the client bundle when the app is built: the environment file cannot change them. */
const BUILD_TIME = /^(?:NEXT_PUBLIC_|VITE_|NUXT_PUBLIC_|REACT_APP_)/;

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** Writes DIR/pkgapp.config.json; a UserError when a configuration already exists. */
export async function initConfig(dir: string): Promise<InitResult> {
  const appDir = path.resolve(dir);
  const pkg = (await readJsonFile(
    path.join(appDir, 'package.json'),
    'PKGAPP_PACKAGE_JSON',
    "Run pkgapp init in the app's directory, or pass -C DIR",
  )) as PackageJson;
  const file = path.join(appDir, 'pkgapp.config.json');
  if (pkg.pkgapp !== undefined) throw existing(`${appDir}/package.json already has a "pkgapp" key`);
  if (await exists(file)) throw existing(`${file} already exists`);

  const notes: string[] = [];
  const config: Record<string, unknown> = {
    $schema: await schemaLink(appDir),
    '//': 'pkgapp configuration: every key is explained in docs/configuration.md. Delete what you do not need.',
  };
  const npmName = typeof pkg.name === 'string' ? pkg.name : path.basename(appDir);
  const name = debianNameFromNpm(npmName);
  try {
    checkPackageName(name, 'name');
  } catch {
    config['name'] = name.toLowerCase().replace(/[^a-z0-9+.-]/g, '-');
    notes.push(`"${npmName}" is not a valid system package name: "name" is set to ${JSON.stringify(config['name'])}`);
  }
  if (typeof pkg.author !== 'string' || !/<[^>]+@[^>]+>/.test(pkg.author)) {
    config['maintainer'] = 'Your Name <you@example.com>';
    notes.push('package.json "author" has no email: set "maintainer" to "Name <email>"');
  }

  const files = await listAppFiles(appDir, pkg).catch(() => [] as string[]);
  const start = await proposeStart(appDir, pkg, typeof config['name'] === 'string' ? config['name'] : name);
  config['// service'] = start.comment;
  if (start.service !== undefined) config['service'] = start.service;
  notes.push(...start.notes);
  const entry = start.entryFile || undefined;

  const hasBuild = typeof pkg.scripts?.['build'] === 'string';
  const scan = await scanEnvironment(appDir, await sourceFilesToScan(appDir, files, hasBuild, entry));
  addFrameworkVariables(scan, Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }));
  config['// env'] =
    'Every variable the app reads: a required one keeps the service from starting while it is unset. Defaults are the ones the code falls back to.';
  config['env'] = Object.fromEntries(
    scan.variables.map((v) => [
      v.name,
      {
        ...(v.fallback === undefined ? { required: false } : { default: v.fallback }),
        description: v.description ?? knownDescription(v.name) ?? placeholderDescription(v.name),
      },
    ]),
  );
  notes.push(...envNotes(scan));

  if (hasBuild) {
    config['buildScript'] = 'build';
    notes.push(
      'package.json has a "build" script: pkgapp runs it before packaging (drop "buildScript" if the build output is committed)',
    );
  }
  notes.push(await lockfileNote(appDir, pkg));
  notes.push(...(await runtimeNotes(appDir, pkg.engines?.['node'])));

  await writeFile(file, `${JSON.stringify(config, null, 2)}\n`, { flag: 'wx' });
  return { file, config, notes };
}

/** Which package manager's lockfile pkgapp will install from, or what stops it (same rules as build). */
async function lockfileNote(appDir: string, pkg: PackageJson): Promise<string> {
  try {
    const { manager, lockfilePath } = await detectManager(appDir, pkg);
    return `dependencies: ${path.basename(lockfilePath)} (${MANAGER_LABELS[manager]}); pkgapp installs exactly what it pins, production only`;
  } catch (error) {
    if (!isUserError(error)) throw error;
    return `${error.message}${error.hint ? ` (${error.hint})` : ''}`;
  }
}

interface ScannedVariable {
  name: string;
  /** The code's own default (the first found, the entry file first). */
  fallback?: string;
  /** Other defaults the code gives it elsewhere, with their files. */
  otherDefaults: string[];
  file: string;
  /** A framework's own description of a variable its server reads. */
  description?: string;
}

interface EnvScan {
  variables: ScannedVariable[];
  /** NEXT_PUBLIC_* and the like: read by the code, fixed at build time. */
  buildTime: string[];
  files: number;
}

/** Environment variables the app's code reads, with the defaults it falls back to. */
async function scanEnvironment(dir: string, files: string[]): Promise<EnvScan> {
  const byName = new Map<string, ScannedVariable>();
  const buildTime = new Set<string>();
  let scanned = 0;
  for (const file of files) {
    const full = path.join(dir, file);
    if (!(await worthReading(full))) continue;
    const text = await readFile(full, 'utf8').catch(() => '');
    if (looksMinified(text)) continue;
    scanned++;
    for (const read of findEnvReads(text)) {
      if (AMBIENT.has(read.name)) continue;
      if (BUILD_TIME.test(read.name)) {
        buildTime.add(read.name);
        continue;
      }
      const known = byName.get(read.name);
      if (!known)
        byName.set(read.name, {
          name: read.name,
          ...(read.fallback !== undefined ? { fallback: read.fallback } : {}),
          otherDefaults: [],
          file,
        });
      else if (read.fallback !== undefined && known.fallback === undefined)
        Object.assign(known, { fallback: read.fallback, file });
      else if (read.fallback !== undefined && read.fallback !== known.fallback)
        known.otherDefaults.push(`${JSON.stringify(read.fallback)} in ${file}`);
    }
  }
  const variables = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  return { variables, buildTime: [...buildTime].sort(), files: scanned };
}

/** The variables the frameworks among the dependencies read, unless the app's code reads them itself. */
function addFrameworkVariables(scan: EnvScan, dependencies: string[]): void {
  const added = frameworkVariables(dependencies).filter((f) => !scan.variables.some((v) => v.name === f.name));
  for (const f of added)
    scan.variables.push({
      name: f.name,
      ...(f.default !== undefined ? { fallback: f.default } : {}),
      otherDefaults: [],
      file: `${f.from}'s server`,
      description: f.description,
    });
  scan.variables.sort((a, b) => (a.name < b.name ? -1 : 1));
}

function envNotes(scan: EnvScan): string[] {
  const notes: string[] = [];
  const { variables } = scan;
  if (variables.length) {
    const framework = variables.filter((v) => v.description !== undefined);
    notes.push(
      `found ${variables.length} environment variable(s) in ${scan.files} code file(s)${framework.length ? ` and the framework's server (${framework.map((v) => `${v.name} from ${v.file.replace(/'s server$/, '')}`).join(', ')})` : ''}: ${variables.map((v) => v.name).join(', ')}; mark the required ones ("required": true)`,
    );
  } else {
    notes.push(`no environment variables found in ${scan.files} code file(s) ("env" lists the ones the app reads)`);
  }
  const defaults = variables.filter((v) => v.fallback !== undefined);
  if (defaults.length)
    notes.push(
      `defaults, as the code falls back to them: ${defaults.map((v) => `${v.name}=${JSON.stringify(v.fallback)} (${v.file})`).join(', ')}`,
    );
  for (const v of variables.filter((x) => x.otherDefaults.length))
    notes.push(
      `${v.name} has other defaults in the code too: ${v.otherDefaults.join(', ')}; the proposed one is from ${v.file}`,
    );
  const todo = variables
    .filter((v) => v.description === undefined && knownDescription(v.name) === undefined)
    .map((v) => v.name);
  if (todo.length)
    notes.push(
      `to describe: ${todo.join(', ')} (their "description" says TODO; it is written above the variable in the environment file)`,
    );
  if (scan.buildTime.length)
    notes.push(
      `${scan.buildTime.join(', ')}: inlined when the app is built (set at build time, not in the environment file; left out of "env")`,
    );
  return notes;
}

function existing(what: string): UserError {
  return new UserError(`${what}; pkgapp init never overwrites a configuration`, {
    code: 'PKGAPP_INIT_EXISTS',
    hint: 'Edit the existing configuration (docs/configuration.md lists every key)',
  });
}
