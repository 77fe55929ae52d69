// Minimal ELF images built byte by byte (System V gABI layouts) for the ELF reader's unit tests:
// 32/64-bit, little/big-endian, with a dynamic section, .gnu.version_r and .gnu.version_d,
// PT_INTERP, and optionally section headers (.symtab, .debug_info). One PT_LOAD maps the whole
// file at VADDR_BASE, so every address the dynamic section holds must go through the segment.

export const VADDR_BASE = 0x400000;

export interface SyntheticElf {
  bits: 32 | 64;
  little: boolean;
  /** e_type: 2 EXEC, 3 DYN, 1 REL. */
  type?: number;
  machine?: number;
  needed?: string[];
  soname?: string;
  rpath?: string;
  runpath?: string;
  versionNeeds?: { file: string; versions: { name: string; weak?: boolean }[] }[];
  versionDefinitions?: string[];
  interpreter?: string;
  gnuHash?: boolean;
  sysvHash?: boolean;
  /** Program headers (default true) and section headers (default true). */
  programHeaders?: boolean;
  sections?: boolean;
  symtab?: boolean;
  debugInfo?: boolean;
  /** Overrides, for corrupt images: DT_VERNEEDNUM, DT_STRSZ. */
  verneedCount?: number;
  strsz?: number;
  /** Override of the first Elf_Verneed's vn_aux (where its version entries start). */
  verneedAux?: number;
}

const DT = {
  NULL: 0,
  NEEDED: 1,
  HASH: 4,
  STRTAB: 5,
  STRSZ: 10,
  SONAME: 14,
  RPATH: 15,
  DEBUG: 21,
  RUNPATH: 29,
  GNU_HASH: 0x6ffffef5,
  VERDEF: 0x6ffffffc,
  VERDEFNUM: 0x6ffffffd,
  VERNEED: 0x6ffffffe,
  VERNEEDNUM: 0x6fffffff,
};

/** The System V ABI symbol hash (vna_hash, vd_hash). */
function elfHash(name: string): number {
  let h = 0;
  for (const c of Buffer.from(name)) {
    h = ((h << 4) + c) >>> 0;
    const g = h & 0xf0000000;
    if (g) h ^= g >>> 24;
    h &= ~g >>> 0;
    h >>>= 0;
  }
  return h;
}

class Bytes {
  private parts: Buffer[] = [];
  length = 0;
  constructor(private readonly little: boolean) {}
  u8(v: number) {
    return this.push(Buffer.from([v]));
  }
  u16(v: number) {
    const b = Buffer.alloc(2);
    if (this.little) b.writeUInt16LE(v);
    else b.writeUInt16BE(v);
    return this.push(b);
  }
  u32(v: number) {
    const b = Buffer.alloc(4);
    if (this.little) b.writeUInt32LE(v >>> 0);
    else b.writeUInt32BE(v >>> 0);
    return this.push(b);
  }
  u64(v: number | bigint) {
    const b = Buffer.alloc(8);
    if (this.little) b.writeBigUInt64LE(BigInt(v));
    else b.writeBigUInt64BE(BigInt(v));
    return this.push(b);
  }
  word(bits: 32 | 64, v: number) {
    return bits === 64 ? this.u64(v) : this.u32(v);
  }
  push(b: Buffer) {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }
  buffer() {
    return Buffer.concat(this.parts);
  }
}

const align = (n: number, to = 8) => Math.ceil(n / to) * to;
const pad = (b: Buffer, to: number) => Buffer.concat([b, Buffer.alloc(to - b.length)]);

export function buildElf(spec: SyntheticElf): Buffer {
  const { bits, little } = spec;
  const withPh = spec.programHeaders ?? true;
  const withSh = spec.sections ?? true;
  const needs = spec.versionNeeds ?? [];
  const defs = spec.versionDefinitions ?? [];

  // .dynstr
  const strings: string[] = [''];
  const offsets = new Map<string, number>([['', 0]]);
  let strSize = 1;
  const str = (s: string) => {
    if (!offsets.has(s)) {
      offsets.set(s, strSize);
      strings.push(s);
      strSize += Buffer.byteLength(s) + 1;
    }
    return offsets.get(s)!;
  };
  const neededAt = (spec.needed ?? []).map(str);
  const sonameAt = spec.soname === undefined ? undefined : str(spec.soname);
  const rpathAt = spec.rpath === undefined ? undefined : str(spec.rpath);
  const runpathAt = spec.runpath === undefined ? undefined : str(spec.runpath);

  // .gnu.version_r: Elf_Verneed (16 bytes) followed by its Elf_Vernaux (16 bytes each).
  const verneed = new Bytes(little);
  let versionIndex = 2 + defs.length;
  needs.forEach((need, i) => {
    const size = 16 + 16 * need.versions.length;
    verneed
      .u16(1)
      .u16(need.versions.length)
      .u32(str(need.file))
      .u32(i === 0 ? (spec.verneedAux ?? 16) : 16)
      .u32(i === needs.length - 1 ? 0 : size);
    need.versions.forEach((v, j) => {
      verneed
        .u32(elfHash(v.name))
        .u16(v.weak ? 2 : 0)
        .u16(versionIndex++)
        .u32(str(v.name))
        .u32(j === need.versions.length - 1 ? 0 : 16);
    });
  });
  // .gnu.version_d: the base entry (the soname), then one per version; Elf_Verdef 20 + Elf_Verdaux 8.
  const verdef = new Bytes(little);
  if (defs.length) {
    const all = [spec.soname ?? 'unnamed.so', ...defs];
    all.forEach((name, i) => {
      verdef
        .u16(1)
        .u16(i === 0 ? 1 : 0)
        .u16(i + 1)
        .u16(1)
        .u32(elfHash(name))
        .u32(20)
        .u32(i === all.length - 1 ? 0 : 28);
      verdef.u32(str(name)).u32(0);
    });
  }
  const dynstr = Buffer.concat(strings.map((s) => Buffer.concat([Buffer.from(s), Buffer.alloc(1)])));
  const interp =
    spec.interpreter === undefined ? Buffer.alloc(0) : Buffer.concat([Buffer.from(spec.interpreter), Buffer.alloc(1)]);

  // Layout
  const ehsize = bits === 64 ? 64 : 52;
  const phentsize = bits === 64 ? 56 : 32;
  const phnum = withPh ? (interp.length ? 3 : 2) : 0;
  const offInterp = ehsize + phnum * phentsize;
  const offDynstr = align(offInterp + interp.length);
  const offVerneed = align(offDynstr + dynstr.length);
  const verneedBuf = verneed.buffer();
  const offVerdef = align(offVerneed + verneedBuf.length);
  const verdefBuf = verdef.buffer();
  const offDynamic = align(offVerdef + verdefBuf.length);
  const addr = (off: number) => VADDR_BASE + off;

  const entries: [number, number][] = [];
  for (const at of neededAt) entries.push([DT.NEEDED, at]);
  if (sonameAt !== undefined) entries.push([DT.SONAME, sonameAt]);
  if (rpathAt !== undefined) entries.push([DT.RPATH, rpathAt]);
  if (runpathAt !== undefined) entries.push([DT.RUNPATH, runpathAt]);
  if (spec.sysvHash) entries.push([DT.HASH, addr(offDynstr)]);
  if (spec.gnuHash ?? true) entries.push([DT.GNU_HASH, addr(offDynstr)]);
  entries.push([DT.STRTAB, addr(offDynstr)], [DT.STRSZ, spec.strsz ?? dynstr.length]);
  if (needs.length) entries.push([DT.VERNEED, addr(offVerneed)], [DT.VERNEEDNUM, spec.verneedCount ?? needs.length]);
  if (defs.length) entries.push([DT.VERDEF, addr(offVerdef)], [DT.VERDEFNUM, defs.length + 1]);
  if (spec.type === 2) entries.push([DT.DEBUG, 0]);
  entries.push([DT.NULL, 0]);
  const dynamic = new Bytes(little);
  for (const [tag, value] of entries) dynamic.word(bits, tag).word(bits, value);
  const dynamicBuf = dynamic.buffer();

  // Section name table and section headers
  const sectionList: {
    name: string;
    type: number;
    off: number;
    size: number;
    link?: number;
    info?: number;
    entsize?: number;
    addr?: boolean;
  }[] = [];
  if (withSh) {
    sectionList.push({ name: '', type: 0, off: 0, size: 0 });
    if (interp.length) sectionList.push({ name: '.interp', type: 1, off: offInterp, size: interp.length, addr: true });
    const dynstrIndex = sectionList.length;
    sectionList.push({ name: '.dynstr', type: 3, off: offDynstr, size: dynstr.length, addr: true });
    if (needs.length)
      sectionList.push({
        name: '.gnu.version_r',
        type: 0x6ffffffe,
        off: offVerneed,
        size: verneedBuf.length,
        link: dynstrIndex,
        info: spec.verneedCount ?? needs.length,
        addr: true,
      });
    if (defs.length)
      sectionList.push({
        name: '.gnu.version_d',
        type: 0x6ffffffd,
        off: offVerdef,
        size: verdefBuf.length,
        link: dynstrIndex,
        info: defs.length + 1,
        addr: true,
      });
    sectionList.push({
      name: '.dynamic',
      type: 6,
      off: offDynamic,
      size: dynamicBuf.length,
      link: dynstrIndex,
      entsize: bits === 64 ? 16 : 8,
      addr: true,
    });
    if (spec.symtab)
      sectionList.push({
        name: '.symtab',
        type: 2,
        off: offDynamic,
        size: 0,
        link: dynstrIndex,
        entsize: bits === 64 ? 24 : 16,
      });
    if (spec.debugInfo) sectionList.push({ name: '.debug_info', type: 1, off: offDynamic, size: 0 });
    sectionList.push({ name: '.shstrtab', type: 3, off: 0, size: 0 });
  }
  const shstrParts: Buffer[] = [];
  const shstrAt: number[] = [];
  let shstrLen = 0;
  for (const s of sectionList) {
    shstrAt.push(shstrLen);
    const b = Buffer.concat([Buffer.from(s.name), Buffer.alloc(1)]);
    shstrParts.push(b);
    shstrLen += b.length;
  }
  const shstr = Buffer.concat(shstrParts);
  const offShstr = offDynamic + dynamicBuf.length;
  const offSh = align(offShstr + shstr.length);
  if (withSh) Object.assign(sectionList.at(-1)!, { off: offShstr, size: shstr.length });
  const fileSize = withSh ? offSh + sectionList.length * (bits === 64 ? 64 : 40) : offShstr;

  const out = new Bytes(little);
  // e_ident
  out.push(Buffer.from([0x7f, 0x45, 0x4c, 0x46, bits === 64 ? 2 : 1, little ? 1 : 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  out
    .u16(spec.type ?? 3)
    .u16(spec.machine ?? 62)
    .u32(1)
    .word(bits, 0)
    .word(bits, withPh ? ehsize : 0)
    .word(bits, withSh ? offSh : 0)
    .u32(0);
  out
    .u16(ehsize)
    .u16(phentsize)
    .u16(phnum)
    .u16(bits === 64 ? 64 : 40)
    .u16(sectionList.length)
    .u16(withSh ? sectionList.length - 1 : 0);
  if (withPh) {
    const phdr = (type: number, off: number, size: number, flags: number) => {
      if (bits === 64)
        out
          .u32(type)
          .u32(flags)
          .u64(off)
          .u64(addr(off))
          .u64(addr(off))
          .u64(size)
          .u64(size)
          .u64(type === 1 ? 0x1000 : 8);
      else
        out
          .u32(type)
          .u32(off)
          .u32(addr(off))
          .u32(addr(off))
          .u32(size)
          .u32(size)
          .u32(flags)
          .u32(type === 1 ? 0x1000 : 4);
    };
    phdr(1, 0, fileSize, 5); // PT_LOAD: the whole file
    phdr(2, offDynamic, dynamicBuf.length, 6); // PT_DYNAMIC
    if (interp.length) phdr(3, offInterp, interp.length, 4); // PT_INTERP
  }
  out.push(interp);
  out.push(Buffer.alloc(offDynstr - out.length));
  out.push(dynstr);
  out.push(Buffer.alloc(offVerneed - out.length));
  out.push(verneedBuf);
  out.push(Buffer.alloc(offVerdef - out.length));
  out.push(verdefBuf);
  out.push(Buffer.alloc(offDynamic - out.length));
  out.push(dynamicBuf);
  if (withSh) {
    out.push(shstr);
    out.push(Buffer.alloc(offSh - out.length));
    sectionList.forEach((s, i) => {
      const a = s.addr ? addr(s.off) : 0;
      if (bits === 64)
        out
          .u32(shstrAt[i]!)
          .u32(s.type)
          .u64(s.addr ? 2 : 0)
          .u64(a)
          .u64(s.off)
          .u64(s.size)
          .u32(s.link ?? 0)
          .u32(s.info ?? 0)
          .u64(8)
          .u64(s.entsize ?? 0);
      else
        out
          .u32(shstrAt[i]!)
          .u32(s.type)
          .u32(s.addr ? 2 : 0)
          .u32(a)
          .u32(s.off)
          .u32(s.size)
          .u32(s.link ?? 0)
          .u32(s.info ?? 0)
          .u32(4)
          .u32(s.entsize ?? 0);
    });
  }
  const image = out.buffer();
  if (image.length !== fileSize) throw new Error(`synthetic ELF: laid out ${fileSize} bytes, wrote ${image.length}`);
  return pad(image, fileSize);
}
