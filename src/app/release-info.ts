// What identifies a build of the app besides its version: the git commit it was built from and
// the lockfile it pinned (for /opt/NAME/.pkgapp/release.json on the server).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { tryTool } from '../util/run-tool.js';

export interface ReleaseInfo {
  /** HEAD of the git checkout holding the app, when it is in one. */
  gitCommit?: string;
  /** True when the app's files differ from that commit. */
  gitDirty?: boolean;
  lockfileSha256: string;
}

/** Reads the commit (if any) and hashes the lockfile. */
export async function readReleaseInfo(dir: string, lockfilePath: string): Promise<ReleaseInfo> {
  const lockfileSha256 = createHash('sha256')
    .update(await readFile(lockfilePath))
    .digest('hex');
  // One git process answers both (git 2.11+): the "# branch.oid" header is HEAD's commit
  // ("(initial)" before the first commit), every other line a tracked file that differs.
  // Outside any repository there is nothing to ask: starting git costs ~20 ms of a small build.
  if (!mayBeInRepository(dir)) return { lockfileSha256 };
  const status = await tryTool(
    'git',
    ['status', '--porcelain=v2', '--branch', '--untracked-files=no', '--', '.'],
    dir,
  ).catch(() => undefined);
  const lines = status?.split('\n') ?? [];
  const commit = lines.find((l) => l.startsWith('# branch.oid '))?.slice('# branch.oid '.length);
  if (!commit || !/^[0-9a-f]{40,64}$/.test(commit)) return { lockfileSha256 };
  return { gitCommit: commit, gitDirty: lines.some((l) => l !== '' && !l.startsWith('#')), lockfileSha256 };
}

/**
 * False only when git could not find a repository for `dir`: GIT_DIR unset and no `.git`
 * (a directory, or the file of a worktree or submodule) in `dir` or any directory above it,
 * which is where git's discovery looks.
 */
function mayBeInRepository(dir: string): boolean {
  if (process.env['GIT_DIR']) return true;
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    if (existsSync(path.join(at, '.git'))) return true;
    if (path.dirname(at) === at) return false;
  }
}
