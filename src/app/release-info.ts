// What identifies a build of the app besides its version: the git commit it was built from and
// the lockfile it pinned (for /opt/NAME/.pkgapp/release.json on the server).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
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
  const commit = await tryTool('git', ['rev-parse', '--verify', 'HEAD'], dir).catch(() => undefined);
  if (!commit) return { lockfileSha256 };
  const status = await tryTool('git', ['status', '--porcelain', '--untracked-files=no', '--', '.'], dir).catch(
    () => undefined,
  );
  return { gitCommit: commit, gitDirty: status !== undefined && status !== '', lockfileSha256 };
}
