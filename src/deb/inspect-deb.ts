// inspect for a .deb: the ar members, the control stanza and relation fields, maintainer
// scripts and conffiles from control.tar.*, and the file list from data.tar.* streamed through
// the decompressor header by header (file data is never kept), plus any debsigs members.
import { UserError } from '../errors.js';
import {
  addToSummary,
  scriptHead,
  type FileSummary,
  type FoundSignature,
  type InspectedConffile,
  type InspectedFile,
  type InspectedFileType,
  type InspectedScript,
} from '../inspect/inspection.js';
import { describeElfObjects } from '../inspect/elf-objects.js';
import { PayloadElfCapture } from '../inspect/payload-elf-capture.js';
import { readSignaturePacket } from '../inspect/signature-packet.js';
import { listTar, type TarHeader } from '../inspect/tar-listing.js';
import { compressionOfName } from '../util/decompress.js';
import { DEB_RELATION_FIELDS, type DebInspection } from './deb-inspection.js';
import {
  fieldValue,
  memberStream,
  parseControlFields,
  readArMembers,
  readControlArchive,
  type ArMember,
} from './read-deb.js';

const SCRIPTS = ['preinst', 'postinst', 'prerm', 'postrm'] as const;
/** Upper bound for one signature member read into memory (a detached signature is < 2 KiB). */
const MAX_SIGNATURE_MEMBER = 1 << 20;
/** The file list stops growing here (the summary still counts everything): no real package comes close. */
const MAX_LISTED_FILES = 1_000_000;
const MAX_LISTED_PATH_BYTES = 128 << 20;

const TYPE_BITS: Record<InspectedFileType, number> = {
  file: 0o100000,
  hardlink: 0o100000,
  directory: 0o040000,
  symlink: 0o120000,
  'char-device': 0o020000,
  'block-device': 0o060000,
  fifo: 0o010000,
  socket: 0o140000,
  other: 0,
};

/** Inspects the .deb `file`; a UserError naming the file when it is not a readable Debian package. */
export async function inspectDeb(file: string): Promise<DebInspection> {
  const { size, members } = await readArMembers(file);
  const controlMember = members.find((m) => /^control\.tar(\.[a-z0-9]+)?$/.test(m.name));
  const dataMember = members.find((m) => /^data\.tar(\.[a-z0-9]+)?$/.test(m.name));
  if (!controlMember) throw notDeb(file, 'no control.tar.* member');
  if (!dataMember) throw notDeb(file, 'no data.tar.* member');

  const wanted = new Set<string>(['control', 'conffiles', ...SCRIPTS]);
  const controlFiles: string[] = [];
  const found = await readControlArchive(file, controlMember, (name) => {
    controlFiles.push(name);
    return wanted.has(name);
  });
  const controlText = found.get('control')?.toString('utf8');
  if (controlText === undefined) throw notDeb(file, `${controlMember.name} has no control file`);
  const control = parseControlFields(controlText, `${file}: control`);
  const field = (name: string) => fieldValue(control, name);

  const dependencies: DebInspection['dependencies'] = {};
  for (const name of DEB_RELATION_FIELDS) {
    const value = field(name);
    if (value !== undefined)
      dependencies[name] = value
        .split(',')
        .map((c) => c.replace(/\s+/g, ' ').trim())
        .filter(Boolean);
  }
  const scripts: InspectedScript[] = [];
  for (const name of SCRIPTS) {
    const body = found.get(name);
    if (body !== undefined) scripts.push(debScript(name, body));
  }
  const conffiles = parseConffiles(found.get('conffiles')?.toString('utf8') ?? '');
  const capture = new PayloadElfCapture();
  let listing: Listing;
  try {
    listing = await listData(file, dataMember, capture);
  } finally {
    await capture.close();
  }
  const signatures = await debSignatures(file, members);
  const formatVersion = (await readMember(file, { ...members[0]!, size: Math.min(members[0]!.size, 16) }))
    .toString('latin1')
    .split('\n')[0]!;
  return {
    file,
    format: 'deb',
    size,
    name: field('Package') ?? '',
    version: field('Version') ?? '',
    architecture: field('Architecture') ?? '',
    formatVersion,
    members: members.map((m) => ({ name: m.name, size: m.size })),
    control,
    dependencies,
    controlFiles,
    scripts,
    conffiles,
    ...listing,
    signature: { signed: signatures.some((s) => s.source === '_gpgorigin'), signatures, digests: [] },
    elf: await debElf(capture, listing, field('Architecture') ?? '', dependencies),
  };
}

/** The ELF section: objects found while listing data.tar, described against Depends and Pre-Depends. */
async function debElf(
  capture: PayloadElfCapture,
  listing: Listing,
  debArch: string,
  dependencies: DebInspection['dependencies'],
): Promise<DebInspection['elf']> {
  if (listing.files === undefined) return { objects: [], problems: [`not read: ${listing.filesUnavailable ?? ''}`] };
  return describeElfObjects(capture.found, {
    format: 'deb',
    debArch,
    files: listing.files,
    depends: [...(dependencies['Pre-Depends'] ?? []), ...(dependencies.Depends ?? [])],
  });
}

function debScript(name: string, body: Buffer): InspectedScript {
  const text = body.toString('utf8');
  return { name, ...scriptHead(text), text, size: body.length };
}

/** conffiles(5): one absolute path per line, or "remove-on-upgrade PATH". */
function parseConffiles(text: string): InspectedConffile[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const remove = /^remove-on-upgrade\s+(\S.*)$/.exec(line);
      return remove ? { path: remove[1]!, removeOnUpgrade: true } : { path: line };
    });
}

type Listing = Pick<DebInspection, 'files' | 'filesUnavailable' | 'filesIncomplete' | 'fileSummary'>;

/** The data.tar.* headers, streamed (the ELF objects copied out as they pass: `capture`); a compression pkgapp cannot decompress leaves the list out instead of failing. */
async function listData(file: string, member: ArMember, capture: PayloadElfCapture): Promise<Listing> {
  const fileSummary: FileSummary = { entries: 0, directories: 0, files: 0, symlinks: 0, other: 0, bytes: 0 };
  const compression = compressionOfName(member.name);
  if (compression === undefined)
    return {
      files: undefined,
      filesUnavailable: `${member.name}: this compression is not supported by pkgapp`,
      fileSummary,
    };
  const files: InspectedFile[] = [];
  let pathBytes = 0;
  let incomplete = false;
  try {
    await listTar(memberStream(file, member), compression, (header) => {
      const entry = debFile(header);
      addToSummary(fileSummary, entry);
      pathBytes += entry.path.length + (entry.linkTo?.length ?? 0);
      if (files.length >= MAX_LISTED_FILES || pathBytes > MAX_LISTED_PATH_BYTES) incomplete = true;
      else files.push(entry);
      return entry.type === 'file' ? capture.sinkFor(entry.path, entry.mode, entry.size) : undefined;
    });
  } catch (error) {
    throw notDeb(file, `${member.name} cannot be read: ${oneLine(error)}`, error);
  }
  return { files, fileSummary, ...(incomplete ? { filesIncomplete: true } : {}) };
}

function debFile(header: TarHeader): InspectedFile {
  const type = tarType(header.type);
  const permissions = Number.isInteger(header.mode) ? header.mode & 0o7777 : 0;
  const name = header.name.replace(/^\.?\/+/, '').replace(/\/+$/, '');
  const mtime = header.mtime instanceof Date ? header.mtime.getTime() : undefined;
  const entry: InspectedFile = {
    path: `/${name}`,
    type,
    mode: TYPE_BITS[type] | permissions,
    size: Number.isFinite(header.size) ? header.size : 0,
    user: header.uname || String(header.uid ?? 0),
    group: header.gname || String(header.gid ?? 0),
  };
  if (typeof header.linkname === 'string' && header.linkname)
    entry.linkTo = type === 'hardlink' ? `/${header.linkname.replace(/^\.?\/+/, '')}` : header.linkname;
  if (mtime !== undefined && Number.isFinite(mtime)) entry.mtime = Math.floor(mtime / 1000);
  return entry;
}

function tarType(type: TarHeader['type']): InspectedFileType {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    case 'character-device':
      return 'char-device';
    case 'block-device':
      return 'block-device';
    case 'fifo':
      return 'fifo';
    default:
      return 'other';
  }
}

/** debsigs members (_gpgorigin, _gpgbuilder, _gpgmaint...) and who signed them, read without a key. */
async function debSignatures(file: string, members: readonly ArMember[]): Promise<FoundSignature[]> {
  const found: FoundSignature[] = [];
  for (const member of members.filter((m) => m.name.startsWith('_gpg'))) {
    const signature: FoundSignature = { source: member.name, covers: 'debian-binary + control + data' };
    if (member.size > MAX_SIGNATURE_MEMBER) signature.unreadable = `${member.size} bytes, too large for a signature`;
    else {
      const bytes = await readMember(file, member);
      try {
        Object.assign(signature, readSignaturePacket(bytes));
      } catch (error) {
        signature.unreadable = (error as Error).message;
      }
    }
    found.push(signature);
  }
  return found;
}

/** A small member's bytes (callers bound the size). */
async function readMember(file: string, member: ArMember): Promise<Buffer> {
  const parts: Buffer[] = [];
  try {
    for await (const chunk of memberStream(file, member)) parts.push(chunk as Buffer);
  } catch (error) {
    throw new UserError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? oneLine(error)})`, {
      code: 'PKGAPP_DEB_UNREADABLE',
      hint: 'Check the file and the disk (was it removed or truncated while being read?), then retry',
      cause: error,
    });
  }
  return Buffer.concat(parts);
}

/** An error's message on one line: "first line: last line" for a tool's multi-line stderr. */
export function oneLine(error: unknown): string {
  const lines = String((error as Error)?.message ?? error)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return (lines.length > 1 ? `${lines[0]}: ${lines[lines.length - 1]}` : (lines[0] ?? 'unknown error')).slice(0, 500);
}

function notDeb(file: string, why: string, cause?: unknown): UserError {
  if (cause instanceof UserError) return cause;
  return new UserError(`${file}: not a valid Debian package (${why})`, {
    code: 'PKGAPP_DEB_INVALID',
    hint: 'Is it a complete .deb file? Rebuild it, or copy it again',
    cause,
  });
}
