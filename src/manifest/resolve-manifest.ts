// (AppSource, options) → Manifest: defaults from package.json, validated; pure, no I/O.
import semver from 'semver';
import type { AppSource } from '../app/read-app.js';
import type { Arch } from './arch.js';
import { UserError } from '../errors.js';
import type { BinEntry, EnvVar, Manifest, ServiceSpec } from './manifest.js';
import { checkPackageName, debianNameFromNpm } from './names.js';
import { checkRelease, parseAppVersion } from './versions.js';
import { declaredLicense } from './declared-license.js';

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
  const name = cfg.name !== undefined
    ? checkPackageName(cfg.name, `${app.configSource} "name"`)
    : checkPackageName(debianNameFromNpm(npmName), `${pkgFile}: "name" ("${npmName}")`);
  const version = options.version !== undefined
    ? parseAppVersion(options.version, '--version')
    : parseAppVersion(requireString(pkg.version, `${pkgFile}: "version"`), `${pkgFile}: "version"`);
  const release = options.release === undefined ? undefined : checkRelease(options.release);

  const rawDescription = typeof pkg.description === 'string' ? pkg.description : '';
  const synopsis = toSynopsis(rawDescription) || `${name} Node.js application`;
  const description = cfg.description !== undefined
    ? cfg.description.split(/\n\s*\n/).map((p) => p.replace(/\s+/g, ' ').trim()).filter(Boolean)
    : [`This package ships the Node.js application ${npmName} ${version.npm} with its production dependencies, as pinned by its lockfile, under /opt/${name}.`];

  const maintainer = cfg.maintainer ?? maintainerFromPackage(pkg.author) ?? maintainerFromPackage(Array.isArray(pkg.maintainers) ? pkg.maintainers[0] : undefined);
  if (maintainer === undefined || !/^[^<>\n]+ <[^<>\s]+@[^<>\s]+>$/.test(maintainer)) {
    throw new UserError(`${pkgFile}: no maintainer with an email address: package.json "author" is ${JSON.stringify(pkg.author ?? null)}`, {
      code: 'PKGAPP_MAINTAINER_MISSING',
      hint: 'Set "author": "Name <email@example.com>" or "pkgapp": { "maintainer": "Name <email>" } in package.json',
    });
  }

  const homepage = cfg.homepage ?? (typeof pkg.homepage === 'string' ? pkg.homepage : undefined);
  const license = declaredLicense(pkg) ?? 'UNLICENSED';

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
    nodeFloor: [nodeFloorFromRange(pkg.engines?.['node'], `${pkgFile}: "engines.node"`), cfg.nodeVersion !== undefined ? nodeFloorFromRange(cfg.nodeVersion, `${app.configSource} "nodeVersion"`) : undefined][cfg.nodeVersion !== undefined ? 1 : 0],
    nodeVersionSetting: cfg.nodeVersion,
    extraDepends: { deb: cfg.depends?.deb ?? [], rpm: cfg.depends?.rpm ?? [] },
    archOverride: options.arch,
    service: resolveService(app, name),
    env: resolveEnv(app),
    bins: resolveBins(pkg.bin, npmName, pkgFile),
    hooks: app.hooks,
    include: cfg.include ?? [],
    exclude: cfg.exclude ?? [],
    releaseInfo: app.releaseInfo,
    buildTime: options.buildTime,
    paths: {
      appDir: `/opt/${name}`,
      stateDir: `/var/lib/${name}`,
      docDir: `/usr/share/doc/${name}`,
      checkEnv: `/opt/${name}/.pkgapp/check-env`,
      releaseJson: `/opt/${name}/.pkgapp/release.json`,
    },
  };
}

/** Where the service and commands find node: Debian's and Fedora's nodejs both install /usr/bin/node. */
function resolveRuntime(node: 'system' | 'bundled', name: string): Manifest['runtime'] {
  return node === 'bundled' ? { bundled: true, nodePath: `/opt/${name}/node/bin/node` } : { bundled: false, nodePath: '/usr/bin/node' };
}

function requireString(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new UserError(`${where} is missing or not a string`, { code: 'PKGAPP_PACKAGE_JSON_FIELD', hint: 'Add it to package.json' });
  }
  return value.trim();
}

/** Debian synopsis rules (formats.md §1.4): one line, no trailing period, no leading article. */
function toSynopsis(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/\.+$/, '').replace(/^(a|an|the) /i, '').slice(0, 80).trim();
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

function resolveService(app: AppSource, name: string): ServiceSpec | undefined {
  const cfg = app.config.service;
  if (cfg === false) return undefined;
  const entry = cfg?.entry ?? entryFromStartScript(app.packageJson.scripts?.['start']) ?? (typeof app.packageJson.main === 'string' ? app.packageJson.main : undefined);
  if (entry === undefined) {
    throw new UserError(`${app.dir}/package.json: cannot tell how to start the service: no "start" script of the form "node FILE" and no "main"`, {
      code: 'PKGAPP_SERVICE_ENTRY',
      hint: 'Set "pkgapp": { "service": { "entry": "server.js" } }, or "service": false for an app without a service',
    });
  }
  checkRelativePath(entry, `${app.configSource} "service.entry"`);
  return {
    entry: normalizeRelative(entry),
    args: cfg?.args ?? [],
    user: cfg?.user ?? name,
    restart: cfg?.restart ?? 'on-failure',
    units: { single: (cfg?.instances ?? 'none') !== 'only', template: (cfg?.instances ?? 'none') !== 'none' },
    settings: Object.entries(cfg?.unit ?? {}),
  };
}

/** "node server.js" or "node ./dist/main.js" → the file; anything else is not guessed. */
function entryFromStartScript(script: unknown): string | undefined {
  if (typeof script !== 'string') return undefined;
  const match = /^\s*node\s+([\w./@-]+\.[cm]?js)\s*$/.exec(script);
  return match?.[1];
}

function resolveEnv(app: AppSource): EnvVar[] {
  return Object.entries(app.config.env ?? {}).map(([name, v]) => {
    if (v.required && v.default !== undefined) {
      throw new UserError(`${app.configSource}: "env.${name}" is both required and has a default`, {
        code: 'PKGAPP_CONFIG_INVALID',
        hint: 'A variable with a default is never missing: drop "required" or "default"',
      });
    }
    return { name, description: v.description ?? '', required: v.required ?? false, ...(v.default !== undefined ? { default: v.default } : {}) };
  });
}

function resolveBins(bin: unknown, npmName: string, pkgFile: string): BinEntry[] {
  if (bin === undefined) return [];
  const entries: [string, unknown][] = typeof bin === 'string' ? [[npmName.replace(/^@[^/]+\//, ''), bin]] : Object.entries(bin as object);
  return entries
    .map(([name, target]) => {
      if (typeof target !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(name)) {
        throw new UserError(`${pkgFile}: "bin.${name}" is not a usable command (name must be letters, digits, ".", "_", "+", "-"; target a path)`, {
          code: 'PKGAPP_BIN_INVALID',
          hint: 'e.g. "bin": { "my-tool": "bin/my-tool.js" }',
        });
      }
      checkRelativePath(target, `${pkgFile}: "bin.${name}"`);
      return { name, target: normalizeRelative(target) };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function checkRelativePath(file: string, where: string): void {
  const parts = normalizeRelative(file).split('/');
  if (file.startsWith('/') || parts.includes('..') || /[\n\r\0]/.test(file)) {
    throw new UserError(`${where}: "${file}" must be a path inside the app directory`, { code: 'PKGAPP_PATH_OUTSIDE_APP', hint: 'Give a path relative to the app directory, e.g. "server.js" or "dist/main.js"' });
  }
}

function normalizeRelative(file: string): string {
  return file.replace(/^(\.\/)+/, '').replace(/\/+/g, '/');
}
