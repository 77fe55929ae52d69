// GNU tar headers, the flavour dpkg-deb writes: long names through ././@LongLink, never PAX
// (dpkg refuses PAX headers, docs/internals/deb-archive.md#tar-flavour-dpkg-accepts). Pure: entries in, 512-byte blocks out.

export const BLOCK = 512;

export type TarType = 'file' | 'dir' | 'symlink';

export interface TarHeaderFields {
  /** Member name as stored, e.g. "./opt/app/" (directories end with "/"). */
  name: string;
  type: TarType;
  mode: number;
  size: number;
  mtime: number;
  linkname?: string;
}

const TYPEFLAG: Record<TarType, string> = { file: '0', dir: '5', symlink: '2' };
const GNU_MAGIC = 'ustar  \0'; // "ustar" + two spaces + NUL: magic and version of the GNU format
const MAX_OCTAL_11 = 0o77777777777; // 8 GiB - 1

/**
 * The header block(s) for one entry: a ././@LongLink block pair for a name or link target
 * over 100 bytes, then the entry's own header.
 */
export function encodeTarHeader(fields: TarHeaderFields): Buffer {
  const name = Buffer.from(fields.name);
  const link = Buffer.from(fields.linkname ?? '');
  const blocks: Buffer[] = [];
  if (link.length > 100) blocks.push(...longLink('K', link));
  if (name.length > 100) blocks.push(...longLink('L', name));
  blocks.push(
    headerBlock(
      name.subarray(0, 100),
      fields.type === 'file' ? fields.size : 0,
      fields.mode,
      fields.mtime,
      TYPEFLAG[fields.type],
      link.subarray(0, 100),
    ),
  );
  return Buffer.concat(blocks);
}

/** Zero bytes that pad a member's data to a whole block. */
export function tarPadding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** The end-of-archive marker: two zero blocks. */
export function tarTrailer(): Buffer {
  return Buffer.alloc(2 * BLOCK);
}

/**
 * encodeTarHeader without allocating: the header goes into a buffer reused from call to call
 * (the view returned is valid until the next call). 40k+ entries per archive, and a warm build
 * encodes every header to look its segments up: the fields every entry shares (owners, magic,
 * the build's mtime) are kept in a template block, the others written digit by digit.
 */
export class TarHeaderEncoder {
  private readonly block = Buffer.alloc(BLOCK);
  private readonly template = Buffer.alloc(BLOCK);
  private templateMtime = -1;
  /** The blocks of an entry with a long name or target: ././@LongLink pairs, then its header. */
  private long = Buffer.alloc(8 * BLOCK);

  encode(fields: TarHeaderFields): Buffer {
    const link = fields.linkname ?? '';
    const size = fields.type === 'file' ? fields.size : 0;
    // Sizes past 8 GiB are rare: the allocating encoder handles them.
    if (size > MAX_OCTAL_11) return encodeTarHeader(fields);
    if (fields.mtime !== this.templateMtime) {
      this.template.fill(0);
      fillHeader(this.template, 0, 0, fields.mtime, '\0');
      this.templateMtime = fields.mtime;
    }
    const nameBytes = utf8Length(fields.name);
    const linkBytes = utf8Length(link);
    if (nameBytes > 100 || linkBytes > 100) return this.encodeLong(fields, size, link, nameBytes, linkBytes);
    const block = this.block;
    block.set(this.template);
    block.write(fields.name, 0, 'utf8');
    finishHeader(block, fields, size);
    if (link) block.write(link, 157, 'utf8');
    checksum(block);
    return block;
  }

  /** As encodeTarHeader writes them: a K pair for the target, an L pair for the name, the header with both cut to 100 bytes. */
  private encodeLong(
    fields: TarHeaderFields,
    size: number,
    link: string,
    nameBytes: number,
    linkBytes: number,
  ): Buffer {
    const pair = (bytes: number) => (bytes > 100 ? BLOCK + Math.ceil((bytes + 1) / BLOCK) * BLOCK : 0);
    const total = pair(linkBytes) + pair(nameBytes) + BLOCK;
    if (this.long.length < total) this.long = Buffer.alloc(2 * total);
    const out = this.long;
    out.fill(0, 0, total);
    let at = 0;
    let linkAt = -1;
    let nameAt = -1;
    for (const [type, text, bytes] of [
      ['K', link, linkBytes],
      ['L', fields.name, nameBytes],
    ] as const) {
      if (bytes <= 100) continue;
      const header = out.subarray(at, at + BLOCK);
      header.write('././@LongLink', 0, 'latin1');
      fillHeader(header, bytes + 1, 0o644, 0, type); // the text NUL-terminated, as GNU tar writes it
      checksum(header);
      out.write(text, at + BLOCK, 'utf8');
      if (type === 'K') linkAt = at + BLOCK;
      else nameAt = at + BLOCK;
      at += pair(bytes);
    }
    const header = out.subarray(at, at + BLOCK);
    header.set(this.template);
    if (nameAt === -1) header.write(fields.name, 0, 'utf8');
    else out.copy(header, 0, nameAt, nameAt + 100);
    finishHeader(header, fields, size);
    if (linkAt !== -1) out.copy(header, 157, linkAt, linkAt + 100);
    else if (link) header.write(link, 157, 'utf8');
    checksum(header);
    return out.subarray(0, total);
  }
}

/** Mode, size and type into a header made from the encoder's template. */
function finishHeader(block: Buffer, fields: TarHeaderFields, size: number): void {
  writeOctal(block, 100, fields.mode, 7);
  writeOctal(block, 124, size, 11);
  block[156] = TYPEFLAG[fields.type].charCodeAt(0);
}

/** `text`'s UTF-8 length when it may pass 100 bytes; under 34 UTF-16 units (3 bytes each at most) its unit count, as under 100 too. */
function utf8Length(text: string): number {
  return text.length <= 33 ? text.length : Buffer.byteLength(text);
}

/** `value` as `digits` octal digits and a NUL at `offset`, as octal() writes it, without a string. */
function writeOctal(block: Buffer, offset: number, value: number, digits: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`invalid tar header value ${value}`);
  let rest = value;
  for (let i = offset + digits - 1; i >= offset; i--) {
    block[i] = 0x30 + (rest % 8);
    rest = Math.floor(rest / 8);
  }
  if (rest !== 0) throw new Error(`value ${value} does not fit ${digits} octal digits`);
  block[offset + digits] = 0;
}

function longLink(type: 'K' | 'L', value: Buffer): Buffer[] {
  const data = Buffer.concat([value, Buffer.alloc(1)]); // NUL-terminated, as GNU tar writes it
  return [
    headerBlock(Buffer.from('././@LongLink'), data.length, 0o644, 0, type, Buffer.alloc(0)),
    data,
    tarPadding(data.length),
  ];
}

function headerBlock(
  name: Buffer,
  size: number,
  mode: number,
  mtime: number,
  typeflag: string,
  linkname: Buffer,
): Buffer {
  const block = Buffer.alloc(BLOCK);
  name.copy(block, 0);
  fillHeader(block, size, mode, mtime, typeflag);
  linkname.copy(block, 157);
  checksum(block);
  return block;
}

/** Every field but name and linkname, into a zeroed block. */
function fillHeader(block: Buffer, size: number, mode: number, mtime: number, typeflag: string): void {
  block.write(octal(mode, 7), 100, 'latin1');
  block.write(octal(0, 7), 108, 'latin1'); // uid 0
  block.write(octal(0, 7), 116, 'latin1'); // gid 0
  writeSize(block, size);
  block.write(octal(mtime, 11), 136, 'latin1');
  block.write(typeflag, 156, 'latin1');
  block.write(GNU_MAGIC, 257, 'latin1');
  block.write('root', 265, 'latin1'); // uname: dpkg resolves owners by name (docs/internals/deb-archive.md)
  block.write('root', 297, 'latin1'); // gname
}

/** Checksum: sum of all bytes with the checksum field read as spaces; 6 octal digits, NUL, space. */
function checksum(block: Buffer): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i]!;
  writeOctal(block, 148, sum, 6);
  block[155] = 0x20;
}

/** Sizes up to 8 GiB as 11 octal digits; larger ones in GNU base-256 (high bit set). */
function writeSize(block: Buffer, size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new Error(`invalid tar entry size ${size}`);
  if (size <= MAX_OCTAL_11) {
    block.write(octal(size, 11), 124, 'latin1');
    return;
  }
  block[124] = 0x80;
  let rest = BigInt(size);
  for (let i = 135; i > 124; i--) {
    block[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
}

function octal(value: number, digits: number): string {
  const text = value.toString(8);
  if (text.length > digits) throw new Error(`value ${value} does not fit ${digits} octal digits`);
  return `${text.padStart(digits, '0')}\0`;
}
