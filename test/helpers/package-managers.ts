// PATH for tests that build apps installed with pnpm or Yarn: the pinned devDependencies'
// binaries. Both yarn packages declare a `yarn` bin and node_modules/.bin/yarn is Berry's
// (@yarnpkg/cli-dist), so Yarn classic gets a directory of its own put first.
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT, tempDir } from './testdir.js';

export type FixtureManager = 'npm' | 'pnpm' | 'yarn-classic' | 'yarn-berry';

let classicBin: Promise<string> | undefined;

/** A directory holding only `yarn` → Yarn classic 1.22 from node_modules/yarn. */
function yarnClassicBin(): Promise<string> {
  classicBin ??= (async () => {
    const dir = path.join(await tempDir('pkgapp-yarn1-'), 'bin');
    await mkdir(dir);
    await symlink(path.join(REPO_ROOT, 'node_modules/yarn/bin/yarn.js'), path.join(dir, 'yarn'));
    return dir;
  })();
  return classicBin;
}

/** PATH with the package manager a fixture needs first (npm, pnpm 10, Yarn classic or Yarn 4). */
export async function pathFor(manager: FixtureManager): Promise<string> {
  const dirs = [path.join(REPO_ROOT, 'node_modules/.bin'), process.env.PATH ?? '/usr/bin:/bin'];
  if (manager === 'yarn-classic') dirs.unshift(await yarnClassicBin());
  return dirs.join(path.delimiter);
}

/** PATH with node but no pnpm or yarn at all. */
export function pathWithoutManagers(): string {
  return [path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(path.delimiter);
}

/** The frozen install a developer runs in a fixture (for --no-install tests). */
export const FROZEN_INSTALL: Record<FixtureManager, string[]> = {
  npm: ['npm', 'ci', '--no-audit', '--no-fund'],
  pnpm: ['pnpm', 'install', '--frozen-lockfile'],
  'yarn-classic': ['yarn', 'install', '--frozen-lockfile', '--non-interactive'],
  'yarn-berry': ['yarn', 'install', '--immutable'],
};
