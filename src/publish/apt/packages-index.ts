// The Packages index of an apt repository (docs/internals/apt-repository.md#packages): the control stanza of each .deb plus
// where it is and its digests, sorted by name and dpkg version order so output is deterministic. Pure.
import { compareDebVersions } from '../../deb/deb-version.js';
import { fieldValue, type ControlField } from '../../deb/read-deb.js';
import { UserError } from '../../errors.js';

/** A .deb as stored in the pool: its path relative to the repository root and its digests. */
export interface PoolFile {
  /** e.g. pool/main/a/acme-hello/acme-hello_1.0.0_all.deb */
  filename: string;
  size: number;
  md5: string;
  sha1: string;
  sha256: string;
  sha512: string;
}

/** One stanza of a Packages file, with the fields the publisher needs pulled out. */
export interface PackageStanza {
  package: string;
  version: string;
  architecture: string;
  filename: string;
  size: number;
  sha256: string;
  /** Every field in output order. */
  fields: ControlField[];
}

const INDEX_HINT =
  'The apt repository is damaged: restore DIR/apt from a backup, or republish the packages into a new repository';

/** Fields a Packages stanza adds after the control fields (the names apt-ftparchive writes). */
const FILE_FIELDS = ['Filename', 'Size', 'MD5sum', 'SHA1', 'SHA256', 'SHA512'] as const;

/** The stanza of one pool file: its control fields in their order, then Filename, Size and digests. */
export function packageStanza(control: readonly ControlField[], file: PoolFile, where: string): PackageStanza {
  const own = new Set<string>(FILE_FIELDS.map((f) => f.toLowerCase()));
  const fields = control.filter((f) => !own.has(f.name.toLowerCase())).map((f) => ({ ...f }));
  const values = [file.filename, String(file.size), file.md5, file.sha1, file.sha256, file.sha512];
  FILE_FIELDS.forEach((name, i) => fields.push({ name, value: values[i]! }));
  return stanzaOf(fields, where);
}

/** A stanza read back from a Packages file; refuses one without the fields apt needs. */
export function stanzaOf(fields: ControlField[], where: string): PackageStanza {
  const get = (name: string): string => {
    const value = fieldValue(fields, name);
    if (value === undefined || value === '')
      throw new UserError(`${where}: stanza without ${name}`, { code: 'PKGAPP_APT_INDEX_INVALID', hint: INDEX_HINT });
    return value;
  };
  const size = Number(get('Size'));
  if (!Number.isSafeInteger(size) || size < 0)
    throw new UserError(`${where}: invalid Size "${get('Size')}"`, {
      code: 'PKGAPP_APT_INDEX_INVALID',
      hint: INDEX_HINT,
    });
  return {
    package: get('Package'),
    version: get('Version'),
    architecture: get('Architecture'),
    filename: get('Filename'),
    size,
    sha256: get('SHA256'),
    fields,
  };
}

/** A whole Packages file: stanzas sorted (see compareStanzas), separated by one empty line. */
export function renderPackages(stanzas: readonly PackageStanza[]): string {
  return [...stanzas]
    .sort(compareStanzas)
    .map((s) => renderStanza(s.fields))
    .join('\n');
}

/** One deb822 stanza ending in "\n"; multi-line values keep their continuation lines. */
export function renderStanza(fields: readonly ControlField[]): string {
  return fields.map((f) => `${f.name}:${f.value === '' || f.value.startsWith('\n') ? '' : ' '}${f.value}\n`).join('');
}

/** Identity of a package in an archive: the same name, version and architecture must be the same bytes. */
export function packageKey(s: PackageStanza): string {
  return `${s.package} ${s.version} ${s.architecture}`;
}

/** One stanza per package key (Architecture: all stanzas appear in every binary-ARCH index). */
export function dedupeStanzas(stanzas: readonly PackageStanza[]): PackageStanza[] {
  return [...new Map(stanzas.map((s) => [packageKey(s), s] as const)).values()];
}

/** The stanzas of binary-ARCH/Packages: that architecture's and the Architecture: all ones (for binary-all, only those). */
export function stanzasForArch(stanzas: readonly PackageStanza[], arch: string): PackageStanza[] {
  return stanzas.filter((s) => s.architecture === 'all' || s.architecture === arch);
}

/**
 * Filenames to drop so that at most `keep` versions of each name+arch remain: the highest in
 * dpkg order stay, and so do the `protect`ed ones (what this run publishes).
 */
export function stanzasBeyondKeep(
  stanzas: readonly PackageStanza[],
  keep: number,
  protect: ReadonlySet<string>,
): Set<string> {
  const groups = new Map<string, PackageStanza[]>();
  for (const s of stanzas)
    groups.set(`${s.package} ${s.architecture}`, [...(groups.get(`${s.package} ${s.architecture}`) ?? []), s]);
  const drop = new Set<string>();
  for (const group of groups.values()) {
    const kept = new Set(
      [...new Set(group.map((s) => s.version))].sort((a, b) => compareDebVersions(b, a)).slice(0, keep),
    );
    for (const s of group) if (!kept.has(s.version) && !protect.has(s.filename)) drop.add(s.filename);
  }
  // pkgapp.releases: a release's payload package goes with the NAME version that depends on it.
  for (const s of stanzas) {
    if (!drop.has(s.filename)) continue;
    for (const payload of releasePayloads([s], stanzas)) if (!protect.has(payload.filename)) drop.add(payload.filename);
  }
  return drop;
}

/**
 * The payload packages of pkgapp.releases among `pool` that `stanzas` depend on: a NAME package
 * depends on exactly one NAME-release-ID (= its version) (docs/internals/releases.md); publish
 * and promote move them together.
 */
export function releasePayloads(stanzas: readonly PackageStanza[], pool: readonly PackageStanza[]): PackageStanza[] {
  const found: PackageStanza[] = [];
  for (const s of stanzas) {
    const depends = s.fields.find((f) => f.name.toLowerCase() === 'depends')?.value ?? '';
    for (const relation of depends.split(',')) {
      const m = /^\s*(\S+)-release-(\S+) \(= (\S+)\)\s*$/.exec(relation);
      if (!m || m[1] !== s.package || m[3] !== s.version) continue;
      const name = `${m[1]}-release-${m[2]}`;
      found.push(
        ...pool.filter(
          (p) =>
            p.package === name &&
            p.version === s.version &&
            (p.architecture === s.architecture || p.architecture === 'all'),
        ),
      );
    }
  }
  return found;
}

/**
 * Stanzas of `incoming` that depend on a release payload package (NAME-release-ID (= VERSION))
 * found neither in `incoming` nor in `listed`: apt could not install them.
 */
export function withoutPayload(
  incoming: readonly PackageStanza[],
  listed: readonly PackageStanza[],
): { stanza: PackageStanza; payload: string }[] {
  const missing: { stanza: PackageStanza; payload: string }[] = [];
  for (const stanza of incoming) {
    const payload = payloadRelation(stanza);
    if (payload !== undefined && releasePayloads([stanza], [...incoming, ...listed]).length === 0)
      missing.push({ stanza, payload });
  }
  return missing;
}

/** "NAME-release-ID (= VERSION)" when the stanza's Depends names its release payload, as pkgapp writes it. */
function payloadRelation(s: PackageStanza): string | undefined {
  const depends = s.fields.find((f) => f.name.toLowerCase() === 'depends')?.value ?? '';
  for (const relation of depends.split(',')) {
    const m = /^\s*(\S+)-release-(\S+) \(= (\S+)\)\s*$/.exec(relation);
    if (m && m[1] === s.package && m[3] === s.version) return relation.trim();
  }
  return undefined;
}

/** Order of stanzas in Packages: by Package, then dpkg version order, then Architecture. */
export function compareStanzas(a: PackageStanza, b: PackageStanza): number {
  return (
    byteOrder(a.package, b.package) ||
    compareDebVersions(a.version, b.version) ||
    byteOrder(a.version, b.version) ||
    byteOrder(a.architecture, b.architecture)
  );
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
