// Command-line options of `npm run bench`.
import path from 'node:path';
import { parseArgs } from 'node:util';

export const GROUPS = ['deb', 'rpm', 'floors', 'startup', 'incremental'] as const;
export type Group = (typeof GROUPS)[number];

export interface BenchOptions {
  groups: Group[];
  /** Recorded repetitions of each packaging command, after the warm-up round. */
  reps: number;
  /** Recorded repetitions of each start-up command. */
  startupReps: number;
  warmup: boolean;
  /** Measure pkgapp's peak memory on the corpus ×4 too. */
  quad: boolean;
  /** One extra pkgapp run under `node --cpu-prof`, summarized. */
  profile: boolean;
  /** Stage on the cache directory's disk even when a tmpfs has room. */
  disk: boolean;
  /** Where the JSON results go. */
  out: string;
  /** Cached corpus install and, without a tmpfs, the scratch trees. */
  cacheDir: string;
  help: boolean;
}

export const USAGE = `usage: npm run bench -- [options]

Packages a ~500 MB node_modules corpus with pkgapp, dpkg-deb and rpmbuild, alternating the
commands, and prints medians, min-max, peak memory and ratios (JSON too).

  --quick             one repetition, no warm-up, no corpus x4 (a smoke run)
  --only GROUP        deb, rpm, floors, startup or incremental (repeatable, or comma-separated);
                      incremental: default-mode builds with the build cache, cold and warm
  --reps N            recorded repetitions after the warm-up (default 3)
  --out FILE          JSON results (default bench-results.json in the current directory)
  --disk              stage on disk (the cache directory) even when /dev/shm has room
  --profile           also run pkgapp once under node --cpu-prof and print the top functions
  --cache-dir DIR     default /var/cache/pkgapp-bench (or PKGAPP_BENCH_CACHE)
  -h, --help`;

/** Parses argv (without node and the script); throws Error with a usage message when wrong. */
export function parseBenchArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      reps: { type: 'string' },
      out: { type: 'string', default: 'bench-results.json' },
      disk: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'cache-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const groups = (values.only ?? [])
    .flatMap((g) => g.split(','))
    .map((g) => g.trim())
    .filter(Boolean);
  for (const g of groups) {
    if (!(GROUPS as readonly string[]).includes(g))
      throw new Error(`--only ${g}: expected one of ${GROUPS.join(', ')}`);
  }
  const reps = values.reps === undefined ? (values.quick ? 1 : 3) : Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps ${values.reps}: expected a positive integer`);
  return {
    groups: groups.length ? ([...new Set(groups)] as Group[]) : [...GROUPS],
    reps,
    startupReps: values.quick ? 3 : Math.max(15, reps),
    warmup: !values.quick,
    quad: !values.quick,
    profile: values.profile,
    disk: values.disk,
    out: path.resolve(values.out),
    cacheDir: path.resolve(values['cache-dir'] ?? env['PKGAPP_BENCH_CACHE'] ?? '/var/cache/pkgapp-bench'),
    help: values.help,
  };
}
