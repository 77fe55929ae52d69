// pkgapp's own library table, for build machines without dpkg records of the package's
// architecture (a Fedora runner, or an arm64 package built on amd64): soname -> Debian 12
// package, and per symbol version the lowest package version that has all its symbols. One
// generated table per architecture (src/deb/shlibs-tables/, from scripts/gen-shlibs-table.ts),
// since version tags mean different symbol sets on different machines.
import { table as amd64 } from './shlibs-tables/amd64.js';
import { table as arm64 } from './shlibs-tables/arm64.js';
import type { ShlibsData, ShlibsTable } from './shlibs-data.js';

const TABLES: Record<string, ShlibsTable> = { amd64, arm64 };

/** The architectures pkgapp ships a table for; others fall back to amd64's (see pkgappShlibsTable). */
export const SHLIBS_TABLE_ARCHES = Object.keys(TABLES);

/** The amd64 table's source (its package versions are checked against this machine's in the tests). */
export const SHLIBS_TABLE_SOURCE = amd64.source;

/**
 * The dynamic loader's soname differs per architecture; its symbol versions are glibc's (the
 * oldest tag is the architecture's first glibc), so a loader a table lacks maps like its own
 * machine's loader, without floors.
 */
const LOADERS = [
  'ld-linux-x86-64.so.2',
  'ld-linux-aarch64.so.1',
  'ld-linux-armhf.so.3',
  'ld-linux.so.2',
  'ld64.so.2',
  'ld64.so.1',
  'ld-linux-riscv64-lp64d.so.1',
];

/**
 * The table for Debian architecture `debArch`. An architecture without its own table gets
 * amd64's: right for the packages and for the version tags both share, but its oldest glibc
 * tag may carry symbols whose floor only that architecture's records know
 * (docs/internals/native-libraries.md).
 */
export function pkgappShlibsTable(debArch = 'amd64'): ShlibsData {
  const chosen = TABLES[debArch] ?? amd64;
  const table: ShlibsData = new Map(
    chosen.entries.map(([soname, entry]) => [soname, { ...entry, from: 'pkgapp-table' as const }]),
  );
  const loader = LOADERS.map((name) => table.get(name)).find(Boolean);
  if (loader) for (const name of LOADERS) if (!table.has(name)) table.set(name, { ...loader, versions: {} });
  return table;
}
