// yum repository metadata (docs/internals/yum-repository.md#primaryxml): a package's primary, filelists and other XML, with
// the same selection rules as createrepo_c (parsehdr.c, xml_dump_*.c), and their order. Pure.
import { UserError } from '../../errors.js';
import {
  headerNumber,
  headerString,
  isGhost,
  rpmChangelog,
  rpmDependencies,
  rpmFileList,
  rpmNevra,
  rpmSizes,
  type RpmDependency,
  type RpmFileInfo,
} from '../../rpm/read-rpm.js';
import { compareEvr, type Evr } from '../../rpm/rpm-vercmp.js';
import { READTAG, SENSE, TAG } from '../../rpm/tags.js';

/** A dependency as the rpm:entry element writes it. */
export interface RepoDependency {
  name: string;
  /** EQ, LT, GT, LE, GE; absent for an unversioned dependency. */
  flags?: string;
  epoch?: string;
  ver?: string;
  rel?: string;
  /** Needed by a %pre/%post scriptlet (or a PreReq): installed first. */
  pre?: boolean;
}

/** A file as filelists.xml (and primary.xml, for primary files) writes it. */
export interface RepoFile {
  path: string;
  type: 'file' | 'dir' | 'ghost';
}

/** A changelog entry of other.xml. */
export interface RepoChangelog {
  author: string;
  date: number;
  text: string;
}

/** Everything the three XML documents say about one package. */
export interface RepoPackage {
  name: string;
  arch: string;
  epoch: number;
  version: string;
  release: string;
  /** sha256 of the whole .rpm file. */
  pkgid: string;
  summary: string;
  description: string;
  packager: string;
  url: string;
  fileTime: number;
  buildTime: number;
  packageSize: number;
  installedSize: number;
  archiveSize: number;
  /** href relative to the repository root, e.g. Packages/x-1-1.noarch.rpm. */
  location: string;
  license: string;
  vendor: string;
  group: string;
  buildhost: string;
  sourcerpm: string;
  headerStart: number;
  headerEnd: number;
  provides: RepoDependency[];
  requires: RepoDependency[];
  conflicts: RepoDependency[];
  obsoletes: RepoDependency[];
  suggests: RepoDependency[];
  enhances: RepoDependency[];
  recommends: RepoDependency[];
  supplements: RepoDependency[];
  files: RepoFile[];
  /** At most CHANGELOG_LIMIT entries, oldest first. */
  changelog: RepoChangelog[];
}

/** createrepo_c's default --changelog-limit. */
export const CHANGELOG_LIMIT = 10;
const NS_RPM = 'http://linux.duke.edu/metadata/rpm';
/** Legacy weak dependency: a Requires marked "missing ok" is a Recommends (createrepo_c LegacyWeakdeps). */
const SENSE_MISSINGOK = 1 << 19;

/** The repository view of a package read with readRpm; refuses text XML 1.0 cannot carry. */
export function repoPackage(info: RpmFileInfo, file: { sha256: string; mtime: number; location: string }): RepoPackage {
  const nevra = rpmNevra(info);
  const text = (tag: number) => headerString(info, tag) ?? '';
  const files: RepoFile[] = rpmFileList(info).map((f) => ({
    path: f.path,
    type: (f.mode & 0o170000) === 0o040000 ? 'dir' : isGhost(f) ? 'ghost' : 'file',
  }));
  const filePaths = new Set(files.map((f) => f.path));
  const providedKeys = new Set<string>();
  const provides = convert(rpmDependencies(info, 'provides'), (d) => providedKeys.add(depKey(d)));
  const { requires, recommends } = requirements(rpmDependencies(info, 'requires'), filePaths, providedKeys);
  const sizes = rpmSizes(info);
  const pkg: RepoPackage = {
    name: nevra.name,
    arch: nevra.arch,
    epoch: nevra.epoch ?? 0,
    version: nevra.version,
    release: nevra.release,
    pkgid: file.sha256,
    summary: text(TAG.SUMMARY),
    description: text(TAG.DESCRIPTION),
    packager: text(TAG.PACKAGER),
    url: text(TAG.URL),
    fileTime: file.mtime,
    buildTime: headerNumber(info, TAG.BUILDTIME) ?? 0,
    packageSize: info.size,
    installedSize: sizes.installed,
    archiveSize: sizes.archive,
    location: file.location,
    license: text(TAG.LICENSE),
    vendor: text(READTAG.VENDOR),
    group: text(TAG.GROUP),
    buildhost: text(TAG.BUILDHOST),
    sourcerpm: text(TAG.SOURCERPM),
    headerStart: info.headerStart,
    headerEnd: info.headerEnd,
    provides,
    requires,
    conflicts: convert(rpmDependencies(info, 'conflicts')),
    obsoletes: convert(rpmDependencies(info, 'obsoletes')),
    suggests: convert(rpmDependencies(info, 'suggests')),
    enhances: convert(rpmDependencies(info, 'enhances')),
    recommends: [...recommends, ...convert(rpmDependencies(info, 'recommends'))],
    supplements: convert(rpmDependencies(info, 'supplements')),
    files,
    changelog: changelogOf(info),
  };
  checkXmlSafe(pkg, info.path);
  return pkg;
}

/**
 * createrepo_c's requires: no rpmlib(), no file the package itself ships in the primary set, no
 * exact self-provide, duplicates folded, `pre` for PreReq and %pre/%post interpreters.
 */
function requirements(
  deps: RpmDependency[],
  filePaths: Set<string>,
  providedKeys: Set<string>,
): { requires: RepoDependency[]; recommends: RepoDependency[] } {
  const requires: RepoDependency[] = [];
  const recommends: RepoDependency[] = [];
  const last = new Map<string, string>();
  for (const dep of deps) {
    if (dep.name.startsWith('rpmlib(')) continue;
    if (dep.name.startsWith('/') && filePaths.has(dep.name) && isPrimaryFile(dep.name)) continue;
    if (providedKeys.has(depKey(dep))) continue;
    const pre = (dep.flags & (SENSE.PREREQ | SENSE.SCRIPT_PRE | SENSE.SCRIPT_POST)) !== 0;
    const seen = `${flagName(dep.flags) ?? ''}\0${dep.version}\0${pre}`;
    if (last.get(dep.name) === seen) continue;
    const converted = convertOne(dep);
    if (converted === undefined) continue;
    if (dep.flags & SENSE_MISSINGOK) {
      recommends.push(converted);
      continue;
    }
    requires.push(pre ? { ...converted, pre: true } : converted);
    last.set(dep.name, seen);
  }
  return { requires, recommends };
}

function depKey(dep: RpmDependency): string {
  return `${dep.name}${flagName(dep.flags) ?? ''}${dep.version}`;
}

function convert(deps: RpmDependency[], each?: (dep: RpmDependency) => void): RepoDependency[] {
  const out: RepoDependency[] = [];
  for (const dep of deps) {
    const converted = convertOne(dep);
    if (converted === undefined) continue;
    each?.(dep);
    out.push(converted);
  }
  return out;
}

/** Splits [E:]V[-R]; undefined (skipped, as createrepo_c does) when the epoch is not a number. */
function convertOne(dep: RpmDependency): RepoDependency | undefined {
  const entry: RepoDependency = { name: dep.name };
  const flags = flagName(dep.flags);
  if (dep.version === '') {
    if (flags) entry.flags = flags;
    return entry;
  }
  const evr = parseEvr(dep.version);
  if (evr === undefined) return undefined;
  if (flags)
    Object.assign(
      entry,
      { flags, epoch: evr.epoch },
      evr.version ? { ver: evr.version } : {},
      evr.release ? { rel: evr.release } : {},
    );
  return entry;
}

/** "EQ", "LE", ... for the comparison bits of sense flags (createrepo_c cr_flag_to_str). */
export function flagName(flags: number): string | undefined {
  return ({ 2: 'LT', 4: 'GT', 8: 'EQ', 10: 'LE', 12: 'GE' } as Record<number, string>)[flags & 0xf];
}

/** [E:]V[-R] as createrepo_c splits it: epoch "0" when absent, release after the first '-'. */
export function parseEvr(text: string): { epoch: string; version: string; release: string } | undefined {
  let rest = text;
  let epoch = '0';
  const colon = text.indexOf(':');
  if (colon >= 0) {
    const prefix = text.slice(0, colon);
    if (prefix !== '' && !/^\s*[-+]?\d+$/.test(prefix)) return undefined;
    if (prefix !== '') epoch = prefix;
    rest = text.slice(colon + 1);
  }
  const dash = rest.indexOf('-');
  return dash < 0
    ? { epoch, version: rest, release: '' }
    : { epoch, version: rest.slice(0, dash), release: rest.slice(dash + 1) };
}

/** Files listed in primary.xml: /etc/*, any path containing "bin/", /usr/lib/sendmail (createrepo_c cr_is_primary). */
export function isPrimaryFile(path: string): boolean {
  return path.startsWith('/etc/') || path.includes('bin/') || path === '/usr/lib/sendmail';
}

/** The newest CHANGELOG_LIMIT entries, oldest first; equal times nudged apart as createrepo_c does. */
function changelogOf(info: RpmFileInfo): RepoChangelog[] {
  const out: RepoChangelog[] = [];
  let lastTime = 0;
  for (const entry of rpmChangelog(info).slice(0, CHANGELOG_LIMIT)) {
    out.unshift({ author: entry.author.replace(/ +$/, ''), date: entry.time, text: entry.text });
    if (entry.time === lastTime) {
      let time = entry.time;
      for (let i = 1; i < out.length && out[i]!.date === time; i++) out[i]!.date = ++time;
    } else {
      lastTime = entry.time;
    }
  }
  return out;
}

/** XML 1.0 cannot carry C0 controls other than tab, LF and CR; createrepo_c refuses such packages too. */
function checkXmlSafe(pkg: RepoPackage, file: string): void {
  // Characters XML 1.0 cannot carry, control characters included on purpose.
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;
  const check = (what: string, value: string) => {
    if (bad.test(value))
      throw new UserError(`${file}: ${what} contains a control character that repository metadata cannot carry`, {
        code: 'PKGAPP_RPM_CONTROL_CHARS',
        hint: 'Rebuild the package without control characters in its metadata',
      });
  };
  for (const key of [
    'name',
    'arch',
    'version',
    'release',
    'summary',
    'description',
    'packager',
    'url',
    'license',
    'vendor',
    'group',
    'buildhost',
    'sourcerpm',
    'location',
  ] as const)
    check(key, pkg[key]);
  for (const list of DEPENDENCY_LISTS)
    for (const d of pkg[list]) check(`${list} entry`, `${d.name}${d.ver ?? ''}${d.rel ?? ''}${d.epoch ?? ''}`);
  for (const f of pkg.files) check('a file name', f.path);
  for (const c of pkg.changelog) check('the changelog', c.author + c.text);
}

const DEPENDENCY_LISTS = [
  'provides',
  'requires',
  'conflicts',
  'obsoletes',
  'suggests',
  'enhances',
  'recommends',
  'supplements',
] as const;

// ---------------------------------------------------------------------------------------------
// XML

/** One of the three documents: its opening (with the package count), one fragment per package, its end. */
export interface RepoDocument {
  type: 'primary' | 'filelists' | 'other';
  head(count: number): string;
  entry(pkg: RepoPackage): string;
  tail: string;
}

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';
// The documents end without a final newline, byte for byte as createrepo_c writes them.

/** primary.xml: identity, description, dependencies and primary files. */
export const PRIMARY: RepoDocument = {
  type: 'primary',
  head: (count) =>
    `${XML_DECL}<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="${NS_RPM}" packages="${count}">\n`,
  entry: primaryEntry,
  tail: '</metadata>',
};

/** filelists.xml: every file of every package. */
export const FILELISTS: RepoDocument = {
  type: 'filelists',
  head: (count) => `${XML_DECL}<filelists xmlns="http://linux.duke.edu/metadata/filelists" packages="${count}">\n`,
  entry: (p) => [packageOpen(p), ...p.files.map((f) => `  ${fileElement(f)}\n`), '</package>\n'].join(''),
  tail: '</filelists>',
};

/** other.xml: the changelogs. */
export const OTHER: RepoDocument = {
  type: 'other',
  head: (count) => `${XML_DECL}<otherdata xmlns="http://linux.duke.edu/metadata/other" packages="${count}">\n`,
  entry: (p) =>
    [
      packageOpen(p),
      ...p.changelog.map(
        (c) => `  <changelog author="${attr(c.author)}" date="${c.date}">${text(c.text)}</changelog>\n`,
      ),
      '</package>\n',
    ].join(''),
  tail: '</otherdata>',
};

/** A whole document for `packages` (already sorted): for tests and small repositories. */
export function renderDocument(doc: RepoDocument, packages: readonly RepoPackage[]): string {
  return doc.head(packages.length) + packages.map(doc.entry).join('') + doc.tail;
}

function primaryEntry(p: RepoPackage): string {
  const lines = [
    '<package type="rpm">',
    `  <name>${text(p.name)}</name>`,
    `  <arch>${text(p.arch)}</arch>`,
    `  ${versionElement(p)}`,
    `  <checksum type="sha256" pkgid="YES">${p.pkgid}</checksum>`,
    `  <summary>${text(p.summary)}</summary>`,
    `  <description>${text(p.description)}</description>`,
    `  <packager>${text(p.packager)}</packager>`,
    `  <url>${text(p.url)}</url>`,
    `  <time file="${p.fileTime}" build="${p.buildTime}"/>`,
    `  <size package="${p.packageSize}" installed="${p.installedSize}" archive="${p.archiveSize}"/>`,
    `  <location href="${attr(p.location)}"/>`,
    '  <format>',
    `    <rpm:license>${text(p.license)}</rpm:license>`,
    `    <rpm:vendor>${text(p.vendor)}</rpm:vendor>`,
    `    <rpm:group>${text(p.group)}</rpm:group>`,
    `    <rpm:buildhost>${text(p.buildhost)}</rpm:buildhost>`,
    `    <rpm:sourcerpm>${text(p.sourcerpm)}</rpm:sourcerpm>`,
    `    <rpm:header-range start="${p.headerStart}" end="${p.headerEnd}"/>`,
  ];
  for (const list of DEPENDENCY_LISTS) {
    const deps = p[list].filter((d) => d.name !== '');
    if (deps.length === 0) continue;
    lines.push(`    <rpm:${list}>`, ...deps.map((d) => `      ${dependencyElement(d)}`), `    </rpm:${list}>`);
  }
  for (const f of p.files) if (isPrimaryFile(f.path)) lines.push(`    ${fileElement(f)}`);
  lines.push('  </format>', '</package>');
  return `${lines.join('\n')}\n`;
}

function packageOpen(p: RepoPackage): string {
  return `<package pkgid="${p.pkgid}" name="${attr(p.name)}" arch="${attr(p.arch)}">\n  ${versionElement(p)}\n`;
}

function versionElement(p: RepoPackage): string {
  return `<version epoch="${p.epoch}" ver="${attr(p.version)}" rel="${attr(p.release)}"/>`;
}

function dependencyElement(d: RepoDependency): string {
  let out = `<rpm:entry name="${attr(d.name)}"`;
  if (d.flags) {
    out += ` flags="${d.flags}"`;
    if (d.epoch) out += ` epoch="${attr(d.epoch)}"`;
    if (d.ver) out += ` ver="${attr(d.ver)}"`;
    if (d.rel) out += ` rel="${attr(d.rel)}"`;
  }
  if (d.pre) out += ' pre="1"';
  return `${out}/>`;
}

function fileElement(f: RepoFile): string {
  return `<file${f.type === 'file' ? '' : ` type="${f.type}"`}>${text(f.path)}</file>`;
}

/** Escapes character data (CR as a reference, so parsers keep it). */
export function text(value: string): string {
  return value.replace(/[&<>\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' })[c]!);
}

/** Escapes an attribute value (whitespace as references, so parsers do not normalise it away). */
export function attr(value: string): string {
  return value.replace(
    /[&<>"\t\n\r]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' })[c]!,
  );
}

// ---------------------------------------------------------------------------------------------
// Metadata order

/** Metadata order: name (bytewise), then EVR ascending, then arch, then location. */
export function comparePackages(
  a: Pick<RepoPackage, 'name' | 'arch' | 'location'> & Evr,
  b: Pick<RepoPackage, 'name' | 'arch' | 'location'> & Evr,
): number {
  return bytewise(a.name, b.name) || compareEvr(a, b) || bytewise(a.arch, b.arch) || bytewise(a.location, b.location);
}

function bytewise(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
