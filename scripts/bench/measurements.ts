// What the benchmark times: pkgapp, its peers and the floors, and the ratios reported between them.
import path from 'node:path';
import type { Group } from './options.js';
import { dpkgDebCommand, rpmbuildCommand, type DebTree, type RpmSpec } from './peer-trees.js';
import { shellQuote } from './run.js';

export interface Measurement {
  id: string;
  label: string;
  group: Group;
  argv: string[];
  /** Programs that must be installed. */
  needs: string[];
  /** Made empty before each run; what it holds afterwards is the output (sized, then removed). */
  outDir?: string;
  /** Removed after each run (rpmbuild's build root). */
  scratch?: string[];
}

/** A reported ratio: the median of `of` over the median (or sum of medians) of `to`. */
export interface RatioSpec {
  label: string;
  of: string;
  to: string[];
  /** 'ratio' divides; 'extra' subtracts (start-up cost over node -e 0, in ms). */
  kind: 'ratio' | 'extra';
}

/** pkgapp and peer outputs compared after the first round: same entries, same digests. */
export interface SanityPair {
  format: 'deb' | 'rpm';
  pkgapp: string;
  peer: string;
}

export interface Setup {
  /** `node <snapshot>/dist/cli.js`. */
  pkgapp: string[];
  app: string;
  outRoot: string;
  tmpDir: string;
  debTree?: DebTree;
  rpmSpec?: RpmSpec;
  /** examples/hello copy, for the one-dependency start-up case. */
  hello?: string;
}

const DEB_COMPRESSIONS = [
  { name: 'gzip', dpkg: 'gzip', level: 6, needs: [] as string[] },
  { name: 'xz', dpkg: 'xz', level: 6, needs: ['xz'] },
  { name: 'zstd', dpkg: 'zstd', level: 3, needs: ['zstd'] },
];

/** Every measurement of the selected groups, in the order each round runs them. */
export function measurements(setup: Setup, groups: readonly Group[]): Measurement[] {
  const out = (id: string) => path.join(setup.outRoot, id);
  const build = (dir: string, targets: string[], compression: string, level: number, outDir: string) => [
    ...setup.pkgapp,
    'build',
    '-C',
    dir,
    ...targets.flatMap((t) => ['-t', t]),
    '--no-install',
    '--compression',
    compression,
    '--level',
    String(level),
    '-o',
    outDir,
    '-q',
  ];
  const list: Measurement[] = [];
  if (groups.includes('deb') && setup.debTree) {
    for (const c of DEB_COMPRESSIONS) {
      const pk = `pkgapp-deb-${c.name}`;
      const peer = `dpkg-deb-${c.name}`;
      list.push({
        id: pk,
        label: `pkgapp deb ${c.name} -${c.level}`,
        group: 'deb',
        argv: build(setup.app, ['deb'], c.name, c.level, out(pk)),
        needs: c.needs,
        outDir: out(pk),
      });
      list.push({
        id: peer,
        label: `md5sum + dpkg-deb ${c.name} -${c.level}`,
        group: 'deb',
        argv: dpkgDebCommand(setup.debTree, path.join(out(peer), 'peer.deb'), c.dpkg, c.level),
        needs: ['dpkg-deb', 'md5sum', ...c.needs],
        outDir: out(peer),
      });
    }
  }
  if (groups.includes('rpm') && setup.rpmSpec) {
    list.push({
      id: 'pkgapp-rpm-gzip',
      label: 'pkgapp rpm gzip -6',
      group: 'rpm',
      argv: build(setup.app, ['rpm'], 'gzip', 6, out('pkgapp-rpm-gzip')),
      needs: [],
      outDir: out('pkgapp-rpm-gzip'),
    });
    list.push({
      id: 'rpmbuild-gzip',
      label: 'rpmbuild -bb gzip -6',
      group: 'rpm',
      argv: rpmbuildCommand(setup.rpmSpec, out('rpmbuild-gzip'), setup.tmpDir),
      needs: ['rpmbuild'],
      outDir: out('rpmbuild-gzip'),
      scratch: [setup.rpmSpec.buildRoot],
    });
    list.push({
      id: 'pkgapp-both-gzip',
      label: 'pkgapp -t deb -t rpm gzip -6',
      group: 'rpm',
      argv: build(setup.app, ['deb', 'rpm'], 'gzip', 6, out('pkgapp-both-gzip')),
      needs: [],
      outDir: out('pkgapp-both-gzip'),
    });
  }
  if (groups.includes('floors')) {
    const parent = shellQuote(path.dirname(setup.app));
    const base = shellQuote(path.basename(setup.app));
    const tar = `tar -cf - -C ${parent} ${base}`;
    list.push({
      id: 'floor-gzip',
      label: 'floor: tar | gzip -6 (1 core)',
      group: 'floors',
      argv: ['bash', '-c', `set -o pipefail; ${tar} | gzip -6 > /dev/null`],
      needs: ['tar', 'gzip'],
    });
    list.push({
      id: 'floor-pigz',
      label: 'floor: tar | pigz -p 2 -6',
      group: 'floors',
      argv: ['bash', '-c', `set -o pipefail; ${tar} | pigz -p 2 -6 > /dev/null`],
      needs: ['tar', 'pigz'],
    });
    // Through cat: GNU tar writing straight to /dev/null notices it and reads no file data.
    list.push({
      id: 'floor-read',
      label: 'floor: tar | cat > /dev/null (read)',
      group: 'floors',
      argv: ['bash', '-c', `set -o pipefail; ${tar} | cat > /dev/null`],
      needs: ['tar'],
    });
  }
  return list;
}

/** The start-up measurements, run in their own alternating loop with more repetitions. */
export function startupMeasurements(setup: Setup): Measurement[] {
  const list: Measurement[] = [
    { id: 'node-e0', label: 'node -e 0', group: 'startup', argv: [process.execPath, '-e', '0'], needs: [] },
    {
      id: 'pkgapp-version',
      label: 'pkgapp --version',
      group: 'startup',
      argv: [...setup.pkgapp, '--version'],
      needs: [],
    },
  ];
  if (setup.hello) {
    // The start-up case: one format, node_modules as installed, no build cache (so the
    // run does the same work whatever ~/.cache/pkgapp holds).
    const outDir = path.join(setup.outRoot, 'pkgapp-hello-deb');
    list.push({
      id: 'pkgapp-hello-deb',
      label: 'pkgapp build (1-dep app, deb, --no-install --no-cache)',
      group: 'startup',
      argv: [
        ...setup.pkgapp,
        'build',
        '-C',
        setup.hello,
        '-t',
        'deb',
        '--no-install',
        '--no-cache',
        '-o',
        outDir,
        '-q',
      ],
      needs: [],
      outDir,
    });
  }
  return list;
}

/** The corpus ×4 runs: pkgapp only, once each, for peak memory. */
export function quadMeasurements(setup: Setup, quadApp: string): Measurement[] {
  const outDir = (id: string) => path.join(setup.outRoot, id);
  return [
    {
      id: 'x4-pkgapp-deb-gzip',
      label: 'x4: pkgapp deb gzip -6',
      group: 'deb',
      argv: [
        ...setup.pkgapp,
        'build',
        '-C',
        quadApp,
        '-t',
        'deb',
        '--no-install',
        '--compression',
        'gzip',
        '--level',
        '6',
        '-o',
        outDir('x4-deb'),
        '-q',
      ],
      needs: [],
      outDir: outDir('x4-deb'),
    },
    {
      id: 'x4-pkgapp-rpm-gzip',
      label: 'x4: pkgapp rpm gzip -6',
      group: 'rpm',
      argv: [
        ...setup.pkgapp,
        'build',
        '-C',
        quadApp,
        '-t',
        'rpm',
        '--no-install',
        '--compression',
        'gzip',
        '--level',
        '6',
        '-o',
        outDir('x4-rpm'),
        '-q',
      ],
      needs: [],
      outDir: outDir('x4-rpm'),
    },
  ];
}

export const RATIOS: RatioSpec[] = [
  { label: 'deb gzip: pkgapp / (md5sum + dpkg-deb)', of: 'pkgapp-deb-gzip', to: ['dpkg-deb-gzip'], kind: 'ratio' },
  { label: 'deb xz: pkgapp / (md5sum + dpkg-deb)', of: 'pkgapp-deb-xz', to: ['dpkg-deb-xz'], kind: 'ratio' },
  { label: 'deb zstd: pkgapp / (md5sum + dpkg-deb)', of: 'pkgapp-deb-zstd', to: ['dpkg-deb-zstd'], kind: 'ratio' },
  { label: 'rpm gzip: pkgapp / rpmbuild', of: 'pkgapp-rpm-gzip', to: ['rpmbuild-gzip'], kind: 'ratio' },
  {
    label: 'deb+rpm together / deb alone + rpm alone',
    of: 'pkgapp-both-gzip',
    to: ['pkgapp-deb-gzip', 'pkgapp-rpm-gzip'],
    kind: 'ratio',
  },
  { label: 'deb gzip: pkgapp / floor tar | pigz -p 2', of: 'pkgapp-deb-gzip', to: ['floor-pigz'], kind: 'ratio' },
  { label: 'deb gzip: pkgapp / floor tar | gzip (1 core)', of: 'pkgapp-deb-gzip', to: ['floor-gzip'], kind: 'ratio' },
  { label: 'deb gzip: pkgapp / floor tar read', of: 'pkgapp-deb-gzip', to: ['floor-read'], kind: 'ratio' },
  { label: 'rpm gzip: pkgapp / floor tar | pigz -p 2', of: 'pkgapp-rpm-gzip', to: ['floor-pigz'], kind: 'ratio' },
  { label: 'start-up: pkgapp --version over node -e 0 (ms)', of: 'pkgapp-version', to: ['node-e0'], kind: 'extra' },
  { label: 'start-up: pkgapp --version / node -e 0', of: 'pkgapp-version', to: ['node-e0'], kind: 'ratio' },
  // The target (issue 16): at most node -e 0 + 150 ms.
  {
    label: 'start-up: 1-dep app deb build over node -e 0 (ms; target +150)',
    of: 'pkgapp-hello-deb',
    to: ['node-e0'],
    kind: 'extra',
  },
  { label: 'start-up: 1-dep app deb build / node -e 0', of: 'pkgapp-hello-deb', to: ['node-e0'], kind: 'ratio' },
];

export const SANITY_PAIRS: SanityPair[] = [
  { format: 'deb', pkgapp: 'pkgapp-deb-gzip', peer: 'dpkg-deb-gzip' },
  { format: 'deb', pkgapp: 'pkgapp-deb-xz', peer: 'dpkg-deb-xz' },
  { format: 'deb', pkgapp: 'pkgapp-deb-zstd', peer: 'dpkg-deb-zstd' },
  { format: 'rpm', pkgapp: 'pkgapp-rpm-gzip', peer: 'rpmbuild-gzip' },
];
