// What `pkgapp inspect` says about the ELF objects of a built package: for each one its machine,
// the libraries it names (DT_NEEDED) with the symbol versions it needs from them, and where each
// library comes from, computed the way a build computes it (src/contents/library-dependencies.ts
// and the modules it uses), then checked against what the package really declares:
// - a library the package ships itself (its soname or file name, or a symlink's name), and whether
//   the object's RUNPATH/RPATH ($ORIGIN expanded) reaches the directory it is in;
// - deb: the Debian package that provides it, its floor and which data said so (dpkg's symbols or
//   shlibs records on this machine, or pkgapp's table), and whether Depends satisfies it; a
//   library no data knows was declared with pkgapp.libraries when the package was built;
// - rpm: the Requires rpm's elfdeps writes for it, and any the package lacks.
import path from 'node:path';
import { debLibrarySources, payloadSonames } from '../contents/library-dependencies.js';
import type { PayloadElf } from '../contents/payload-elf.js';
import { compareDebVersions } from '../deb/deb-version.js';
import { shlibDepends } from '../deb/shlib-depends.js';
import { elfRequires } from '../rpm/elf-requires.js';
import type { CapturedElf } from './payload-elf-capture.js';
import type {
  ElfLibraryProvider,
  InspectedElf,
  InspectedElfNeed,
  InspectedElfObject,
  InspectedFile,
} from './inspection.js';

export type ElfContext =
  | { format: 'deb'; debArch: string; files: readonly InspectedFile[]; depends: readonly string[] }
  | { format: 'rpm'; files: readonly InspectedFile[]; requires: readonly string[] };

/** The ELF section of an inspection, from the objects captured out of the payload. */
export async function describeElfObjects(captured: CapturedElf, context: ElfContext): Promise<InspectedElf> {
  const { objects } = captured;
  const symlinks = context.files.filter((f) => f.type === 'symlink');
  const shipped = payloadSonames(
    objects,
    symlinks.map((s) => path.posix.basename(s.path)),
  );
  const debOrigins =
    context.format === 'deb'
      ? shlibDepends(
          objects.map((o) => o.info),
          await debLibrarySources(context.debArch),
          shipped,
        ).origins
      : [];
  const requires = context.format === 'rpm' ? new Set(context.requires) : new Set<string>();
  const described = objects.map((object): InspectedElfObject => {
    const { info } = object;
    const rpmNames =
      context.format === 'rpm' ? elfRequires([{ info, executable: (object.mode & 0o111) !== 0 }], shipped) : [];
    const needed = [...new Set(info.needed)].map((soname): InspectedElfNeed => {
      const versions = info.versionNeeds
        .filter((n) => n.file === soname)
        .flatMap((n) => n.versions.map((v) => (v.weak ? `${v.name} (weak)` : v.name)));
      let provider: ElfLibraryProvider;
      if (shipped.has(soname)) provider = shippedProvider(object, soname, objects, symlinks);
      else if (context.format === 'rpm') {
        const mine = rpmNames.filter((r) => r === soname || r.startsWith(`${soname}(`));
        provider = { kind: 'system', requires: mine, missing: mine.filter((r) => !requires.has(r)) };
      } else {
        const origin = debOrigins.find((o) => o.file === info.path && o.soname === soname);
        provider = origin
          ? {
              kind: 'package',
              package: origin.package,
              ...(origin.floor ? { floor: origin.floor } : {}),
              from: origin.from,
              inDepends: satisfied(context.depends, origin.package, origin.floor),
            }
          : { kind: 'declared', inDepends: false };
      }
      return { soname, versions, provider };
    });
    return {
      path: info.path,
      machine: info.machineName,
      bits: info.bits,
      type: info.type,
      ...(info.interpreter !== undefined ? { interpreter: info.interpreter } : {}),
      ...(info.soname !== undefined ? { soname: info.soname } : {}),
      rpath: info.rpath,
      runpath: info.runpath,
      stripped: !info.hasSymtab && !info.hasDebugInfo,
      needed,
    };
  });
  return { objects: described, problems: [...captured.unreadable] };
}

/**
 * The payload file serving `soname` for `object`: the first one in a directory of the object's
 * search path (DT_RUNPATH, or DT_RPATH when there is no RUNPATH, as ld.so reads them), else the
 * first one anywhere (searchPath undefined: the loader will not find it there by itself).
 */
function shippedProvider(
  object: PayloadElf,
  soname: string,
  objects: readonly PayloadElf[],
  symlinks: readonly InspectedFile[],
): ElfLibraryProvider {
  const candidates = [
    ...objects
      .filter((o) => o.info.type === 'DYN' && (o.info.soname === soname || path.posix.basename(o.info.path) === soname))
      .map((o) => o.info.path),
    ...symlinks.filter((s) => path.posix.basename(s.path) === soname).map((s) => s.path),
  ];
  const origin = path.posix.dirname(object.info.path);
  const entries = object.info.runpath.length ? object.info.runpath : object.info.rpath;
  for (const entry of entries) {
    const dir = path.posix.resolve(origin, entry.replace(/\$\{ORIGIN\}|\$ORIGIN/g, origin));
    const file = candidates.find((c) => path.posix.dirname(c) === dir);
    if (file) return { kind: 'shipped', file, searchPath: entry };
  }
  return { kind: 'shipped', file: candidates[0] ?? soname, searchPath: undefined };
}

/** Whether one of the `depends` clauses (alternatives included) names `pkg` with a version that meets `floor`. */
function satisfied(depends: readonly string[], pkg: string, floor: string | undefined): boolean {
  for (const clause of depends)
    for (const alternative of clause.split('|')) {
      const match = /^\s*([a-z0-9][a-z0-9+.-]*)(?::[a-z0-9-]+)?\s*(?:\(\s*(>=|>>|=)\s*([^)\s]+)\s*\))?/.exec(
        alternative,
      );
      if (!match || match[1] !== pkg) continue;
      if (floor === undefined) return true;
      if (match[3] !== undefined && compareDebVersions(match[3], floor) >= 0) return true;
    }
  return false;
}
