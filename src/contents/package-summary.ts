// What was packaged, by top-level path under /opt/NAME: one log line that shows at a glance
// whether the build output (.next/, dist/, ...) is in, and what weighs the most.

/** Files and bytes per top-level path (a directory "dist/" or a file "server.js"). */
export class TopLevelTally {
  readonly tops = new Map<string, { files: number; bytes: number }>();

  add(rel: string, bytes: number): void {
    const slash = rel.indexOf('/');
    const top = slash === -1 ? rel : rel.slice(0, slash + 1);
    const t = this.tops.get(top);
    if (t) {
      t.files++;
      t.bytes += bytes;
    } else {
      this.tops.set(top, { files: 1, bytes });
    }
  }
}

/** One entry of the summary (also in --json). */
export interface SummaryItem {
  path: string;
  files: number;
  bytes: number;
  /** For node_modules/: how many packages. */
  packages?: number;
}

/** Directories by name, node_modules/ after them, then top-level files. */
export function summaryItems(tally: TopLevelTally, packages: number): SummaryItem[] {
  const items = [...tally.tops].map(([path, t]) => ({ path, ...t, ...(path === 'node_modules/' ? { packages } : {}) }));
  const rank = (p: string) => (p === 'node_modules/' ? 1 : p.endsWith('/') ? 0 : 2);
  return items.sort((a, b) => rank(a.path) - rank(b.path) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** "`.next/ 4.1 MiB (312 files), node_modules/ 118 MiB (412 packages), server.js 1.0 KiB`"; at most `max` items named. */
export function formatSummary(items: readonly SummaryItem[], max = 12): string {
  const named = items.length > max ? items.slice(0, max - 1) : items;
  const rest = items.slice(named.length);
  const parts = named.map((i) => {
    const count =
      i.packages !== undefined
        ? `${i.packages} package${i.packages === 1 ? '' : 's'}`
        : `${i.files} file${i.files === 1 ? '' : 's'}`;
    return i.path.endsWith('/') ? `${i.path} ${formatBytes(i.bytes)} (${count})` : `${i.path} ${formatBytes(i.bytes)}`;
  });
  if (rest.length) parts.push(`${rest.length} more ${formatBytes(rest.reduce((n, i) => n + i.bytes, 0))}`);
  return parts.join(', ');
}

/** 512 B, 20 KiB, 4.1 MiB, 1.2 GiB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
