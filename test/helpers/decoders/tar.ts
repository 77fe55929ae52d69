// An independent tar reader for tests: ustar and the GNU flavour (././@LongLink names and link
// targets, base-256 sizes), written from the format (GNU tar's "Basic Tar Format"; what dpkg
// accepts is in docs/internals/deb-archive.md#tar-flavour-dpkg-accepts), not from src/.
// Strict: a bad checksum, non-zero padding, a PAX header or a missing end marker throws.

export interface TarMember {
  /** Offset of the member's first header block (its ././@LongLink blocks, if any). */
  offset: number;
  name: string;
  /** The typeflag character: "0" file, "5" directory, "2" symlink. */
  type: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  size: number;
  mtime: number;
  linkname: string;
  /** magic + version, e.g. "ustar  \0" (GNU) or "ustar\u000000" (POSIX). */
  magic: string;
  /** The header block itself (the last one, after any ././@LongLink pair). */
  header: Buffer;
  data: Buffer;
  /** Names of the ././@LongLink records that preceded it ("L", "K"). */
  longLinks: string[];
}

const BLOCK = 512;

/** Every member of an uncompressed archive, in order. */
export function readTar(archive: Buffer): TarMember[] {
  if (archive.length % BLOCK !== 0) throw new Error(`tar: ${archive.length} bytes is not a whole number of blocks`);
  const members: TarMember[] = [];
  let pos = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let start = 0;
  const longLinks: string[] = [];
  for (;;) {
    if (pos + BLOCK > archive.length) throw new Error('tar: no end-of-archive marker (two zero blocks)');
    const header = archive.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) {
      const next = archive.subarray(pos + BLOCK, pos + 2 * BLOCK);
      if (next.length !== BLOCK || !next.every((b) => b === 0)) throw new Error(`tar: a single zero block at ${pos}`);
      if (longName !== undefined || longLink !== undefined) throw new Error('tar: ././@LongLink without a member');
      return members;
    }
    if (longLinks.length === 0) start = pos;
    verifyChecksum(header, pos);
    const type = String.fromCharCode(header[156]!);
    const size = readSize(header.subarray(124, 136));
    const dataStart = pos + BLOCK;
    const data = archive.subarray(dataStart, dataStart + size);
    if (data.length !== size) throw new Error(`tar: member at ${pos} runs past the end`);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    const padding = archive.subarray(dataStart + size, dataStart + padded);
    if (!padding.every((b) => b === 0)) throw new Error(`tar: non-zero padding after the member at ${pos}`);
    pos = dataStart + padded;
    if (type === 'L' || type === 'K') {
      if (cString(header.subarray(0, 100)) !== '././@LongLink')
        throw new Error(`tar: ${type} record not named ././@LongLink`);
      if (data[data.length - 1] !== 0) throw new Error('tar: ././@LongLink value not NUL-terminated');
      const value = data.subarray(0, data.length - 1).toString('utf8');
      if (type === 'L') longName = value;
      else longLink = value;
      longLinks.push(type);
      continue;
    }
    if (type === 'x' || type === 'g') throw new Error('tar: PAX header (dpkg refuses them)');
    members.push({
      offset: start,
      name: longName ?? cString(header.subarray(0, 100)),
      type,
      mode: octal(header.subarray(100, 108)),
      uid: octal(header.subarray(108, 116)),
      gid: octal(header.subarray(116, 124)),
      uname: cString(header.subarray(265, 297)),
      gname: cString(header.subarray(297, 329)),
      size,
      mtime: octal(header.subarray(136, 148)),
      linkname: longLink ?? cString(header.subarray(157, 257)),
      magic: header.subarray(257, 265).toString('latin1'),
      header: Buffer.from(header),
      data: Buffer.from(data),
      longLinks: longLinks.splice(0),
    });
    longName = undefined;
    longLink = undefined;
  }
}

/** One header block's fields (checksum verified), without its data. */
export function readTarHeader(header: Buffer): {
  name: string;
  type: string;
  mode: number;
  size: number;
  mtime: number;
  linkname: string;
} {
  verifyChecksum(header, 0);
  return {
    name: cString(header.subarray(0, 100)),
    type: String.fromCharCode(header[156]!),
    mode: octal(header.subarray(100, 108)),
    size: readSize(header.subarray(124, 136)),
    mtime: octal(header.subarray(136, 148)),
    linkname: cString(header.subarray(157, 257)),
  };
}

/** The header's checksum: the sum of its bytes with the checksum field counted as 8 spaces. */
export function headerChecksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum;
}

function verifyChecksum(header: Buffer, pos: number): void {
  const stored = octal(header.subarray(148, 156));
  if (stored !== headerChecksum(header))
    throw new Error(`tar: bad header checksum at ${pos} (${stored} stored, ${headerChecksum(header)} computed)`);
}

/** Octal digits terminated by NUL or space; GNU base-256 when the high bit of the first byte is set. */
function readSize(field: Buffer): number {
  if (field[0]! & 0x80) {
    let value = BigInt(field[0]! & 0x7f);
    for (let i = 1; i < field.length; i++) value = (value << 8n) | BigInt(field[i]!);
    return Number(value);
  }
  return octal(field);
}

function octal(field: Buffer): number {
  const text = field.toString('latin1').replace(/[\0 ].*$/s, '');
  if (!/^[0-7]*$/.test(text)) throw new Error(`tar: "${field.toString('latin1')}" is not an octal field`);
  return text === '' ? 0 : parseInt(text, 8);
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
}
