// Manifest + file list + payload facts → the entries of the main rpm header (docs/internals/rpm-package.md#main-header).
import { UserError } from '../errors.js';
import type { Manifest } from '../manifest/manifest.js';
import { rpmVersion } from './rpm-version.js';
import { higherVersion, relationVersion } from '../runtime/node-floor.js';
import type { Compression } from '../util/compression.js';
import { wrapText } from '../util/wrap-text.js';
import { h, type HeaderEntry } from './header.js';
import type { RpmFileList } from './rpm-files.js';
import type { RpmScriptName } from './scriptlets.js';
import { HASH_SHA256, SENSE, TAG } from './tags.js';

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
  posttrans: [TAG.POSTTRANS, TAG.POSTTRANSPROG, SENSE.SCRIPT_POSTTRANS],
};

const RPMLIB = SENSE.RPMLIB | SENSE.LESS | SENSE.EQUAL;

/** Every entry of the main header except the region, which encodeHeader adds. */
export function mainHeaderEntries(input: MainHeaderInput): HeaderEntry[] {
  const { manifest, files } = input;
  const { version, release } = rpmVersion(manifest.version, manifest.release);
  const evr = `${version}-${release}`;
  const { totalSize, hasConfig } = files;

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

  if (files.count > 0) entries.push(...fileEntries(input));

  const provides: Dependency[] = [{ name: manifest.name, flags: SENSE.EQUAL, version: evr }];
  if (input.arch !== 'noarch')
    provides.push({ name: `${manifest.name}(${isaName(input.arch)})`, flags: SENSE.EQUAL, version: evr });
  if (hasConfig) provides.push({ name: `config(${manifest.name})`, flags: SENSE.EQUAL | SENSE.CONFIG, version: evr });
  entries.push(...dependencyEntries(TAG.PROVIDENAME, TAG.PROVIDEFLAGS, TAG.PROVIDEVERSION, provides));
  entries.push(
    ...dependencyEntries(TAG.REQUIRENAME, TAG.REQUIREFLAGS, TAG.REQUIREVERSION, requires(input, evr, hasConfig)),
  );
  return entries;
}

/**
 * The per-file arrays (docs/internals/rpm-package.md#file-list), each encoded straight into its stored form: with 100k+
 * files, arrays of JS numbers and strings would cost several times the header itself.
 */
function fileEntries(input: MainHeaderInput): HeaderEntry[] {
  const { files, digests } = input;
  const n = files.count;
  const int32 = (tag: number) => ({ tag, bytes: Buffer.alloc(4 * n) });
  const sizes = int32(TAG.FILESIZES);
  const flags = int32(TAG.FILEFLAGS);
  const dirIndexes = int32(TAG.DIRINDEXES);
  const modes = Buffer.alloc(2 * n);
  const linkTos = new StringColumn();
  const users = new StringColumn();
  const baseNames = new StringColumn();
  const dirNames: string[] = [];
  const dirIndex = new Map<string, number>();
  const hexDigests = Buffer.alloc(64 * files.files + n);
  let hexLength = 0;
  let i = 0;
  for (const e of files.entries) {
    sizes.bytes.writeUInt32BE(files.size(e), 4 * i);
    modes.writeUInt16BE(files.mode(e), 2 * i);
    flags.bytes.writeUInt32BE(files.flags(e), 4 * i);
    linkTos.add(files.linkTo(e));
    users.add(files.user(e));
    const slash = e.path.lastIndexOf('/');
    baseNames.add(e.path.slice(slash + 1));
    const dir = `/${e.path.slice(0, slash + 1)}`;
    let index = dirIndex.get(dir);
    if (index === undefined) {
      index = dirNames.length;
      dirIndex.set(dir, index);
      dirNames.push(dir);
    }
    dirIndexes.bytes.writeUInt32BE(index, 4 * i);
    // FILEDIGESTS: the sha256 hex of each regular file, "" for the rest.
    if (e.kind === 'file') {
      for (let j = 32 * i; j < 32 * i + 32; j++) {
        const byte = digests[j]!;
        hexDigests[hexLength++] = HEX[byte >> 4]!;
        hexDigests[hexLength++] = HEX[byte & 15]!;
      }
    }
    hexDigests[hexLength++] = 0;
    i++;
  }
  const fill32 = (tag: number, value: (i: number) => number) => {
    const bytes = Buffer.alloc(4 * n);
    for (let j = 0; j < n; j++) bytes.writeUInt32BE(value(j), 4 * j);
    return h.encoded(tag, 'INT32', bytes, n);
  };
  const buildTime = input.manifest.buildTime;
  const userBytes = users.bytes();
  return [
    h.encoded(TAG.FILESIZES, 'INT32', sizes.bytes, n),
    h.encoded(TAG.FILEMODES, 'INT16', modes, n),
    h.encoded(TAG.FILERDEVS, 'INT16', Buffer.alloc(2 * n), n),
    fill32(TAG.FILEMTIMES, () => buildTime),
    h.encoded(TAG.FILEDIGESTS, 'STRING_ARRAY', hexDigests, n),
    h.encoded(TAG.FILELINKTOS, 'STRING_ARRAY', linkTos.bytes(), n),
    h.encoded(TAG.FILEFLAGS, 'INT32', flags.bytes, n),
    h.encoded(TAG.FILEUSERNAME, 'STRING_ARRAY', userBytes, n),
    h.encoded(TAG.FILEGROUPNAME, 'STRING_ARRAY', userBytes, n),
    fill32(TAG.FILEVERIFYFLAGS, () => 0xffffffff),
    fill32(TAG.FILEDEVICES, () => 1),
    fill32(TAG.FILEINODES, (j) => j + 1),
    h.encoded(TAG.FILELANGS, 'STRING_ARRAY', Buffer.alloc(n), n),
    h.encoded(TAG.DIRINDEXES, 'INT32', dirIndexes.bytes, n),
    h.encoded(TAG.BASENAMES, 'STRING_ARRAY', baseNames.bytes(), n),
    h.strings(TAG.DIRNAMES, dirNames),
    h.int32(TAG.FILEDIGESTALGO, [HASH_SHA256]),
  ];
}

/** NUL-terminated strings appended into one growing buffer (a STRING_ARRAY's stored form). */
class StringColumn {
  private buffer = Buffer.alloc(1 << 16);
  private length = 0;

  add(text: string): void {
    if (text.includes('\0')) throw new Error('rpm header: NUL inside a string');
    const need = this.length + 3 * text.length + 1;
    if (need > this.buffer.length) {
      const grown = Buffer.alloc(Math.max(need, Math.ceil(1.5 * this.buffer.length)));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.length += this.buffer.write(text, this.length) + 1;
    this.buffer[this.length - 1] = 0;
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

const HEX = Buffer.from('0123456789abcdef');

/**
 * nodejs from the Node.js floor. A plain "nodejs >= 22" is wrong on rpm: Fedora's and RHEL's
 * nodejs carry Epoch 1 and NodeSource's Epoch 2, and rpm judges 1:18.20.4 newer than an
 * epoch-less 22, so the requirement would always hold. The floor is a rich dependency instead:
 * nodejs(engine) (what Fedora's nodejs provides and nodejs-packaging requires from engines), or
 * nodejs itself at or above the floor within epoch 0, 1 or 2 (docs/node-runtime.md; checked with
 * rpm 4.18 in test/oracle/rpm-node-requires.test.ts). Addons compiled against V8 load on one
 * major only, and an upper bound has the same epoch problem: they require nodejs(abiN), which
 * Fedora's nodejs provides and its own native modules require.
 */
function nodeRequires({ nodeFloor, nodeAbiMajor }: MainHeaderInput['manifest']): Dependency[] {
  const floor = nodeAbiMajor !== undefined ? higherVersion(nodeFloor, `${nodeAbiMajor}.0.0`) : nodeFloor;
  const deps: Dependency[] = [
    floor !== undefined
      ? { name: nodeFloorRequirement(relationVersion(floor)), flags: 0, version: '' }
      : { name: 'nodejs', flags: 0, version: '' },
  ];
  if (nodeAbiMajor !== undefined) deps.push({ name: `nodejs(abi${nodeAbiMajor})`, flags: 0, version: '' });
  return deps;
}

/** The rich dependency "some nodejs at or above `version`", whatever its epoch (0 to 2). */
export function nodeFloorRequirement(version: string): string {
  return `(nodejs(engine) >= ${version} or (nodejs >= ${version} with nodejs < 1:0) or (nodejs >= 1:${version} with nodejs < 2:0) or nodejs >= 2:${version})`;
}

/** Requires: Node.js (unless bundled), the configured extras, the scriptlets' shell, config(), and rpmlib() features. */
export function requires(
  input: Pick<MainHeaderInput, 'manifest' | 'scripts' | 'compression'>,
  evr: string,
  hasConfig: boolean,
): Dependency[] {
  const { manifest } = input;
  const node: Dependency[] = manifest.runtime.bundled ? [] : nodeRequires(manifest);
  const deps: Dependency[] = [...node, ...manifest.extraDepends.rpm.map(parseRequire)];
  // The ELF objects' library requirements, flagged as rpmbuild flags what its generators found.
  for (const name of manifest.libraryDepends?.rpm ?? []) deps.push({ name, flags: SENSE.FIND_REQUIRES, version: '' });
  for (const name of Object.keys(input.scripts) as RpmScriptName[]) {
    deps.push({ name: '/bin/sh', flags: SENSE.INTERP | SCRIPT_TAGS[name][2], version: '' });
  }
  // Requires(pre): %pre creates the service user with groupadd/useradd under `set -e`, before
  // any file is unpacked; rpmbuild flags `Requires(pre): X` SCRIPT_PRE alone, as here.
  if (manifest.service && input.scripts.pre !== undefined)
    deps.push({ name: 'shadow-utils', flags: SENSE.SCRIPT_PRE, version: '' });
  if (hasConfig) deps.push({ name: `config(${manifest.name})`, flags: SENSE.EQUAL | SENSE.CONFIG, version: evr });
  deps.push(
    { name: 'rpmlib(CompressedFileNames)', flags: RPMLIB, version: '3.0.4-1' },
    { name: 'rpmlib(FileDigests)', flags: RPMLIB, version: '4.6.0-1' },
    { name: 'rpmlib(PayloadFilesHavePrefix)', flags: RPMLIB, version: '4.0-1' },
  );
  if (evr.includes('~')) deps.push({ name: 'rpmlib(TildeInVersions)', flags: RPMLIB, version: '4.10.0-1' });
  // as rpmbuild adds it for a Requires in parentheses (rpm >= 4.13 installs them)
  if (deps.some((d) => d.name.startsWith('(')))
    deps.push({ name: 'rpmlib(RichDependencies)', flags: RPMLIB, version: '4.12.0-1' });
  if (input.compression === 'xz') deps.push({ name: 'rpmlib(PayloadIsXz)', flags: RPMLIB, version: '5.2-1' });
  if (input.compression === 'zstd') deps.push({ name: 'rpmlib(PayloadIsZstd)', flags: RPMLIB, version: '5.4.18-1' });
  return deps;
}

/** "foo", "foo >= 1.2" → a dependency (the config schema keeps these to one line). */
function parseRequire(text: string): Dependency {
  const match = /^(\S+)(?:\s+(<|<=|=|>=|>)\s+(\S+))?$/.exec(text.trim());
  if (!match) {
    throw new UserError(`pkgapp.depends.rpm: "${text}" is not an rpm requirement such as "libfoo >= 1.2"`, {
      code: 'PKGAPP_DEPENDS_INVALID',
    });
  }
  const ops: Record<string, number> = {
    '<': SENSE.LESS,
    '<=': SENSE.LESS | SENSE.EQUAL,
    '=': SENSE.EQUAL,
    '>=': SENSE.GREATER | SENSE.EQUAL,
    '>': SENSE.GREATER,
  };
  return { name: match[1]!, flags: match[2] ? ops[match[2]]! : 0, version: match[3] ?? '' };
}

function dependencyEntries(nameTag: number, flagsTag: number, versionTag: number, deps: Dependency[]): HeaderEntry[] {
  return [
    h.strings(
      nameTag,
      deps.map((d) => d.name),
    ),
    h.int32(
      flagsTag,
      deps.map((d) => d.flags),
    ),
    h.strings(
      versionTag,
      deps.map((d) => d.version),
    ),
  ];
}

/** rpmbuild's arch-specific provide suffix, e.g. name(x86-64). */
function isaName(arch: string): string {
  return (
    (
      { x86_64: 'x86-64', aarch64: 'aarch-64', i686: 'x86-32', ppc64le: 'ppc-64', s390x: 's390-64' } as Record<
        string,
        string
      >
    )[arch] ?? arch
  );
}
