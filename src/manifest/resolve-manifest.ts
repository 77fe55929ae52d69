// (AppSource, options) → Manifest: defaults from package.json, validated; pure, no I/O.
import * as semver from '../util/semver.js';
import type { AppSource } from '../app/read-app.js';
import type { Arch } from './arch.js';
import { UserError } from '../errors.js';
import type { BinEntry, EnvVar, Manifest, ServiceSpec } from './manifest.js';
import { checkPackageName, debianNameFromNpm } from './names.js';
import { parseStartCommand, type StartCommand } from './start-command.js';
import { checkRelease, parseAppVersion } from './versions.js';
import { declaredLicense } from './declared-license.js';
import { resolveHealth } from './health.js';
import { resolveReleases } from './releases.js';

export interface ManifestOptions {
  /** Overrides package.json "version". */
  version?: string;
  release?: string;
  arch?: Arch;
  /** --node: overrides pkgapp.node. */
  node?: 'system' | 'bundled';
  /** Build time in seconds (from SOURCE_DATE_EPOCH). */
  buildTime: number;
}

/** Resolves the app's metadata; every refusal names the package.json field or config key. */
export function resolveManifest(app: AppSource, options: ManifestOptions): Manifest {
  const pkg = app.packageJson;
  const cfg = app.config;
  const pkgFile = `${app.dir}/package.json`;

  const npmName = requireString(pkg.name, `${pkgFile}: "name"`);
  const name =
    cfg.name !== undefined
      ? checkPackageName(cfg.name, `${app.configSource} "name"`)
      : checkPackageName(debianNameFromNpm(npmName), `${pkgFile}: "name" ("${npmName}")`);
  const version =
    options.version !== undefined
      ? parseAppVersion(options.version, '--version')
      : parseAppVersion(requireString(pkg.version, `${pkgFile}: "version"`), `${pkgFile}: "version"`);
  const release = options.release === undefined ? undefined : checkRelease(options.release);

  const rawDescription = typeof pkg.description === 'string' ? pkg.description : '';
  const synopsis = toSynopsis(rawDescription) || `${name} Node.js application`;
  const description =
    cfg.description !== undefined
      ? cfg.description
          .split(/\n\s*\n/)
          .map((p) => p.replace(/\s+/g, ' ').trim())
          .filter(Boolean)
      : [
          `This package ships the Node.js application ${npmName} ${version.npm} with its production dependencies, as pinned by its lockfile, under /opt/${name}.`,
        ];

  const maintainer =
    cfg.maintainer ??
    maintainerFromPackage(pkg.author) ??
    maintainerFromPackage(Array.isArray(pkg.maintainers) ? pkg.maintainers[0] : undefined);
  if (maintainer === undefined || !/^[^<>\n]+ <[^<>\s]+@[^<>\s]+>$/.test(maintainer)) {
    throw new UserError(
      `${pkgFile}: no maintainer with an email address: package.json "author" is ${JSON.stringify(pkg.author ?? null)}`,
      {
        code: 'PKGAPP_MAINTAINER_MISSING',
        hint: 'Set "author": "Name <email@example.com>" or "pkgapp": { "maintainer": "Name <email>" } in package.json',
      },
    );
  }

  const bins = resolveBins(pkg.bin, npmName, pkgFile);
  const homepage = cfg.homepage ?? (typeof pkg.homepage === 'string' ? pkg.homepage : undefined);
  const license = declaredLicense(pkg) ?? 'UNLICENSED';

  // pkgapp.releases: the unit and the commands run the app through /opt/NAME/current.
  const releases = resolveReleases(cfg.releases, name, version, release);
  return {
    name,
    npmName,
    version,
    release,
    synopsis,
    description,
    maintainer,
    homepage,
    license,
    copyrightHolder: maintainer.replace(/ <.*$/, ''),
    section: cfg.section ?? 'misc',
    runtime: resolveRuntime(options.node ?? cfg.node ?? 'system', name),
    // pkgapp.nodeVersion replaces engines.node, which is still checked: the build reads it again.
    nodeFloor: [
      nodeFloorFromRange(pkg.engines?.['node'], `${pkgFile}: "engines.node"`),
      cfg.nodeVersion !== undefined
        ? nodeFloorFromRange(cfg.nodeVersion, `${app.configSource} "nodeVersion"`)
        : undefined,
    ][cfg.nodeVersion !== undefined ? 1 : 0],
    nodeVersionSetting: cfg.nodeVersion,
    extraDepends: { deb: cfg.depends?.deb ?? [], rpm: cfg.depends?.rpm ?? [] },
    archOverride: options.arch,
    service: resolveService(app, name, bins),
    env: resolveEnv(app),
    bins,
    hooks: app.hooks,
    include: cfg.include ?? [],
    exclude: cfg.exclude ?? [],
    releaseInfo: app.releaseInfo,
    buildTime: options.buildTime,
    ...(releases ? { releases } : {}),
    paths: {
      appDir: releases ? releases.currentLink : `/opt/${name}`,
      stateDir: `/var/lib/${name}`,
      checkEnv: `/opt/${name}/.pkgapp/check-env`,
      healthGate: `/opt/${name}/.pkgapp/health-gate`,
      releaseJson: `/opt/${name}/.pkgapp/release.json`,
    },
  };
}

/** Where the service and commands find node: Debian's and Fedora's nodejs both install /usr/bin/node. */
function resolveRuntime(node: 'system' | 'bundled', name: string): Manifest['runtime'] {
  return node === 'bundled'
    ? { bundled: true, nodePath: `/opt/${name}/node/bin/node` }
    : { bundled: false, nodePath: '/usr/bin/node' };
}

function requireString(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new UserError(`${where} is missing or not a string`, {
      code: 'PKGAPP_PACKAGE_JSON_FIELD',
      hint: 'Add it to package.json',
    });
  }
  return value.trim();
}

/**
 * Debian synopsis rules (docs/internals/deb-archive.md#the-control-file): one line, no trailing period. A leading article is
 * kept: Debian's advice against it is about phrasing, and cutting it off garbles the sentence
 * ("A small Next.js site" → "small Next.js site").
 */
function toSynopsis(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/\.+$/, '').slice(0, 80).trim();
}

/** npm "person" field (string "Name <email> (url)" or object) → "Name <email>". */
function maintainerFromPackage(person: unknown): string | undefined {
  if (typeof person === 'string') {
    const match = /^\s*([^<(]+?)\s*<([^>]+)>/.exec(person);
    return match ? `${match[1]} <${match[2]}>` : undefined;
  }
  if (person && typeof person === 'object') {
    const { name, email } = person as { name?: unknown; email?: unknown };
    if (typeof name === 'string' && typeof email === 'string') return `${name.trim()} <${email.trim()}>`;
  }
  return undefined;
}

/** The lowest version a range allows ("20.9.0"); undefined without a range or when it allows 0.0.0. */
function nodeFloorFromRange(range: unknown, where: string): string | undefined {
  if (range === undefined) return undefined;
  const min = typeof range === 'string' && semver.validRange(range) ? semver.minVersion(range) : null;
  if (!min) {
    throw new UserError(`${where} ${JSON.stringify(range)} is not a valid semver range`, {
      code: 'PKGAPP_ENGINES_INVALID',
      hint: 'Use a range such as ">=18"',
    });
  }
  return min.version === '0.0.0' ? undefined : min.version;
}

/**
 * How the service starts, from the first that is set: pkgapp.service.command, service.entry
 * (+ args), package.json "start" (parsed by parseStartCommand), "main". A "start" script the
 * unit cannot express is an error, not a silent fallback to "main".
 */
function resolveService(app: AppSource, name: string, bins: readonly BinEntry[]): ServiceSpec | undefined {
  const cfg = app.config.service;
  if (cfg === false) return undefined;
  const pkgFile = `${app.dir}/package.json`;
  if (cfg?.command !== undefined && (cfg.entry !== undefined || cfg.args !== undefined)) {
    throw new UserError(
      `${app.configSource}: "service.command" and "service.${cfg.entry !== undefined ? 'entry' : 'args'}" both say how to start the service`,
      {
        code: 'PKGAPP_CONFIG_INVALID',
        hint: 'Keep "command" (the whole command line) or "entry" with "args", not both',
      },
    );
  }
  const main = typeof app.packageJson.main === 'string' ? app.packageJson.main : undefined;
  const script = app.packageJson.scripts?.['start'];
  let command: StartCommand | undefined;
  let where = `${app.configSource} "service.entry"`;
  if (cfg?.command !== undefined) {
    where = `${app.configSource} "service.command"`;
    command = parseStartCommand(cfg.command, where);
  } else if (cfg?.entry !== undefined) {
    command = { environment: [], nodeOptions: [], program: { file: cfg.entry }, args: [] };
  } else if (typeof script === 'string') {
    where = `${pkgFile}: "scripts.start"`;
    command = parseStartCommand(script, where);
  } else if (main !== undefined) {
    where = `${pkgFile}: "main"`;
    command = { environment: [], nodeOptions: [], program: { file: main }, args: [] };
  }
  if (command === undefined) {
    throw new UserError(`${pkgFile}: cannot tell how to start the service: no "start" script and no "main"`, {
      code: 'PKGAPP_SERVICE_ENTRY',
      hint: 'Set "pkgapp": { "service": { "command": "node server.js" } } (or "entry": "server.js"), or "service": false for an app without a service',
    });
  }
  const program = command.program;
  // The app's own command ("start": "my-app serve" with "bin": { "my-app": … }) needs no lookup.
  const ownBin = 'bin' in program ? bins.find((b) => b.name === program.bin) : undefined;
  let entry = 'file' in program ? program.file : (ownBin?.target ?? '');
  // `node .` runs the package's main, as node resolves a directory.
  if (entry === '.' || entry === './') entry = main ?? 'index.js';
  if (entry !== '') checkRelativePath(entry, where);
  return {
    entry: normalizeRelative(entry),
    source: where,
    ...('bin' in program && ownBin === undefined ? { bin: program.bin } : {}),
    nodeOptions: command.nodeOptions,
    args: cfg?.args ?? command.args,
    environment: command.environment,
    cacheLinks: [],
    user: cfg?.user ?? name,
    restart: cfg?.restart ?? 'on-failure',
    health: resolveHealth(cfg?.health, app.configSource),
    units: { single: (cfg?.instances ?? 'none') !== 'only', template: (cfg?.instances ?? 'none') !== 'none' },
    settings: Object.entries(cfg?.unit ?? {}),
  };
}

function resolveEnv(app: AppSource): EnvVar[] {
  return Object.entries(app.config.env ?? {}).map(([name, v]) => {
    if (v.required && v.default !== undefined) {
      throw new UserError(`${app.configSource}: "env.${name}" is both required and has a default`, {
        code: 'PKGAPP_CONFIG_INVALID',
        hint: 'A variable with a default is never missing: drop "required" or "default"',
      });
    }
    return {
      name,
      description: v.description ?? '',
      required: v.required ?? false,
      ...(v.default !== undefined ? { default: v.default } : {}),
    };
  });
}

function resolveBins(bin: unknown, npmName: string, pkgFile: string): BinEntry[] {
  if (bin === undefined) return [];
  const entries: [string, unknown][] =
    typeof bin === 'string' ? [[npmName.replace(/^@[^/]+\//, ''), bin]] : Object.entries(bin as object);
  return entries
    .map(([name, target]) => {
      if (typeof target !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(name)) {
        throw new UserError(
          `${pkgFile}: "bin.${name}" is not a usable command (name must be letters, digits, ".", "_", "+", "-"; target a path)`,
          {
            code: 'PKGAPP_BIN_INVALID',
            hint: 'e.g. "bin": { "my-tool": "bin/my-tool.js" }',
          },
        );
      }
      checkRelativePath(target, `${pkgFile}: "bin.${name}"`);
      return { name, target: normalizeRelative(target) };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function checkRelativePath(file: string, where: string): void {
  const parts = normalizeRelative(file).split('/');
  if (file.startsWith('/') || parts.includes('..') || /[\n\r\0]/.test(file)) {
    throw new UserError(`${where}: "${file}" must be a path inside the app directory`, {
      code: 'PKGAPP_PATH_OUTSIDE_APP',
      hint: 'Give a path relative to the app directory, e.g. "server.js" or "dist/main.js"',
    });
  }
}

function normalizeRelative(file: string): string {
  return file.replace(/^(\.\/)+/, '').replace(/\/+/g, '/');
}
