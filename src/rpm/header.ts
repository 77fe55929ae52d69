// rpm header encoding (docs/internals/rpm-package.md#header-structure): sorted index, aligned store, region trailer. Pure.
import { RPM_TYPE } from './tags.js';

export type HeaderValue =
  | { type: 'STRING' | 'I18NSTRING'; value: string }
  | { type: 'STRING_ARRAY'; value: readonly string[] }
  | { type: 'INT16' | 'INT32' | 'INT64'; value: readonly number[] }
  | { type: 'BIN'; value: Buffer }
  /** An array already in its stored form (big per-file arrays, built without a JS array). */
  | { type: 'STRING_ARRAY' | 'INT16' | 'INT32'; encoded: Buffer; count: number };

export interface HeaderEntry {
  tag: number;
  data: HeaderValue;
}

const MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0]);
const ALIGN: Record<HeaderValue['type'], number> = {
  STRING: 1,
  I18NSTRING: 1,
  STRING_ARRAY: 1,
  BIN: 1,
  INT16: 2,
  INT32: 4,
  INT64: 8,
};

/** Convenience constructors, so section code reads like a spec file. */
export const h = {
  string: (tag: number, value: string): HeaderEntry => ({ tag, data: { type: 'STRING', value } }),
  i18n: (tag: number, value: string): HeaderEntry => ({ tag, data: { type: 'I18NSTRING', value } }),
  strings: (tag: number, value: readonly string[]): HeaderEntry => ({ tag, data: { type: 'STRING_ARRAY', value } }),
  int16: (tag: number, value: readonly number[]): HeaderEntry => ({ tag, data: { type: 'INT16', value } }),
  int32: (tag: number, value: readonly number[]): HeaderEntry => ({ tag, data: { type: 'INT32', value } }),
  int64: (tag: number, value: readonly number[]): HeaderEntry => ({ tag, data: { type: 'INT64', value } }),
  bin: (tag: number, value: Buffer): HeaderEntry => ({ tag, data: { type: 'BIN', value } }),
  encoded: (tag: number, type: 'STRING_ARRAY' | 'INT16' | 'INT32', encoded: Buffer, count: number): HeaderEntry => ({
    tag,
    data: { type, encoded, count },
  }),
};

/**
 * Encodes a header whose first index entry is the region tag (62 in the signature header,
 * 63 in the main header) and whose store ends with the region trailer covering every entry.
 */
export function encodeHeader(regionTag: number, entries: readonly HeaderEntry[]): Buffer {
  return Buffer.concat(encodeHeaderPieces(regionTag, entries));
}

/**
 * encodeHeader's bytes as the pieces they are made of, in order: a main header with 100k+ files
 * is tens of MiB, and joining its arrays into one buffer would hold it twice.
 */
export function encodeHeaderPieces(regionTag: number, entries: readonly HeaderEntry[]): Buffer[] {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.tag === sorted[i - 1]!.tag) throw new Error(`rpm header: tag ${sorted[i]!.tag} twice`);
  }
  const il = sorted.length + 1;
  const index: Buffer[] = [];
  const store: Buffer[] = [];
  let offset = 0;
  for (const entry of sorted) {
    const pad = (ALIGN[entry.data.type] - (offset % ALIGN[entry.data.type])) % ALIGN[entry.data.type];
    if (pad) {
      store.push(Buffer.alloc(pad));
      offset += pad;
    }
    const { bytes, count } = encodeValue(entry.data);
    index.push(indexEntry(entry.tag, RPM_TYPE[entry.data.type], offset, count));
    store.push(bytes);
    offset += bytes.length;
  }
  // Region trailer: the region tag again, pointing back over all il index entries.
  store.push(indexEntry(regionTag, RPM_TYPE.BIN, -il * 16, 16));
  const dl = offset + 16;
  const head = Buffer.alloc(16);
  MAGIC.copy(head, 0);
  head.writeUInt32BE(il, 8);
  head.writeUInt32BE(dl, 12);
  return [Buffer.concat([head, indexEntry(regionTag, RPM_TYPE.BIN, dl - 16, 16), ...index]), ...store];
}

function indexEntry(tag: number, type: number, offset: number, count: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeInt32BE(tag, 0);
  b.writeUInt32BE(type, 4);
  b.writeInt32BE(offset, 8);
  b.writeUInt32BE(count, 12);
  return b;
}

function encodeValue(data: HeaderValue): { bytes: Buffer; count: number } {
  if ('encoded' in data) {
    if (data.count === 0) throw new Error('rpm header: empty array');
    return { bytes: data.encoded, count: data.count };
  }
  switch (data.type) {
    case 'STRING':
    case 'I18NSTRING':
      return { bytes: cString(data.value), count: 1 };
    case 'STRING_ARRAY':
      if (data.value.length === 0) throw new Error('rpm header: empty string array');
      return { bytes: Buffer.concat(data.value.map(cString)), count: data.value.length };
    case 'BIN':
      return { bytes: data.value, count: data.value.length };
    case 'INT16':
    case 'INT32':
    case 'INT64': {
      const width = { INT16: 2, INT32: 4, INT64: 8 }[data.type];
      if (data.value.length === 0) throw new Error('rpm header: empty integer array');
      const bytes = Buffer.alloc(width * data.value.length);
      data.value.forEach((v, i) => {
        if (!Number.isSafeInteger(v) || v < 0) throw new Error(`rpm header: invalid integer ${v}`);
        if (width === 2) bytes.writeUInt16BE(v, i * 2);
        else if (width === 4) bytes.writeUInt32BE(v, i * 4);
        else bytes.writeBigUInt64BE(BigInt(v), i * 8);
      });
      return { bytes, count: data.value.length };
    }
  }
}

function cString(value: string): Buffer {
  if (value.includes('\0')) throw new Error('rpm header: NUL inside a string');
  return Buffer.from(`${value}\0`);
}

/** The 96-byte lead (docs/internals/rpm-package.md#lead): legacy, but rpm checks magic, major and signature type. */
export function encodeLead(nevr: string, archnum: number): Buffer {
  const lead = Buffer.alloc(96);
  lead.set([0xed, 0xab, 0xee, 0xdb, 3, 0], 0);
  lead.writeUInt16BE(0, 6); // binary package
  lead.writeUInt16BE(archnum, 8);
  Buffer.from(nevr).subarray(0, 65).copy(lead, 10);
  lead.writeUInt16BE(1, 76); // osnum: Linux
  lead.writeUInt16BE(5, 78); // signature type: header-style
  return lead;
}

/** Zero bytes after the signature header so the main header starts 8-aligned. */
export function signaturePadding(signatureLength: number): Buffer {
  return Buffer.alloc((8 - (signatureLength % 8)) % 8);
}
