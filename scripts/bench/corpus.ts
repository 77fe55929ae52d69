// The benchmark corpus: installed once from the committed lockfile, staged on tmpfs, and ×4.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './run.js';

/** scripts/bench-corpus: package.json, package-lock.json, server.js. */
export const CORPUS_SOURCE = fileURLToPath(new URL('../bench-corpus/', import.meta.url));
const CORPUS_FILES = ['package.json', 'package-lock.json', 'server.js'];
const TMPFS_MAGIC = 0x01021994;
const SHM = '/dev/shm';
const WORK_PREFIX = 'pkgapp-bench-';

export interface CorpusStats {
  entries: number;
  files: number;
  dirs: number;
  symlinks: number;
  /** Sum of file sizes. */
  bytes: number;
  /** Space used, as `du` counts it. */
  diskBytes: number;
  nativeAddons: number;
}

export interface WorkDir {
  dir: string;
  /** 'tmpfs' when /dev/shm had room, else 'disk'. */
  kind: 'tmpfs' | 'disk';
  /** The mount point or cache dir it lives on, for the report. */
  on: string;
}

/**
 * `npm ci --omit=dev` of the corpus into CACHE/corpus, skipped when the stamp (a hash of the
 * committed files) matches the last install.
 */
export async function ensureCorpus(cacheDir: string, log: (line: string) => void): Promise<string> {
  const dir = path.join(cacheDir, 'corpus');
  const stampFile = path.join(cacheDir, 'corpus.stamp');
  const hash = createHash('sha256');
  for (const name of CORPUS_FILES) hash.update(await readFile(path.join(CORPUS_SOURCE, name)));
  const stamp = hash.digest('hex');
  const previous = await readFile(stampFile, 'utf8').catch(() => '');
  if (previous.trim() === stamp && (await dirExists(path.join(dir, 'node_modules')))) {
    log(`corpus: cached install in ${dir} (lockfile unchanged)`);
    return dir;
  }
  log(`corpus: npm ci --omit=dev into ${dir} (takes a minute or two)`);
  await rm(stampFile, { force: true });
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const name of CORPUS_FILES) await copyFile(path.join(CORPUS_SOURCE, name), path.join(dir, name));
  await run(['npm', 'ci', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  await writeFile(stampFile, `${stamp}\n`);
  return dir;
}

/** Counts what a tree holds (node_modules and the app files). */
export async function corpusStats(dir: string): Promise<CorpusStats> {
  const listing = await run(['find', dir, '-mindepth', '1', '-printf', '%y %s %f\\n']);
  const stats: CorpusStats = { entries: 0, files: 0, dirs: 0, symlinks: 0, bytes: 0, diskBytes: 0, nativeAddons: 0 };
  for (const line of listing.split('\n')) {
    if (!line) continue;
    const [type, size, ...name] = line.split(' ');
    stats.entries++;
    if (type === 'f') {
      stats.files++;
      stats.bytes += Number(size);
      if (name.join(' ').endsWith('.node')) stats.nativeAddons++;
    } else if (type === 'd') stats.dirs++;
    else if (type === 'l') stats.symlinks++;
  }
  stats.diskBytes = Number((await run(['du', '-s', '--block-size=1', dir])).split('\t')[0]);
  return stats;
}

/**
 * A scratch directory named after this process: on /dev/shm when it is a tmpfs with `need`
 * bytes free (so disk speed does not dominate), else under the cache dir.
 * Directories left by earlier runs that died are removed first.
 */
export async function makeWorkDir(cacheDir: string, need: number, forceDisk: boolean): Promise<WorkDir> {
  await removeStaleWorkDirs(SHM);
  await removeStaleWorkDirs(cacheDir);
  const name = `${WORK_PREFIX}${process.pid}`;
  if (!forceDisk) {
    const fs = await statfs(SHM).catch(() => undefined);
    if (fs && fs.type === TMPFS_MAGIC && fs.bavail * fs.bsize >= need) {
      const dir = path.join(SHM, name);
      await mkdir(dir, { recursive: true });
      return { dir, kind: 'tmpfs', on: SHM };
    }
  }
  const dir = path.join(cacheDir, name);
  await mkdir(dir, { recursive: true });
  return { dir, kind: 'disk', on: cacheDir };
}

async function removeStaleWorkDirs(parent: string): Promise<void> {
  const names = await readdir(parent).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(name.slice(WORK_PREFIX.length));
    if (!name.startsWith(WORK_PREFIX) || !Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    await rm(path.join(parent, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Copies the installed corpus into the work dir (a tmpfs); on disk it is used where it is. */
export async function stageCorpus(corpusDir: string, work: WorkDir): Promise<string> {
  const app = work.kind === 'disk' ? corpusDir : path.join(work.dir, 'app');
  if (work.kind !== 'disk') await run(['cp', '-a', corpusDir, app]);
  await writeFile(path.join(app, CORPUS_CONFIG), CORPUS_CONFIG_TEXT);
  return app;
}

/**
 * The corpus's configuration, written beside the install: some dependencies declare engines.node
 * ">=22.18" (babel 8) while its native addons are built for the Node.js running the bench, which
 * pkgapp refuses (PKGAPP_NODE_ABI_FLOOR) unless the app states the Node.js it runs on, as its
 * hint says. Not in scripts/bench-corpus: that would change the stamp and reinstall the corpus.
 */
const CORPUS_CONFIG = 'pkgapp.config.json';
const CORPUS_CONFIG_TEXT = `${JSON.stringify({ nodeVersion: `>=${process.versions.node.split('.')[0]!}` })}\n`;

/**
 * The corpus ×4 for the memory check: node_modules plus three copies nested as the
 * dependencies of packages bench-copy-1..3, all hard links (no extra space), with a lockfile
 * that pins them, so pkgapp walks four times the files exactly as it walks the original.
 */
export async function buildQuadCorpus(appDir: string, workDir: string): Promise<string> {
  const quad = path.join(workDir, 'corpus-x4');
  await mkdir(quad, { recursive: true });
  for (const name of ['package.json', 'server.js', CORPUS_CONFIG])
    await copyFile(path.join(appDir, name), path.join(quad, name));
  await run(['cp', '-al', path.join(appDir, 'node_modules'), path.join(quad, 'node_modules')]);
  const lock = JSON.parse(await readFile(path.join(appDir, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, unknown>;
  };
  const original = Object.entries(lock.packages).filter(([location]) => location.startsWith('node_modules/'));
  for (let i = 1; i <= 3; i++) {
    const copy = `node_modules/bench-copy-${i}`;
    await mkdir(path.join(quad, copy), { recursive: true });
    await writeFile(
      path.join(quad, copy, 'package.json'),
      `${JSON.stringify({ name: `bench-copy-${i}`, version: '1.0.0', license: 'MIT' })}\n`,
    );
    await run(['cp', '-al', path.join(appDir, 'node_modules'), path.join(quad, copy, 'node_modules')]);
    lock.packages[copy] = { version: '1.0.0', license: 'MIT' };
    for (const [location, entry] of original) lock.packages[`${copy}/${location}`] = entry;
  }
  await writeFile(path.join(quad, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  return quad;
}

async function dirExists(file: string): Promise<boolean> {
  return readdir(file).then(
    () => true,
    () => false,
  );
}
