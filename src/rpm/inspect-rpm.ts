// inspect for an .rpm: everything comes from the signature and main headers (readRpm), the file
// list is the header's; the payload is streamed once, only to read its ELF objects (rpmElf).
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { describeElfObjects } from '../inspect/elf-objects.js';
import { PayloadElfCapture } from '../inspect/payload-elf-capture.js';
import {
  scriptHead,
  summarizeFiles,
  type FoundSignature,
  type InspectedConffile,
  type InspectedFile,
  type InspectedFileType,
  type InspectedScript,
} from '../inspect/inspection.js';
import { readSignaturePacket } from '../inspect/signature-packet.js';
import {
  headerNumber,
  headerString,
  headerStrings,
  readRpm,
  rpmDependencies,
  rpmFileList,
  rpmNevra,
  rpmSizes,
  type RpmDependency,
  type RpmDependencyKind,
  type RpmFileInfo,
} from './read-rpm.js';
import type { InspectedRpmDependency, RpmInspection, RpmMetadata } from './rpm-inspection.js';
import { SENSE, SIGTAG, TAG, READTAG } from './tags.js';
import { createDecompressor } from '../util/decompress.js';
import type { Compression } from '../util/compression.js';
import { listCpio } from './cpio-listing.js';

const DEPENDENCY_KINDS: readonly RpmDependencyKind[] = [
  'requires',
  'provides',
  'conflicts',
  'obsoletes',
  'recommends',
  'suggests',
  'supplements',
  'enhances',
];

/** Scriptlet body and interpreter tags (rpmtag.h), in the order rpm runs them on install. */
const SCRIPTLETS: readonly [string, number, number][] = [
  ['%pretrans', 1151, 1153],
  ['%pre', TAG.PREIN, TAG.PREINPROG],
  ['%post', TAG.POSTIN, TAG.POSTINPROG],
  ['%preun', TAG.PREUN, TAG.PREUNPROG],
  ['%postun', TAG.POSTUN, TAG.POSTUNPROG],
  ['%posttrans', 1152, 1154],
];

/** File flags by name (rpmfiles.h). */
const FILE_FLAGS: readonly [string, number][] = [
  ['config', 1],
  ['doc', 2],
  ['missingok', 8],
  ['noreplace', 16],
  ['ghost', 64],
  ['license', 128],
  ['readme', 256],
  ['artifact', 4096],
];
const CONFIG = 1;
const MISSINGOK = 8;
const NOREPLACE = 16;

const FILE_TYPES: Record<number, InspectedFileType> = {
  0o100000: 'file',
  0o040000: 'directory',
  0o120000: 'symlink',
  0o020000: 'char-device',
  0o060000: 'block-device',
  0o010000: 'fifo',
  0o140000: 'socket',
};

const SIGNATURE_TAGS: readonly [string, number, string][] = [
  ['RSAHEADER', SIGTAG.RSAHEADER, 'header'],
  ['DSAHEADER', SIGTAG.DSAHEADER, 'header'],
  ['PGP', SIGTAG.PGP, 'header+payload'],
  ['GPG', SIGTAG.GPG, 'header+payload'],
];
const PAYLOADDIGESTALT = 5097;
const HASH_NAMES: Record<number, string> = { 1: 'MD5', 2: 'SHA1', 8: 'SHA256', 9: 'SHA384', 10: 'SHA512' };

/** Inspects the .rpm `file` from its headers; a UserError naming the file when they are malformed. */
export async function inspectRpm(file: string): Promise<RpmInspection> {
  const info = await readRpm(file);
  const metadata = rpmMetadata(info);
  const dependencies = Object.fromEntries(
    DEPENDENCY_KINDS.map((kind) => [kind, rpmDependencies(info, kind).map(dependencyText)]),
  ) as RpmInspection['dependencies'];
  const list = rpmFileList(info);
  const files = list.map((f): InspectedFile => {
    const type = FILE_TYPES[f.mode & 0o170000] ?? 'other';
    const entry: InspectedFile = { path: f.path, type, mode: f.mode, size: f.size, user: f.user, group: f.group };
    if (f.linkTo) entry.linkTo = f.linkTo;
    const flags = FILE_FLAGS.filter(([, bit]) => f.flags & bit).map(([name]) => name);
    if (flags.length) entry.flags = flags;
    return entry;
  });
  const mtimes = headerNumbersOrNone(info, TAG.FILEMTIMES, files.length);
  if (mtimes) files.forEach((f, i) => (f.mtime = mtimes[i]!));
  const conffiles = list
    .filter((f) => f.flags & CONFIG)
    .map((f): InspectedConffile => ({
      path: f.path,
      noreplace: (f.flags & NOREPLACE) !== 0,
      missingok: (f.flags & MISSINGOK) !== 0,
    }));
  return {
    file,
    format: 'rpm',
    size: info.size,
    name: metadata.name,
    version: `${metadata.epoch !== undefined ? `${metadata.epoch}:` : ''}${metadata.version}-${metadata.release}`,
    architecture: metadata.arch,
    metadata,
    dependencies,
    scripts: scriptlets(info),
    conffiles,
    files,
    fileSummary: summarizeFiles(files),
    signature: rpmSignature(info),
    elf: await rpmElf(info, files, dependencies.requires),
  };
}

const PAYLOAD_COMPRESSIONS: Record<string, Compression> = { gzip: 'gzip', xz: 'xz', zstd: 'zstd' };

/** The ELF section: the payload streamed through its decompressor and cpio, ELF objects copied out as they pass. */
async function rpmElf(
  info: RpmFileInfo,
  files: readonly InspectedFile[],
  requires: readonly InspectedRpmDependency[],
): Promise<RpmInspection['elf']> {
  const compressor = headerString(info, TAG.PAYLOADCOMPRESSOR) ?? 'gzip';
  const compression = PAYLOAD_COMPRESSIONS[compressor];
  if (compression === undefined)
    return { objects: [], problems: [`payload not read: ${compressor} is not supported by pkgapp`] };
  const capture = new PayloadElfCapture();
  try {
    try {
      await pipeline(
        createReadStream(info.path, { start: info.headerEnd }),
        createDecompressor(compression),
        (source) =>
          listCpio(source, (entry) =>
            (entry.mode & 0o170000) === 0o100000
              ? capture.sinkFor(`/${entry.name.replace(/^\.?\/+/, '')}`, entry.mode, entry.size)
              : undefined,
          ),
      );
    } catch (error) {
      return { objects: [], problems: [`payload not read: ${(error as Error).message.split('\n')[0]}`] };
    }
    return await describeElfObjects(capture.found, {
      format: 'rpm',
      files,
      requires: requires.map((r) => r.name),
    });
  } finally {
    await capture.close();
  }
}

function rpmMetadata(info: RpmFileInfo): RpmMetadata {
  const nevra = rpmNevra(info);
  const sizes = rpmSizes(info);
  const metadata: RpmMetadata = {
    name: nevra.name,
    version: nevra.version,
    release: nevra.release,
    arch: nevra.arch,
    installedSize: sizes.installed,
    archiveSize: sizes.archive,
    payloadSize: info.size - info.headerEnd,
  };
  if (nevra.epoch !== undefined) metadata.epoch = nevra.epoch;
  const strings: [keyof RpmMetadata, number][] = [
    ['summary', TAG.SUMMARY],
    ['description', TAG.DESCRIPTION],
    ['license', TAG.LICENSE],
    ['url', TAG.URL],
    ['packager', TAG.PACKAGER],
    ['vendor', READTAG.VENDOR],
    ['group', TAG.GROUP],
    ['buildHost', TAG.BUILDHOST],
    ['os', TAG.OS],
    ['sourceRpm', TAG.SOURCERPM],
    ['payloadFormat', TAG.PAYLOADFORMAT],
    ['payloadCompressor', TAG.PAYLOADCOMPRESSOR],
  ];
  for (const [key, tag] of strings) {
    const value = headerString(info, tag);
    if (value !== undefined) (metadata as unknown as Record<string, string>)[key] = value;
  }
  const buildTime = headerNumber(info, TAG.BUILDTIME);
  if (buildTime !== undefined) metadata.buildTime = buildTime;
  return metadata;
}

/** rpm's rendering of a dependency: "name", or "name >= version". */
function dependencyText(dep: RpmDependency): InspectedRpmDependency {
  const sense = dep.flags & (SENSE.LESS | SENSE.GREATER | SENSE.EQUAL);
  const op = ['', '<', '>', '', '=', '<=', '>=', ''][sense >> 1] ?? '';
  return { ...dep, text: op && dep.version ? `${dep.name} ${op} ${dep.version}` : dep.name };
}

function scriptlets(info: RpmFileInfo): InspectedScript[] {
  const scripts: InspectedScript[] = [];
  for (const [name, bodyTag, progTag] of SCRIPTLETS) {
    const text = headerString(info, bodyTag);
    const prog = headerStrings(info, progTag);
    if (text === undefined && prog.length === 0) continue;
    const body = text ?? '';
    scripts.push({
      name,
      interpreter: prog.length ? prog.join(' ') : '/bin/sh',
      firstLine: scriptHead(body).firstLine,
      text: body,
      size: Buffer.byteLength(body),
    });
  }
  return scripts;
}

function rpmSignature(info: RpmFileInfo): RpmInspection['signature'] {
  const signatures: FoundSignature[] = [];
  for (const [source, tag, covers] of SIGNATURE_TAGS) {
    const entry = info.signature.get(tag);
    if (!entry) continue;
    const found: FoundSignature = { source, covers };
    if (!Buffer.isBuffer(entry.value)) found.unreadable = 'not binary data';
    else {
      try {
        Object.assign(found, readSignaturePacket(entry.value));
      } catch (error) {
        found.unreadable = (error as Error).message;
      }
    }
    signatures.push(found);
  }
  const digests: string[] = [];
  if (info.signature.has(SIGTAG.SHA256HEADER)) digests.push('header SHA256');
  if (info.signature.has(SIGTAG.SHA1HEADER)) digests.push('header SHA1');
  if (info.signature.has(SIGTAG.MD5)) digests.push('header+payload MD5');
  if (info.header.has(TAG.PAYLOADDIGEST))
    digests.push(`payload ${HASH_NAMES[headerNumber(info, TAG.PAYLOADDIGESTALGO) ?? 8] ?? 'digest'}`);
  if (info.header.has(PAYLOADDIGESTALT)) digests.push('uncompressed payload digest');
  return { signed: signatures.length > 0, signatures, digests };
}

/** An integer array that must be parallel to the file list, or undefined when absent or of the wrong length. */
function headerNumbersOrNone(info: RpmFileInfo, tag: number, length: number): number[] | undefined {
  const values = info.header.get(tag)?.value;
  return Array.isArray(values) && values.length === length && values.every((v) => typeof v === 'number')
    ? values
    : undefined;
}
