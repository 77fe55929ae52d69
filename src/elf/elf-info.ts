// What an ELF object needs from the system it runs on, read without readelf: machine and type,
// the dynamic section (DT_NEEDED, DT_SONAME, DT_RPATH/DT_RUNPATH), the GNU symbol versions it
// needs (.gnu.version_r) and defines (.gnu.version_d), its interpreter (PT_INTERP) and whether
// it still carries a symbol table or debug information.
//
// Read the way the dynamic loader reads it: program headers -> PT_DYNAMIC -> dynamic entries,
// addresses mapped to file offsets through the PT_LOAD segments; section headers are the
// fallback (objects without program headers) and the source of the stripped/unstripped answer.
// Every table is read by bounded positional reads, so a 100+ MB addon costs a few hundred small
// reads, and every count is bounded, so a corrupt file costs an ElfFormatError naming it, never
// a hang.
import { open } from 'node:fs/promises';
import { ElfFormatError } from './dynamic-symbols.js';
import {
  addressToOffset,
  parseElfHeader,
  PT_DYNAMIC,
  PT_INTERP,
  readProgramHeaders,
  readSectionHeaders,
  sectionNameIndex,
  SHT_DYNAMIC,
  SHT_GNU_VERDEF,
  SHT_GNU_VERNEED,
  SHT_SYMTAB,
  type ElfHeader,
  type ProgramHeader,
  type SectionHeader,
} from './elf-headers.js';
import { machineName } from './machines.js';
import { PositionedReader } from './positioned-reader.js';

export { ElfFormatError } from './dynamic-symbols.js';

export type ElfType = 'REL' | 'EXEC' | 'DYN' | 'CORE' | 'OTHER';

/** One library named in .gnu.version_r and the symbol versions the object needs from it. */
export interface ElfVersionNeed {
  /** The library's soname as the linker recorded it (vn_file), e.g. libc.so.6. */
  file: string;
  /** In file order; weak: VER_FLG_WEAK, the object runs (with less) when the version is missing. */
  versions: { name: string; weak: boolean }[];
}

export interface ElfInfo {
  path: string;
  bits: 32 | 64;
  littleEndian: boolean;
  /** e_machine as a number, and as Debian/Fedora name the architecture (x86_64, aarch64, ppc64le...). */
  machine: number;
  machineName: string;
  osabi: number;
  type: ElfType;
  /** PT_INTERP: the dynamic loader an executable names (/lib64/ld-linux-x86-64.so.2). */
  interpreter: string | undefined;
  /** DT_NEEDED, in load order. */
  needed: string[];
  soname: string | undefined;
  /** DT_RPATH and DT_RUNPATH, split at ':' ($ORIGIN left as written). */
  rpath: string[];
  runpath: string[];
  versionNeeds: ElfVersionNeed[];
  /** Versions the object defines (.gnu.version_d), without the base entry (which repeats the soname). */
  versionDefinitions: string[];
  /** DT_HASH and DT_GNU_HASH: rpm's elfdeps requires rtld(GNU_HASH) for a GNU-hash-only object. */
  sysvHash: boolean;
  gnuHash: boolean;
  /** DT_DEBUG: rpm's elfdeps uses it to tell a PIE executable from a shared library. */
  debugTag: boolean;
  /** A .symtab section: `file` says "not stripped", lintian says unstripped-binary-or-object. */
  hasSymtab: boolean;
  /** Any .debug_* or .zdebug_* section. */
  hasDebugInfo: boolean;
  /** Whether the dynamic section was found through program headers, section headers, or not at all. */
  dynamicFrom: 'program-headers' | 'section-headers' | 'none';
}

const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_HASH = 4;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_SONAME = 14;
const DT_RPATH = 15;
const DT_DEBUG = 21;
const DT_RUNPATH = 29;
const DT_GNU_HASH = 0x6ffffef5;
const DT_VERDEF = 0x6ffffffc;
const DT_VERDEFNUM = 0x6ffffffd;
const DT_VERNEED = 0x6ffffffe;
const DT_VERNEEDNUM = 0x6fffffff;
const VER_FLG_BASE = 1;
const VER_FLG_WEAK = 2;
/** Version records of a real object number in the hundreds; past this the chain is corrupt. */
const MAX_VERSION_RECORDS = 1 << 16;
const MAX_INTERP = 4096;

const TYPES: Record<number, ElfType> = { 1: 'REL', 2: 'EXEC', 3: 'DYN', 4: 'CORE' };

/** The dynamic entries pkgapp uses: tag -> values in order (DT_NEEDED repeats). */
type DynamicEntries = Map<number, number[]>;

/**
 * Reads `file`; undefined when it is not an ELF file at all (a script, a Mach-O or PE prebuild).
 * Throws ElfFormatError, naming the file, for a truncated or corrupt ELF file.
 */
export async function readElfInfo(file: string): Promise<ElfInfo | undefined> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const ident = Buffer.alloc(Math.min(64, size));
    if (ident.length > 0) await handle.read(ident, 0, ident.length, 0);
    const header = parseElfHeader(ident, file);
    if (!header) return undefined;
    const reader = new PositionedReader(handle, file, size, header.little);
    const sections = await readSectionHeaders(reader, header);
    const segments = await readProgramHeaders(reader, header, sections);
    const names = await sectionNames(reader, header, sections);
    const dynamic = await readDynamic(reader, header, segments, sections);
    const strings = dynamic ? dynamicStrings(reader, dynamic, segments, sections) : undefined;
    const str = async (offset: number, what: string) => {
      if (!strings)
        throw new ElfFormatError(
          `${file}: ${what} names a string but the file has no dynamic string table (DT_STRTAB)`,
        );
      return reader.string(strings.offset, strings.size, offset, what);
    };
    const entries = dynamic?.entries ?? new Map<number, number[]>();
    const all = (tag: number) => entries.get(tag) ?? [];
    const needed: string[] = [];
    for (const offset of all(DT_NEEDED)) needed.push(await str(offset, 'a DT_NEEDED entry'));
    const sonameAt = all(DT_SONAME)[0];
    const splitPaths = async (tag: number, what: string) => {
      const out: string[] = [];
      for (const offset of all(tag)) out.push(...(await str(offset, what)).split(':').filter((p) => p !== ''));
      return out;
    };
    return {
      path: file,
      bits: header.bits,
      littleEndian: header.little,
      machine: header.machine,
      machineName: machineName(header.machine, header.bits, header.little),
      osabi: header.osabi,
      type: TYPES[header.type] ?? 'OTHER',
      interpreter: await readInterpreter(reader, segments),
      needed,
      soname: sonameAt === undefined ? undefined : await str(sonameAt, 'DT_SONAME'),
      rpath: await splitPaths(DT_RPATH, 'DT_RPATH'),
      runpath: await splitPaths(DT_RUNPATH, 'DT_RUNPATH'),
      versionNeeds: await readVersionNeeds(reader, header, entries, segments, sections, str),
      versionDefinitions: await readVersionDefinitions(reader, entries, segments, sections, str),
      sysvHash: entries.has(DT_HASH),
      gnuHash: entries.has(DT_GNU_HASH),
      debugTag: entries.has(DT_DEBUG),
      hasSymtab: sections.some((s) => s.type === SHT_SYMTAB),
      hasDebugInfo: names.some((n) => n.startsWith('.debug_') || n.startsWith('.zdebug_')),
      dynamicFrom: dynamic?.from ?? 'none',
    };
  } finally {
    await handle.close();
  }
}

/** Section names from the section header string table; empty when there is none. */
async function sectionNames(
  reader: PositionedReader,
  header: ElfHeader,
  sections: readonly SectionHeader[],
): Promise<string[]> {
  const table = sections[sectionNameIndex(header, sections)];
  if (!table || sections.length === 0 || table.index === 0) return [];
  const bytes = await reader.range(table.offset, table.size, 'the section name table (.shstrtab)');
  return sections.map((s) => {
    const end = bytes.indexOf(0, s.name);
    return s.name < bytes.length && end !== -1 ? bytes.toString('latin1', s.name, end) : '';
  });
}

interface Dynamic {
  entries: DynamicEntries;
  from: 'program-headers' | 'section-headers';
  /** The SHT_DYNAMIC section, when there is one: its sh_link is the string table. */
  section: SectionHeader | undefined;
}

async function readDynamic(
  reader: PositionedReader,
  header: ElfHeader,
  segments: readonly ProgramHeader[],
  sections: readonly SectionHeader[],
): Promise<Dynamic | undefined> {
  const segment = segments.find((s) => s.type === PT_DYNAMIC);
  const section = sections.find((s) => s.type === SHT_DYNAMIC);
  const where = segment
    ? { offset: segment.offset, size: segment.filesz }
    : section
      ? { offset: section.offset, size: section.size }
      : undefined;
  if (!where) return undefined;
  const entrySize = header.bits === 64 ? 16 : 8;
  const table = await reader.fields(where.offset, where.size - (where.size % entrySize), 'the dynamic section');
  const entries: DynamicEntries = new Map();
  for (let at = 0; at + entrySize <= where.size; at += entrySize) {
    // d_tag is signed; every tag pkgapp reads is small and positive, so a huge one is just skipped.
    const tag = header.bits === 64 ? table.big64(at) : BigInt(table.u32(at));
    if (tag === BigInt(DT_NULL)) break;
    if (tag > 0x7fffffffn) continue;
    const value = header.bits === 64 ? table.big64(at + 8) : BigInt(table.u32(at + 4));
    const list = entries.get(Number(tag)) ?? [];
    // Values of unknown tags may be flags with the top bit set: only offsets need to be numbers.
    list.push(value > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(value));
    entries.set(Number(tag), list);
  }
  return { entries, from: segment ? 'program-headers' : 'section-headers', section };
}

function dynamicStrings(
  reader: PositionedReader,
  dynamic: Dynamic,
  segments: readonly ProgramHeader[],
  sections: readonly SectionHeader[],
): { offset: number; size: number } | undefined {
  const address = dynamic.entries.get(DT_STRTAB)?.[0];
  const size = dynamic.entries.get(DT_STRSZ)?.[0];
  const offset = address === undefined || address < 0 ? undefined : addressToOffset(address, segments, sections);
  if (offset !== undefined && size !== undefined && size >= 0)
    return { offset, size: Math.min(size, reader.size - offset) };
  const linked = dynamic.section ? sections[dynamic.section.link] : undefined;
  if (linked && dynamic.section!.link !== 0) return { offset: linked.offset, size: linked.size };
  return undefined;
}

/** Where a version table lives and how many records it holds: DT_VER* first, the section as fallback. */
function versionTable(
  entries: DynamicEntries,
  addressTag: number,
  countTag: number,
  sectionType: number,
  segments: readonly ProgramHeader[],
  sections: readonly SectionHeader[],
  file: string,
): { offset: number; count: number } | undefined {
  const address = entries.get(addressTag)?.[0];
  const section = sections.find((s) => s.type === sectionType);
  let offset = address === undefined || address < 0 ? undefined : addressToOffset(address, segments, sections);
  let count = entries.get(countTag)?.[0];
  if (offset === undefined && section) offset = section.offset;
  if (count === undefined && section) count = section.info;
  if (offset === undefined || count === undefined || count === 0) {
    if (address !== undefined && offset === undefined)
      throw new ElfFormatError(
        `${file}: a version table at address 0x${address.toString(16)} lies in no loaded segment`,
      );
    return undefined;
  }
  if (count < 0 || count > MAX_VERSION_RECORDS)
    throw new ElfFormatError(`${file}: ${count} version records is more than any real ELF file has`);
  return { offset, count };
}

type StringAt = (offset: number, what: string) => Promise<string>;

async function readVersionNeeds(
  reader: PositionedReader,
  _header: ElfHeader,
  entries: DynamicEntries,
  segments: readonly ProgramHeader[],
  sections: readonly SectionHeader[],
  str: StringAt,
): Promise<ElfVersionNeed[]> {
  const table = versionTable(entries, DT_VERNEED, DT_VERNEEDNUM, SHT_GNU_VERNEED, segments, sections, reader.file);
  if (!table) return [];
  const needs: ElfVersionNeed[] = [];
  let at = table.offset;
  let budget = MAX_VERSION_RECORDS;
  for (let i = 0; i < table.count; i++) {
    // Elf_Verneed: vn_version, vn_cnt, vn_file, vn_aux, vn_next (same layout in both classes).
    const need = await reader.fields(at, 16, 'a version need record (.gnu.version_r)');
    const count = need.u16(2);
    const versions: ElfVersionNeed['versions'] = [];
    let aux = at + need.u32(8);
    for (let j = 0; j < count; j++) {
      if (--budget < 0) throw new ElfFormatError(`${reader.file}: the version need records do not end`);
      // Elf_Vernaux: vna_hash, vna_flags, vna_other, vna_name, vna_next.
      const record = await reader.fields(aux, 16, 'a version need entry (.gnu.version_r)');
      versions.push({
        name: await str(record.u32(8), 'a needed version name'),
        weak: (record.u16(4) & VER_FLG_WEAK) !== 0,
      });
      const next = record.u32(12);
      if (next === 0) break;
      aux += next;
    }
    needs.push({ file: await str(need.u32(4), 'a version need file name'), versions });
    const next = need.u32(12);
    if (next === 0) break;
    at += next;
  }
  return needs;
}

async function readVersionDefinitions(
  reader: PositionedReader,
  entries: DynamicEntries,
  segments: readonly ProgramHeader[],
  sections: readonly SectionHeader[],
  str: StringAt,
): Promise<string[]> {
  const table = versionTable(entries, DT_VERDEF, DT_VERDEFNUM, SHT_GNU_VERDEF, segments, sections, reader.file);
  if (!table) return [];
  const names: string[] = [];
  let at = table.offset;
  for (let i = 0; i < table.count; i++) {
    // Elf_Verdef: vd_version, vd_flags, vd_ndx, vd_cnt, vd_hash, vd_aux, vd_next; the first
    // Elf_Verdaux (vda_name, vda_next) names the version, the others its parents.
    const def = await reader.fields(at, 20, 'a version definition (.gnu.version_d)');
    if ((def.u16(2) & VER_FLG_BASE) === 0 && def.u16(6) > 0) {
      const aux = await reader.fields(at + def.u32(12), 8, 'a version definition name (.gnu.version_d)');
      names.push(await str(aux.u32(0), 'a defined version name'));
    }
    const next = def.u32(16);
    if (next === 0) break;
    at += next;
  }
  return names;
}

async function readInterpreter(
  reader: PositionedReader,
  segments: readonly ProgramHeader[],
): Promise<string | undefined> {
  const interp = segments.find((s) => s.type === PT_INTERP);
  if (!interp) return undefined;
  const bytes = await reader.range(
    interp.offset,
    Math.min(interp.filesz, MAX_INTERP),
    'the interpreter name (PT_INTERP)',
  );
  const end = bytes.indexOf(0);
  return bytes.toString('utf8', 0, end === -1 ? bytes.length : end);
}
