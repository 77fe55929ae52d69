// How the service will start, as init tells it: the same reading build does (package.json
// "start" through parseStartCommand, else "main"), so init writes no "service" keys when build
// understands the app by itself and says exactly what the unit will run. When the start script
// cannot run as a service, init says why and proposes "service.command" from the scripts a
// person would look at next (start:prod, the last part of `build && node x`), or a TODO.
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PackageJson } from '../app/read-app.js';
import { resolveDependencyBin } from '../contents/dependency-bin.js';
import { isUserError, type UserError } from '../errors.js';
import { describeStartCommandForms, parseStartCommand, type StartCommand } from '../manifest/start-command.js';

export interface StartProposal {
  /** What to write as "service"; undefined: nothing, build reads package.json. */
  service?: false | { command: string };
  /** The "// service" comment. */
  comment: string;
  notes: string[];
  /** The app file the service runs, when it is one (init scans it first). */
  entryFile?: string;
}

/** Scripts that, by convention, hold the production start command when "start" is a dev server. */
const PRODUCTION_SCRIPTS = ['start:prod', 'start:production', 'serve', 'prod', 'production'];

/** The start proposal for the app in `appDir`; `name` is the system package name (/opt/NAME). */
export async function proposeStart(appDir: string, pkg: PackageJson, name: string): Promise<StartProposal> {
  const script = pkg.scripts?.['start'];
  const main = typeof pkg.main === 'string' ? pkg.main : undefined;
  const pkgFile = path.join(appDir, 'package.json');
  if (typeof script === 'string') {
    const where = `${pkgFile}: "scripts.start"`;
    const understood = await understand(appDir, pkg, script, where, name);
    if (!('refused' in understood)) {
      return {
        comment: `pkgapp build runs the "start" script as the service: ${understood.runs}. Set "service": { "command": "…" } to run something else, "service": false for a command-line tool.`,
        notes: [
          `service: package.json "start" (${JSON.stringify(script)}) becomes the unit's command: ${understood.runs}${understood.later ? ` (${understood.later})` : ''}`,
        ],
        entryFile: understood.entry,
      };
    }
    const why = `${understood.refused.message}${understood.refused.hint ? ` (${understood.refused.hint})` : ''}`;
    for (const candidate of alternatives(pkg, script, main)) {
      const alt = await understand(appDir, pkg, candidate.command, candidate.from, name);
      if ('refused' in alt) continue;
      return {
        service: { command: candidate.command },
        comment: `The "start" script cannot run as a service; this command, from ${candidate.from}, runs instead: ${alt.runs}.`,
        notes: [
          why,
          `"service.command" proposed from ${candidate.from}: ${JSON.stringify(candidate.command)}, which runs ${alt.runs}; check it is what production runs`,
        ],
        entryFile: alt.entry,
      };
    }
    return {
      service: { command: 'TODO: the command that starts the server, e.g. node server.js' },
      comment: `The "start" script cannot run as a service: write the command in "service.command", as ${describeStartCommandForms()}.`,
      notes: [
        why,
        '"service.command" says TODO: write the command that starts the server (pkgapp build refuses the TODO)',
      ],
    };
  }
  if (main !== undefined) {
    const understood = await understand(appDir, pkg, `node ${main}`, `${pkgFile}: "main"`, name);
    if (!('refused' in understood)) {
      return {
        comment: `No "start" script: pkgapp build runs "main" as the service: ${understood.runs}. "service": false for a library or command-line tool.`,
        notes: [
          `service: no "start" script, so "main" runs: ${understood.runs}; add a "start" script or "service.command" if the server starts otherwise`,
        ],
        entryFile: understood.entry,
      };
    }
  }
  return {
    service: false,
    comment:
      'No "start" script and no "main": no service. Set "service": { "command": "node server.js" } if the app is a server.',
    notes: [
      'no "start" script and no "main": no service (set "service": { "command": "node server.js" } if it has one)',
    ],
  };
}

/** What the unit will run for `command`, or why build would refuse it. */
async function understand(
  appDir: string,
  pkg: PackageJson,
  command: string,
  where: string,
  name: string,
): Promise<{ runs: string; entry: string; later?: string } | { refused: UserError }> {
  let parsed: StartCommand;
  try {
    parsed = parseStartCommand(command, where);
  } catch (error) {
    if (isUserError(error)) return { refused: error };
    throw error;
  }
  const program = parsed.program;
  let entry: string;
  let later: string | undefined;
  if ('file' in program) {
    entry =
      program.file === '.' || program.file === './'
        ? typeof pkg.main === 'string'
          ? pkg.main
          : 'index.js'
        : program.file;
  } else {
    const own = ownBins(pkg).get(program.bin);
    if (own !== undefined) {
      entry = own;
    } else if (
      await access(path.join(appDir, 'node_modules')).then(
        () => true,
        () => false,
      )
    ) {
      try {
        entry = await resolveDependencyBin(appDir, pkg, program.bin, where);
      } catch (error) {
        if (isUserError(error)) return { refused: error };
        throw error;
      }
    } else {
      // Not installed: npm's lockfile records each package's "bin", so init can tell now what
      // build will find after installing (and refuse what build would refuse, in its words).
      const fromLock = await binFromLockfile(appDir, pkg, program.bin);
      if (fromLock === null) return refusedBin(appDir, pkg, program.bin, where);
      if (fromLock !== undefined) entry = fromLock;
      else {
        entry = '';
        later = `the script of "${program.bin}" is found in the production dependencies' "bin" once installed`;
      }
    }
  }
  entry = entry.replace(/^(\.\/)+/, '').replace(/\/+/g, '/');
  const script =
    entry === '' && 'bin' in program
      ? `/opt/${name}/node_modules/<the package with bin "${program.bin}">`
      : `/opt/${name}/${entry}`;
  const words = ['/usr/bin/node', ...parsed.nodeOptions, script, ...parsed.args];
  const env = parsed.environment.map(([k, v]) => `${k}=${v}`);
  return {
    runs: `${words.join(' ')}${env.length ? ` with ${env.join(' ')}` : ''}`,
    entry,
    ...(later ? { later } : {}),
  };
}

/** build's refusal of a command no production dependency provides (dependency-bin.ts), without node_modules. */
async function refusedBin(
  appDir: string,
  pkg: PackageJson,
  bin: string,
  where: string,
): Promise<{ refused: UserError }> {
  try {
    await resolveDependencyBin(path.join(appDir, 'node_modules', '.pkgapp-init-absent'), pkg, bin, where);
  } catch (error) {
    if (isUserError(error)) return { refused: error };
    throw error;
  }
  throw new Error(`unreachable: "${bin}" resolved from an absent directory`);
}

/**
 * The script of command `bin` as build will resolve it, from package-lock.json's records of the
 * top-level packages' "bin" (same order as dependency-bin.ts: the package named like the
 * command, then the production dependencies by name); null when no production dependency
 * provides it; undefined without an npm lockfile.
 */
async function binFromLockfile(appDir: string, pkg: PackageJson, bin: string): Promise<string | null | undefined> {
  let packages: Record<string, { bin?: Record<string, string> }> | undefined;
  for (const file of ['npm-shrinkwrap.json', 'package-lock.json']) {
    packages = await readFile(path.join(appDir, file), 'utf8').then(
      (t) => (JSON.parse(t) as { packages?: typeof packages }).packages,
      () => undefined,
    );
    if (packages) break;
  }
  if (!packages) return undefined;
  const production = Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }).sort();
  const order = production.includes(bin) ? [bin, ...production.filter((d) => d !== bin)] : production;
  for (const dependency of order) {
    const target = packages[`node_modules/${dependency}`]?.bin?.[bin];
    if (typeof target === 'string')
      return path.posix.join('node_modules', dependency, path.posix.normalize(target.replace(/\\/g, '/')));
  }
  return null;
}

/** The app's own package.json "bin": command → script. */
function ownBins(pkg: PackageJson): Map<string, string> {
  const bins = new Map<string, string>();
  const name = typeof pkg.name === 'string' ? pkg.name.replace(/^@[^/]+\//, '') : '';
  if (typeof pkg.bin === 'string') bins.set(name, pkg.bin);
  else if (pkg.bin && typeof pkg.bin === 'object')
    for (const [k, v] of Object.entries(pkg.bin)) if (typeof v === 'string') bins.set(k, v);
  return bins;
}

/** Commands to try when "start" cannot run: production scripts, the parts of a chained start script (last first), then "main". */
function alternatives(pkg: PackageJson, start: string, main: string | undefined): { command: string; from: string }[] {
  const found: { command: string; from: string }[] = [];
  for (const key of PRODUCTION_SCRIPTS) {
    const value = pkg.scripts?.[key];
    if (typeof value === 'string') found.push({ command: value, from: `package.json "scripts.${key}"` });
  }
  const parts = start
    .split(/&&|;/)
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length > 1)
    for (const part of parts.reverse()) found.push({ command: part, from: 'the last part of the "start" script' });
  if (main !== undefined) found.push({ command: `node ${main}`, from: 'package.json "main"' });
  return found;
}
