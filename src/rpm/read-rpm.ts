// Reads an rpm's lead, signature header and main header (docs/internals/rpm-package.md) with bounded
// reads, never the payload; refuses hostile counts and offsets before allocating anything.
import { open, type FileHandle } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { RPM_LEAD_MAGIC } from './lead-magic.js';
import { FILEFLAG_GHOST, READTAG, RPM_TYPE, SIGTAG, TAG } from './tags.js';

/** One decoded index entry of a header. */
export interface RpmHeaderEntry {
  tag: number;
  type: number;
  /** STRING → string; STRING_ARRAY, I18NSTRING → string[]; INT8-64 → number[]; CHAR, BIN → Buffer. */
  value: string | string[] | number[] | Buffer;
}

/** What readRpm finds: the lead name, both headers and where the main header lies in the file. */
export interface RpmFileInfo {
  path: string;
  lead: { name: string };
  signature: Map<number, RpmHeaderEntry>;
  header: Map<number, RpmHeaderEntry>;
  /** Byte range of the main header in the file: [headerStart, headerEnd). */
  headerStart: number;
  headerEnd: number;
  /** File size. */
  size: number;
}

const LEAD_SIZE = 96;
const HEADER_MAGIC = 0x8eade801;
/** rpm's own ceilings (header_internal.h hdrchkTags/hdrchkData; hdrblobRead for signatures). */
const LIMITS = {
  signature: { tags: 32, data: 64 * 1024 * 1024 },
  main: { tags: 0xffff, data: 0x0fffffff },
} as const;
/** Region tags a header may open with: HEADERIMAGE (61, legacy), HEADERSIGNATURES, HEADERIMMUTABLE. */
const REGION_TAGS = new Set<number>([61, SIGTAG.HEADERSIGNATURES, TAG.HEADERIMMUTABLE]);
const WIDTH: Record<number, number> = {
  [RPM_TYPE.CHAR]: 1,
  [RPM_TYPE.INT8]: 1,
  [RPM_TYPE.INT16]: 2,
  [RPM_TYPE.INT32]: 4,
  [RPM_TYPE.INT64]: 8,
  [RPM_TYPE.BIN]: 1,
};
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Reads lead + signature header + main header; every malformation is a UserError naming the file. */
export async function readRpm(file: string): Promise<RpmFileInfo> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new UserError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      code: 'PKGAPP_RPM_UNREADABLE',
      cause: error,
    });
  }
  try {
    const st = await handle.stat();
    const bad = (reason: string) => invalid(file, reason);
    if (!st.isFile()) throw bad('not a regular file');
    const { size } = st;
    const lead = await readAt(handle, 0, LEAD_SIZE, size, bad, 'lead');
    if (lead.readUInt32BE(0) !== RPM_LEAD_MAGIC) throw bad('not an rpm package (no rpm lead magic)');
    if (lead[4] !== 3 && lead[4] !== 4) throw bad(`unsupported rpm format version ${lead[4]}`);
    if (lead.readUInt16BE(78) !== 5) throw bad('the lead does not announce a header-style signature (rpm v4)');
    const nameField = lead.subarray(10, 76);
    const nul = nameField.indexOf(0);
    const name = decodeString(nul < 0 ? nameField : nameField.subarray(0, nul));

    const signature = await readHeader(handle, LEAD_SIZE, size, 'signature', bad);
    const headerStart = signature.end + ((8 - (signature.end % 8)) % 8);
    const main = await readHeader(handle, headerStart, size, 'main', bad);
    return {
      path: file,
      lead: { name },
      signature: signature.entries,
      header: main.entries,
      headerStart,
      headerEnd: main.end,
      size,
    };
  } finally {
    await handle.close();
  }
}

/** The UserError for a malformed package; `reason` says what and where. */
function invalid(file: string, reason: string): UserError {
  return new UserError(`${file}: ${reason}`, {
    code: 'PKGAPP_RPM_INVALID',
    hint: 'Is it a complete .rpm file? Rebuild it, or copy it again',
  });
}

async function readAt(
  handle: FileHandle,
  position: number,
  length: number,
  fileSize: number,
  bad: (r: string) => UserError,
  what: string,
): Promise<Buffer> {
  if (position + length > fileSize)
    throw bad(`truncated: the ${what} needs bytes ${position}-${position + length} but the file has ${fileSize}`);
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw bad(`truncated while reading the ${what}`);
    done += bytesRead;
  }
  return buf;
}

async function readHeader(
  handle: FileHandle,
  start: number,
  fileSize: number,
  kind: keyof typeof LIMITS,
  bad: (r: string) => UserError,
): Promise<{ entries: Map<number, RpmHeaderEntry>; end: number }> {
  const what = `${kind} header`;
  const intro = await readAt(handle, start, 16, fileSize, bad, what);
  if (intro.readUInt32BE(0) !== HEADER_MAGIC) throw bad(`no ${what} magic at byte ${start}`);
  const il = intro.readUInt32BE(8);
  const dl = intro.readUInt32BE(12);
  const limit = LIMITS[kind];
  if (il < 1 || il > limit.tags)
    throw bad(`${what} at byte ${start} claims ${il} index entries (rpm allows 1-${limit.tags})`);
  if (dl > limit.data)
    throw bad(`${what} at byte ${start} claims ${dl} bytes of data (rpm allows at most ${limit.data})`);
  const body = await readAt(handle, start + 16, il * 16 + dl, fileSize, bad, what);
  const entries = parseHeaderBody(body, il, dl, (reason) => bad(`${what}: ${reason}`));
  return { entries, end: start + 16 + il * 16 + dl };
}

/** Decodes an index + data store; pure, so hostile inputs can be tested byte by byte. */
export function parseHeaderBody(
  body: Buffer,
  il: number,
  dl: number,
  bad: (reason: string) => Error,
): Map<number, RpmHeaderEntry> {
  const store = body.subarray(il * 16);
  const entries = new Map<number, RpmHeaderEntry>();
  for (let i = 0; i < il; i++) {
    const tag = body.readInt32BE(i * 16);
    const type = body.readUInt32BE(i * 16 + 4);
    const offset = body.readInt32BE(i * 16 + 8);
    const count = body.readUInt32BE(i * 16 + 12);
    const where = `entry ${i} (tag ${tag}, type ${type}, offset ${offset}, count ${count})`;
    if (offset < 0 || offset > dl) throw bad(`${where}: offset outside the ${dl}-byte data store`);
    if (count < 1 || count > dl) throw bad(`${where}: impossible count`);
    if (i === 0 && REGION_TAGS.has(tag)) {
      checkRegion(store, il, dl, tag, type, offset, count, (r) => bad(`${where}: ${r}`));
      continue;
    }
    if (tag < 100) throw bad(`${where}: tag below 100`);
    if (type < RPM_TYPE.CHAR || type > RPM_TYPE.I18NSTRING) throw bad(`${where}: unknown type`);
    if (!entries.has(tag))
      entries.set(tag, { tag, type, value: decodeValue(store, dl, type, offset, count, (r) => bad(`${where}: ${r}`)) });
  }
  return entries;
}

/** The region entry points at a 16-byte trailer whose negative offset covers at most il entries. */
function checkRegion(
  store: Buffer,
  il: number,
  dl: number,
  tag: number,
  type: number,
  offset: number,
  count: number,
  bad: (r: string) => Error,
): void {
  if (type !== RPM_TYPE.BIN || count !== 16 || offset + 16 > dl) throw bad('malformed region entry');
  const trailerTag = store.readInt32BE(offset);
  const trailerType = store.readUInt32BE(offset + 4);
  const trailerOffset = store.readInt32BE(offset + 8);
  const trailerCount = store.readUInt32BE(offset + 12);
  const covered = -trailerOffset / 16;
  if (
    trailerTag !== tag ||
    trailerType !== RPM_TYPE.BIN ||
    trailerCount !== 16 ||
    !Number.isInteger(covered) ||
    covered < 1 ||
    covered > il
  ) {
    throw bad('malformed region trailer');
  }
}

function decodeValue(
  store: Buffer,
  dl: number,
  type: number,
  offset: number,
  count: number,
  bad: (r: string) => Error,
): RpmHeaderEntry['value'] {
  if (type === RPM_TYPE.STRING || type === RPM_TYPE.STRING_ARRAY || type === RPM_TYPE.I18NSTRING) {
    if (type === RPM_TYPE.STRING && count !== 1) throw bad('a STRING must have count 1');
    const strings: string[] = [];
    let at = offset;
    for (let i = 0; i < count; i++) {
      const end = store.indexOf(0, at);
      if (end < 0 || end >= dl) throw bad('string runs past the data store');
      strings.push(decodeString(store.subarray(at, end)));
      at = end + 1;
    }
    return type === RPM_TYPE.STRING ? strings[0]! : strings;
  }
  const width = WIDTH[type]!;
  if (offset % width !== 0) throw bad(`misaligned ${width * 8}-bit data`);
  const end = offset + count * width;
  if (end > dl) throw bad('data runs past the data store');
  if (type === RPM_TYPE.BIN || type === RPM_TYPE.CHAR) return Buffer.from(store.subarray(offset, end));
  const values = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const at = offset + i * width;
    values[i] =
      width === 1
        ? store[at]!
        : width === 2
          ? store.readUInt16BE(at)
          : width === 4
            ? store.readUInt32BE(at)
            : Number(store.readBigUInt64BE(at));
  }
  return values;
}

/** UTF-8 when valid, else Latin-1 (old packages), as createrepo_c does. */
function decodeString(bytes: Buffer): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

// ---------------------------------------------------------------------------------------------
// Typed accessors

type Source = Pick<RpmFileInfo, 'path' | 'header'>;

/** A STRING tag (or the first string of an array / the C locale of an I18NSTRING); undefined when absent. */
export function headerString(info: Source, tag: number): string | undefined {
  const entry = info.header.get(tag);
  if (entry === undefined) return undefined;
  if (typeof entry.value === 'string') return entry.value;
  if (Array.isArray(entry.value) && typeof entry.value[0] === 'string') return entry.value[0];
  throw invalid(info.path, `tag ${tag} is not a string`);
}

/** A string-array tag ([] when absent; a plain STRING counts as one element). */
export function headerStrings(info: Source, tag: number): string[] {
  const entry = info.header.get(tag);
  if (entry === undefined) return [];
  if (typeof entry.value === 'string') return [entry.value];
  if (Array.isArray(entry.value) && entry.value.every((v) => typeof v === 'string')) return entry.value;
  throw invalid(info.path, `tag ${tag} is not a string array`);
}

/** An integer-array tag ([] when absent). */
export function headerNumbers(info: Source, tag: number): number[] {
  const entry = info.header.get(tag);
  if (entry === undefined) return [];
  if (Array.isArray(entry.value) && entry.value.every((v) => typeof v === 'number')) return entry.value;
  throw invalid(info.path, `tag ${tag} is not an integer array`);
}

/** The first integer of a tag, or undefined. */
export function headerNumber(info: Source, tag: number): number | undefined {
  return headerNumbers(info, tag)[0];
}

/** The signature header as a Source, so the typed accessors read SIGTAG entries too. */
export function signatureOf(info: Pick<RpmFileInfo, 'path' | 'signature'>): Source {
  return { path: info.path, header: info.signature };
}

/** The identity of a package: name, epoch, version, release and arch. */
export interface RpmNevra {
  name: string;
  /** undefined when the package has no EPOCH tag (rpm treats it as 0). */
  epoch: number | undefined;
  version: string;
  release: string;
  /** "src" for source packages, like createrepo_c. */
  arch: string;
}

/** Name, epoch, version, release and arch; a package missing one of them is refused. */
export function rpmNevra(info: Source): RpmNevra {
  const need = (tag: number, label: string) => {
    const value = headerString(info, tag);
    if (value === undefined || value === '') throw invalid(info.path, `the header has no ${label}`);
    return value;
  };
  const name = need(TAG.NAME, 'NAME');
  const version = need(TAG.VERSION, 'VERSION');
  const release = need(TAG.RELEASE, 'RELEASE');
  const arch = info.header.has(READTAG.SOURCEPACKAGE) ? 'src' : need(TAG.ARCH, 'ARCH');
  return { name, epoch: headerNumber(info, READTAG.EPOCH), version, release, arch };
}

/** The conventional file name N-V-R.A.rpm (the epoch is never part of it). */
export function rpmFileName(nevra: RpmNevra): string {
  return `${nevra.name}-${nevra.version}-${nevra.release}.${nevra.arch}.rpm`;
}

/** One entry of a dependency list (Provides, Requires, ...). */
export interface RpmDependency {
  name: string;
  /** Sense flags (tags.ts SENSE). */
  flags: number;
  /** "" when unversioned, else [E:]V[-R]. */
  version: string;
}

/** The dependency lists an rpm header can carry. */
export type RpmDependencyKind =
  'provides' | 'requires' | 'conflicts' | 'obsoletes' | 'recommends' | 'suggests' | 'supplements' | 'enhances';

const DEPENDENCY_TAGS: Record<RpmDependencyKind, [number, number, number]> = {
  provides: [TAG.PROVIDENAME, TAG.PROVIDEFLAGS, TAG.PROVIDEVERSION],
  requires: [TAG.REQUIRENAME, TAG.REQUIREFLAGS, TAG.REQUIREVERSION],
  conflicts: [READTAG.CONFLICTNAME, READTAG.CONFLICTFLAGS, READTAG.CONFLICTVERSION],
  obsoletes: [READTAG.OBSOLETENAME, READTAG.OBSOLETEFLAGS, READTAG.OBSOLETEVERSION],
  recommends: [READTAG.RECOMMENDNAME, READTAG.RECOMMENDFLAGS, READTAG.RECOMMENDVERSION],
  suggests: [READTAG.SUGGESTNAME, READTAG.SUGGESTFLAGS, READTAG.SUGGESTVERSION],
  supplements: [READTAG.SUPPLEMENTNAME, READTAG.SUPPLEMENTFLAGS, READTAG.SUPPLEMENTVERSION],
  enhances: [READTAG.ENHANCENAME, READTAG.ENHANCEFLAGS, READTAG.ENHANCEVERSION],
};

/** One dependency list in header order (rpmlib() entries included). */
export function rpmDependencies(info: Source, kind: RpmDependencyKind): RpmDependency[] {
  const [nameTag, flagsTag, versionTag] = DEPENDENCY_TAGS[kind];
  const names = headerStrings(info, nameTag);
  const flags = headerNumbers(info, flagsTag);
  const versions = headerStrings(info, versionTag);
  sameLength(info, kind, names.length, flags.length, versions.length);
  return names.map((name, i) => ({ name, flags: flags[i]!, version: versions[i]! }));
}

/** One file the package lists, with its header attributes. */
export interface RpmFileEntry {
  path: string;
  /** Full st_mode. */
  mode: number;
  /** File flags (tags.ts FILEFLAG, FILEFLAG_GHOST). */
  flags: number;
  size: number;
  linkTo: string;
  /** Hex digest, "" for directories and symlinks. */
  digest: string;
  user: string;
  group: string;
}

/** True for %ghost files (listed by the package, not in its payload). */
export function isGhost(file: Pick<RpmFileEntry, 'flags'>): boolean {
  return (file.flags & FILEFLAG_GHOST) !== 0;
}

/** The file list in header order, joined from DIRNAMES + BASENAMES + DIRINDEXES (or OLDFILENAMES). */
export function rpmFileList(info: Source): RpmFileEntry[] {
  const paths = filePaths(info);
  const n = paths.length;
  const column = <T>(values: T[], label: string, fallback: T): T[] => {
    if (values.length === 0) return new Array<T>(n).fill(fallback);
    sameLength(info, `file ${label}`, n, values.length);
    return values;
  };
  const modes = column(headerNumbers(info, TAG.FILEMODES), 'modes', 0);
  const flags = column(headerNumbers(info, TAG.FILEFLAGS), 'flags', 0);
  const sizes = column(
    info.header.has(READTAG.LONGFILESIZES)
      ? headerNumbers(info, READTAG.LONGFILESIZES)
      : headerNumbers(info, TAG.FILESIZES),
    'sizes',
    0,
  );
  const links = column(headerStrings(info, TAG.FILELINKTOS), 'link targets', '');
  const digests = column(headerStrings(info, TAG.FILEDIGESTS), 'digests', '');
  const users = column(headerStrings(info, TAG.FILEUSERNAME), 'owners', 'root');
  const groups = column(headerStrings(info, TAG.FILEGROUPNAME), 'groups', 'root');
  return paths.map((path, i) => ({
    path,
    mode: modes[i]!,
    flags: flags[i]!,
    size: sizes[i]!,
    linkTo: links[i]!,
    digest: digests[i]!,
    user: users[i]!,
    group: groups[i]!,
  }));
}

function filePaths(info: Source): string[] {
  const basenames = headerStrings(info, TAG.BASENAMES);
  if (basenames.length === 0) return headerStrings(info, READTAG.OLDFILENAMES);
  const dirnames = headerStrings(info, TAG.DIRNAMES);
  const indexes = headerNumbers(info, TAG.DIRINDEXES);
  sameLength(info, 'basenames/dirindexes', basenames.length, indexes.length);
  return basenames.map((base, i) => {
    const dir = dirnames[indexes[i]!];
    if (dir === undefined) throw invalid(info.path, `file ${base}: directory index ${indexes[i]} out of range`);
    return dir + base;
  });
}

/** One %changelog entry. */
export interface RpmChangelogEntry {
  time: number;
  author: string;
  text: string;
}

/** Changelog entries in header order (newest first, as rpmbuild writes them). */
export function rpmChangelog(info: Source): RpmChangelogEntry[] {
  const times = headerNumbers(info, TAG.CHANGELOGTIME);
  const authors = headerStrings(info, TAG.CHANGELOGNAME);
  const texts = headerStrings(info, TAG.CHANGELOGTEXT);
  sameLength(info, 'changelog', times.length, authors.length, texts.length);
  return times.map((time, i) => ({ time, author: authors[i]!, text: texts[i]! }));
}

/** Installed size (SIZE / LONGSIZE) and uncompressed payload size (signature PAYLOADSIZE / LONGARCHIVESIZE). */
export function rpmSizes(info: Pick<RpmFileInfo, 'path' | 'header' | 'signature'>): {
  installed: number;
  archive: number;
} {
  const sig = signatureOf(info);
  const installed = headerNumber(info, READTAG.LONGSIZE) ?? headerNumber(info, TAG.SIZE) ?? 0;
  const archive =
    headerNumber(sig, SIGTAG.LONGARCHIVESIZE) ??
    headerNumber(sig, SIGTAG.PAYLOADSIZE) ??
    headerNumber(info, READTAG.ARCHIVESIZE) ??
    0;
  return { installed, archive };
}

function sameLength(info: Source, what: string, ...lengths: number[]): void {
  if (lengths.some((l) => l !== lengths[0]))
    throw invalid(info.path, `${what}: parallel header arrays differ in length (${lengths.join(', ')})`);
}
