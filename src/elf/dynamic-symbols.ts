// Reads what a shared object (an addon's .node file) imports, without readelf: the ELF header,
// the section headers and the dynamic symbol table (.dynsym with its string table), each read
// with positioned fd reads, so a 15 MiB library costs a few hundred KiB of reads.
// Layouts: the System V gABI (ELF header, section header, symbol table entry), 32/64-bit, LE/BE.
import { open, type FileHandle } from 'node:fs/promises';

/** What the dynamic symbol table says about one ELF file. */
export interface ElfDynamicSymbols {
  /** 32 or 64. */
  bits: 32 | 64;
  /** e_machine: 62 x86-64, 183 AArch64, 40 ARM, 3 i386, 21 PPC64, 22 S390, 243 RISC-V. */
  machine: number;
  /** EI_OSABI: 0 System V and 3 GNU/Linux are what Linux loads; 9 is FreeBSD. */
  osabi: number;
  /** Undefined global or weak symbols: what the file needs the loader (Node) to provide, sorted. */
  imports: string[];
}

const ELF_MAGIC = 0x7f454c46;
const SHT_DYNSYM = 11;
const SHN_UNDEF = 0;
const STB_GLOBAL = 1;
const STB_WEAK = 2;
/** No real addon's symbol or string table comes near this; a bigger one is a corrupt header. */
const TABLE_LIMIT = 64 * 1024 * 1024;

/** Thrown for a file that starts like ELF but whose tables point outside it. */
export class ElfFormatError extends Error {}

/**
 * The dynamic imports of `file`; undefined when it is not an ELF file at all (a Mach-O or PE
 * prebuild, a text file named .node). Throws ElfFormatError for a truncated or corrupt ELF file.
 */
export async function readDynamicSymbols(file: string): Promise<ElfDynamicSymbols | undefined> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const ident = await readAt(handle, 0, Math.min(64, size));
    if (ident.length < 52 || ident.readUInt32BE(0) !== ELF_MAGIC) return undefined;
    const bits = ident[4] === 2 ? 64 : ident[4] === 1 ? 32 : undefined;
    const little = ident[5] === 1 ? true : ident[5] === 2 ? false : undefined;
    if (bits === undefined || little === undefined || (bits === 64 && ident.length < 64))
      throw new ElfFormatError(`${file}: unknown ELF class or byte order`);
    const r = reader(ident, little);
    const machine = r.u16(18);
    const osabi = ident[7]!;
    const shoff = bits === 64 ? r.u64(40) : r.u32(32);
    const shentsize = r.u16(bits === 64 ? 58 : 46);
    let shnum = r.u16(bits === 64 ? 60 : 48);
    if (shoff === 0) return { bits, machine, osabi, imports: [] }; // no section headers (sstrip): nothing to read
    if (shentsize < (bits === 64 ? 64 : 40))
      throw new ElfFormatError(`${file}: section header size ${shentsize} is too small`);
    if (shnum === 0) {
      // More than 0xff00 sections: the real count is in section 0's sh_size.
      const first = reader(await readRange(handle, file, size, shoff, shentsize), little);
      shnum = bits === 64 ? first.u64(32) : first.u32(20);
    }
    const headers = await readRange(handle, file, size, shoff, shnum * shentsize);
    const section = (index: number) => {
      const s = reader(headers.subarray(index * shentsize, (index + 1) * shentsize), little);
      return bits === 64
        ? { type: s.u32(4), offset: s.u64(24), size: s.u64(32), link: s.u32(40), entsize: s.u64(56) }
        : { type: s.u32(4), offset: s.u32(16), size: s.u32(20), link: s.u32(24), entsize: s.u32(36) };
    };
    let dynsym: ReturnType<typeof section> | undefined;
    for (let i = 0; i < shnum && !dynsym; i++) if (section(i).type === SHT_DYNSYM) dynsym = section(i);
    if (!dynsym) return { bits, machine, osabi, imports: [] }; // statically linked: imports nothing
    if (dynsym.link >= shnum) throw new ElfFormatError(`${file}: .dynsym links to section ${dynsym.link} of ${shnum}`);
    const strtab = section(dynsym.link);
    const entsize = dynsym.entsize || (bits === 64 ? 24 : 16);
    if (entsize < (bits === 64 ? 24 : 16)) throw new ElfFormatError(`${file}: symbol size ${entsize} is too small`);
    const symbols = await readRange(handle, file, size, dynsym.offset, dynsym.size);
    const strings = await readRange(handle, file, size, strtab.offset, strtab.size);
    const imports = new Set<string>();
    const sym = reader(symbols, little);
    // Entry 0 is the reserved null symbol.
    for (let at = entsize; at + entsize <= symbols.length; at += entsize) {
      const name = sym.u32(at);
      const info = sym.u8(at + (bits === 64 ? 4 : 12));
      const shndx = sym.u16(at + (bits === 64 ? 6 : 14));
      const bind = info >> 4;
      if (shndx !== SHN_UNDEF || (bind !== STB_GLOBAL && bind !== STB_WEAK) || name === 0) continue;
      const end = strings.indexOf(0, name);
      if (name >= strings.length || end === -1)
        throw new ElfFormatError(`${file}: symbol name at ${name} outside .dynstr`);
      imports.add(strings.toString('latin1', name, end));
    }
    return { bits, machine, osabi, imports: [...imports].sort() };
  } finally {
    await handle.close();
  }
}

async function readRange(
  handle: FileHandle,
  file: string,
  fileSize: number,
  offset: number,
  length: number,
): Promise<Buffer> {
  if (length > TABLE_LIMIT || offset + length > fileSize)
    throw new ElfFormatError(
      `${file}: a table at ${offset} (+${length} bytes) lies outside the file (${fileSize} bytes)`,
    );
  const buffer = await readAt(handle, offset, length);
  if (buffer.length < length) throw new ElfFormatError(`${file}: truncated at ${offset + buffer.length}`);
  return buffer;
}

async function readAt(handle: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buffer.subarray(0, done);
}

/** Fixed-width unsigned reads in the file's byte order; 64-bit values must fit a double exactly. */
function reader(buffer: Buffer, little: boolean) {
  return {
    u8: (at: number) => buffer.readUInt8(at),
    u16: (at: number) => (little ? buffer.readUInt16LE(at) : buffer.readUInt16BE(at)),
    u32: (at: number) => (little ? buffer.readUInt32LE(at) : buffer.readUInt32BE(at)),
    u64: (at: number) => {
      const value = little ? buffer.readBigUInt64LE(at) : buffer.readBigUInt64BE(at);
      if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfFormatError(`offset ${value} is too large`);
      return Number(value);
    },
  };
}

/** ELF e_machine of each Node.js process.arch pkgapp builds for. */
export const ELF_MACHINE: Readonly<Record<string, number>> = {
  x64: 62,
  arm64: 183,
  arm: 40,
  ia32: 3,
  ppc64: 21,
  s390x: 22,
  riscv64: 243,
};
