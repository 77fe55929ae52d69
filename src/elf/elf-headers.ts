// The ELF header, program headers and section headers of one file (System V gABI layouts,
// 32/64-bit, either byte order), read with bounded positional reads.
import { ElfFormatError } from './dynamic-symbols.js';
import { fields, type PositionedReader } from './positioned-reader.js';

export interface ElfHeader {
  bits: 32 | 64;
  little: boolean;
  osabi: number;
  /** e_type: 1 REL, 2 EXEC, 3 DYN, 4 CORE. */
  type: number;
  machine: number;
  phoff: number;
  phentsize: number;
  phnum: number;
  shoff: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

export interface ProgramHeader {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

export interface SectionHeader {
  index: number;
  name: number;
  type: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
}

export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_DYNAMIC = 6;
export const SHT_NOBITS = 8;
export const SHT_GNU_VERDEF = 0x6ffffffd;
export const SHT_GNU_VERNEED = 0x6ffffffe;

const PN_XNUM = 0xffff;
const SHN_XINDEX = 0xffff;
/** More headers than any linker writes: a count above this is a corrupt header, not a big file. */
const MAX_HEADERS = 1 << 18;

/** The first 64 bytes of a file, checked as ELF: undefined when the magic is not there at all. */
export function parseElfHeader(ident: Buffer, file: string): ElfHeader | undefined {
  if (ident.length < 4 || ident.readUInt32BE(0) !== 0x7f454c46) return undefined;
  if (ident.length < 16) throw new ElfFormatError(`${file}: truncated ELF header (${ident.length} bytes)`);
  const bits = ident[4] === 2 ? 64 : ident[4] === 1 ? 32 : undefined;
  const little = ident[5] === 1 ? true : ident[5] === 2 ? false : undefined;
  if (bits === undefined) throw new ElfFormatError(`${file}: unknown ELF class ${ident[4]} (neither 32- nor 64-bit)`);
  if (little === undefined) throw new ElfFormatError(`${file}: unknown ELF byte order ${ident[5]}`);
  if (ident.length < (bits === 64 ? 64 : 52))
    throw new ElfFormatError(`${file}: truncated ELF header (${ident.length} bytes)`);
  const f = fields(ident, little, file);
  const w = bits === 64;
  return {
    bits,
    little,
    osabi: ident[7]!,
    type: f.u16(16),
    machine: f.u16(18),
    phoff: w ? f.u64(32) : f.u32(28),
    shoff: w ? f.u64(40) : f.u32(32),
    phentsize: f.u16(w ? 54 : 42),
    phnum: f.u16(w ? 56 : 44),
    shentsize: f.u16(w ? 58 : 46),
    shnum: f.u16(w ? 60 : 48),
    shstrndx: f.u16(w ? 62 : 50),
  };
}

/** The section headers (empty when the file has none, as after sstrip); resolves the extended counts. */
export async function readSectionHeaders(reader: PositionedReader, header: ElfHeader): Promise<SectionHeader[]> {
  if (header.shoff === 0) return [];
  const minimum = header.bits === 64 ? 64 : 40;
  if (header.shentsize < minimum)
    throw new ElfFormatError(`${reader.file}: section header size ${header.shentsize} is smaller than ${minimum}`);
  let count = header.shnum;
  if (count === 0) {
    // More than 0xff00 sections: the real count is section 0's sh_size.
    count = parseSection(
      await reader.range(header.shoff, header.shentsize, 'section header 0'),
      0,
      header,
      reader.file,
    ).size;
    if (count === 0) return [];
  }
  if (count > MAX_HEADERS)
    throw new ElfFormatError(`${reader.file}: ${count} section headers is more than any real ELF file has`);
  const table = await reader.range(header.shoff, count * header.shentsize, 'the section header table');
  const sections: SectionHeader[] = [];
  for (let i = 0; i < count; i++)
    sections.push(
      parseSection(table.subarray(i * header.shentsize, (i + 1) * header.shentsize), i, header, reader.file),
    );
  return sections;
}

/** e_shstrndx, resolved through section 0 when it is SHN_XINDEX. */
export function sectionNameIndex(header: ElfHeader, sections: readonly SectionHeader[]): number {
  return header.shstrndx === SHN_XINDEX ? (sections[0]?.link ?? 0) : header.shstrndx;
}

export async function readProgramHeaders(
  reader: PositionedReader,
  header: ElfHeader,
  sections: readonly SectionHeader[],
): Promise<ProgramHeader[]> {
  if (header.phoff === 0 || header.phnum === 0) return [];
  const minimum = header.bits === 64 ? 56 : 32;
  if (header.phentsize < minimum)
    throw new ElfFormatError(`${reader.file}: program header size ${header.phentsize} is smaller than ${minimum}`);
  // PN_XNUM: the real count is section 0's sh_info.
  const count = header.phnum === PN_XNUM ? (sections[0]?.info ?? PN_XNUM) : header.phnum;
  if (count > MAX_HEADERS)
    throw new ElfFormatError(`${reader.file}: ${count} program headers is more than any real ELF file has`);
  const table = await reader.range(header.phoff, count * header.phentsize, 'the program header table');
  const headers: ProgramHeader[] = [];
  for (let i = 0; i < count; i++) {
    const f = fields(table.subarray(i * header.phentsize, (i + 1) * header.phentsize), header.little, reader.file);
    headers.push(
      header.bits === 64
        ? { type: f.u32(0), offset: f.u64(8), vaddr: f.u64(16), filesz: f.u64(32) }
        : { type: f.u32(0), offset: f.u32(4), vaddr: f.u32(8), filesz: f.u32(16) },
    );
  }
  return headers;
}

function parseSection(record: Buffer, index: number, header: ElfHeader, file: string): SectionHeader {
  const f = fields(record, header.little, file);
  return header.bits === 64
    ? {
        index,
        name: f.u32(0),
        type: f.u32(4),
        addr: f.u64(16),
        offset: f.u64(24),
        size: f.u64(32),
        link: f.u32(40),
        info: f.u32(44),
        entsize: f.u64(56),
      }
    : {
        index,
        name: f.u32(0),
        type: f.u32(4),
        addr: f.u32(12),
        offset: f.u32(16),
        size: f.u32(20),
        link: f.u32(24),
        info: f.u32(28),
        entsize: f.u32(36),
      };
}

/**
 * The file offset of a virtual address: through the PT_LOAD segment holding it (what the loader
 * uses), else through a section placed there (objects without program headers), else undefined.
 */
export function addressToOffset(
  address: number,
  segments: readonly ProgramHeader[],
  sections: readonly SectionHeader[],
): number | undefined {
  for (const s of segments)
    if (s.type === PT_LOAD && address >= s.vaddr && address < s.vaddr + s.filesz) return s.offset + (address - s.vaddr);
  for (const s of sections)
    if (s.type !== SHT_NOBITS && s.addr !== 0 && address >= s.addr && address < s.addr + s.size)
      return s.offset + (address - s.addr);
  return undefined;
}
