// The Depends a .deb needs for the shared libraries its ELF objects load, as dpkg-shlibdeps
// computes them: each DT_NEEDED library maps to the Debian package that ships it, and the
// versions of the symbols the object needs (.gnu.version_r: GLIBC_2.34, GLIBCXX_3.4.30...) set
// the lowest version of that package it can run with. Without this, a package built against a
// newer C library installs on an older server and fails at require().
//
// Library data: the build machine's dpkg records when it has them (src/deb/shlibs-data.ts),
// else the table pkgapp ships for Debian 12's usual libraries (src/deb/shlibs-table.ts).
// Libraries the package ships itself (a prebuilt addon's bundled libvips-cpp.so.42) are left
// out; a library found in neither is returned as a problem for the caller to report, naming
// the file and the soname.
import type { ElfInfo } from '../elf/elf-info.js';
import { compareDebVersions } from './deb-version.js';
import type { LibraryFloors, ShlibsData } from './shlibs-data.js';

/** One package the objects need, with the highest floor any of them needs. */
export interface DebLibraryDependency {
  package: string;
  floor?: string;
}

/** Which object needed which library, and what pkgapp made of it: for `pkgapp inspect`. */
export interface ShlibOrigin {
  file: string;
  soname: string;
  package: string;
  floor?: string;
  from: LibraryFloors['from'];
}

export type ShlibProblem =
  /** No package is known to ship the library: the caller fails with a clear error and a key to declare it. */
  | { kind: 'unmapped-library'; file: string; soname: string }
  /** The object needs a symbol version the package data does not know: a newer library than the data describes. */
  | { kind: 'unknown-version'; file: string; soname: string; package: string; version: string };

export interface ShlibDepends {
  /** "libc6 (>= 2.34)", one per package, sorted by package name. */
  depends: string[];
  packages: DebLibraryDependency[];
  origins: ShlibOrigin[];
  problems: ShlibProblem[];
}

/** Looks a soname up in each data set in turn: the machine's dpkg records, then pkgapp's table. */
export function lookupLibrary(soname: string, sources: readonly ShlibsData[]): LibraryFloors | undefined {
  for (const source of sources) {
    const found = source.get(soname);
    if (found) return found;
  }
  return undefined;
}

function higher(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || a === '0') return b === '0' ? undefined : b;
  if (b === undefined || b === '0') return a;
  return compareDebVersions(a, b) >= 0 ? a : b;
}

/** GLIBC_2.38 exists from glibc 2.38 on: the floor of a libc tag newer than the data knows. */
function derivedFloor(library: LibraryFloors, tag: string): string | undefined {
  const glibc = /^GLIBC_(\d+(?:\.\d+)+)$/.exec(tag);
  return library.package === 'libc6' && glibc ? glibc[1] : undefined;
}

/**
 * The Depends for `objects` (every ELF object of the payload), using `sources` in order, and
 * leaving out the sonames in `shipped` (the package's own libraries).
 */
export function shlibDepends(
  objects: readonly ElfInfo[],
  sources: readonly ShlibsData[],
  shipped: ReadonlySet<string> = new Set(),
): ShlibDepends {
  const floors = new Map<string, string | undefined>();
  const origins: ShlibOrigin[] = [];
  const problems: ShlibProblem[] = [];
  for (const object of objects) {
    if (object.type !== 'EXEC' && object.type !== 'DYN') continue;
    for (const soname of new Set(object.needed)) {
      if (shipped.has(soname)) continue;
      const library = lookupLibrary(soname, sources);
      if (!library) {
        problems.push({ kind: 'unmapped-library', file: object.path, soname });
        continue;
      }
      const needs = object.versionNeeds.filter((n) => n.file === soname).flatMap((n) => n.versions.map((v) => v.name));
      let floor: string | undefined;
      if (needs.length === 0) floor = library.base;
      for (const tag of needs) {
        const known = library.versions[tag] ?? derivedFloor(library, tag);
        if (known === undefined && library.from !== 'dpkg-shlibs')
          problems.push({ kind: 'unknown-version', file: object.path, soname, package: library.package, version: tag });
        // A shlibs entry has one floor for the whole library.
        floor = higher(floor, known ?? library.base);
      }
      if (library.from === 'dpkg-shlibs') floor = higher(floor, library.base);
      origins.push({
        file: object.path,
        soname,
        package: library.package,
        ...(floor ? { floor } : {}),
        from: library.from,
      });
      floors.set(library.package, floors.has(library.package) ? higher(floors.get(library.package), floor) : floor);
    }
  }
  const packages = [...floors]
    .map(([name, floor]) => ({ package: name, ...(floor ? { floor } : {}) }))
    .sort((a, b) => (a.package < b.package ? -1 : a.package > b.package ? 1 : 0));
  return {
    depends: packages.map((p) => (p.floor ? `${p.package} (>= ${p.floor})` : p.package)),
    packages,
    origins,
    problems,
  };
}
