// Checks that pkgapp and its peer packaged the same thing, so the timings compare like with like.
import { run } from './run.js';

export interface SanityResult {
  format: 'deb' | 'rpm';
  /** Measurement ids of the two sides. */
  pkgapp: string;
  peer: string;
  pkgappEntries: number;
  peerEntries: number;
  pkgappFiles: number;
  peerFiles: number;
  /** Entries (type, mode, path) in one package and not the other. */
  differingEntries: number;
  /** deb: md5sums identical; rpm: every file's sha256 digest identical. */
  digestsEqual: boolean;
  ok: boolean;
}

/** Compares two packages of the same format (files, named by measurement id) by listings and digests. */
export async function comparePackages(
  format: 'deb' | 'rpm',
  pkgapp: { id: string; file: string },
  peer: { id: string; file: string },
): Promise<SanityResult> {
  const [a, b] = await Promise.all([listing(format, pkgapp.file), listing(format, peer.file)]);
  const inA = new Set(a.entries);
  const inB = new Set(b.entries);
  const differingEntries = a.entries.filter((e) => !inB.has(e)).length + b.entries.filter((e) => !inA.has(e)).length;
  const digestsEqual = a.digests.length > 0 && a.digests.join('\n') === b.digests.join('\n');
  return {
    format,
    pkgapp: pkgapp.id,
    peer: peer.id,
    pkgappEntries: a.entries.length,
    peerEntries: b.entries.length,
    pkgappFiles: a.files,
    peerFiles: b.files,
    differingEntries,
    digestsEqual,
    ok: differingEntries === 0 && a.entries.length === b.entries.length && digestsEqual,
  };
}

interface Listing {
  /** "mode [size] path" per entry, sorted. */
  entries: string[];
  files: number;
  /** Sorted "digest path" lines. */
  digests: string[];
}

async function listing(format: 'deb' | 'rpm', file: string): Promise<Listing> {
  if (format === 'deb') {
    // dpkg-deb -c: "drwxr-xr-x root/root 0 2024-01-01 00:00 ./opt/" (symlinks add "-> target").
    const lines = (await run(['dpkg-deb', '-c', file])).split('\n').filter(Boolean);
    const entries = lines
      .map((l) => {
        const f = l.split(/\s+/);
        return `${f[0]} ${f[2]} ${f.slice(5).join(' ').replace(/\/$/, '')}`;
      })
      .sort();
    const md5sums = (await run(['dpkg-deb', '--info', file, 'md5sums'])).split('\n').filter(Boolean).sort();
    return { entries, files: entries.filter((e) => e.startsWith('-')).length, digests: md5sums };
  }
  const rows = (
    await run(['rpm', '-qp', '--qf', '[%{FILEMODES:perms} %{FILESIZES} %{FILENAMES}\\t%{FILEDIGESTS}\\n]', file])
  )
    .split('\n')
    .filter(Boolean);
  // Directory sizes are the file system's (rpmbuild stats them): not compared.
  const entries = rows.map((r) => (r.split('\t')[0] ?? '').replace(/^(d\S+) \d+ /, '$1 - ')).sort();
  const digests = rows
    .map((r) => {
      const [entry = '', digest = ''] = r.split('\t');
      return `${digest} ${entry.split(' ').slice(2).join(' ')}`;
    })
    .sort();
  return { entries, files: entries.filter((e) => e.startsWith('-')).length, digests };
}
