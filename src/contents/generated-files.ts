// The files pkgapp writes itself: unit, environment file, start check, /usr/bin entries, docs.
import type { Manifest } from '../manifest/manifest.js';
import type { TargetLayout } from '../manifest/layout.js';
import { renderTemplate } from '../render/render-template.js';
import { shellQuote, systemdEnvAssignment, systemdQuote, systemdText } from '../util/shell-quote.js';
import type { ContentEntry, FileEntry, SymlinkEntry } from './content-entry.js';
import { pkgappVersion } from '../util/pkgapp-version.js';
import type { BundledLicense } from '../sbom/bundled-license.js';
import { renderSbom } from '../sbom/cyclonedx.js';
import { renderRollback } from '../releases/rollback.js';

// Still importable from here (src/formats.ts does); its home is the leaf module above.
export type { BundledLicense };

/** Every generated file of the package, as entries with inline bodies. */
export function generatedFiles(
  manifest: Manifest,
  layout: TargetLayout,
  bundled: readonly BundledLicense[],
): ContentEntry[] {
  const files: (FileEntry | SymlinkEntry)[] = [];
  const add = (path: string, body: string | Buffer, mode = 0o644, conffile = false) => {
    const buffer = typeof body === 'string' ? Buffer.from(body) : body;
    files.push({
      kind: 'file',
      path: path.replace(/^\//, ''),
      mode,
      size: buffer.length,
      source: { body: buffer },
      ...(conffile ? { conffile } : {}),
    });
  };

  if (manifest.service) {
    if (manifest.service.units.single) add(layout.unitPath, renderUnit(manifest, layout));
    if (manifest.service.units.template) add(layout.templateUnitPath, renderUnit(manifest, layout, true));
    add(layout.envFile, renderEnvFile(manifest, layout), 0o644, true);
    add(manifest.paths.checkEnv, renderCheckEnv(manifest, layout), 0o755);
    // The gate the maintainer scripts run after a start or restart (templates/health-gate.sh).
    if (manifest.service.units.single) add(manifest.paths.healthGate, renderHealthGate(manifest, layout), 0o755);
    // The unit's CacheDirectory= creates each target, owned by the service user, before start.
    for (const link of manifest.service.cacheLinks) {
      files.push({
        kind: 'symlink',
        // With pkgapp.releases the link is part of the release's files, not of /opt/NAME/current.
        path: `${manifest.releases?.payloadDir ?? manifest.paths.appDir}/${link.path}`.slice(1),
        target: `${cacheDir(manifest)}/${link.subdir}`,
      });
    }
  }
  for (const bin of manifest.bins) {
    add(
      `/usr/bin/${bin.name}`,
      renderTemplate('bin-wrapper.sh', {
        command: bin.name,
        name: manifest.name,
        node: shellQuote(manifest.runtime.nodePath),
        script: shellQuote(`${manifest.paths.appDir}/${bin.target}`),
      }),
      0o755,
    );
  }
  // pkgapp.releases: the command that switches to an installed release (templates/rollback.sh).
  if (manifest.releases) add(manifest.releases.rollback, renderRollback(manifest, layout), 0o755);
  add(`${layout.docDir}/copyright`, renderCopyright(manifest, bundled));
  add(manifest.paths.releaseJson, renderReleaseJson(manifest));
  add(`${layout.docDir}/sbom.cdx.json`, renderSbom(manifest, bundled));
  return files;
}

/** /var/cache/NAME: the service's CacheDirectory= ($CACHE_DIRECTORY). */
export function cacheDir(manifest: Manifest): string {
  return manifest.paths.stateDir.replace(/^\/var\/lib\//, '/var/cache/');
}

/** /opt/NAME/.pkgapp/release.json: what an operator needs to tell which build runs. */
export function renderReleaseJson(manifest: Manifest): string {
  const info = manifest.releaseInfo;
  return `${JSON.stringify(
    {
      name: manifest.name,
      npmName: manifest.npmName,
      version: manifest.version.npm,
      release: manifest.release ?? null,
      buildTime: new Date(manifest.buildTime * 1000).toISOString(),
      gitCommit: info.gitCommit ?? null,
      gitDirty: info.gitDirty ?? null,
      lockfileSha256: info.lockfileSha256,
      builtWith: `pkgapp ${pkgappVersion()}`,
    },
    null,
    2,
  )}\n`;
}

/**
 * The systemd unit; every value from package.json is made safe for unit-file syntax. The
 * templated variant (NAME@.service) takes PORT from the instance name and gives each instance
 * its own state directory, /var/lib/NAME/INSTANCE.
 */
export function renderUnit(manifest: Manifest, layout: TargetLayout, template = false): string {
  const service = manifest.service!;
  if (service.bin !== undefined)
    throw new Error(`the service command "${service.bin}" was not resolved to a file before rendering the unit`);
  // The start command's variables, then the configuration's defaults (a later Environment= wins),
  // all before EnvironmentFile= so the environment file overrides every one of them.
  const defaults = [
    ...service.environment.map(([name, value]) => `Environment=${systemdEnvAssignment(name, value)}`),
    ...manifest.env
      .filter((v) => v.default !== undefined)
      .map((v) => `Environment=${systemdEnvAssignment(v.name, v.default!)}`),
  ];
  const stateDirName = manifest.paths.stateDir.replace(/^\/var\/lib\//, '');
  const homepage =
    manifest.homepage && /^https?:\/\/\S+$/.test(manifest.homepage)
      ? manifest.homepage
      : `file:${layout.docDir}/copyright`;
  return renderTemplate('systemd/app.service', {
    unitName: template ? `${manifest.name}@.service` : `${manifest.name}.service`,
    npmName: systemdText(manifest.npmName),
    npmVersion: manifest.version.npm,
    envFile: layout.envFile,
    description: template ? `${systemdText(manifest.synopsis)} (instance %i)` : systemdText(manifest.synopsis),
    documentation: homepage,
    user: service.user,
    appDir: manifest.paths.appDir,
    defaults: defaults.join('\n'),
    // An Environment= line after the defaults wins over them; the environment file still wins
    // over both, so PORT must not be set there when instances are used.
    instanceSettings: template
      ? `${defaults.length ? '\n' : ''}# Instance NAME@PORT: the instance name is the port.\nEnvironment=PORT=%i`
      : '',
    // check-env checks the required variables, then execs node (see templates/check-env.sh).
    execStart: [
      manifest.paths.checkEnv,
      manifest.runtime.nodePath,
      ...service.nodeOptions,
      `${manifest.paths.appDir}/${service.entry}`,
      ...service.args,
    ]
      .map(systemdQuote)
      .join(' '),
    restart: service.restart,
    stateDirName: stateDirName + (template ? '/%i' : ''),
    // The first is $CACHE_DIRECTORY (per instance, as the state); a framework's cache linked from
    // the app directory (cacheLinks) is shared by all instances, as the app files are.
    cacheDirNames: [
      stateDirName + (template ? '/%i' : ''),
      ...service.cacheLinks.map((l) => `${stateDirName}/${l.subdir}`),
    ].join(' '),
    settings: service.settings.map(([k, v]) => `${k}=${v}\n`).join(''),
  });
}

/** The environment file: every variable of the configuration contract, documented, commented out. */
export function renderEnvFile(manifest: Manifest, layout: TargetLayout): string {
  const variables =
    manifest.env.length === 0
      ? '# This application declares no variables ("pkgapp": { "env": ... } in its package.json).\n'
      : manifest.env
          .map((v) => {
            const status = v.required ? 'required' : v.default !== undefined ? `default: ${v.default}` : 'optional';
            const about = v.description ? `: ${v.description}` : '';
            return `# ${v.name} (${status})${about}\n#${v.name}=${v.default ?? ''}\n`;
          })
          .join('\n');
  return renderTemplate('env-file', {
    envFile: layout.envFile,
    name: manifest.name,
    unitName: `${manifest.name}.service`,
    variables,
  });
}

function renderCheckEnv(manifest: Manifest, layout: TargetLayout): string {
  // Variable names are checked against [A-Za-z_][A-Za-z0-9_]* by the config schema: safe as words.
  return renderTemplate('check-env.sh', {
    name: manifest.name,
    quotedName: shellQuote(manifest.name),
    quotedEnvFile: shellQuote(layout.envFile),
    requiredVars: manifest.env
      .filter((v) => v.required)
      .map((v) => v.name)
      .join(' '),
  });
}

/** Every value from package.json is single-quoted: the gate never expands or runs it itself. */
function renderHealthGate(manifest: Manifest, layout: TargetLayout): string {
  const health = manifest.service!.health;
  const unit = `${manifest.name}.service`;
  return renderTemplate('health-gate.sh', {
    name: manifest.name,
    unit,
    quotedName: shellQuote(manifest.name),
    quotedUnit: shellQuote(unit),
    quotedUser: shellQuote(manifest.service!.user),
    quotedEnvFile: shellQuote(layout.envFile),
    quotedAppDir: shellQuote(manifest.paths.appDir),
    quotedNode: shellQuote(manifest.runtime.nodePath),
    checkKind: health.kind,
    checkValue: shellQuote(health.value),
    timeout: String(health.timeout),
    settle: String(health.settle),
  });
}

/** Debian machine-readable copyright (copyright-format 1.0): the app, then every bundled package. */
export function renderCopyright(manifest: Manifest, bundled: readonly BundledLicense[]): string {
  const stanzas = [
    [
      'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
      `Upstream-Name: ${manifest.npmName}`,
      `Upstream-Contact: ${manifest.maintainer}`,
      ...(manifest.homepage ? [`Source: ${manifest.homepage}`] : []),
    ],
    [
      'Files: *',
      `Copyright: ${new Date(manifest.buildTime * 1000).getUTCFullYear()} ${manifest.copyrightHolder}`,
      `License: ${manifest.license}`,
    ],
    ...bundled.map((b) => [
      `Files: ${manifest.paths.appDir.slice(1)}/${b.location}/*`,
      `Comment: ${b.name} ${b.version}, bundled from the npm registry`,
      'Copyright: its authors, see the package',
      `License: ${b.license ?? 'UNKNOWN'}`,
    ]),
  ];
  return stanzas.map((lines) => lines.map((l) => l.replace(/\n/g, ' ')).join('\n')).join('\n\n') + '\n';
}
