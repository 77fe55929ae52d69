// Manifest + file list + payload facts → the entries of the main rpm header (formats.md §2.6-2.10).
import type { ContentEntry } from '../contents/content-entry.js';
import { UserError } from '../errors.js';
import type { Manifest } from '../manifest/manifest.js';
import { rpmVersion } from '../manifest/versions.js';
import type { Compression } from '../util/compression.js';
import { wrapText } from '../util/wrap-text.js';
import { h, type HeaderEntry } from './header.js';
import type { RpmFileList } from './rpm-files.js';
import type { RpmScriptName } from './scriptlets.js';
import { FILEFLAG, HASH_SHA256, SENSE, TAG } from './tags.js';

export interface Dependency {
  name: string;
  flags: number;
  version: string;
}

export interface MainHeaderInput {
  manifest: Manifest;
  arch: string;
  files: RpmFileList;
  /** sha256 per listed entry, 32 bytes each in files order (used for regular files only). */
  digests: Buffer;
  scripts: Partial<Record<RpmScriptName, string>>;
  compression: Compression;
  level: number;
  /** sha256 hex of the compressed payload as stored. */
  payloadDigest: string;
}

const SCRIPT_TAGS: Record<RpmScriptName, [number, number, number]> = {
  pre: [TAG.PREIN, TAG.PREINPROG, SENSE.SCRIPT_PRE],
  post: [TAG.POSTIN, TAG.POSTINPROG, SENSE.SCRIPT_POST],
  preun: [TAG.PREUN, TAG.PREUNPROG, SENSE.SCRIPT_PREUN],
  postun: [TAG.POSTUN, TAG.POSTUNPROG, SENSE.SCRIPT_POSTUN],
};

const RPMLIB = SENSE.RPMLIB | SENSE.LESS | SENSE.EQUAL;

/** Every entry of the main header except the region, which encodeHeader adds. */
export function mainHeaderEntries(input: MainHeaderInput): HeaderEntry[] {
  const { manifest, files } = input;
  const { version, release } = rpmVersion(manifest.version, manifest.release);
  const evr = `${version}-${release}`;
  let totalSize = 0;
  for (const e of files.entries) totalSize += files.size(e);

  const entries: HeaderEntry[] = [
    h.strings(TAG.HEADERI18NTABLE, ['C']),
    h.string(TAG.NAME, manifest.name),
    h.string(TAG.VERSION, version),
    h.string(TAG.RELEASE, release),
    h.i18n(TAG.SUMMARY, manifest.synopsis),
    h.i18n(TAG.DESCRIPTION, manifest.description.map((p) => wrapText(p).join('\n')).join('\n\n')),
    h.int32(TAG.BUILDTIME, [manifest.buildTime]),
    h.string(TAG.BUILDHOST, 'localhost'), // not the real host: the same inputs give the same bytes
    totalSize > 0xffffffff ? h.int64(5009 /* LONGSIZE */, [totalSize]) : h.int32(TAG.SIZE, [totalSize]),
    h.string(TAG.LICENSE, manifest.license),
    h.string(TAG.PACKAGER, manifest.maintainer),
    h.i18n(TAG.GROUP, 'Applications/System'),
    h.string(TAG.OS, 'linux'),
    h.string(TAG.ARCH, input.arch),
    h.string(TAG.SOURCERPM, `${manifest.name}-${evr}.src.rpm`),
    h.int32(TAG.CHANGELOGTIME, [manifest.buildTime]),
    h.strings(TAG.CHANGELOGNAME, [`${manifest.maintainer} - ${evr}`]),
    h.strings(TAG.CHANGELOGTEXT, [`- Packaged ${manifest.npmName} ${manifest.version.npm} with pkgapp`]),
    h.string(TAG.PAYLOADFORMAT, 'cpio'),
    h.string(TAG.PAYLOADCOMPRESSOR, input.compression === 'none' ? 'identity' : input.compression),
    h.string(TAG.PAYLOADFLAGS, String(input.level)),
    h.strings(TAG.PAYLOADDIGEST, [input.payloadDigest]),
    h.int32(TAG.PAYLOADDIGESTALGO, [HASH_SHA256]),
  ];
  if (manifest.homepage) entries.push(h.string(TAG.URL, manifest.homepage));

  for (const [name, script] of Object.entries(input.scripts) as [RpmScriptName, string][]) {
    const [bodyTag, progTag] = SCRIPT_TAGS[name];
    entries.push(h.string(bodyTag, script), h.string(progTag, '/bin/sh'));
  }

  if (files.entries.length > 0) entries.push(...fileEntries(input));

  const hasConfig = files.entries.some((e) => files.flags(e) & FILEFLAG.CONFIG);
  const provides: Dependency[] = [{ name: manifest.name, flags: SENSE.EQUAL, version: evr }];
  if (input.arch !== 'noarch') provides.push({ name: `${manifest.name}(${isaName(input.arch)})`, flags: SENSE.EQUAL, version: evr });
  if (hasConfig) provides.push({ name: `config(${manifest.name})`, flags: SENSE.EQUAL | SENSE.CONFIG, version: evr });
  entries.push(...dependencyEntries(TAG.PROVIDENAME, TAG.PROVIDEFLAGS, TAG.PROVIDEVERSION, provides));
  entries.push(...dependencyEntries(TAG.REQUIRENAME, TAG.REQUIREFLAGS, TAG.REQUIREVERSION, requires(input, evr, hasConfig)));
  return entries;
}

/**
 * The per-file arrays (formats.md §2.7), each encoded straight into its stored form: with 100k+
 * files, arrays of JS numbers and strings would cost several times the header itself.
 */
function fileEntries(input: MainHeaderInput): HeaderEntry[] {
  const { files, digests } = input;
  const list = files.entries;
  const n = list.length;
  const int32 = (tag: number, value: (e: ContentEntry, i: number) => number) => {
    const bytes = Buffer.alloc(4 * n);
    for (let i = 0; i < n; i++) bytes.writeUInt32BE(value(list[i]!, i), 4 * i);
    return h.encoded(tag, 'INT32', bytes, n);
  };
  const int16 = (tag: number, value: (e: ContentEntry) => number) => {
    const bytes = Buffer.alloc(2 * n);
    for (let i = 0; i < n; i++) bytes.writeUInt16BE(value(list[i]!), 2 * i);
    return h.encoded(tag, 'INT16', bytes, n);
  };
  const strings = (tag: number, value: (e: ContentEntry, i: number) => string) => {
    let length = 0;
    for (let i = 0; i < n; i++) length += Buffer.byteLength(value(list[i]!, i)) + 1;
    const bytes = Buffer.alloc(length);
    let offset = 0;
    for (let i = 0; i < n; i++) {
      const text = value(list[i]!, i);
      if (text.includes('\0')) throw new Error('rpm header: NUL inside a string');
      offset += bytes.write(text, offset) + 1;
    }
    return h.encoded(tag, 'STRING_ARRAY', bytes, n);
  };
  const dirNames: string[] = [];
  const dirIndex = new Map<string, number>();
  const dirIndexes = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const p = list[i]!.path;
    const dir = `/${p.slice(0, p.lastIndexOf('/') + 1)}`;
    let index = dirIndex.get(dir);
    if (index === undefined) {
      index = dirNames.length;
      dirIndex.set(dir, index);
      dirNames.push(dir);
    }
    dirIndexes[i] = index;
  }
  const buildTime = input.manifest.buildTime;
  return [
    int32(TAG.FILESIZES, (e) => files.size(e)),
    int16(TAG.FILEMODES, (e) => files.mode(e)),
    int16(TAG.FILERDEVS, () => 0),
    int32(TAG.FILEMTIMES, () => buildTime),
    h.encoded(TAG.FILEDIGESTS, 'STRING_ARRAY', hexDigests(list, digests), n),
    strings(TAG.FILELINKTOS, (e) => files.linkTo(e)),
    int32(TAG.FILEFLAGS, (e) => files.flags(e)),
    strings(TAG.FILEUSERNAME, (e) => files.user(e)),
    strings(TAG.FILEGROUPNAME, (e) => files.user(e)),
    int32(TAG.FILEVERIFYFLAGS, () => 0xffffffff),
    int32(TAG.FILEDEVICES, () => 1),
    int32(TAG.FILEINODES, (_, i) => i + 1),
    h.encoded(TAG.FILELANGS, 'STRING_ARRAY', Buffer.alloc(n), n),
    int32(TAG.DIRINDEXES, (_, i) => dirIndexes[i]!),
    strings(TAG.BASENAMES, (e) => e.path.slice(e.path.lastIndexOf('/') + 1)),
    h.strings(TAG.DIRNAMES, dirNames),
    h.int32(TAG.FILEDIGESTALGO, [HASH_SHA256]),
  ];
}

const HEX = Buffer.from('0123456789abcdef');

/** FILEDIGESTS: the sha256 hex of each regular file, "" for the rest, NUL-terminated. */
function hexDigests(list: readonly ContentEntry[], digests: Buffer): Buffer {
  let files = 0;
  for (const e of list) if (e.kind === 'file') files++;
  const bytes = Buffer.alloc(64 * files + list.length);
  let offset = 0;
  for (let i = 0; i < list.length; i++) {
    if (list[i]!.kind === 'file') {
      for (let j = 32 * i; j < 32 * i + 32; j++) {
        const byte = digests[j]!;
        bytes[offset++] = HEX[byte >> 4]!;
        bytes[offset++] = HEX[byte & 15]!;
      }
    }
    bytes[offset++] = 0;
  }
  return bytes;
}

/** Requires: Node.js (unless bundled), the configured extras, the scriptlets' shell, config(), and rpmlib() features. */
export function requires(input: Pick<MainHeaderInput, 'manifest' | 'scripts' | 'compression'>, evr: string, hasConfig: boolean): Dependency[] {
  const { manifest } = input;
  const node: Dependency[] = manifest.runtime.bundled ? [] : [manifest.nodeMajor !== undefined ? { name: 'nodejs', flags: SENSE.GREATER | SENSE.EQUAL, version: String(manifest.nodeMajor) } : { name: 'nodejs', flags: 0, version: '' }];
  const deps: Dependency[] = [...node, ...manifest.extraDepends.rpm.map(parseRequire)];
  for (const name of Object.keys(input.scripts) as RpmScriptName[]) {
    deps.push({ name: '/bin/sh', flags: SENSE.INTERP | SCRIPT_TAGS[name][2], version: '' });
  }
  if (hasConfig) deps.push({ name: `config(${manifest.name})`, flags: SENSE.EQUAL | SENSE.CONFIG, version: evr });
  deps.push(
    { name: 'rpmlib(CompressedFileNames)', flags: RPMLIB, version: '3.0.4-1' },
    { name: 'rpmlib(FileDigests)', flags: RPMLIB, version: '4.6.0-1' },
    { name: 'rpmlib(PayloadFilesHavePrefix)', flags: RPMLIB, version: '4.0-1' },
  );
  if (evr.includes('~')) deps.push({ name: 'rpmlib(TildeInVersions)', flags: RPMLIB, version: '4.10.0-1' });
  if (input.compression === 'xz') deps.push({ name: 'rpmlib(PayloadIsXz)', flags: RPMLIB, version: '5.2-1' });
  if (input.compression === 'zstd') deps.push({ name: 'rpmlib(PayloadIsZstd)', flags: RPMLIB, version: '5.4.18-1' });
  return deps;
}

/** "foo", "foo >= 1.2" → a dependency (the config schema keeps these to one line). */
function parseRequire(text: string): Dependency {
  const match = /^(\S+)(?:\s+(<|<=|=|>=|>)\s+(\S+))?$/.exec(text.trim());
  if (!match) {
    throw new UserError(`pkgapp.depends.rpm: "${text}" is not an rpm requirement such as "libfoo >= 1.2"`, { code: 'PKGAPP_DEPENDS_INVALID' });
  }
  const ops: Record<string, number> = { '<': SENSE.LESS, '<=': SENSE.LESS | SENSE.EQUAL, '=': SENSE.EQUAL, '>=': SENSE.GREATER | SENSE.EQUAL, '>': SENSE.GREATER };
  return { name: match[1]!, flags: match[2] ? ops[match[2]]! : 0, version: match[3] ?? '' };
}

function dependencyEntries(nameTag: number, flagsTag: number, versionTag: number, deps: Dependency[]): HeaderEntry[] {
  return [h.strings(nameTag, deps.map((d) => d.name)), h.int32(flagsTag, deps.map((d) => d.flags)), h.strings(versionTag, deps.map((d) => d.version))];
}

/** rpmbuild's arch-specific provide suffix, e.g. name(x86-64). */
function isaName(arch: string): string {
  return ({ x86_64: 'x86-64', aarch64: 'aarch-64', i686: 'x86-32', ppc64le: 'ppc-64', s390x: 's390-64' } as Record<string, string>)[arch] ?? arch;
}
