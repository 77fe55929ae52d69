// A flat, local apt repository inside a throwaway root (see chroot.ts).
//
// The .deb files are copied into ROOT/srv/repo, indexed on the host with apt-ftparchive (the root
// has no apt-utils), and apt inside the root is pointed at it with
//   deb [trusted=yes] file:/srv/repo ./
// add() can be called again later with newer/older versions for upgrade/downgrade tests.
//
// `apt-get update` is limited to this one source: the image's Debian sources are unreachable from a
// booted container (--private-network), and tests should not depend on the network anyway. Package
// dependencies must therefore be satisfied by the base image (see BASE_PACKAGES / extraPackages)
// or by other debs in this repo.

import { copyFile, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { ExecOptions, ExecResult, Root } from './chroot.js';

export interface AptRepo {
  /** Path of the repo inside the root, e.g. /srv/repo. */
  readonly dir: string;
  /** Same directory as seen from the host. */
  readonly hostDir: string;
  /** Copy debs in (same file name overwrites), re-index, apt-get update. */
  add(...debs: string[]): Promise<void>;
  /** Re-index and apt-get update (after changing files in hostDir yourself). */
  refresh(): Promise<void>;
}

const LIST = '/etc/apt/sources.list.d/pkgapp-local.list';

export async function createAptRepo(root: Root, debs: string[] = [], dir = '/srv/repo'): Promise<AptRepo> {
  const hostDir = path.join(root.path, dir);
  await mkdir(hostDir, { recursive: true, mode: 0o755 });
  // A ./ suite of a flat repo; trusted=yes because we do not sign the generated Release.
  await writeFile(path.join(root.path, LIST), `deb [trusted=yes] file:${dir} ./\n`, { mode: 0o644 });

  const refresh = async (): Promise<void> => {
    await index(hostDir);
    await apt(root, [
      'update',
      `-o`,
      `Dir::Etc::SourceList=${LIST}`,
      `-o`,
      `Dir::Etc::SourceParts=-`, // ignore sources.list.d/*, only our list
      `-o`,
      `APT::Get::List-Cleanup=0`, // keep lists of other sources, if any were fetched
    ]);
  };

  const repo: AptRepo = {
    dir,
    hostDir,
    async add(...files: string[]) {
      for (const f of files) await copyFile(f, path.join(hostDir, path.basename(f)));
      await refresh();
    },
    refresh,
  };
  await repo.add(...debs);
  return repo;
}

/** Write Packages and Release for a flat repo in dir. Runs on the host; paths in Packages are ./x.deb. */
async function index(dir: string): Promise<void> {
  const packages = await execa('apt-ftparchive', ['packages', '.'], { cwd: dir });
  await writeAtomic(path.join(dir, 'Packages'), packages.stdout + '\n');
  // Release lists Packages' checksums; apt then notices every regeneration.
  const release = await execa(
    'apt-ftparchive',
    ['-o', 'APT::FTPArchive::Release::Origin=pkgapp-test', 'release', '.'],
    {
      cwd: dir,
    },
  );
  await writeAtomic(path.join(dir, 'Release'), release.stdout + '\n');
}

async function writeAtomic(file: string, data: string): Promise<void> {
  await writeFile(`${file}.new`, data, { mode: 0o644 });
  await rename(`${file}.new`, file);
}

/**
 * Run apt-get non-interactively in the root (booted or not); throws with apt's output on failure
 * unless opts.check is false. E.g. apt(root, ['install', '-y', '--allow-downgrades', 'smoke=1.0']).
 */
export function apt(root: Root, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return root.exec(
    [
      'apt-get',
      '-q',
      // Keep modified conffiles without prompting, like unattended upgrades do.
      '-o',
      'Dpkg::Options::=--force-confdef',
      '-o',
      'Dpkg::Options::=--force-confold',
      ...args,
    ],
    { check: true, ...opts },
  );
}
