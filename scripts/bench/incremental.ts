// `npm run bench -- --only incremental`: release builds with the build cache, in the default mode
// (install step included) on a copy of the corpus: cold, warm after a one-file change in the app,
// warm after one dependency's version changed in the lockfile, for deb alone and deb + rpm, next
// to the same build without cache. The runs depend on each other (a warm run needs the cold one
// before it), so each repetition runs the sequence in order instead of alternating commands.
import { appendFile, cp, copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Measurement, RatioSpec, Setup } from './measurements.js';
import type { RunRecord } from './report.js';
import { describeRun, runOnce, type MeasurementRuns, type RoundContext } from './rounds.js';
import { run } from './run.js';

/** A small direct dependency of the corpus whose version the "one dependency changed" runs move. */
const MOVED_DEPENDENCY = 'dotenv';

interface Step {
  id: string;
  label: string;
  targets: string[];
  /** false: --no-cache (the build as it is without any cache). */
  cache: boolean;
  /** Before the run: nothing, clear the cache, edit one app file, or swap the lockfile. */
  before: 'none' | 'clear-cache' | 'edit-app' | 'swap-lockfile';
  /** Recorded, or run only to bring the cache to the state the next step needs. */
  recorded: boolean;
}

const STEPS: Step[] = [
  { id: 'inc-nocache-deb', label: 'deb, --no-cache', targets: ['deb'], cache: false, before: 'none', recorded: true },
  {
    id: 'inc-cold-deb',
    label: 'deb, cold cache',
    targets: ['deb'],
    cache: true,
    before: 'clear-cache',
    recorded: true,
  },
  {
    id: 'inc-app-deb',
    label: 'deb, warm, one app file changed',
    targets: ['deb'],
    cache: true,
    before: 'edit-app',
    recorded: true,
  },
  {
    id: 'inc-dep-deb',
    label: 'deb, warm, one dependency changed',
    targets: ['deb'],
    cache: true,
    before: 'swap-lockfile',
    recorded: true,
  },
  {
    id: 'inc-nocache-both',
    label: 'deb + rpm, --no-cache',
    targets: ['deb', 'rpm'],
    cache: false,
    before: 'none',
    recorded: true,
  },
  {
    id: 'inc-cold-both',
    label: 'deb + rpm, cold cache',
    targets: ['deb', 'rpm'],
    cache: true,
    before: 'clear-cache',
    recorded: true,
  },
  {
    id: 'inc-app-both',
    label: 'deb + rpm, warm, one app file changed',
    targets: ['deb', 'rpm'],
    cache: true,
    before: 'edit-app',
    recorded: true,
  },
  {
    id: 'inc-dep-both',
    label: 'deb + rpm, warm, one dependency changed',
    targets: ['deb', 'rpm'],
    cache: true,
    before: 'swap-lockfile',
    recorded: true,
  },
];

export const INCREMENTAL_RATIOS: RatioSpec[] = [
  { label: 'incremental: deb cold cache / --no-cache', of: 'inc-cold-deb', to: ['inc-nocache-deb'], kind: 'ratio' },
  { label: 'incremental: deb warm app change / --no-cache', of: 'inc-app-deb', to: ['inc-nocache-deb'], kind: 'ratio' },
  {
    label: 'incremental: deb warm dependency change / --no-cache',
    of: 'inc-dep-deb',
    to: ['inc-nocache-deb'],
    kind: 'ratio',
  },
  {
    label: 'incremental: deb+rpm warm app change / --no-cache',
    of: 'inc-app-both',
    to: ['inc-nocache-both'],
    kind: 'ratio',
  },
];

/**
 * Runs the sequence `reps` times on a copy of the staged corpus (its own lockfile pair: as
 * committed, and with MOVED_DEPENDENCY one version back, resolved by npm once).
 */
export async function incrementalRuns(
  setup: Setup,
  workDir: string,
  reps: number,
  context: RoundContext,
): Promise<MeasurementRuns[]> {
  const app = path.join(workDir, 'inc-app');
  const cacheDir = path.join(workDir, 'inc-cache');
  const outDir = path.join(setup.outRoot, 'incremental');
  await rm(app, { recursive: true, force: true });
  await cp(setup.app, app, { recursive: true, verbatimSymlinks: true });
  const lockfiles = await lockfilePair(app, path.join(workDir, 'inc-lock'), context);
  let edits = 0;
  let swapped = false;
  const results = STEPS.map((step): MeasurementRuns => ({
    measurement: measurementOf(step, setup, app, cacheDir, outDir),
    warmup: [],
    recorded: [],
  }));
  for (let rep = 0; rep < reps; rep++) {
    for (const r of results) {
      const step = STEPS.find((s) => s.id === r.measurement.id)!;
      if (r.error) continue;
      if (step.before === 'clear-cache') await rm(cacheDir, { recursive: true, force: true });
      if (step.before === 'edit-app') await appendFile(path.join(app, 'server.js'), `// bench edit ${++edits}\n`);
      if (step.before === 'swap-lockfile') {
        swapped = !swapped;
        const from = swapped ? lockfiles.moved : lockfiles.original;
        for (const name of ['package.json', 'package-lock.json'])
          await copyFile(path.join(from, name), path.join(app, name));
      }
      try {
        const record: RunRecord = await runOnce(r.measurement, context);
        r.recorded.push(record);
        context.log(`[incremental ${rep + 1}/${reps}] ${describeRun(r.measurement.label, record)}`);
      } catch (error) {
        r.error = (error as Error).message;
        context.log(`[incremental] ${r.measurement.label}: FAILED\n${r.error}`);
      }
    }
  }
  await rm(app, { recursive: true, force: true });
  await rm(cacheDir, { recursive: true, force: true });
  return results;
}

function measurementOf(step: Step, setup: Setup, app: string, cacheDir: string, outDir: string): Measurement {
  return {
    id: step.id,
    label: `pkgapp ${step.label}`,
    group: 'incremental',
    needs: ['npm'],
    argv: [
      ...setup.pkgapp,
      'build',
      '-C',
      app,
      ...step.targets.flatMap((t) => ['-t', t]),
      ...(step.cache ? ['--cache', cacheDir] : ['--no-cache']),
      '-o',
      outDir,
      '-q',
    ],
    outDir,
  };
}

/**
 * package.json and package-lock.json as staged, and with MOVED_DEPENDENCY moved to the version
 * before the locked one (`npm install --package-lock-only`: npm resolves it, nothing installed).
 */
async function lockfilePair(
  app: string,
  dir: string,
  context: RoundContext,
): Promise<{ original: string; moved: string }> {
  const original = path.join(dir, 'original');
  const moved = path.join(dir, 'moved');
  for (const d of [original, moved]) {
    await mkdir(d, { recursive: true });
    for (const name of ['package.json', 'package-lock.json']) await copyFile(path.join(app, name), path.join(d, name));
  }
  const lock = JSON.parse(await readFile(path.join(app, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  const current = lock.packages[`node_modules/${MOVED_DEPENDENCY}`]?.version;
  if (!current) throw new Error(`bench: ${MOVED_DEPENDENCY} is not in the corpus lockfile`);
  const older = JSON.parse(
    await run(['npm', 'view', `${MOVED_DEPENDENCY}@<${current}`, 'version', '--json'], { env: context.env }),
  ) as string | string[];
  const previous = Array.isArray(older) ? older[older.length - 1] : older;
  if (!previous) throw new Error(`bench: no ${MOVED_DEPENDENCY} version before ${current}`);
  await run(
    [
      'npm',
      'install',
      `${MOVED_DEPENDENCY}@${previous}`,
      '--package-lock-only',
      '--ignore-scripts',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
    ],
    { cwd: moved, env: context.env },
  );
  context.log(`incremental: ${MOVED_DEPENDENCY} ${current} -> ${previous} in the changed lockfile`);
  return { original, moved };
}
