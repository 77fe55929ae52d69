// The rpm files of DIR/yum: each stored once in pool/<name>/ and hard-linked (or copied) into every
// channel's Packages/ that lists it; pool files no channel holds any more are removed.
import { copyFile, link, mkdir, readdir, rm, rmdir, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { RpmNevra } from '../../rpm/read-rpm.js';
import { atomicFile } from '../../util/atomic-output.js';
import { channels, exists, type ChecksumCache, type Member } from './channel-state.js';
import { syncFile } from './synced-file.js';
import { crashPoints } from '../../util/crash-point.js';

/** An rpm on its way into a channel. */
export interface Incoming {
  /** Where its bytes are now: a user's file (copied into the pool) or a published one (linked). */
  source: string;
  published: boolean;
  nevra: RpmNevra;
  fileName: string;
  sha256: string;
}

/** Puts the bytes in pool/<name>/ (copy of a user's file, link of a published one) and links them into the channel. */
export async function linkIntoChannel(
  root: string,
  suite: string,
  item: Incoming,
  now: Date,
  cache: ChecksumCache,
): Promise<void> {
  const pooled = path.join(root, 'pool', item.nevra.name, item.fileName);
  const target = path.join(root, suite, 'Packages', item.fileName);
  await mkdir(path.dirname(pooled), { recursive: true, mode: 0o755 });
  await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
  if (!(await exists(pooled))) await placeFile(item.source, pooled, item.published ? 'link' : 'copy', now);
  await placeFile(pooled, target, 'link', now);
  // Linking changed the inode's ctime: record the known digest rather than rehash next time.
  for (const file of [item.source, pooled, target]) await cache.remember(file, item.sha256);
}

/**
 * Removes pool files of `dropped` that no channel holds any more (by file name), and emptied dirs.
 * The pool directories of `names` (the packages being published: one package's versions each)
 * are swept too: a publish killed between removing a channel's rpm and its pool file left one
 * that no channel lists, so no later dropped list names it (docs/internals/publish-crash-safety.md).
 */
export async function collectPool(root: string, dropped: Member[], names: readonly string[] = []): Promise<void> {
  const candidates = new Map<string, { name: string; base: string }>();
  for (const { nevra, file } of dropped)
    candidates.set(`${nevra.name}/${path.basename(file)}`, { name: nevra.name, base: path.basename(file) });
  for (const name of new Set(names))
    for (const base of await readdir(path.join(root, 'pool', name)).catch(() => [] as string[]))
      if (!base.startsWith('.') && base.endsWith('.rpm')) candidates.set(`${name}/${base}`, { name, base });
  if (candidates.size === 0) return;
  const inUse = new Set<string>();
  for (const channel of await channels(root))
    for (const n of await readdir(path.join(root, channel, 'Packages')).catch(() => [] as string[])) inUse.add(n);
  for (const { name, base } of candidates.values()) {
    const dir = path.join(root, 'pool', name);
    const pooled = path.join(dir, base);
    if (!inUse.has(base)) await crashPoints(`delete ${pooled}`, () => rm(pooled, { force: true }));
    await rmdir(dir).catch(() => {});
  }
}

/** Hard link (copy when the file system refuses) or copy, under a temporary name, then renamed. */
async function placeFile(from: string, to: string, how: 'link' | 'copy', now: Date): Promise<void> {
  const out = atomicFile(to);
  try {
    let linked = false;
    if (how === 'link')
      linked = await link(from, out.tmpPath).then(
        () => true,
        () => false,
      );
    if (!linked) {
      await copyFile(from, out.tmpPath);
      await syncFile(out.tmpPath);
      // A copy keeps the original's mtime (primary.xml's file time); a new pool file gets `now`.
      const mtime = how === 'link' ? (await stat(from)).mtime : now;
      await utimes(out.tmpPath, mtime, mtime);
    }
    await out.commit();
  } catch (error) {
    await out.abort();
    throw error;
  }
}
