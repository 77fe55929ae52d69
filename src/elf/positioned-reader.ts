// Bounded positional reads of one open ELF file in its byte order. Every read is checked against
// the file size and a per-read limit, so a corrupt header can cost an error, never a huge
// allocation; every error names the file.
import type { FileHandle } from 'node:fs/promises';
import { ElfFormatError } from './dynamic-symbols.js';

/** No table pkgapp reads from an ELF file (headers, string tables, version records) comes near this. */
export const READ_LIMIT = 64 * 1024 * 1024;

/** Fixed-width field reads of a buffer in the file's byte order. */
export interface Fields {
  u8(at: number): number;
  u16(at: number): number;
  u32(at: number): number;
  /** A 64-bit file offset, address or size; throws when it does not fit a double exactly. */
  u64(at: number): number;
  /** A 64-bit value as is (d_tag, d_val), for comparisons that must not lose bits. */
  big64(at: number): bigint;
}

export function fields(buffer: Buffer, little: boolean, file: string): Fields {
  const check = (at: number, width: number) => {
    if (at < 0 || at + width > buffer.length)
      throw new ElfFormatError(`${file}: a field at ${at} lies outside a ${buffer.length}-byte record`);
  };
  return {
    u8: (at) => (check(at, 1), buffer.readUInt8(at)),
    u16: (at) => (check(at, 2), little ? buffer.readUInt16LE(at) : buffer.readUInt16BE(at)),
    u32: (at) => (check(at, 4), little ? buffer.readUInt32LE(at) : buffer.readUInt32BE(at)),
    u64: (at) => {
      check(at, 8);
      const value = little ? buffer.readBigUInt64LE(at) : buffer.readBigUInt64BE(at);
      if (value > BigInt(Number.MAX_SAFE_INTEGER))
        throw new ElfFormatError(`${file}: value ${value} at ${at} is too large for an offset or size`);
      return Number(value);
    },
    big64: (at) => (check(at, 8), little ? buffer.readBigUInt64LE(at) : buffer.readBigUInt64BE(at)),
  };
}

/** Reads ranges of one file; every range must lie inside the file. */
export class PositionedReader {
  constructor(
    readonly handle: FileHandle,
    readonly file: string,
    readonly size: number,
    readonly little: boolean,
  ) {}

  /** Exactly `length` bytes at `offset`, or an ElfFormatError saying what `what` was. */
  async range(offset: number, length: number, what: string): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0)
      throw new ElfFormatError(`${this.file}: ${what} has an impossible offset ${offset} or size ${length}`);
    if (length > READ_LIMIT)
      throw new ElfFormatError(`${this.file}: ${what} claims ${length} bytes, more than any real ELF file holds there`);
    if (offset + length > this.size)
      throw new ElfFormatError(
        `${this.file}: ${what} at ${offset} (+${length} bytes) lies outside the file (${this.size} bytes): truncated or corrupt`,
      );
    const buffer = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(buffer, done, length - done, offset + done);
      if (bytesRead === 0)
        throw new ElfFormatError(`${this.file}: truncated while reading ${what} at ${offset + done}`);
      done += bytesRead;
    }
    return buffer;
  }

  async fields(offset: number, length: number, what: string): Promise<Fields> {
    return fields(await this.range(offset, length, what), this.little, this.file);
  }

  /**
   * The NUL-terminated string at `offset` inside the table [tableOffset, tableOffset + tableSize):
   * read in small chunks, as a file needs a few dozen names from a string table that can be megabytes.
   */
  async string(tableOffset: number, tableSize: number, offset: number, what: string): Promise<string> {
    if (offset >= tableSize)
      throw new ElfFormatError(
        `${this.file}: ${what} at string offset ${offset} lies outside its ${tableSize}-byte string table`,
      );
    const parts: Buffer[] = [];
    let at = tableOffset + offset;
    const end = tableOffset + tableSize;
    const MAX_NAME = 64 * 1024;
    while (at < end) {
      const chunk = await this.range(at, Math.min(256, end - at), what);
      const nul = chunk.indexOf(0);
      parts.push(nul === -1 ? chunk : chunk.subarray(0, nul));
      if (nul !== -1) return Buffer.concat(parts).toString('utf8');
      at += chunk.length;
      if (at - tableOffset - offset > MAX_NAME) break;
    }
    throw new ElfFormatError(
      `${this.file}: ${what} at string offset ${offset} is not NUL-terminated inside its string table`,
    );
  }
}
