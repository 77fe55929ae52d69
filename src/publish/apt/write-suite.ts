// Writes an apt suite under apt/dists/<suite>/: Packages, .gz and .xz per component and
// architecture with by-hash copies, then Release, Release.gpg and InRelease (docs/internals/apt-repository.md#by-hash).
//
// Readers never see a half-published suite: by-hash copies first, then the named indexes, then
// Release, Release.gpg and InRelease, each written whole. The previous generation of by-hash
// files stays, so a client that fetched the old InRelease still finds the indexes it names; the
// state object (apt-state.ts) says which digests each generation has, so nothing is listed.
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { fieldValue, parseDeb822 } from '../../deb/read-deb.js';
import type { Signer } from '../../sign/signer.js';
import { createCompressor } from '../../util/compression.js';
import { headersFor } from '../object-headers.js';
import { mapBounded, PARALLEL_UPLOADS, type RepositoryStorage } from '../storage/storage.js';
import type { AptState, ByHash } from './apt-state.js';
import { renderPackages, stanzasForArch } from './packages-index.js';
import { renderRelease, type ReleaseIndexFile } from './release-file.js';

/** What writing a suite needs from the publish options: the key and the Release Date. */
export interface SuiteWriteOptions {
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

/** A suite's next generation, signed, not written yet (state first: see publish-apt.ts). */
export interface SuitePlan {
  suite: string;
  /**
   * Every index file of the suite: written again whenever the Release is, since a publish killed
   * after saving the state may have left some unwritten (a few objects per architecture).
   */
  files: IndexFile[];
  release: { Release: string; 'Release.gpg': string; InRelease: string };
  /**
   * by-hash keys to delete once the new InRelease is out (older than the previous generation),
   * with those a killed publish left to delete; recorded in the state (AptState.removing) first.
   */
  stale: string[];
}

/**
 * Prepares and signs the suite's next generation and records its by-hash generations and
 * architectures in `state`. Undefined when nothing would change (a repeated publish is a no-op)
 * unless `resign`; every component gets every architecture's index.
 */
export async function planSuite(
  store: RepositoryStorage,
  suite: string,
  state: AptState,
  options: SuiteWriteOptions,
  resign: boolean,
): Promise<SuitePlan | undefined> {
  const components = state.archive.get(suite)!;
  const all = [...components.values()].flat();
  const known = state.arches.get(suite) ?? new Set<string>();
  const arches = [...new Set([...BASE_ARCHES, ...known, ...all.map((s) => s.architecture)])]
    .filter((a) => a !== 'all')
    .sort();
  state.arches.set(suite, new Set(arches));
  const componentNames = [...components.keys()].sort();
  const generations = state.byHash.get(suite) ?? new Map<string, ByHash>();
  state.byHash.set(suite, generations);

  const files: IndexFile[] = [];
  const changedDirs = new Set<string>();
  const stale: { dir: string; sha256: string }[] = [];
  for (const component of componentNames) {
    const stanzas = components.get(component)!;
    for (const arch of [...arches, 'all']) {
      const dir = `${component}/binary-${arch}`;
      const plain = Buffer.from(renderPackages(stanzasForArch(stanzas, arch)));
      const generation: [string, Buffer][] = [
        ['Packages', plain],
        ['Packages.gz', gzipSync(plain, { level: 9 })],
        ['Packages.xz', await compressXz(plain)],
      ];
      const made = generation.map(([name, data]) => ({ path: `${dir}/${name}`, data, sha256: sha256(data) }));
      files.push(...made);
      const old = generations.get(dir);
      const digests = made.map((f) => f.sha256);
      if (old && digests.every((d) => old.current.includes(d))) continue;
      changedDirs.add(dir);
      const previous = old?.current ?? [];
      const keep = new Set([...digests, ...previous]);
      for (const d of old?.previous ?? []) if (!keep.has(d)) stale.push({ dir, sha256: d });
      generations.set(dir, { current: digests, previous: previous.filter((d) => !digests.includes(d)) });
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
  const dist = `apt/dists/${suite}`;
  if (!resign && changedDirs.size === 0) {
    const [oldRelease, inRelease, detachedExists] = await Promise.all([
      store.get(`${dist}/Release`),
      store.get(`${dist}/InRelease`),
      store.exists(`${dist}/Release.gpg`),
    ]);
    const text = oldRelease?.body.toString('utf8');
    const oldDate = text === undefined ? undefined : releaseDate(text);
    if (
      oldDate !== undefined &&
      detachedExists &&
      text === release(oldDate) &&
      inRelease !== undefined &&
      inReleaseSigns(inRelease.body.toString('utf8'), text)
    )
      return undefined;
  }

  // Sign before touching anything, so a signing failure leaves the suite as it was.
  const text = release(options.now);
  const detached = await options.signer.signDetachedArmored(Buffer.from(text));
  const inline = await options.signer.signCleartext(text);
  // What a killed publish had still to delete goes too, unless a generation kept now names it.
  const byHashKey = (dir: string, digest: string) => `${dist}/${dir}/by-hash/SHA256/${digest}`;
  const kept = new Set(
    [...generations].flatMap(([dir, g]) => [...g.current, ...g.previous].map((d) => byHashKey(dir, d))),
  );
  const removing = [
    ...new Set([...(state.removing.get(suite) ?? []), ...stale.map((s) => byHashKey(s.dir, s.sha256))]),
  ].filter((key) => !kept.has(key));
  state.removing.set(suite, removing);
  return {
    suite,
    files,
    release: { Release: text, 'Release.gpg': detached, InRelease: inline },
    stale: removing,
  };
}

/**
 * Writes a planned suite in the order readers need: by-hash copies, then the named indexes, then
 * Release, Release.gpg and InRelease (InRelease last: it is what apt fetches first). The by-hash
 * files older than the previous generation (plan.stale) are the caller's to delete afterwards.
 */
export async function writeSuite(store: RepositoryStorage, plan: SuitePlan): Promise<void> {
  const dist = `apt/dists/${plan.suite}`;
  const byHashKey = (f: IndexFile) => `${dist}/${f.path.slice(0, f.path.lastIndexOf('/'))}/by-hash/SHA256/${f.sha256}`;
  await mapBounded(plan.files, PARALLEL_UPLOADS, async (f) => {
    const key = byHashKey(f);
    if (!(await store.exists(key))) await store.put(key, f.data, headersFor(key, f.path));
  });
  await mapBounded(plan.files, PARALLEL_UPLOADS, (f) =>
    store.put(`${dist}/${f.path}`, f.data, headersFor(`${dist}/${f.path}`)),
  );
  for (const name of ['Release', 'Release.gpg', 'InRelease'] as const)
    await store.put(`${dist}/${name}`, plan.release[name], headersFor(`${dist}/${name}`));
}

/**
 * Whether `inRelease` is the signed form of `release`. A publish killed after writing Release and
 * before InRelease leaves the new Release beside the old InRelease, which is what apt reads: the
 * next publish must not take the suite for up to date (docs/internals/publish-crash-safety.md).
 * The signature itself is not checked here: InRelease is only ever written by this code, signed
 * with the archive's key (checkArchiveKey), and check-repo verifies it.
 */
export function inReleaseSigns(inRelease: string, release: string): boolean {
  const text = /^-----BEGIN PGP SIGNED MESSAGE-----\n(?:[^\n]+\n)*\n([\s\S]*?)\n-----BEGIN PGP SIGNATURE-----/.exec(
    inRelease.replace(/\r\n/g, '\n'),
  )?.[1];
  if (text === undefined) return false;
  // Dash-escaping (RFC 4880 7.1) undone; the cleartext may or may not keep Release's final newline.
  const unescaped = text.replace(/^- /gm, '');
  return unescaped === release || unescaped === release.replace(/\n$/, '');
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
