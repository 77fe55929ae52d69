// The "ELF objects" section of the human inspect report: each object's machine, type, soname and
// search path, then every library it needs, the symbol versions it needs from it and where the
// library comes from (src/inspect/elf-objects.ts), with a mark where the package does not
// declare what the object needs.
import type { ElfLibraryProvider, InspectedElf, InspectedElfObject } from './inspection.js';
import { printable } from './printable.js';

const TYPES: Record<InspectedElfObject['type'], string> = {
  DYN: 'shared object',
  EXEC: 'executable',
  REL: 'relocatable object',
  CORE: 'core file',
  OTHER: 'ELF file',
};

const FROM: Record<'dpkg-symbols' | 'dpkg-shlibs' | 'pkgapp-table', string> = {
  'dpkg-symbols': "this machine's dpkg symbols",
  'dpkg-shlibs': "this machine's dpkg shlibs",
  'pkgapp-table': "pkgapp's table (src/deb/shlibs-table.ts)",
};

/** Appends the section; nothing for a report without one (read back from older --json). */
export function renderElfObjects(elf: InspectedElf | undefined, out: string[]): void {
  if (!elf) return;
  out.push('', `ELF objects (${elf.objects.length})`);
  if (elf.objects.length === 0 && elf.problems.length === 0) out.push('  (none)');
  for (const o of elf.objects) {
    // A PIE executable is ET_DYN with an interpreter.
    const type = o.interpreter !== undefined && o.type === 'DYN' ? 'executable (PIE)' : TYPES[o.type];
    out.push(`  ${printable(o.path)}`);
    const facts = [`${o.machine} ${o.bits}-bit ${type}`, o.stripped ? 'stripped' : 'not stripped'];
    if (o.soname !== undefined) facts.push(`SONAME ${printable(o.soname)}`);
    if (o.runpath.length) facts.push(`RUNPATH ${printable(o.runpath.join(':'))}`);
    if (o.rpath.length) facts.push(`RPATH ${printable(o.rpath.join(':'))}`);
    if (o.interpreter !== undefined) facts.push(`interpreter ${printable(o.interpreter)}`);
    out.push(`    ${facts.join(', ')}`);
    if (o.needed.length === 0) out.push('    needs no library');
    for (const n of o.needed) {
      const versions = n.versions.length ? ` [${n.versions.map(printable).join(', ')}]` : '';
      out.push(`    needs ${printable(n.soname)}${versions}`);
      out.push(`      ${provider(n.provider)}`);
    }
  }
  for (const p of elf.problems) out.push(`  (${printable(p)})`);
}

function provider(p: ElfLibraryProvider): string {
  switch (p.kind) {
    case 'shipped':
      return p.searchPath !== undefined
        ? `shipped in the package: ${printable(p.file)} (found through ${printable(p.searchPath)})`
        : `shipped in the package: ${printable(p.file)}, but not on the object's RUNPATH/RPATH`;
    case 'package':
      return `${p.package}${p.floor ? ` (>= ${p.floor})` : ''} from ${FROM[p.from]}${p.inDepends ? '' : ' - NOT satisfied by Depends'}`;
    case 'declared':
      return 'known to no library data here: declared with pkgapp.libraries when built (see Depends)';
    case 'system':
      return p.requires.length === 0
        ? 'from the system (rpm writes no Requires for this name)'
        : p.missing.length
          ? `from the system: ${p.missing.length} of its ${p.requires.length} Requires MISSING from the package: ${p.missing.join(', ')}`
          : `from the system: ${p.requires.length === 1 ? 'its Requires is' : `all ${p.requires.length} of its Requires are`} in the package (${p.requires[0]}${p.requires.length > 1 ? ', ...' : ''})`;
  }
}
