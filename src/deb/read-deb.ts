// Reads a .deb without unpacking it (deb(5), docs/internals/deb-archive.md): the ar members, header by header
// (the data is never loaded), the control stanza from control.tar.*, and whether a debsigs
// `_gpgorigin` member is present. Also the deb822 parser for control stanzas and Packages files.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { UserError } from '../errors.js';
import { createDecompressor, compressionOfName } from '../util/decompress.js';
import { AR_MAGIC } from './ar.js';

/** One ar member: its name (without GNU's trailing "/"), where its data starts, its size. */
export interface ArMember {
  name: string;
  offset: number;
  size: number;
}

/** One deb822 field in file order; `value` keeps continuation lines ("\n" + " line"). */
export interface ControlField {
  name: string;
  value: string;
}

/** What readDeb finds in a .deb without unpacking its data. */
export interface DebInfo {
  file: string;
  /** Size of the whole .deb in bytes. */
  size: number;
  members: ArMember[];
  /** The control file, exactly as stored in control.tar.*. */
  control: string;
  /** The control stanza's fields in order. */
  fields: ControlField[];
  /** Regular files in control.tar.* (control, md5sums, conffiles, postinst, ...). */
  controlFiles: string[];
  /** True when a debsigs origin signature member (`_gpgorigin`) is present. */
  hasGpgOrigin: boolean;
}

const AR_HEADER = 60;
/** Upper bound for one file read out of control.tar (the control stanza is a few KiB). */
const MAX_CONTROL_FILE = 16 << 20;

/** Reads the members and the control stanza of `file`; a UserError naming the file if it is not a .deb. */
export async function readDeb(file: string): Promise<DebInfo> {
  const { size, members } = await readArMembers(file);
  const controlMember = members.find((m) => /^control\.tar(\.[a-z0-9]+)?$/.test(m.name));
  if (!controlMember) throw notDeb(file, 'no control.tar.* member');
  if (!members.some((m) => /^data\.tar(\.[a-z0-9]+)?$/.test(m.name))) throw notDeb(file, 'no data.tar.* member');
  const controlFiles: string[] = [];
  const read = await readControlArchive(file, controlMember, (name) => {
    controlFiles.push(name);
    return name === 'control';
  });
  const body = read.get('control');
  if (body === undefined) throw notDeb(file, `${controlMember.name} has no control file`);
  const control = body.toString('utf8');
  return {
    file,
    size,
    members,
    control,
    fields: parseControlFields(control, `${file}: control`),
    controlFiles,
    hasGpgOrigin: members.some((m) => m.name === '_gpgorigin'),
  };
}

/** The ar members of a .deb, reading only the 60-byte headers; checks the magic, debian-binary first and member sizes. */
export async function readArMembers(file: string): Promise<{ size: number; members: ArMember[] }> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new UserError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      code: 'PKGAPP_DEB_UNREADABLE',
      cause: error,
    });
  }
  try {
    const size = (await handle.stat()).size;
    const magic = Buffer.alloc(AR_MAGIC.length);
    await handle.read(magic, 0, magic.length, 0);
    if (!magic.equals(AR_MAGIC)) throw notDeb(file, 'no ar archive magic');
    const members: ArMember[] = [];
    const header = Buffer.alloc(AR_HEADER);
    let position = AR_MAGIC.length;
    while (position < size) {
      const { bytesRead } = await handle.read(header, 0, AR_HEADER, position);
      if (bytesRead < AR_HEADER) throw notDeb(file, `truncated member header at offset ${position}`);
      const member = decodeArHeader(header, position + AR_HEADER);
      if (!member) throw notDeb(file, `invalid member header at offset ${position}`);
      if (member.offset + member.size > size) throw notDeb(file, `member ${member.name} is truncated`);
      members.push(member);
      position = member.offset + member.size + (member.size % 2);
    }
    if (members[0]?.name !== 'debian-binary') throw notDeb(file, 'the first member is not debian-binary');
    const version = Buffer.alloc(Math.min(members[0].size, 16));
    await handle.read(version, 0, version.length, members[0].offset);
    if (!/^2\.\d+\n/.test(version.toString('latin1')))
      throw notDeb(file, `unsupported format version "${version.toString('latin1').trim()}"`);
    return { size, members };
  } finally {
    await handle.close();
  }
}

/** The raw bytes of one member, streamed from disk. */
export function memberStream(file: string, member: ArMember): Readable {
  if (member.size === 0) return Readable.from([]);
  return createReadStream(file, { start: member.offset, end: member.offset + member.size - 1 });
}

/**
 * Regular files of a control.tar.* member for which `wanted(name)` is true ("./" stripped),
 * decompressed and read whole (each at most 16 MiB); `wanted` sees every file name in order.
 */
export async function readControlArchive(
  file: string,
  member: ArMember,
  wanted: (name: string) => boolean,
): Promise<Map<string, Buffer>> {
  const compression = compressionOfName(member.name);
  if (compression === undefined) throw notDeb(file, `unsupported compression of ${member.name}`);
  const extract = tar.extract();
  const feed = pipeline(
    memberStream(file, member),
    createDecompressor(compression),
    async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) {
        if (!extract.write(chunk)) await once(extract, 'drain');
      }
      extract.end(() => undefined); // streamx: a function argument is a finish listener
    },
  ).catch((error: unknown) => {
    extract.destroy(error as Error);
    throw error;
  });
  const found = new Map<string, Buffer>();
  const consume = async () => {
    for await (const entry of extract) {
      const name = entry.header.name.replace(/^\.\//, '');
      if (entry.header.type !== 'file' || !name || !wanted(name)) {
        entry.resume();
        continue;
      }
      const chunks: Buffer[] = [];
      let length = 0;
      for await (const chunk of entry) {
        length += (chunk as Buffer).length;
        if (length > MAX_CONTROL_FILE)
          throw notDeb(file, `${member.name}: ${name} is larger than ${MAX_CONTROL_FILE} bytes`);
        chunks.push(chunk as Buffer);
      }
      found.set(name, Buffer.concat(chunks));
    }
  };
  try {
    await Promise.all([
      feed,
      consume().catch((error: unknown) => {
        extract.destroy(error as Error);
        throw error;
      }),
    ]);
  } catch (error) {
    if (error instanceof UserError) throw error;
    const lines = String((error as Error).message ?? error)
      .split('\n')
      .filter((l) => l.trim());
    const why = lines.length > 1 ? `${lines[0]}: ${lines[lines.length - 1]!.trim()}` : lines[0];
    throw notDeb(file, `${member.name} cannot be read: ${why}`, error);
  }
  return found;
}

/** Fields of one deb822 stanza (deb-control(5)): "Name: value", continuation lines start with a space or tab. */
export function parseControlFields(text: string, where: string): ControlField[] {
  const stanzas = parseDeb822(text, where);
  if (stanzas.length !== 1)
    throw new UserError(`${where}: expected one stanza, found ${stanzas.length}`, { code: 'PKGAPP_CONTROL_INVALID' });
  return stanzas[0]!;
}

/** Stanzas of a deb822 file (Packages, Release, control), separated by blank lines; fields keep their order. */
export function parseDeb822(text: string, where: string): ControlField[][] {
  const stanzas: ControlField[][] = [];
  let current: ControlField[] = [];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') {
      if (current.length) stanzas.push(current);
      current = [];
    } else if (line.startsWith(' ') || line.startsWith('\t')) {
      const last = current[current.length - 1];
      if (!last)
        throw new UserError(`${where}, line ${index + 1}: continuation line without a field`, {
          code: 'PKGAPP_CONTROL_INVALID',
        });
      last.value += `\n${line.trimEnd()}`;
    } else {
      const match = /^([!-9;-~][!-9;-~]*):(.*)$/.exec(line);
      if (!match)
        throw new UserError(
          `${where}, line ${index + 1}: not a "Field: value" line: ${JSON.stringify(line.slice(0, 80))}`,
          { code: 'PKGAPP_CONTROL_INVALID' },
        );
      const name = match[1]!;
      if (current.some((f) => f.name.toLowerCase() === name.toLowerCase())) {
        throw new UserError(`${where}, line ${index + 1}: duplicate field ${name}`, { code: 'PKGAPP_CONTROL_INVALID' });
      }
      current.push({ name, value: match[2]!.trim() });
    }
  });
  if (current.length) stanzas.push(current);
  return stanzas;
}

/** A field's value by name (field names are case-insensitive in deb822). */
export function fieldValue(fields: readonly ControlField[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return fields.find((f) => f.name.toLowerCase() === lower)?.value;
}

function decodeArHeader(header: Buffer, offset: number): ArMember | undefined {
  const text = header.toString('latin1');
  if (text.slice(58, 60) !== '`\n') return undefined;
  const name = text.slice(0, 16).trimEnd().replace(/\/$/, '');
  const sizeText = text.slice(48, 58).trimEnd();
  if (!name || !/^\d+$/.test(sizeText)) return undefined;
  return { name, offset, size: Number(sizeText) };
}

function notDeb(file: string, why: string, cause?: unknown): UserError {
  return new UserError(`${file}: not a valid Debian package (${why})`, {
    code: 'PKGAPP_DEB_INVALID',
    hint: 'Pass a .deb built by `pkgapp build --target deb` or dpkg-deb',
    cause,
  });
}
