// Which Debian package provides a shared library and from which version of it each symbol
// version exists: read from dpkg's own records of the build machine (/var/lib/dpkg/info/
// PACKAGE[:ARCH].symbols and .shlibs, the files dpkg-shlibdeps reads; formats in
// deb-symbols(5) and deb-shlibs(5)), reduced to what pkgapp needs per library:
//   soname -> package, and per version tag (GLIBC_2.34) the highest minimal version of the
//   symbols carrying it.
// dpkg-shlibdeps takes the highest minimal version of the symbols a binary actually imports;
// pkgapp only knows the version tags it needs, and the highest minimal version of any symbol
// with that tag is never lower than what dpkg-shlibdeps computes (the acceptance rule of
// test/oracle/shlib-depends.test.ts).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compareDebVersions } from './deb-version.js';

/** What pkgapp knows about one shared library on Debian. */
export interface LibraryFloors {
  /** The package that ships it: libc6 for libc.so.6. */
  package: string;
  /** Version tag -> the lowest package version that has every symbol carrying it. */
  versions: Record<string, string>;
  /** The floor for a library used without symbol versions (its @Base symbols), or one from a shlibs file. */
  base?: string;
  /** Where this came from, for `pkgapp inspect` and error messages. */
  from: 'dpkg-symbols' | 'dpkg-shlibs' | 'pkgapp-table';
}

export type ShlibsData = Map<string, LibraryFloors>;

/** A generated table of pkgapp's (src/deb/shlibs-tables/ARCH.ts, scripts/gen-shlibs-table.ts). */
export interface ShlibsTable {
  /** The distribution, architecture and package versions the table was made from. */
  source: { distribution: string; arch: string; packages: Record<string, string> };
  entries: [string, Omit<LibraryFloors, 'from'>][];
}

export const DPKG_INFO_DIR = '/var/lib/dpkg/info';

/** A minimal version of "0" (GLIBC_PRIVATE, symbols present forever) is no floor. */
function raise(current: string | undefined, candidate: string): string | undefined {
  if (candidate === '0' || candidate === '') return current;
  return current === undefined || compareDebVersions(candidate, current) > 0 ? candidate : current;
}

/**
 * Parses one symbols file (deb-symbols(5)): a header line "SONAME TEMPLATE" per library
 * (TEMPLATE "libc6 #MINVER#"), "| alternative" and "* field" lines, then " SYMBOL@TAG MINVER [ID]".
 */
export function parseSymbolsFile(text: string, into: ShlibsData = new Map()): ShlibsData {
  let current: LibraryFloors | undefined;
  let versioned = true;
  for (const raw of text.split('\n')) {
    if (raw === '' || raw.startsWith('#') || raw.startsWith('|') || raw.startsWith('*')) continue;
    if (!raw.startsWith(' ')) {
      const [soname, pkg, ...rest] = raw.trim().split(/\s+/);
      if (!soname || !pkg) continue;
      // "libfoo1 #MINVER#, libfoo-common": the first package carries the version.
      versioned = rest.join(' ').includes('#MINVER#') || pkg.includes('#MINVER#');
      current = { package: pkg.replace(/,$/, ''), versions: {}, from: 'dpkg-symbols' };
      into.set(soname, current);
      continue;
    }
    if (!current || !versioned) continue;
    // SYMBOL may be a quoted C++ name with blanks; MINVER and the optional template ID come last.
    const match = /^\s*(.*?)\s+(\S+)(?:\s+\d+)?\s*$/.exec(raw);
    if (!match) continue;
    const symbol = match[1]!.replace(/"$/, '');
    const minver = match[2]!;
    const at = symbol.lastIndexOf('@');
    const tag = at === -1 ? 'Base' : symbol.slice(at + 1);
    if (tag === 'Base') current.base = raise(current.base, minver);
    else {
      const floor = raise(current.versions[tag], minver);
      if (floor !== undefined) current.versions[tag] = floor;
      else current.versions[tag] ??= '0';
    }
  }
  return into;
}

/**
 * The sonames a shlibs line "LIBRARY VERSION" can stand for: dpkg-shlibdeps splits a soname
 * as "LIBRARY.so.VERSION" or "LIBRARY-VERSION.so" (Dpkg::Shlibs::split_soname), so both match.
 */
function shlibsSonames(library: string, version: string): string[] {
  return [`${library}.so.${version}`, `${library}-${version}.so`];
}

/** Parses one shlibs file (deb-shlibs(5)): "[TYPE:] LIBRARY VERSION DEPENDENCIES"; udeb lines are skipped. */
export function parseShlibsFile(text: string, into: ShlibsData = new Map()): ShlibsData {
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || /^[a-z-]+:\s/.test(line)) continue;
    const match = /^(\S+)\s+(\S+)\s+(\S+)(?:\s*\(\s*>=\s*([^)\s]+)\s*\))?/.exec(line);
    if (!match) continue;
    for (const soname of shlibsSonames(match[1]!, match[2]!)) {
      if (into.has(soname)) continue; // a symbols file, read first, says more
      into.set(soname, {
        package: match[3]!.replace(/,$/, ''),
        versions: {},
        ...(match[4] ? { base: match[4] } : {}),
        from: 'dpkg-shlibs',
      });
    }
  }
  return into;
}

/**
 * The build machine's dpkg records for `arch` (a Debian architecture: amd64, arm64): files named
 * PACKAGE:ARCH.symbols, and PACKAGE.symbols (packages that are not Multi-Arch: same) when `arch`
 * is the machine's own (`nativeArch`): an amd64 machine's unqualified records are amd64's, never
 * arm64's. Empty when the machine has no dpkg (a Fedora or macOS build machine), and for another
 * architecture unless its libraries are installed (multiarch): pkgapp's table serves then.
 * `wanted`: the sonames a build looks up; a symbols file that does not name one of them is not
 * parsed (a machine's 5 MB of symbols files cost ~0.1-0.2 s to parse whole), with the same
 * result for those sonames.
 */
export async function loadDpkgShlibs(
  arch: string,
  infoDir = DPKG_INFO_DIR,
  nativeArch: string = arch,
  wanted?: ReadonlySet<string>,
): Promise<ShlibsData> {
  let names: string[];
  try {
    names = readdirSync(infoDir).sort(); // blocking: hundreds of small files, each async read a thread-pool round trip
  } catch {
    return new Map();
  }
  const forArch = (name: string, ext: string) =>
    name.endsWith(ext) && (name.includes(':') ? name.endsWith(`:${arch}${ext}`) : arch === nativeArch);
  const data: ShlibsData = new Map();
  const sonames = wanted && [...wanted];
  for (const name of names.filter((n) => forArch(n, '.symbols'))) {
    const text = readFileSync(path.join(infoDir, name), 'utf8');
    if (!sonames || sonames.some((soname) => text.includes(soname))) parseSymbolsFile(text, data);
  }
  for (const name of names.filter((n) => forArch(n, '.shlibs')))
    parseShlibsFile(readFileSync(path.join(infoDir, name), 'utf8'), data);
  return data;
}
