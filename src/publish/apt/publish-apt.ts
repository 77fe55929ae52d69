// The apt repository under DIR/apt (formats.md §3): .debs in pool/, per-suite Packages indexes with
// by-hash copies, and a signed Release (InRelease, Release.gpg). The Packages files are the only
// state: the archive is reconstructed from them on every run, so no database can drift.
//
// Readers never see a half-published suite: new pool files, then by-hash copies, then the named
// indexes, then Release, Release.gpg and InRelease, each written whole under a temporary name.
// The previous generation of by-hash files stays, so a client that fetched the old InRelease
// still finds the indexes it names.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { fieldValue, parseDeb822, readDeb } from '../../deb/read-deb.js';
import { EXIT_FAILURE, UserError } from '../../errors.js';
import type { Signer } from '../../sign/signer.js';
import { atomicFile, writeFileAtomic } from '../../util/atomic-output.js';
import { createCompressor } from '../../util/compression.js';
import { compareDebVersions, dedupeStanzas, packageKey, packageStanza, renderPackages, stanzaOf, stanzasBeyondKeep, stanzasForArch, type PackageStanza, type PoolFile } from './packages-index.js';
import { renderRelease, type ReleaseIndexFile } from './release-file.js';

/** Where and how to publish; publish.ts holds the repository lock and loads the signer. */
export interface AptPublishOptions {
  /** DIR given to --repo; only DIR/apt is written. */
  repoDir: string;
  /** e.g. "stable" (also used for staging/production). */
  suite: string;
  /** e.g. "main". */
  component: string;
  signer: Signer;
  /** Release Date. */
  now: Date;
  /** Keep at most N versions per package name+arch in this suite (default: all). */
  keep?: number;
}

/**
 * Pool paths relative to DIR/apt (each stanza's Filename): newly listed in the suite, already
 * listed with the same bytes, and dropped from the suite by `keep`.
 */
export interface AptPublishResult {
  added: string[];
  unchanged: string[];
  removed: string[];
}

/** Name of the exported public key: DIR/apt/pkgapp-archive-keyring.gpg (binary) and .asc. */
export const APT_KEYRING = 'pkgapp-archive-keyring';

const ORIGIN = 'pkgapp';
/** Always indexed, so apt on the common architectures finds Architecture: all packages. */
const BASE_ARCHES = ['amd64', 'arm64'];
const NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const VERSION = /^(\d+:)?[0-9][A-Za-z0-9.+~-]*$/;
const ARCH = /^[a-z0-9][a-z0-9-]*$/;
const DIR_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/** suite → component → stanzas (one per Package/Version/Architecture). */
type Archive = Map<string, Map<string, PackageStanza[]>>;

interface Incoming {
  file: string;
  stanza: PackageStanza;
}

/** Adds `debs` to the suite's component, copying new files into the pool, and re-signs the suite. */
export async function publishApt(debs: string[], options: AptPublishOptions): Promise<AptPublishResult> {
  checkNames(options);
  const root = path.join(options.repoDir, 'apt');
  const incoming: Incoming[] = [];
  for (const file of debs) incoming.push(await describeDeb(file, options.component));
  return addToSuite(root, await loadArchive(root), incoming, options);
}

/**
 * Adds the already-published NAME=VERSION (every arch) of suite `from` to suite options.suite:
 * same pool file, same bytes, only the indexes re-signed. UserError (exit 2) if it is not in `from`.
 */
export async function promoteApt(name: string, version: string, from: string, options: AptPublishOptions): Promise<AptPublishResult> {
  checkNames(options);
  const root = path.join(options.repoDir, 'apt');
  const archive = await loadArchive(root);
  const candidates = [...(archive.get(from)?.values() ?? [])].flat().filter((s) => s.package === name);
  const matches = dedupeStanzas(candidates.filter((s) => compareDebVersions(s.version, version) === 0));
  if (matches.length === 0) {
    const known = [...new Set(candidates.map((s) => s.version))];
    throw new UserError(`${name}=${version} is not in apt suite "${from}" of ${root}${known.length ? ` (it has ${known.join(', ')})` : ''}`, {
      code: 'PKGAPP_PROMOTE_NOT_FOUND',
      hint: `Publish it there first: pkgapp publish --repo ${options.repoDir} --suite ${from} FILE.deb`,
    });
  }
  for (const stanza of matches) {
    const size = await stat(path.join(root, stanza.filename)).then((s) => s.size, () => -1);
    if (size !== stanza.size) {
      throw new UserError(`${path.join(root, stanza.filename)}: listed in suite "${from}" but ${size < 0 ? 'missing' : `${size} bytes instead of ${stanza.size}`}`, { code: 'PKGAPP_APT_POOL_DAMAGED', exitCode: EXIT_FAILURE, hint: 'Publish the .deb again to repair the pool' });
    }
  }
  return addToSuite(root, archive, matches.map((stanza) => ({ file: path.join(root, stanza.filename), stanza })), options);
}

/**
 * Lists `incoming` in options.suite/options.component after checking for conflicts, applies
 * `keep`, then writes: key export, new pool files, indexes and signatures, and last removes
 * pool files that no suite lists any more.
 */
async function addToSuite(root: string, archive: Archive, incoming: readonly Incoming[], options: AptPublishOptions): Promise<AptPublishResult> {
  checkConflicts(incoming, archive, root);
  const rotated = await checkArchiveKey(root, archive, options.signer);
  const listedBefore = referenced(archive);
  const components = suiteOf(archive, options.suite);
  const target = components.get(options.component) ?? [];
  components.set(options.component, target);
  const result: AptPublishResult = { added: [], unchanged: [], removed: [] };
  const toCopy: Incoming[] = [];
  for (const item of incoming) {
    const { stanza } = item;
    if (target.some((s) => sameKey(s, stanza))) {
      if (!result.unchanged.includes(stanza.filename)) result.unchanged.push(stanza.filename);
      continue;
    }
    target.push(stanza);
    result.added.push(stanza.filename);
    if (item.file !== path.join(root, stanza.filename)) toCopy.push(item);
  }
  result.removed = applyKeep(components, options.keep, new Set(incoming.map((i) => i.stanza.filename)));

  await exportKeyring(root, options.signer);
  for (const item of toCopy) await copyToPool(item, root, listedBefore);
  await writeSuites(root, archive, options, rotated);
  await removeUnreferenced(root, result.removed, archive);
  return result;
}

/** What an operator runs on a server to install from DIR/apt published at `baseUrl`. */
export function aptClientSetup(baseUrl: string, suite: string, component: string): string {
  const url = `${baseUrl.replace(/\/+$/, '')}/apt`;
  const keyring = `/usr/share/keyrings/${APT_KEYRING}.gpg`;
  return [
    `sudo curl -fsSL -o ${keyring} ${url}/${APT_KEYRING}.gpg`,
    `echo 'deb [signed-by=${keyring}] ${url} ${suite} ${component}' | sudo tee /etc/apt/sources.list.d/pkgapp.list`,
    'sudo apt-get update',
    '',
  ].join('\n');
}

function checkNames(options: AptPublishOptions): void {
  for (const [what, value] of [['suite', options.suite], ['component', options.component]] as const) {
    if (!DIR_NAME.test(value)) throw new UserError(`apt ${what} "${value}" must be letters, digits, ".", "_", "+" or "-"`, { code: 'PKGAPP_APT_NAME_INVALID' });
  }
  if (options.keep !== undefined && (!Number.isInteger(options.keep) || options.keep < 1)) {
    throw new UserError(`keep ${options.keep} must be a whole number of versions, at least 1`, { code: 'PKGAPP_KEEP_INVALID' });
  }
}

/** Reads a .deb's control stanza and digests; its pool path follows from name, version and arch. */
async function describeDeb(file: string, component: string): Promise<Incoming> {
  const info = await readDeb(file);
  const get = (name: string, pattern: RegExp): string => {
    const value = fieldValue(info.fields, name) ?? '';
    if (!pattern.test(value)) throw new UserError(`${file}: control field ${name} ${value ? `"${value}" is invalid` : 'is missing'}`, { code: 'PKGAPP_DEB_INVALID' });
    return value;
  };
  const name = get('Package', NAME);
  const version = get('Version', VERSION);
  const arch = get('Architecture', ARCH);
  const prefix = name.startsWith('lib') && name.length > 3 ? name.slice(0, 4) : name[0]!;
  const filename = `pool/${component}/${prefix}/${name}/${name}_${version.replace(/^\d+:/, '')}_${arch}.deb`;
  const digests = await hashFile(file);
  return { file, stanza: packageStanza(info.fields, { filename, ...digests }, file) };
}

/** Size, MD5, SHA1, SHA256 and SHA512 of a file in one streaming pass. */
async function hashFile(file: string): Promise<Omit<PoolFile, 'filename'>> {
  const hashes = ['md5', 'sha1', 'sha256', 'sha512'].map((a) => createHash(a));
  let size = 0;
  await pipeline(createReadStream(file), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      size += chunk.length;
      for (const h of hashes) h.update(chunk);
    }
  });
  const [md5, sha1, sha256, sha512] = hashes.map((h) => h.digest('hex')) as [string, string, string, string];
  return { size, md5, sha1, sha256, sha512 };
}

/** Every stanza of every dists/<suite>/<component>/binary-<arch>/Packages. */
async function loadArchive(root: string): Promise<Archive> {
  const archive: Archive = new Map();
  const dists = path.join(root, 'dists');
  for (const suite of await subdirs(dists)) {
    const components = new Map<string, PackageStanza[]>();
    for (const component of await subdirs(path.join(dists, suite))) {
      const binaryDirs = (await subdirs(path.join(dists, suite, component))).filter((d) => d.startsWith('binary-'));
      if (binaryDirs.length === 0) continue;
      const stanzas: PackageStanza[] = [];
      for (const dir of binaryDirs) {
        const file = path.join(dists, suite, component, dir, 'Packages');
        const text = await readFile(file, 'utf8').catch(() => '');
        for (const fields of parseDeb822(text, file)) stanzas.push(stanzaOf(fields, file));
      }
      components.set(component, dedupeStanzas(stanzas));
    }
    archive.set(suite, components);
  }
  return archive;
}

/** Refuses a .deb whose name, version and arch (or pool path) are already taken by other bytes. */
function checkConflicts(incoming: readonly Incoming[], archive: Archive, root: string): void {
  const existing = [...archive.values()].flatMap((c) => [...c.values()].flat());
  incoming.forEach((item, index) => {
    const { stanza } = item;
    const clash = (s: PackageStanza) => (sameKey(s, stanza) || s.filename === stanza.filename) && s.sha256 !== stanza.sha256;
    const other = incoming.slice(0, index).find((i) => clash(i.stanza));
    const published = existing.find(clash);
    if (!other && !published) return;
    const where = other ? other.file : path.join(root, published!.filename);
    throw new UserError(`${item.file}: ${stanza.package} ${stanza.version} (${stanza.architecture}) differs from ${where}, which has the same name, version and architecture; nothing was published`, {
      code: 'PKGAPP_APT_VERSION_EXISTS',
      hint: 'A published version never changes: bump the version in package.json, or rebuild with --release N to add a Debian revision',
    });
  });
}

/**
 * Copies a .deb into the pool (temporary name, then rename) unless the same bytes are there.
 * A pool file no suite lists (left by an interrupted publish) is checked and may be replaced;
 * a listed one has the same SHA256 (checkConflicts) and is only replaced if its size is wrong.
 */
async function copyToPool({ file, stanza }: Incoming, root: string, listed: Set<string>): Promise<void> {
  const target = path.join(root, stanza.filename);
  const present = await stat(target).then((s) => s.size, () => -1);
  if (present === stanza.size && (listed.has(stanza.filename) || (await hashFile(target)).sha256 === stanza.sha256)) return;
  await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
  const out = atomicFile(target);
  try {
    await copyFile(file, out.tmpPath);
    await chmod(out.tmpPath, 0o644);
    await out.commit();
  } catch (error) {
    await out.abort();
    throw error;
  }
}

/** Applies `keep` to the whole suite (every component); returns the dropped filenames. */
function applyKeep(components: Map<string, PackageStanza[]>, keep: number | undefined, protect: Set<string>): string[] {
  if (keep === undefined) return [];
  const drop = stanzasBeyondKeep([...components.values()].flat(), keep, protect);
  for (const [component, stanzas] of components) components.set(component, stanzas.filter((s) => !drop.has(s.filename)));
  return [...drop].sort();
}

interface IndexFile {
  /** Relative to dists/<suite>/. */
  path: string;
  data: Buffer;
  sha256: string;
}

/** Writes options.suite; after a key change, re-signs every other suite too, so all verify with the new key. */
async function writeSuites(root: string, archive: Archive, options: AptPublishOptions, rotated: boolean): Promise<void> {
  await writeSuite(root, options.suite, archive.get(options.suite)!, options, rotated);
  if (!rotated) return;
  for (const [suite, components] of archive) if (suite !== options.suite) await writeSuite(root, suite, components, options, true);
}

/**
 * Writes the suite's indexes and signed Release. Nothing is rewritten when the content is
 * unchanged (a repeated publish is a no-op) unless `resign`; every component gets every
 * architecture's index.
 */
async function writeSuite(root: string, suite: string, components: Map<string, PackageStanza[]>, options: AptPublishOptions, resign: boolean): Promise<void> {
  const dist = path.join(root, 'dists', suite);
  const all = [...components.values()].flat();
  const existingArches = (await Promise.all([...components.keys()].map((c) => subdirs(path.join(dist, c))))).flat().filter((d) => d.startsWith('binary-')).map((d) => d.slice(7));
  const arches = [...new Set([...BASE_ARCHES, ...existingArches, ...all.map((s) => s.architecture)])].filter((a) => a !== 'all').sort();
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
        generation = [['Packages', plain], ['Packages.gz', gzipSync(plain, { level: 9 })], ['Packages.xz', await compressXz(plain)]];
        changedDirs.set(dir, new Set(old ? Object.values(old).map(sha256) : []));
      }
      for (const [name, data] of generation) files.push({ path: `${dir}/${name}`, data, sha256: sha256(data) });
    }
  }

  const release = (date: Date) => renderRelease({
    origin: ORIGIN, label: ORIGIN, suite, codename: suite, date, architectures: [...arches, 'all'], components: componentNames, acquireByHash: true,
    files: files.map((f) => ({ path: f.path, size: f.data.length, md5: createHash('md5').update(f.data).digest('hex'), sha256: f.sha256 } satisfies ReleaseIndexFile)),
  });
  const oldRelease = await readFile(path.join(dist, 'Release'), 'utf8').catch(() => undefined);
  const signed = await Promise.all(['InRelease', 'Release.gpg'].map((n) => stat(path.join(dist, n)).then(() => true, () => false)));
  const oldDate = oldRelease === undefined ? undefined : releaseDate(oldRelease);
  if (!resign && changedDirs.size === 0 && oldDate !== undefined && signed.every(Boolean) && oldRelease === release(oldDate)) return;

  // Sign before touching anything, so a signing failure leaves the suite as it was.
  const text = release(options.now);
  const detached = await options.signer.signDetachedArmored(Buffer.from(text));
  const inline = await options.signer.signCleartext(text);

  const changed = files.filter((f) => changedDirs.has(path.dirname(f.path)));
  for (const f of changed) {
    const byHash = path.join(dist, path.dirname(f.path), 'by-hash', 'SHA256', f.sha256);
    await mkdir(path.dirname(byHash), { recursive: true, mode: 0o755 });
    if (!(await stat(byHash).then(() => true, () => false))) await writeFileAtomic(byHash, f.data);
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
async function readIndexes(dir: string): Promise<{ Packages: Buffer; 'Packages.gz': Buffer; 'Packages.xz': Buffer } | undefined> {
  try {
    const [plain, gz, xz] = await Promise.all(['Packages', 'Packages.gz', 'Packages.xz'].map((n) => readFile(path.join(dir, n))));
    return { Packages: plain!, 'Packages.gz': gz!, 'Packages.xz': xz! };
  } catch {
    return undefined;
  }
}

/**
 * The archive stays with its key: signing with another key than the exported keyring's would
 * lock out every server, so it is refused. Moving to a new key is deliberate: delete the
 * exported keyring, and the next run re-signs every suite (true then).
 */
async function checkArchiveKey(root: string, archive: Archive, signer: Signer): Promise<boolean> {
  const file = path.join(root, `${APT_KEYRING}.gpg`);
  const keyring = await readFile(file).catch(() => undefined);
  if (keyring === undefined) return archive.size > 0;
  const fingerprint = firstKeyFingerprint(keyring);
  if (fingerprint !== signer.fingerprint) {
    throw new UserError(`${root} is signed with key ${fingerprint ?? '(unreadable keyring)'} (${file}), not with the signing key ${signer.fingerprint}; nothing was published`, {
      code: 'PKGAPP_APT_KEY_MISMATCH',
      hint: `Sign with the repository's key. To move the repository to a new key on purpose, delete ${file} and ${APT_KEYRING}.asc, publish, then install the new keyring on every server`,
    });
  }
  return false;
}

/** v4 fingerprint (RFC 4880 §12.2) of the first public-key packet of a binary keyring. */
function firstKeyFingerprint(keyring: Buffer): string | undefined {
  const first = keyring[0] ?? 0;
  let tag: number;
  let length: number;
  let start: number;
  if (first & 0x40) {
    tag = first & 0x3f;
    const l1 = keyring[1] ?? 0;
    if (l1 < 192) [length, start] = [l1, 2];
    else if (l1 < 224) [length, start] = [((l1 - 192) << 8) + (keyring[2] ?? 0) + 192, 3];
    else if (l1 === 255 && keyring.length >= 6) [length, start] = [keyring.readUInt32BE(2), 6];
    else return undefined;
  } else {
    tag = (first >> 2) & 0x0f;
    const bytes = [1, 2, 4][first & 3];
    if (bytes === undefined || keyring.length < 1 + bytes) return undefined;
    [length, start] = [keyring.readUIntBE(1, bytes), 1 + bytes];
  }
  const body = keyring.subarray(start, start + length);
  if (!(first & 0x80) || tag !== 6 || body.length !== length || body[0] !== 4) return undefined;
  const prefix = Buffer.from([0x99, length >> 8, length & 0xff]);
  return createHash('sha1').update(prefix).update(body).digest('hex').toUpperCase();
}

/** Exports the signing key for clients: signed-by wants the binary .gpg; .asc for humans. */
async function exportKeyring(root: string, signer: Signer): Promise<void> {
  await mkdir(root, { recursive: true, mode: 0o755 });
  for (const [name, data] of [[`${APT_KEYRING}.gpg`, Buffer.from(signer.publicKey.binary)], [`${APT_KEYRING}.asc`, Buffer.from(signer.publicKey.armored)]] as const) {
    const file = path.join(root, name);
    if (!(await readFile(file).catch(() => undefined))?.equals(data)) await writeFileAtomic(file, data);
  }
}

/** Deletes dropped pool files that no suite lists any more, and the directories they leave empty. */
async function removeUnreferenced(root: string, dropped: readonly string[], archive: Archive): Promise<void> {
  const listed = referenced(archive);
  for (const filename of dropped) {
    if (listed.has(filename)) continue;
    await rm(path.join(root, filename), { force: true });
    for (let dir = path.dirname(filename); dir !== 'pool' && dir !== '.'; dir = path.dirname(dir)) {
      if (!(await rmdir(path.join(root, dir)).then(() => true, () => false))) break;
    }
  }
}

/** Filenames listed by any suite (the archive as it is after this run's changes). */
function referenced(archive: Archive): Set<string> {
  return new Set([...archive.values()].flatMap((c) => [...c.values()].flat().map((s) => s.filename)));
}

function suiteOf(archive: Archive, suite: string): Map<string, PackageStanza[]> {
  let components = archive.get(suite);
  if (!components) archive.set(suite, (components = new Map()));
  return components;
}

function sameKey(a: PackageStanza, b: PackageStanza): boolean {
  return packageKey(a) === packageKey(b);
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

async function subdirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
}
