// `npm run bench`: pkgapp against dpkg-deb, rpmbuild and tar|gzip floors on a ~500 MB node_modules corpus.
import { cp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildQuadCorpus,
  corpusStats,
  ensureCorpus,
  makeWorkDir,
  stageCorpus,
  type CorpusStats,
  type WorkDir,
} from './bench/corpus.js';
import {
  measurements,
  quadMeasurements,
  RATIOS,
  SANITY_PAIRS,
  startupMeasurements,
  type Measurement,
  type Setup,
} from './bench/measurements.js';
import { parseBenchArgs, USAGE, type BenchOptions } from './bench/options.js';
import { prepareDebTree, prepareRpmSpec } from './bench/peer-trees.js';
import { formatProfile, profileRun, type ProfileSummary } from './bench/profile.js';
import { computeRatios, formatTable, summarize } from './bench/report.js';
import {
  describeRun,
  keepOutput,
  runOnce,
  runRounds,
  type MeasurementRuns,
  type RoundContext,
} from './bench/rounds.js';
import { GNU_TIME, haveTool, run, stopAll } from './bench/run.js';
import { INCREMENTAL_RATIOS, incrementalRuns } from './bench/incremental.js';
import { comparePackages, type SanityResult } from './bench/sanity.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(argv);
  } catch (error) {
    log(`bench: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  for (const [tool, pkg] of [
    [GNU_TIME, 'time'],
    ['npm', 'npm'],
  ] as const) {
    if (!(await haveTool(tool))) {
      log(`bench: ${tool} is missing (apt-get install -y ${pkg})`);
      return 1;
    }
  }
  if (!existsSync(path.join(REPO, 'dist', 'cli.js'))) {
    log('bench: dist/cli.js is missing: run `npm run build` first');
    return 1;
  }

  const started = new Date();
  const loadAtStart = os.loadavg();
  const corpusDir = await ensureCorpus(options.cacheDir, log);
  const corpus = await corpusStats(corpusDir);
  log(`corpus: ${describeCorpus(corpus)}`);
  const work = await makeWorkDir(options.cacheDir, 4 * corpus.diskBytes + 2 ** 31, options.disk);
  const cleanup = async () => rm(work.dir, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals) => {
    log(`bench: ${signal}, cleaning up ${work.dir}`);
    stopAll();
    // Give the loop a moment to see the stop before removing what it was writing.
    setTimeout(() => void cleanup().finally(() => process.exit(130)), 500);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await bench(options, corpusDir, corpus, work, started, loadAtStart);
  } finally {
    await cleanup();
    log(`removed ${work.dir}`);
  }
}

interface BenchResults {
  pkgapp: PkgappSnapshot;
  runs: MeasurementRuns[];
  sanity: SanityResult[];
  quadStats?: CorpusStats;
  profile?: ProfileSummary;
  notes: string[];
}

async function bench(
  options: BenchOptions,
  corpusDir: string,
  corpus: CorpusStats,
  work: WorkDir,
  started: Date,
  loadAtStart: number[],
): Promise<number> {
  const results = await measureAll(options, corpusDir, work);
  const summaries = results.runs.map((r) =>
    summarize(r.measurement.id, r.measurement.label, r.measurement.group, r.recorded, r.error),
  );
  const ratios = computeRatios([...RATIOS, ...INCREMENTAL_RATIOS], new Map(summaries.map((s) => [s.id, s])));
  const notes = [
    ...results.notes,
    'peak RSS is the largest single process (GNU time %M): for a pipeline, or pkgapp with its xz/zstd child, not the sum',
  ];
  if (results.quadStats)
    notes.push(`corpus x4 (hard links, which du counts once): ${describeCorpus(results.quadStats)}`);
  const load = { atStart: loadAtStart.map(round2), atEnd: os.loadavg().map(round2) };

  process.stdout.write(
    `${[
      `pkgapp ${results.pkgapp.version} (${results.pkgapp.commit}), node ${process.version}, ${os.cpus().length} cores; ${options.warmup ? '1 warm-up + ' : ''}${options.reps} recorded run(s) each, alternating`,
      `file system: ${work.kind === 'tmpfs' ? `tmpfs (${work.on})` : `disk (${work.on})`}; corpus ${describeCorpus(corpus)}`,
      `load average (1, 5, 15 min): ${load.atStart.join(' ')} at start, ${load.atEnd.join(' ')} at end (other work on the machine adds noise)`,
      '',
      formatTable(summaries, ratios),
      ...results.sanity.map(formatSanity),
      ...(results.profile ? ['', formatProfile(results.profile)] : []),
      ...notes.map((n) => `note: ${n}`),
    ].join('\n')}\n`,
  );

  const durationSeconds = (Date.now() - started.getTime()) / 1000;
  const json = {
    benchmark: 'pkgapp npm run bench',
    version: 1,
    startedAt: started.toISOString(),
    durationSeconds,
    machine: {
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      kernel: os.release(),
      node: process.version,
      loadAverage: load,
      tools: await toolVersions(),
    },
    pkgapp: {
      version: results.pkgapp.version,
      commit: results.pkgapp.commit,
      uncommittedSrcFiles: results.pkgapp.dirty,
    },
    fileSystem: { kind: work.kind, on: work.on },
    corpus: { lockfile: path.join('scripts', 'bench-corpus', 'package-lock.json'), ...corpus },
    ...(results.quadStats ? { corpusX4: results.quadStats } : {}),
    settings: {
      groups: options.groups,
      warmupRounds: options.warmup ? 1 : 0,
      reps: options.reps,
      startupReps: options.startupReps,
    },
    summaries,
    ratios,
    sanity: results.sanity,
    runs: Object.fromEntries(
      results.runs.map((r) => [
        r.measurement.id,
        {
          label: r.measurement.label,
          command: r.measurement.argv,
          warmup: r.warmup,
          recorded: r.recorded,
          ...(r.error ? { error: r.error } : {}),
        },
      ]),
    ),
    ...(results.profile ? { profile: results.profile } : {}),
    notes,
  };
  await writeFile(options.out, `${JSON.stringify(json, null, 2)}\n`);
  log(`results: ${options.out} (${(durationSeconds / 60).toFixed(1)} min)`);
  return summaries.some((s) => s.error) || results.sanity.some((s) => !s.ok) ? 1 : 0;
}

/** Stages everything in the work dir, then runs the rounds, the sanity checks, start-up, x4 and the profile. */
async function measureAll(options: BenchOptions, corpusDir: string, work: WorkDir): Promise<BenchResults> {
  log(`work dir: ${work.dir} (${work.kind === 'tmpfs' ? `tmpfs ${work.on}` : `disk, under ${work.on}`})`);
  const tmpDir = path.join(work.dir, 'tmp');
  await mkdir(tmpDir, { recursive: true });
  // A fixed build time: pkgapp's generated files (changelog, release info) are then identical
  // from run to run, and so to the tree the peers package.
  const env = { ...process.env, TMPDIR: tmpDir, SOURCE_DATE_EPOCH: process.env['SOURCE_DATE_EPOCH'] ?? '1767225600' };
  const context: RoundContext = { env, timeFile: path.join(work.dir, 'time.out'), log };
  const pkgapp = await snapshotPkgapp(path.join(work.dir, 'pkgapp'));
  const app = await stageCorpus(corpusDir, work);
  log(`staged corpus: ${app}`);
  const setup: Setup = { pkgapp: pkgapp.argv, app, outRoot: path.join(work.dir, 'out'), tmpDir };

  const wantsDeb = options.groups.includes('deb');
  const wantsRpm = options.groups.includes('rpm');
  if (wantsDeb || wantsRpm) await preparePeers(setup, work.dir, wantsDeb, wantsRpm, context);
  if (options.groups.includes('startup')) setup.hello = await copyHello(path.join(work.dir, 'hello'));

  const notes: string[] = [];
  const usable = async (list: Measurement[]) => {
    const kept: Measurement[] = [];
    for (const m of list) {
      const missing: string[] = [];
      for (const tool of m.needs) if (!(await haveTool(tool))) missing.push(tool);
      if (missing.length)
        notes.push(
          `${m.label}: skipped, ${missing.join(', ')} not installed (apt-get install -y ${missing.join(' ')})`,
        );
      else kept.push(m);
    }
    return kept;
  };

  const kept = new Map<string, string[]>();
  const keepDir = path.join(work.dir, 'keep');
  const main = await runRounds(await usable(measurements(setup, options.groups)), {
    warmups: options.warmup ? 1 : 0,
    reps: options.reps,
    context,
    keepFirst: async (m, outDir) => {
      if (SANITY_PAIRS.some((p) => p.pkgapp === m.id || p.peer === m.id))
        kept.set(m.id, await keepOutput(outDir, path.join(keepDir, m.id)));
    },
  });
  const sanity = await sanityChecks(kept);
  await rm(keepDir, { recursive: true, force: true });

  const startup = options.groups.includes('startup')
    ? await runRounds(await usable(startupMeasurements(setup)), { warmups: 2, reps: options.startupReps, context })
    : [];
  const incremental = options.groups.includes('incremental')
    ? await incrementalRuns(setup, work.dir, options.reps, context)
    : [];
  const quad = options.quad && (wantsDeb || wantsRpm) ? await quadCheck(setup, options, context) : undefined;
  let profile: ProfileSummary | undefined;
  if (options.profile) {
    const outDir = path.join(setup.outRoot, 'profile');
    profile = await profileRun(
      [
        ...setup.pkgapp,
        'build',
        '-C',
        app,
        '-t',
        'deb',
        '--no-install',
        '--compression',
        'gzip',
        '--level',
        '6',
        '-o',
        outDir,
      ],
      path.join(work.dir, 'prof'),
      env,
    );
    await rm(outDir, { recursive: true, force: true });
  }
  return {
    pkgapp,
    sanity,
    notes,
    runs: [...main, ...startup, ...incremental, ...(quad?.runs ?? [])],
    ...(quad ? { quadStats: quad.stats } : {}),
    ...(profile ? { profile } : {}),
  };
}

interface PkgappSnapshot {
  /** `node <snapshot>/dist/cli.js` */
  argv: string[];
  version: string;
  commit: string;
  dirty: number;
}

/**
 * A copy of dist/, templates/ and package.json (node_modules linked): others may rebuild
 * dist/ while the benchmark runs, and every run must use the same pkgapp.
 */
async function snapshotPkgapp(dir: string): Promise<PkgappSnapshot> {
  await mkdir(dir, { recursive: true });
  for (const name of ['dist', 'templates', 'package.json'])
    await cp(path.join(REPO, name), path.join(dir, name), { recursive: true });
  await symlink(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  const { version } = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { version: string };
  const commit = (await run(['git', '-C', REPO, 'rev-parse', '--short', 'HEAD']).catch(() => 'unknown')).trim();
  const dirty = (await run(['git', '-C', REPO, 'status', '--porcelain', '--', 'src']).catch(() => ''))
    .split('\n')
    .filter(Boolean).length;
  return {
    argv: [process.execPath, path.join(dir, 'dist', 'cli.js')],
    version,
    commit: dirty ? `${commit} + ${dirty} uncommitted src files` : commit,
    dirty,
  };
}

/**
 * Builds pkgapp's own deb and rpm once (untimed) and lays their contents out for dpkg-deb and
 * rpmbuild, so the peers package exactly the files pkgapp does.
 */
async function preparePeers(
  setup: Setup,
  workDir: string,
  deb: boolean,
  rpm: boolean,
  context: RoundContext,
): Promise<void> {
  const targets = [...(deb ? ['deb'] : []), ...(rpm ? ['rpm'] : [])];
  const ref: Measurement = {
    id: 'reference',
    label: `reference build (pkgapp ${targets.join(' + ')}, untimed)`,
    group: 'deb',
    needs: [],
    argv: [
      ...setup.pkgapp,
      'build',
      '-C',
      setup.app,
      ...targets.flatMap((t) => ['-t', t]),
      '--no-install',
      '--compression',
      'gzip',
      '--level',
      '6',
      '-o',
      path.join(workDir, 'ref'),
      '-q',
    ],
    outDir: path.join(workDir, 'ref'),
  };
  let packages: string[] = [];
  const record = await runOnce(ref, context, async (_, outDir) => {
    packages = await keepOutput(outDir, path.join(workDir, 'ref-kept'));
  });
  log(describeRun(ref.label, record));
  const debFile = packages.find((p) => p.endsWith('.deb'));
  const rpmFile = packages.find((p) => p.endsWith('.rpm'));
  if (debFile) setup.debTree = await prepareDebTree(debFile, path.join(workDir, 'deb-tree'));
  if (rpmFile && (await haveTool('rpm2cpio')) && (await haveTool('rpmbuild'))) {
    setup.rpmSpec = await prepareRpmSpec(rpmFile, workDir);
    log(`rpm spec %files: ${setup.rpmSpec.filesSection.join(' | ')}`);
  }
  await rm(path.join(workDir, 'ref-kept'), { recursive: true, force: true });
}

/** examples/hello without its dist/, for the one-dependency start-up case (needs its node_modules). */
async function copyHello(dest: string): Promise<string | undefined> {
  const hello = path.join(REPO, 'examples', 'hello');
  if (!existsSync(path.join(hello, 'node_modules'))) {
    log('examples/hello has no node_modules (npm ci there): the one-dependency build is not measured');
    return undefined;
  }
  await cp(hello, dest, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (src) => path.relative(hello, src) !== 'dist',
  });
  return dest;
}

async function sanityChecks(kept: ReadonlyMap<string, string[]>): Promise<SanityResult[]> {
  const results: SanityResult[] = [];
  for (const pair of SANITY_PAIRS) {
    const a = kept.get(pair.pkgapp)?.find((f) => f.endsWith(`.${pair.format}`));
    const b = kept.get(pair.peer)?.find((f) => f.endsWith(`.${pair.format}`));
    if (a && b)
      results.push(await comparePackages(pair.format, { id: pair.pkgapp, file: a }, { id: pair.peer, file: b }));
  }
  return results;
}

function formatSanity(s: SanityResult): string {
  const same = s.ok ? 'OK' : 'MISMATCH';
  return (
    `sanity ${same}: ${s.pkgapp} ${s.pkgappEntries} entries (${s.pkgappFiles} files) vs ${s.peer} ${s.peerEntries} (${s.peerFiles} files); ` +
    `${s.differingEntries} differing; ${s.format === 'deb' ? 'md5sums' : 'sha256 digests'} ${s.digestsEqual ? 'identical' : 'DIFFER'}`
  );
}

/** pkgapp once per format on the corpus ×4 (hard links), for peak memory and scaling. */
async function quadCheck(
  setup: Setup,
  options: BenchOptions,
  context: RoundContext,
): Promise<{ runs: MeasurementRuns[]; stats: CorpusStats }> {
  log('corpus x4: building (hard links)');
  const quadApp = await buildQuadCorpus(setup.app, path.dirname(setup.outRoot));
  try {
    const stats = await corpusStats(quadApp);
    const list = quadMeasurements(setup, quadApp).filter((m) => options.groups.includes(m.group));
    return { runs: await runRounds(list, { warmups: 0, reps: 1, context }), stats };
  } finally {
    await rm(quadApp, { recursive: true, force: true });
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function describeCorpus(s: CorpusStats): string {
  return `${s.entries} entries (${s.files} files, ${s.dirs} dirs, ${s.symlinks} symlinks, ${s.nativeAddons} .node addons), ${(s.bytes / 2 ** 20).toFixed(0)} MiB of file data, du ${(s.diskBytes / 2 ** 20).toFixed(0)} MiB`;
}

async function toolVersions(): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  for (const [name, argv] of Object.entries({
    'dpkg-deb': ['dpkg-deb', '--version'],
    rpmbuild: ['rpmbuild', '--version'],
    gzip: ['gzip', '--version'],
    pigz: ['pigz', '--version'],
    xz: ['xz', '--version'],
    zstd: ['zstd', '--version'],
    tar: ['tar', '--version'],
  })) {
    const text = await run(['bash', '-c', `${argv.join(' ')} 2>&1`]).catch(() => '');
    if (text) versions[name] = text.split('\n')[0]!.trim();
  }
  return versions;
}

process.exitCode = await main(process.argv.slice(2)).catch((error: unknown) => {
  stopAll();
  log(`bench: ${(error as Error).stack ?? String(error)}`);
  return 1;
});
