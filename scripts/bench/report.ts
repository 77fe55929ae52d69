// Medians, ranges and ratios of the recorded runs, as a text table and as JSON.
import type { RatioSpec } from './measurements.js';
import type { TimedRun } from './run.js';

export interface RunRecord extends TimedRun {
  /** Bytes of the package(s) written, when the command writes some. */
  outputBytes?: number;
}

export interface Summary {
  id: string;
  label: string;
  group: string;
  n: number;
  median: number;
  min: number;
  max: number;
  cpuMedian: number;
  peakRssMaxKiB: number;
  peakRssMedianKiB: number;
  outputBytes?: number;
  error?: string;
}

export interface Ratio {
  label: string;
  value: number;
  /** From the fastest and slowest runs of each side. */
  low: number;
  high: number;
  /**
   * The same ratio (or difference) of CPU time, user + sys medians: what a loaded machine
   * disturbs least, but a command using two cores counts both.
   */
  cpu: number;
  kind: RatioSpec['kind'];
}

/** The middle value (mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Summarizes the recorded runs of one measurement. */
export function summarize(
  id: string,
  label: string,
  group: string,
  runs: readonly RunRecord[],
  error?: string,
): Summary {
  const seconds = runs.map((r) => r.seconds);
  const rss = runs.map((r) => r.peakRssKiB);
  const outputs = runs.map((r) => r.outputBytes).filter((b): b is number => b !== undefined);
  return {
    id,
    label,
    group,
    n: runs.length,
    median: runs.length ? median(seconds) : NaN,
    min: runs.length ? Math.min(...seconds) : NaN,
    max: runs.length ? Math.max(...seconds) : NaN,
    cpuMedian: runs.length ? median(runs.map((r) => r.cpuSeconds)) : NaN,
    peakRssMaxKiB: runs.length ? Math.max(...rss) : NaN,
    peakRssMedianKiB: runs.length ? median(rss) : NaN,
    ...(outputs.length ? { outputBytes: median(outputs) } : {}),
    ...(error ? { error } : {}),
  };
}

/** The ratios whose sides were all measured. */
export function computeRatios(specs: readonly RatioSpec[], summaries: ReadonlyMap<string, Summary>): Ratio[] {
  const ratios: Ratio[] = [];
  for (const spec of specs) {
    const of = summaries.get(spec.of);
    const to = spec.to.map((id) => summaries.get(id));
    if (!of || !of.n || to.some((s) => !s || !s.n)) continue;
    const sum = (pick: (s: Summary) => number) => to.reduce((acc, s) => acc + pick(s!), 0);
    if (spec.kind === 'ratio') {
      ratios.push({
        label: spec.label,
        kind: spec.kind,
        value: of.median / sum((s) => s.median),
        low: of.min / sum((s) => s.max),
        high: of.max / sum((s) => s.min),
        cpu: of.cpuMedian / sum((s) => s.cpuMedian),
      });
    } else {
      ratios.push({
        label: spec.label,
        kind: spec.kind,
        value: (of.median - sum((s) => s.median)) * 1000,
        low: (of.min - sum((s) => s.max)) * 1000,
        high: (of.max - sum((s) => s.min)) * 1000,
        cpu: (of.cpuMedian - sum((s) => s.cpuMedian)) * 1000,
      });
    }
  }
  return ratios;
}

/** The human table: one row per measurement, then the ratios. */
export function formatTable(summaries: readonly Summary[], ratios: readonly Ratio[]): string {
  const header = ['measurement', 'n', 'median s', 'min-max s', 'CPU s', 'peak RSS MiB', 'output MB'];
  const rows = summaries.map((s) =>
    s.error && !s.n
      ? [s.label, '0', 'failed', '', '', '', '']
      : [
          s.label + (s.error ? ' (failed later)' : ''),
          String(s.n),
          fixed(s.median),
          `${fixed(s.min)}-${fixed(s.max)}`,
          fixed(s.cpuMedian),
          (s.peakRssMaxKiB / 1024).toFixed(1),
          s.outputBytes === undefined ? '' : (s.outputBytes / 1e6).toFixed(1),
        ],
  );
  const lines = [...columns([header, ...rows]), ''];
  if (ratios.length) {
    const ratioRows = ratios.map((r) =>
      r.kind === 'ratio'
        ? [r.label, `${r.value.toFixed(2)}x`, `(${r.low.toFixed(2)}-${r.high.toFixed(2)})`, `${r.cpu.toFixed(2)}x`]
        : [
            r.label,
            `+${r.value.toFixed(0)} ms`,
            `(${r.low.toFixed(0)} to ${r.high.toFixed(0)})`,
            `+${r.cpu.toFixed(0)} ms`,
          ],
    );
    lines.push(...columns([['ratio of medians', 'value', '(range from min/max)', 'CPU time'], ...ratioRows]));
  }
  const failed = summaries.filter((s) => s.error);
  for (const s of failed) lines.push('', `${s.label} failed: ${s.error}`);
  return `${lines.join('\n')}\n`;
}

function fixed(seconds: number): string {
  return seconds < 1 ? seconds.toFixed(3) : seconds.toFixed(2);
}

function columns(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r, ri) => {
    const line = r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
    return ri === 0 ? `${line}\n${'-'.repeat(line.length)}` : line;
  });
}
