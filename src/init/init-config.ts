// `pkgapp init`: a starter pkgapp.config.json for the app in a directory, from what its
// package.json, lockfile and code say. It never overwrites an existing configuration.
import { access, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readJsonFile, type PackageJson } from '../app/read-app.js';
import { listAppFiles } from '../contents/stage-app.js';
import { isUserError, UserError } from '../errors.js';
import { detectManager, MANAGER_LABELS } from '../app/lockfiles/package-manager.js';
import { checkPackageName, debianNameFromNpm } from '../manifest/names.js';

export interface InitResult {
  file: string;
  config: Record<string, unknown>;
  /** Things the user should look at, one line each. */
  notes: string[];
}

const ENV_USE = /process\.env\.([A-Z_][A-Z0-9_]*)|process\.env\[['"]([A-Z_][A-Z0-9_]*)['"]\]/g;
/** Variables every process has or systemd sets: not part of the app's contract. */
const AMBIENT = new Set(['NODE_ENV', 'HOME', 'PATH', 'USER', 'PWD', 'TZ', 'LANG', 'STATE_DIRECTORY', 'CI', 'DEBUG']);

const exists = (file: string) => access(file).then(() => true, () => false);

/** Writes DIR/pkgapp.config.json; a UserError when a configuration already exists. */
export async function initConfig(dir: string): Promise<InitResult> {
  const appDir = path.resolve(dir);
  const pkg = (await readJsonFile(path.join(appDir, 'package.json'), 'PKGAPP_PACKAGE_JSON', 'Run pkgapp init in the app\'s directory, or pass -C DIR')) as PackageJson;
  const file = path.join(appDir, 'pkgapp.config.json');
  if (pkg.pkgapp !== undefined) throw existing(`${appDir}/package.json already has a "pkgapp" key`);
  if (await exists(file)) throw existing(`${file} already exists`);

  const notes: string[] = [];
  const config: Record<string, unknown> = {
    $schema: './node_modules/pkgapp/schema/pkgapp.schema.json',
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
  const start = typeof pkg.scripts?.['start'] === 'string' ? pkg.scripts['start'] : '';
  const entry = /^\s*node\s+(\S+\.[cm]?js)\s*$/.exec(start)?.[1] ?? (typeof pkg.main === 'string' ? pkg.main : undefined);
  if (entry) {
    config['// service'] = `Runs "node ${entry}" as a hardened systemd service; "service": false for a command-line tool.`;
    config['service'] = { entry, restart: 'on-failure' };
  } else {
    config['service'] = false;
    notes.push('no "start": "node FILE" script and no "main": no service (set "service": { "entry": "server.js" } if it has one)');
  }

  const variables = await scanEnvironment(appDir, files);
  config['// env'] = 'Every variable the app reads: a required one keeps the service from starting while it is unset.';
  config['env'] = Object.fromEntries(variables.map((v) => [v, v === 'PORT' ? { default: '3000', description: 'TCP port to listen on' } : { required: false, description: `what ${v} is for` }]));
  if (variables.length) notes.push(`found ${variables.length} environment variable(s) in the code: ${variables.join(', ')}; describe them and mark the required ones`);

  if (typeof pkg.scripts?.['build'] === 'string') {
    config['buildScript'] = 'build';
    notes.push('package.json has a "build" script: pkgapp runs it before packaging (drop "buildScript" if the build output is committed)');
  }
  notes.push(await lockfileNote(appDir, pkg));
  if (pkg.engines?.['node'] === undefined) notes.push('package.json has no "engines.node": the package will accept any nodejs version');

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

/** Environment variables named in the app's own JavaScript/TypeScript files (first 500). */
async function scanEnvironment(dir: string, files: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const file of files.filter((f) => /\.[cm]?[jt]s$/.test(f)).slice(0, 500)) {
    const text = await readFile(path.join(dir, file), 'utf8').catch(() => '');
    for (const match of text.matchAll(ENV_USE)) {
      const name = match[1] ?? match[2]!;
      if (!AMBIENT.has(name)) found.add(name);
    }
  }
  return [...found].sort();
}

function existing(what: string): UserError {
  return new UserError(`${what}; pkgapp init never overwrites a configuration`, { code: 'PKGAPP_INIT_EXISTS', hint: 'Edit the existing configuration (docs/configuration.md lists every key)' });
}
