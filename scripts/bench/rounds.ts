// Runs measurements in alternating rounds: each round runs every command once, in turn.
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Measurement } from './measurements.js';
import type { RunRecord } from './report.js';
import { isStopping, run, runTimed } from './run.js';

export interface MeasurementRuns {
  measurement: Measurement;
  warmup: RunRecord[];
  recorded: RunRecord[];
  error?: string;
}

export interface RoundContext {
  env: NodeJS.ProcessEnv;
  /** GNU time writes here. */
  timeFile: string;
  log: (line: string) => void;
}

/**
 * Runs `rounds` rounds (the first `warmups` unrecorded) of every measurement in turn, so a
 * slow drift of the machine hits all commands alike. A command that fails is dropped from the
 * later rounds. `keepFirst` receives each output directory of the first round before removal.
 */
export async function runRounds(
  list: readonly Measurement[],
  options: {
    warmups: number;
    reps: number;
    context: RoundContext;
    keepFirst?: (m: Measurement, outDir: string) => Promise<void>;
  },
): Promise<MeasurementRuns[]> {
  const results = list.map((measurement): MeasurementRuns => ({ measurement, warmup: [], recorded: [] }));
  const total = options.warmups + options.reps;
  for (let round = 0; round < total; round++) {
    const warm = round < options.warmups;
    const name = warm
      ? `warm-up ${round + 1}/${options.warmups}`
      : `round ${round - options.warmups + 1}/${options.reps}`;
    for (const r of results) {
      if (isStopping()) throw new Error('bench: stopping');
      if (r.error) continue;
      try {
        const record = await runOnce(r.measurement, options.context, round === 0 ? options.keepFirst : undefined);
        (warm ? r.warmup : r.recorded).push(record);
        options.context.log(`[${name}] ${describeRun(r.measurement.label, record)}`);
      } catch (error) {
        r.error = (error as Error).message;
        options.context.log(`[${name}] ${r.measurement.label}: FAILED, dropped from later rounds\n${r.error}`);
      }
    }
  }
  return results;
}

/** One run in a fresh output directory, which is sized and removed afterwards. */
export async function runOnce(
  m: Measurement,
  context: RoundContext,
  keep?: (m: Measurement, outDir: string) => Promise<void>,
): Promise<RunRecord> {
  if (m.outDir) {
    await rm(m.outDir, { recursive: true, force: true });
    await mkdir(m.outDir, { recursive: true });
  }
  try {
    const timed = await runTimed(m.argv, context.timeFile, { env: context.env });
    if (!m.outDir) return timed;
    const outputBytes = await treeBytes(m.outDir);
    if (keep) await keep(m, m.outDir);
    return { ...timed, outputBytes };
  } finally {
    if (m.outDir) await rm(m.outDir, { recursive: true, force: true });
    for (const dir of m.scratch ?? []) await rm(dir, { recursive: true, force: true });
  }
}

/** Moves an output directory aside (for the sanity checks); returns the package files in it. */
export async function keepOutput(outDir: string, keepDir: string): Promise<string[]> {
  await mkdir(path.dirname(keepDir), { recursive: true });
  await rename(outDir, keepDir);
  return (await run(['find', keepDir, '-type', 'f', '(', '-name', '*.deb', '-o', '-name', '*.rpm', ')']))
    .split('\n')
    .filter(Boolean)
    .sort();
}

/** "label: 12.34 s, CPU 20.1 s, peak 85 MiB, 89.4 MB written" */
export function describeRun(label: string, r: RunRecord): string {
  const out = r.outputBytes === undefined ? '' : `, ${(r.outputBytes / 1e6).toFixed(1)} MB written`;
  return `${label}: ${r.seconds.toFixed(r.seconds < 1 ? 3 : 2)} s, CPU ${r.cpuSeconds.toFixed(2)} s, peak ${(r.peakRssKiB / 1024).toFixed(0)} MiB${out}`;
}

async function treeBytes(dir: string): Promise<number> {
  const sizes = await run(['find', dir, '-type', 'f', '-printf', '%s\\n']);
  return sizes
    .split('\n')
    .filter(Boolean)
    .reduce((sum, s) => sum + Number(s), 0);
}
