// An independent reader for rpm files, for tests: the 96-byte lead, then two headers (magic
// 8e ad e8 01, 4 reserved bytes, index count il and store size dl as big-endian 32-bit, il index
// entries of 16 bytes — tag, type, offset, count — then the store), the signature header padded
// to 8 bytes, and the payload. Written from the header format as rpm's lib/header.c checks it
// (docs/internals/rpm-package.md#header-structure), not from src/. Strict: the region tag, its
// trailer, alignment, overlap and padding are checked.

export interface RpmLead {
  major: number;
  minor: number;
  type: number;
  archnum: number;
  name: string;
  osnum: number;
  signatureType: number;
}

export type RpmValue = string | string[] | number[] | bigint[] | Buffer;

export interface RpmTagEntry {
  tag: number;
  type: number;
  offset: number;
  count: number;
  value: RpmValue;
}

export interface RpmHeader {
  /** Bytes of the header from its magic to the end of its store. */
  length: number;
  il: number;
  dl: number;
  regionTag: number;
  /** Entries in index order, the region entry first. */
  index: RpmTagEntry[];
  /** Header bytes as stored (what SHA256HEADER and the header signature cover). */
  bytes: Buffer;
}

export const TYPE = {
  CHAR: 1,
  INT8: 2,
  INT16: 3,
  INT32: 4,
  INT64: 5,
  STRING: 6,
  BIN: 7,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
} as const;
const ALIGN: Record<number, number> = { 3: 2, 4: 4, 5: 8 };
const MAGIC = '8eade80100000000';

export function readLead(file: Buffer): RpmLead {
  if (file.length < 96) throw new Error('rpm: shorter than its lead');
  if (file.subarray(0, 4).toString('hex') !== 'edabeedb') throw new Error('rpm: no lead magic');
  const nameField = file.subarray(10, 76);
  const nul = nameField.indexOf(0);
  if (nul === -1) throw new Error('rpm: lead name is not NUL-terminated');
  return {
    major: file[4]!,
    minor: file[5]!,
    type: file.readUInt16BE(6),
    archnum: file.readUInt16BE(8),
    name: nameField.subarray(0, nul).toString(),
    osnum: file.readUInt16BE(76),
    signatureType: file.readUInt16BE(78),
  };
}

/** One header at `offset` of `file`. */
export function readHeader(file: Buffer, offset: number): RpmHeader {
  if (file.subarray(offset, offset + 8).toString('hex') !== MAGIC) throw new Error(`rpm: no header magic at ${offset}`);
  const il = file.readUInt32BE(offset + 8);
  const dl = file.readUInt32BE(offset + 12);
  const indexStart = offset + 16;
  const storeStart = indexStart + 16 * il;
  const length = 16 + 16 * il + dl;
  if (offset + length > file.length) throw new Error('rpm: header runs past the end of the file');
  const store = file.subarray(storeStart, storeStart + dl);
  const index: RpmTagEntry[] = [];
  let end = 0;
  for (let i = 0; i < il; i++) {
    const at = indexStart + 16 * i;
    const tag = file.readInt32BE(at);
    const type = file.readUInt32BE(at + 4);
    const entryOffset = file.readInt32BE(at + 8);
    const count = file.readUInt32BE(at + 12);
    if (type < 1 || type > 9) throw new Error(`rpm: tag ${tag} has type ${type}`);
    if (count === 0) throw new Error(`rpm: tag ${tag} has count 0`);
    if (entryOffset < 0 || entryOffset > dl)
      throw new Error(`rpm: tag ${tag} points outside the store (${entryOffset})`);
    if (i > 0) {
      if (tag <= index[i - 1]!.tag) throw new Error(`rpm: tags not sorted (${index[i - 1]!.tag} then ${tag})`);
      const align = ALIGN[type] ?? 1;
      if (entryOffset % align !== 0)
        throw new Error(`rpm: tag ${tag} (type ${type}) at unaligned offset ${entryOffset}`);
      if (entryOffset < end) throw new Error(`rpm: tag ${tag} overlaps the previous entry`);
      for (let j = end; j < entryOffset; j++)
        if (store[j] !== 0) throw new Error(`rpm: non-zero alignment padding before tag ${tag}`);
    }
    const { value, size } = decode(store, tag, type, entryOffset, count);
    if (i > 0) end = entryOffset + size;
    index.push({ tag, type, offset: entryOffset, count, value });
  }
  // The region: first entry, a 16-byte BIN pointing at the trailer, the store's last 16 bytes,
  // which repeats the tag with a negative offset covering every index entry.
  const region = index[0];
  if (!region || (region.tag !== 62 && region.tag !== 63))
    throw new Error('rpm: the first index entry is not a region tag (62 or 63)');
  if (region.type !== TYPE.BIN || region.count !== 16 || region.offset !== dl - 16)
    throw new Error('rpm: region entry is not a 16-byte BIN at the end of the store');
  if (end !== dl - 16)
    throw new Error(`rpm: store has ${dl - 16 - end} bytes between the last entry and the region trailer`);
  const trailer = store.subarray(dl - 16);
  if (
    trailer.readInt32BE(0) !== region.tag ||
    trailer.readUInt32BE(4) !== TYPE.BIN ||
    trailer.readInt32BE(8) !== -16 * il ||
    trailer.readUInt32BE(12) !== 16
  ) {
    throw new Error(`rpm: region trailer ${trailer.toString('hex')} does not cover the ${il} index entries`);
  }
  return { length, il, dl, regionTag: region.tag, index, bytes: Buffer.from(file.subarray(offset, offset + length)) };
}

function decode(
  store: Buffer,
  tag: number,
  type: number,
  offset: number,
  count: number,
): { value: RpmValue; size: number } {
  const need = (size: number) => {
    if (offset + size > store.length) throw new Error(`rpm: tag ${tag} runs past the store`);
  };
  switch (type) {
    case TYPE.CHAR:
    case TYPE.INT8:
    case TYPE.BIN:
      need(count);
      return { value: Buffer.from(store.subarray(offset, offset + count)), size: count };
    case TYPE.INT16:
    case TYPE.INT32: {
      const width = type === TYPE.INT16 ? 2 : 4;
      need(width * count);
      const values = Array.from({ length: count }, (_, i) =>
        width === 2 ? store.readUInt16BE(offset + 2 * i) : store.readUInt32BE(offset + 4 * i),
      );
      return { value: values, size: width * count };
    }
    case TYPE.INT64:
      need(8 * count);
      return { value: Array.from({ length: count }, (_, i) => store.readBigUInt64BE(offset + 8 * i)), size: 8 * count };
    default: {
      if (type === TYPE.STRING && count !== 1) throw new Error(`rpm: STRING tag ${tag} with count ${count}`);
      const strings: string[] = [];
      let pos = offset;
      for (let i = 0; i < count; i++) {
        const nul = store.indexOf(0, pos);
        if (nul === -1 || nul >= store.length) throw new Error(`rpm: string of tag ${tag} is not NUL-terminated`);
        strings.push(store.subarray(pos, nul).toString('utf8'));
        pos = nul + 1;
      }
      return { value: type === TYPE.STRING ? strings[0]! : strings, size: pos - offset };
    }
  }
}

export interface RpmFile {
  lead: RpmLead;
  signature: RpmHeader;
  /** Zero bytes between the signature header and the main header. */
  signaturePadding: number;
  header: RpmHeader;
  /** Offset of the main header in the file. */
  headerOffset: number;
  payload: Buffer;
}

export function readRpm(file: Buffer): RpmFile {
  const lead = readLead(file);
  const signature = readHeader(file, 96);
  const sigEnd = 96 + signature.length;
  const headerOffset = (sigEnd + 7) & ~7;
  for (let i = sigEnd; i < headerOffset; i++)
    if (file[i] !== 0) throw new Error('rpm: non-zero padding after the signature header');
  const header = readHeader(file, headerOffset);
  return {
    lead,
    signature,
    signaturePadding: headerOffset - sigEnd,
    header,
    headerOffset,
    payload: file.subarray(headerOffset + header.length),
  };
}

/** The value of `tag`, or throws naming it. */
export function tagValue(header: RpmHeader, tag: number): RpmValue {
  const entry = header.index.find((e) => e.tag === tag);
  if (!entry) throw new Error(`rpm: no tag ${tag}`);
  return entry.value;
}

export function hasTag(header: RpmHeader, tag: number): boolean {
  return header.index.some((e) => e.tag === tag);
}
