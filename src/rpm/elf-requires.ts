// The Requires rpm's own ELF dependency generator (tools/elfdeps.c, run by rpmbuild for every
// file whose magic says ELF: fileattrs/elf.attr) writes for the ELF objects of a payload, so a
// package pkgapp writes asks for the same C/C++ libraries a package rpmbuild writes would:
//   libc.so.6()(64bit)              for each DT_NEEDED library
//   libc.so.6(GLIBC_2.14)(64bit)    for each version needed from it (.gnu.version_r), weak ones too
//   rtld(GNU_HASH)                  for an object with a GNU hash table and no SysV one
// Its rules, as in rpm 4.18 (what test/oracle/elf-requires.test.ts runs against):
// - only ET_EXEC and ET_DYN objects; relocatable objects (.o) and core files give nothing;
// - the "(64bit)" marker for every 64-bit class object except Alpha's; 32-bit names carry none
//   (so a 32-bit DT_NEEDED is the bare soname, without "()");
// - an executable (one with PT_INTERP) gives nothing when no execute bit is set; a shared object
//   (no PT_INTERP, like every .node addon) gives its requires whatever its mode;
// - sonames are filtered: empty or blank ones, names without ".so", and names that start with
//   neither "lib" nor "ld." / "ld-" / "ld64." / "ld64-" are left out (--no-filter-soname is off);
// - GLIBC_PRIVATE is kept (rpm 4.18 dropped the --filter-private switch; Fedora does not filter).
// rpm reads the tables through the section headers, so for an object stripped of them (sstrip)
// it writes nothing; pkgapp reads the dynamic section the loader uses and still writes them.
//
// pkgapp adds one rule rpmbuild gets from its own Provides: a library the package ships itself
// (sharp's libvips-cpp.so.42 beside its addon, found through an $ORIGIN RUNPATH) is not required
// from the system, since pkgapp's packages do not advertise the private libraries under /opt.
import path from 'node:path';
import type { ElfInfo } from '../elf/elf-info.js';

/** One ELF object of the payload and whether its payload mode has an execute bit. */
export interface ElfPayloadObject {
  info: ElfInfo;
  /** Any of the S_IXUSR, S_IXGRP, S_IXOTH bits in the mode the package gives the file. */
  executable: boolean;
}

const EM_ALPHA = 41;
const EM_FAKE_ALPHA = 0x9026;

/** The requirement strings, sorted and deduplicated, leaving out libraries in `shipped`. */
export function elfRequires(objects: readonly ElfPayloadObject[], shipped: ReadonlySet<string> = new Set()): string[] {
  const out = new Set<string>();
  for (const { info, executable } of objects) {
    if (info.type !== 'EXEC' && info.type !== 'DYN') continue;
    if (info.interpreter !== undefined && !executable) continue;
    const marker = info.bits === 64 && info.machine !== EM_ALPHA && info.machine !== EM_FAKE_ALPHA ? '(64bit)' : '';
    const add = (soname: string, version: string | undefined) => {
      if (skipSoname(soname) || shipped.has(soname)) return;
      out.add(version === undefined && marker === '' ? soname : `${soname}(${version ?? ''})${marker}`);
    };
    for (const soname of info.needed) add(soname, undefined);
    for (const need of info.versionNeeds) for (const version of need.versions) add(need.file, version.name);
    if (info.gnuHash && !info.sysvHash) out.add('rtld(GNU_HASH)');
  }
  return [...out].sort(compareBytes);
}

/**
 * The library names the payload itself provides: the DT_SONAME of each shared object and its
 * file name (the loader finds a DT_NEEDED name as a file in the RUNPATH directories, so a
 * library without DT_SONAME, or a symlink named after the soname, serves it too).
 */
export function shippedSonames(objects: readonly { info: ElfInfo; names?: readonly string[] }[]): Set<string> {
  const names = new Set<string>();
  for (const { info, names: extra } of objects) {
    if (info.type !== 'DYN') continue;
    if (info.soname) names.add(info.soname);
    names.add(path.basename(info.path));
    for (const name of extra ?? []) names.add(path.basename(name));
  }
  return names;
}

/** rpm's skipSoname with --filter-soname (the default). */
function skipSoname(soname: string): boolean {
  if (soname.trim() === '') return true;
  if (!soname.includes('.so')) return true;
  return !['ld.', 'ld-', 'ld64.', 'ld64-', 'lib'].some((prefix) => soname.startsWith(prefix));
}

/** rpm sorts dependency names bytewise (strcmp), not by locale. */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
