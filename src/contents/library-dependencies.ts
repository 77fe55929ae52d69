// The system libraries the payload's ELF objects load, as package dependencies: for the rpm the
// Requires rpmbuild's elfdeps would write (src/rpm/elf-requires.ts), for the deb the Depends
// dpkg-shlibdeps would compute (src/deb/shlib-depends.ts). Without them a package whose addon
// needs GLIBC_2.34 installs on an older server and fails at require(), after the upgrade has
// replaced the working version.
//
// A library pkgapp cannot map to a Debian package fails the build, naming the file and the
// soname: the app declares it in pkgapp.libraries, as a Debian relation for Depends or as false
// (the server has it some other way: then neither package requires it).
import { UserError } from '../errors.js';
import { shlibDepends, type ShlibOrigin } from '../deb/shlib-depends.js';
import { DEB_ARCH } from '../deb/deb-arch.js';
import { DPKG_INFO_DIR, loadDpkgShlibs, type ShlibsData } from '../deb/shlibs-data.js';
import { pkgappShlibsTable } from '../deb/shlibs-table.js';
import { elfRequires, shippedSonames } from '../rpm/elf-requires.js';
import type { PayloadElf } from './payload-elf.js';

/**
 * The library names the payload provides itself: its shared objects' sonames and file names, and
 * the names of its symlinks (libvips-cpp.so.42 → libvips-cpp.so.8.14.2), which serve a soname too.
 */
export function payloadSonames(objects: readonly PayloadElf[], symlinkNames: readonly string[]): Set<string> {
  const shipped = shippedSonames(objects.map((o) => ({ info: o.info })));
  for (const name of symlinkNames) shipped.add(name);
  return shipped;
}

/**
 * Where Debian library data comes from, in the order it is consulted: dpkg's records for `debArch`,
 * then pkgapp's table. `wanted`: the only sonames that will be looked up (all when undefined).
 */
export async function debLibrarySources(debArch: string, wanted?: ReadonlySet<string>): Promise<ShlibsData[]> {
  // The build machine's unqualified dpkg records are its own architecture's: never another's.
  const native = (DEB_ARCH.names as Record<string, string>)[process.arch] ?? process.arch;
  return [await loadDpkgShlibs(debArch, DPKG_INFO_DIR, native, wanted), pkgappShlibsTable(debArch)];
}

export interface LibraryDependencies {
  /** Debian relations for Depends, sorted by package. */
  deb: string[];
  /** rpm requirement names (libc.so.6()(64bit)...), sorted and deduplicated. */
  rpm: string[];
  /** Which object needed which library and what it became (deb), for inspect and the build log. */
  origins: ShlibOrigin[];
  /** Lines for the build log: versions the library data did not know. */
  warnings: string[];
}

/**
 * The dependencies of `objects` for the deb and the rpm. `symlinkNames`: names of the payload's
 * symlinks (libvips-cpp.so.42 → libvips-cpp.so.8.14.2), which serve a soname too. `debArch`:
 * the Debian architecture, to read the build machine's dpkg records (undefined: no deb built).
 */
export async function libraryDependencies(options: {
  objects: readonly PayloadElf[];
  symlinkNames: readonly string[];
  libraries: Readonly<Record<string, string | false>>;
  librariesKey: string;
  debArch: string | undefined;
}): Promise<LibraryDependencies> {
  const { objects, libraries } = options;
  const shipped = payloadSonames(objects, options.symlinkNames);
  const accepted = new Set(
    Object.entries(libraries)
      .filter(([, v]) => v === false)
      .map(([k]) => k),
  );
  const rpm = elfRequires(
    objects.map((o) => ({ info: o.info, executable: (o.mode & 0o111) !== 0 })),
    new Set([...shipped, ...accepted]),
  );
  if (options.debArch === undefined) return { deb: [], rpm, origins: [], warnings: [] };

  // Declared libraries (a relation or false) are the app's word: not looked up.
  const declared = new Set([...shipped, ...Object.keys(libraries)]);
  const infos = objects.map((o) => o.info);
  const sources = await debLibrarySources(options.debArch, new Set(infos.flatMap((info) => info.needed)));
  const result = shlibDepends(infos, sources, declared);
  const unmapped = result.problems.filter((p) => p.kind === 'unmapped-library');
  if (unmapped.length) {
    const sonames = [...new Set(unmapped.map((p) => p.soname))];
    const lines = unmapped.slice(0, 10).map((p) => `${p.file} needs ${p.soname}`);
    if (unmapped.length > 10) lines.push(`… and ${unmapped.length - 10} more`);
    const example = `{ ${sonames.map((s) => `"${s}": "PACKAGE (>= VERSION)"`).join(', ')} }`;
    throw new UserError(`no Debian package is known to provide ${sonames.join(', ')}:\n  ${lines.join('\n  ')}`, {
      code: 'PKGAPP_LIBRARY_UNMAPPED',
      hint: `Declare the package that ships it in ${options.librariesKey}, e.g. ${example}, or map it to false to ship without one (the server must have the library); installing its package on the build machine lets pkgapp read dpkg's own records`,
    });
  }
  const warnings = result.problems
    .filter((p) => p.kind === 'unknown-version')
    .map(
      (p) =>
        `${p.file} needs ${p.soname} version ${p.kind === 'unknown-version' ? p.version : ''}, newer than pkgapp's data on ${p.kind === 'unknown-version' ? p.package : ''}: its floor may be too low`,
    );
  const configured = Object.entries(libraries)
    .filter(([soname, v]) => typeof v === 'string' && infos.some((i) => i.needed.includes(soname)))
    .map(([, v]) => v as string);
  const deb = [...new Set([...result.depends, ...configured])];
  return { deb, rpm, origins: result.origins, warnings };
}
