// Writes an apt suite under DIR/apt/dists/<suite>/: Packages, .gz and .xz per component and
// architecture with by-hash copies, then Release, Release.gpg and InRelease (docs/internals/apt-repository.md#by-hash).
//
// Readers never see a half-published suite: by-hash copies first, then the named indexes, then
// Release, Release.gpg and InRelease, each written whole under a temporary name. The previous
// generation of by-hash files stays, so a client that fetched the old InRelease still finds the
// indexes it names.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { fieldValue, parseDeb822 } from '../../deb/read-deb.js';
import type { Signer } from '../../sign/signer.js';
import { writeFileAtomic } from '../../util/atomic-output.js';
import { createCompressor } from '../../util/compression.js';
import { subdirs, type Archive } from './apt-archive.js';
import { renderPackages, stanzasForArch, type PackageStanza } from './packages-index.js';
import { renderRelease, type ReleaseIndexFile } from './release-file.js';

/** What writing a suite needs from the publish options: which suite, the key, the Release Date. */
export interface SuiteWriteOptions {
  suite: string;
  signer: Signer;
  now: Date;
}

const ORIGIN = 'pkgapp';
/** Always indexed, so apt on the common architectures finds Architecture: all packages. */
const BASE_ARCHES = ['amd64', 'arm64'];

interface IndexFile {
  /** Relative to dists/<suite>/. */
  path: string;
  data: Buffer;
  sha256: string;
}

/** Writes options.suite; after a key change, re-signs every other suite too, so all verify with the new key. */
export async function writeSuites(
  root: string,
  archive: Archive,
  options: SuiteWriteOptions,
  rotated: boolean,
): Promise<void> {
  await writeSuite(root, options.suite, archive.get(options.suite)!, options, rotated);
  if (!rotated) return;
  for (const [suite, components] of archive)
    if (suite !== options.suite) await writeSuite(root, suite, components, options, true);
}

/**
 * Writes the suite's indexes and signed Release. Nothing is rewritten when the content is
 * unchanged (a repeated publish is a no-op) unless `resign`; every component gets every
 * architecture's index.
 */
async function writeSuite(
  root: string,
  suite: string,
  components: Map<string, PackageStanza[]>,
  options: SuiteWriteOptions,
  resign: boolean,
): Promise<void> {
  const dist = path.join(root, 'dists', suite);
  const all = [...components.values()].flat();
  const existingArches = (await Promise.all([...components.keys()].map((c) => subdirs(path.join(dist, c)))))
    .flat()
    .filter((d) => d.startsWith('binary-'))
    .map((d) => d.slice(7));
  const arches = [...new Set([...BASE_ARCHES, ...existingArches, ...all.map((s) => s.architecture)])]
    .filter((a) => a !== 'all')
    .sort();
  const componentNames = [...components.keys()].sort();

  const files: IndexFile[] = [];
  const changedDirs = new Map<string, Set<string>>(); // dir → hashes of the previous generation
  for (const component of componentNames) {
    const stanzas = components.get(component)!;
    for (const arch of [...arches, 'all']) {
      const dir = `${component}/binary-${arch}`;
      const text = renderPackages(stanzasForArch(stanzas, arch));
      const old = await readIndexes(path.join(dist, dir));
      let generation: [string, Buffer][];
      if (old && old.Packages.toString('utf8') === text) {
        generation = Object.entries(old);
      } else {
        const plain = Buffer.from(text);
        generation = [
          ['Packages', plain],
          ['Packages.gz', gzipSync(plain, { level: 9 })],
          ['Packages.xz', await compressXz(plain)],
        ];
        changedDirs.set(dir, new Set(old ? Object.values(old).map(sha256) : []));
      }
      for (const [name, data] of generation) files.push({ path: `${dir}/${name}`, data, sha256: sha256(data) });
    }
  }

  const release = (date: Date) =>
    renderRelease({
      origin: ORIGIN,
      label: ORIGIN,
      suite,
      codename: suite,
      date,
      architectures: [...arches, 'all'],
      components: componentNames,
      acquireByHash: true,
      allInEveryArch: true,
      files: files.map(
        (f) =>
          ({
            path: f.path,
            size: f.data.length,
            md5: createHash('md5').update(f.data).digest('hex'),
            sha256: f.sha256,
          }) satisfies ReleaseIndexFile,
      ),
    });
  const oldRelease = await readFile(path.join(dist, 'Release'), 'utf8').catch(() => undefined);
  const signed = await Promise.all(
    ['InRelease', 'Release.gpg'].map((n) =>
      stat(path.join(dist, n)).then(
        () => true,
        () => false,
      ),
    ),
  );
  const oldDate = oldRelease === undefined ? undefined : releaseDate(oldRelease);
  if (
    !resign &&
    changedDirs.size === 0 &&
    oldDate !== undefined &&
    signed.every(Boolean) &&
    oldRelease === release(oldDate)
  )
    return;

  // Sign before touching anything, so a signing failure leaves the suite as it was.
  const text = release(options.now);
  const detached = await options.signer.signDetachedArmored(Buffer.from(text));
  const inline = await options.signer.signCleartext(text);

  const changed = files.filter((f) => changedDirs.has(path.dirname(f.path)));
  for (const f of changed) {
    const byHash = path.join(dist, path.dirname(f.path), 'by-hash', 'SHA256', f.sha256);
    await mkdir(path.dirname(byHash), { recursive: true, mode: 0o755 });
    if (
      !(await stat(byHash).then(
        () => true,
        () => false,
      ))
    )
      await writeFileAtomic(byHash, f.data);
  }
  for (const f of changed) await writeFileAtomic(path.join(dist, f.path), f.data);
  await writeFileAtomic(path.join(dist, 'Release'), text);
  await writeFileAtomic(path.join(dist, 'Release.gpg'), detached);
  await writeFileAtomic(path.join(dist, 'InRelease'), inline);

  for (const [dir, previous] of changedDirs) {
    const keep = new Set([...previous, ...files.filter((f) => path.dirname(f.path) === dir).map((f) => f.sha256)]);
    const byHash = path.join(dist, dir, 'by-hash', 'SHA256');
    for (const name of await readdir(byHash).catch(() => [] as string[])) {
      if (!name.startsWith('.') && !keep.has(name)) await rm(path.join(byHash, name), { force: true });
    }
  }
}

/** The Packages, Packages.gz and Packages.xz of one binary-<arch> dir, if all three exist. */
async function readIndexes(
  dir: string,
): Promise<{ Packages: Buffer; 'Packages.gz': Buffer; 'Packages.xz': Buffer } | undefined> {
  try {
    const [plain, gz, xz] = await Promise.all(
      ['Packages', 'Packages.gz', 'Packages.xz'].map((n) => readFile(path.join(dir, n))),
    );
    return { Packages: plain!, 'Packages.gz': gz!, 'Packages.xz': xz! };
  } catch {
    return undefined;
  }
}

/** The Date of an existing Release, or undefined when it cannot be read (then it is rewritten). */
function releaseDate(release: string): Date | undefined {
  try {
    const date = new Date(fieldValue(parseDeb822(release, 'Release')[0] ?? [], 'Date') ?? NaN);
    return Number.isNaN(date.getTime()) ? undefined : date;
  } catch {
    return undefined;
  }
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function compressXz(data: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline([data], createCompressor('xz', 6), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}
