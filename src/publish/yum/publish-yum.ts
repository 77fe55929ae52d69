// The yum repository under DIR/yum (formats.md §4): each rpm stored once in pool/<name>/ and
// hard-linked (or copied) into every channel DIR/yum/<suite>/Packages/; each channel is a dnf
// baseurl with its own repodata/ and repomd.xml.asc. A channel's Packages/ directory is its only
// state: every run rescans it with readRpm (headers only), so metadata cannot drift from the files.
// File checksums are cached in DIR/yum/.pkgapp-checksums.json, keyed by path, size, inode, mtime
// and ctime; deleting it only costs rehashing.
//
// Nothing is written until every input is checked and the new repomd.xml is signed. Readers never
// see half a generation: new data files first (new hashed names), then repomd.xml and
// repomd.xml.asc renamed back to back. The previous generation's data files stay, so a client
// holding the old repomd.xml can still fetch what it names; older ones are deleted.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, link, lstat, mkdir, open, readdir, readFile, rename, rm, rmdir, stat, utimes } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { UserError } from '../../errors.js';
import { parseAppVersion, rpmVersion } from '../../manifest/versions.js';
import { headerNumber, headerString, headerStrings, readRpm, rpmFileName, rpmNevra, type RpmFileInfo, type RpmNevra } from '../../rpm/read-rpm.js';
import { SIGTAG, TAG } from '../../rpm/tags.js';
import type { Signer } from '../../sign/signer.js';
import { atomicFile, scratchFile, writeFileAtomic, type AtomicFile } from '../../util/atomic-output.js';
import { compareEvr, comparePackages, FILELISTS, OTHER, PRIMARY, repoPackage, type RepoDocument } from './repodata.js';
import { parseRepomd, repomdXml, type RepomdRecord } from './repomd.js';

export interface YumPublishOptions {
  /** DIR given to --repo; only DIR/yum is written. */
  repoDir: string;
  /** Channel name: the repository at DIR/yum/<suite>/ (stable, staging, production...). */
  suite: string;
  signer: Signer;
  /** repomd.xml revision and timestamps; mtime of rpms added to the pool. */
  now: Date;
  /** Keep at most N versions per name+arch in this channel (default all); this run's packages always stay. */
  keep?: number;
}

/** Channel paths relative to DIR/yum, e.g. stable/Packages/acme-1.0.0-1.noarch.rpm. */
export interface YumPublishResult {
  added: string[];
  unchanged: string[];
  removed: string[];
}

/** The exported public key, DIR/yum/RPM-GPG-KEY-pkgapp (armored), named by every .repo file. */
export const YUM_KEY_FILE = 'RPM-GPG-KEY-pkgapp';

const CHANNEL = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Names under DIR/yum that are not channels. */
const RESERVED = new Set(['pool', 'repodata', 'Packages']);
const CACHE_FILE = '.pkgapp-checksums.json';
const DATA_FILE = /^[0-9a-f]{64}-(primary|filelists|other)\.xml\.gz$/;
const NEVRA_PART = { name: /^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/, version: /^[A-Za-z0-9._+~^]+$/, arch: /^[A-Za-z0-9_]+$/ };

/** An rpm on its way into a channel. */
interface Incoming {
  /** Where its bytes are now: a user's file (copied into the pool) or a published one (linked). */
  source: string;
  published: boolean;
  nevra: RpmNevra;
  fileName: string;
  sha256: string;
}

/** Adds `rpms` to the channel (copied into the pool, linked into the channel) and re-signs it. */
export async function publishYum(rpms: string[], options: YumPublishOptions): Promise<YumPublishResult> {
  checkOptions(options);
  const root = path.join(options.repoDir, 'yum');
  const cache = await ChecksumCache.load(root);
  const incoming: Incoming[] = [];
  for (const file of rpms) {
    const info = await readRpm(file);
    const sha256 = await verifiedDigest(file, info);
    const nevra = checkNevra(rpmNevra(info), file);
    const item: Incoming = { source: file, published: false, nevra, fileName: rpmFileName(nevra), sha256 };
    const twin = incoming.find((i) => i.fileName === item.fileName);
    if (twin && twin.sha256 !== sha256) throw versionExists(file, nevra, twin.source);
    if (!twin) incoming.push(item);
  }
  return addToChannel(root, incoming, options, cache);
}

/**
 * Adds the already-published NAME-VERSION(-RELEASE) of channel `from` (every arch) to channel
 * options.suite: the very same bytes, only metadata re-signed. VERSION is "1.2.3" (the highest
 * release), "1.2.3-2", "1:1.2.3" or the npm version ("1.2.0-beta.1"). UserError if not found.
 */
export async function promoteYum(name: string, version: string, from: string, options: YumPublishOptions): Promise<YumPublishResult> {
  checkOptions(options);
  checkChannel(from);
  const root = path.join(options.repoDir, 'yum');
  const cache = await ChecksumCache.load(root);
  const candidates = (await listChannel(root, from, cache)).filter((p) => p.nevra.name === name);
  const matches = selectVersion(candidates, version);
  if (matches.length === 0) {
    const known = [...new Set(candidates.map((p) => `${p.nevra.version}-${p.nevra.release}`))];
    throw new UserError(`${name}-${version} is not in yum channel "${from}" of ${root}${known.length ? ` (it has ${known.join(', ')})` : ''}`, {
      code: 'PKGAPP_PROMOTE_NOT_FOUND',
      hint: `Publish it there first: pkgapp publish --repo ${options.repoDir} --suite ${from} FILE.rpm`,
    });
  }
  const incoming = matches.map((p): Incoming => ({ source: p.file, published: true, nevra: p.nevra, fileName: rpmFileName(p.nevra), sha256: p.sha256 }));
  return addToChannel(root, incoming, options, cache);
}

/** The .repo file an operator drops into /etc/yum.repos.d/ to install from DIR/yum/<suite> published at `baseUrl`. */
export function yumClientSetup(baseUrl: string, suite: string): string {
  const url = `${baseUrl.replace(/\/+$/, '')}/yum`;
  return [
    `[pkgapp-${suite}]`,
    `name=pkgapp ${suite}`,
    `baseurl=${url}/${suite}`,
    'enabled=1',
    'gpgcheck=1',
    'repo_gpgcheck=1',
    `gpgkey=${url}/${YUM_KEY_FILE}`,
    'metadata_expire=300',
    '',
  ].join('\n');
}

function checkOptions(options: YumPublishOptions): void {
  checkChannel(options.suite);
  if (options.keep !== undefined && (!Number.isInteger(options.keep) || options.keep < 1)) {
    throw new UserError(`keep ${options.keep} must be a whole number of versions, at least 1`, { code: 'PKGAPP_KEEP_INVALID' });
  }
}

function checkChannel(name: string): void {
  if (!CHANNEL.test(name) || RESERVED.has(name)) {
    throw new UserError(`yum channel "${name}" must be letters, digits, ".", "_" or "-", and not ${[...RESERVED].join(', ')}`, { code: 'PKGAPP_YUM_CHANNEL_INVALID' });
  }
}

/** Name, version, release and arch become path components: only the characters rpm itself allows. */
function checkNevra(nevra: RpmNevra, file: string): RpmNevra {
  const parts: [string, string, RegExp][] = [['name', nevra.name, NEVRA_PART.name], ['version', nevra.version, NEVRA_PART.version], ['release', nevra.release, NEVRA_PART.version], ['arch', nevra.arch, NEVRA_PART.arch]];
  for (const [what, value, pattern] of parts) {
    if (!pattern.test(value)) throw new UserError(`${file}: package ${what} "${value}" cannot be published (unexpected characters)`, { code: 'PKGAPP_RPM_NAME_INVALID', hint: 'Rebuild it with a plain name, version and release' });
  }
  return nevra;
}

function versionExists(file: string, nevra: RpmNevra, other: string): UserError {
  return new UserError(`${file}: ${rpmFileName(nevra).slice(0, -4)} is already published as ${other}, with different contents; nothing was published`, {
    code: 'PKGAPP_YUM_VERSION_EXISTS',
    hint: 'A published version never changes: bump the version in package.json, or rebuild with --release N',
  });
}

/**
 * Checks conflicts, computes and signs the channel's next generation, and only then writes: key,
 * pool and channel files, data files, repomd.xml + .asc. A refused rpm or a signing failure
 * leaves the repository as it was.
 */
async function addToChannel(root: string, incoming: Incoming[], options: YumPublishOptions, cache: ChecksumCache): Promise<YumPublishResult> {
  const { suite } = options;
  const listed = await listChannel(root, suite, cache);
  const result: YumPublishResult = { added: [], unchanged: [], removed: [] };
  const toLink: Incoming[] = [];
  const members: Member[] = [...listed];
  for (const item of incoming) {
    const file = path.join(root, suite, 'Packages', item.fileName);
    const same = listed.find((p) => p.file === file || sameNevra(p.nevra, item.nevra));
    if (same) {
      if (same.sha256 !== item.sha256) throw versionExists(item.source, item.nevra, same.file);
      result.unchanged.push(path.relative(root, same.file));
      continue;
    }
    const pooled = path.join(root, 'pool', item.nevra.name, item.fileName);
    const poolSha = await cache.digest(pooled).catch(() => undefined);
    if (poolSha !== undefined && poolSha !== item.sha256) throw versionExists(item.source, item.nevra, pooled);
    // primary.xml's file time is the pool file's mtime: the existing one, the promoted file's, or now.
    const timeOf = poolSha !== undefined ? pooled : item.published ? item.source : undefined;
    const mtime = timeOf ? seconds((await stat(timeOf)).mtimeMs) : seconds(options.now.getTime());
    toLink.push(item);
    members.push({ nevra: item.nevra, read: item.source, file, sha256: item.sha256, mtime });
    result.added.push(path.relative(root, file));
  }
  const dropped = applyKeep(members, options.keep, new Set(incoming.map((i) => i.fileName)));
  result.removed.push(...dropped.map((p) => path.relative(root, p.file)));

  const rotated = await keyChanged(root, options.signer);
  const next = await prepareChannel(root, suite, members.filter((m) => !dropped.includes(m)), options, rotated);
  try {
    await exportKey(root, options.signer);
    for (const item of toLink) await linkIntoChannel(root, suite, item, options.now, cache);
    await next?.commit();
  } finally {
    await next?.abort();
  }
  if (rotated) {
    // Clients now hold the new key: every other channel must verify with it too.
    for (const other of await channels(root)) {
      if (other === suite) continue;
      const generation = await prepareChannel(root, other, await listChannel(root, other, cache), options, true);
      try {
        await generation?.commit();
      } finally {
        await generation?.abort();
      }
    }
  }
  for (const p of dropped) await rm(p.file, { force: true });
  await collectPool(root, dropped);
  await cache.save();
  return result;
}

/** A package of a channel's next generation. */
interface Member {
  nevra: RpmNevra;
  /** Where to read its header now (the channel's file, or the incoming file not linked yet). */
  read: string;
  /** Its path in the channel: DIR/yum/<suite>/Packages/<file>. */
  file: string;
  sha256: string;
  /** The file time primary.xml shows, in seconds. */
  mtime: number;
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** Newest `keep` EVRs per name+arch stay; files named in `protect` (this run's) always stay. */
function applyKeep(all: Member[], keep: number | undefined, protect: Set<string>): Member[] {
  if (keep === undefined) return [];
  const groups = new Map<string, Member[]>();
  for (const p of all) {
    const key = `${p.nevra.name}\0${p.nevra.arch}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const dropped: Member[] = [];
  for (const group of groups.values()) {
    group.sort((a, b) => compareEvr(evrOf(b.nevra), evrOf(a.nevra)));
    for (const p of group.slice(keep)) if (!protect.has(path.basename(p.file))) dropped.push(p);
  }
  return dropped.sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** Puts the bytes in pool/<name>/ (copy of a user's file, link of a published one) and links them into the channel. */
async function linkIntoChannel(root: string, suite: string, item: Incoming, now: Date, cache: ChecksumCache): Promise<void> {
  const pooled = path.join(root, 'pool', item.nevra.name, item.fileName);
  const target = path.join(root, suite, 'Packages', item.fileName);
  await mkdir(path.dirname(pooled), { recursive: true, mode: 0o755 });
  await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
  if (!(await exists(pooled))) await placeFile(item.source, pooled, item.published ? 'link' : 'copy', now);
  await placeFile(pooled, target, 'link', now);
  // Linking changed the inode's ctime: record the known digest rather than rehash next time.
  for (const file of [item.source, pooled, target]) await cache.remember(file, item.sha256);
}

/** Hard link (copy when the file system refuses) or copy, under a temporary name, then renamed. */
async function placeFile(from: string, to: string, how: 'link' | 'copy', now: Date): Promise<void> {
  const out = atomicFile(to);
  try {
    let linked = false;
    if (how === 'link') linked = await link(from, out.tmpPath).then(() => true, () => false);
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

/** A signed generation of a channel's metadata, written under temporary names until commit. */
interface Generation {
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Streams the channel's primary/filelists/other for `members`, then signs repomd.xml. Undefined
 * (nothing to write) when, unless `force`, the XML is what the current repomd.xml names and signs.
 */
async function prepareChannel(root: string, suite: string, members: Member[], options: YumPublishOptions, force: boolean): Promise<Generation | undefined> {
  const channelDir = path.join(root, suite);
  const repodata = path.join(channelDir, 'repodata');
  await mkdir(repodata, { recursive: true, mode: 0o755 });
  const entries = members
    .map((m) => ({ ...m, name: m.nevra.name, epoch: m.nevra.epoch ?? 0, version: m.nevra.version, release: m.nevra.release, arch: m.nevra.arch, location: `Packages/${path.basename(m.file)}` }))
    .sort(comparePackages);
  const sinks = [PRIMARY, FILELISTS, OTHER].map((doc) => new XmlSink(repodata, doc));
  const temporaries: AtomicFile[] = [];
  const abort = async () => {
    for (const sink of sinks) await sink.abort();
    for (const t of temporaries) await t.abort();
  };
  try {
    for (const sink of sinks) await sink.write(sink.doc.head(entries.length));
    for (const entry of entries) {
      const pkg = repoPackage(await readRpm(entry.read), { sha256: entry.sha256, mtime: entry.mtime, location: entry.location });
      for (const sink of sinks) await sink.write(sink.doc.entry(pkg));
    }
    for (const sink of sinks) await sink.write(sink.doc.tail);
    const timestamp = seconds(options.now.getTime());
    const records: RepomdRecord[] = [];
    for (const sink of sinks) records.push({ ...(await sink.finish()), timestamp });

    const repomdFile = path.join(repodata, 'repomd.xml');
    const previous = parseRepomd(await readFile(repomdFile, 'utf8').catch(() => ''));
    const present = await Promise.all(previous.map((r) => exists(path.join(channelDir, r.href))));
    const same = previous.length === records.length && records.every((r) => previous.some((p, i) => p.type === r.type && p.openChecksum === r.openChecksum && present[i]));
    if (!force && same && (await exists(path.join(repodata, 'repomd.xml.asc')))) {
      await abort();
      return undefined;
    }
    const xml = repomdXml(timestamp, records);
    const signature = await options.signer.signDetachedArmored(Buffer.from(xml));
    const repomd = await prepared(repomdFile, xml);
    temporaries.push(repomd);
    const asc = await prepared(path.join(repodata, 'repomd.xml.asc'), signature);
    temporaries.push(asc);
    return {
      async commit() {
        for (const sink of sinks) await sink.commit();
        // Back to back, index before signature: only a reader whose two fetches straddle both
        // renames, or fall between them, sees a pair that does not match (and fails until it retries).
        await repomd.commit();
        await asc.commit();
        await removeOldGenerations(repodata, new Set([...records, ...previous].map((r) => path.basename(r.href))));
      },
      abort,
    };
  } catch (error) {
    await abort();
    throw error;
  }
}

/** Streams one document through sha256 (open), gzip, sha256 and into a temporary file in repodata/. */
class XmlSink {
  readonly doc: RepoDocument;
  private readonly tmp: AtomicFile;
  private readonly gzip = createGzip({ level: 9 });
  private readonly openHash = createHash('sha256');
  private readonly hash = createHash('sha256');
  private openSize = 0;
  private size = 0;
  private readonly done: Promise<void>;
  private readonly dir: string;
  private checksum = '';

  constructor(dir: string, doc: RepoDocument) {
    this.dir = dir;
    this.doc = doc;
    this.tmp = scratchFile(dir, `${doc.type}.xml.gz`);
    const count = async function* (sink: XmlSink, source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        sink.hash.update(chunk);
        sink.size += chunk.length;
        yield chunk;
      }
    };
    this.done = pipeline(this.gzip, (source: AsyncIterable<Buffer>) => count(this, source), createWriteStream(this.tmp.tmpPath, { mode: 0o644 }));
    this.done.catch(() => {});
  }

  async write(text: string): Promise<void> {
    const data = Buffer.from(text);
    this.openHash.update(data);
    this.openSize += data.length;
    if (!this.gzip.write(data)) await Promise.race([once(this.gzip, 'drain'), this.done]);
  }

  async finish(): Promise<Omit<RepomdRecord, 'timestamp'>> {
    this.gzip.end();
    await this.done;
    await syncFile(this.tmp.tmpPath);
    this.checksum = this.hash.digest('hex');
    const href = `repodata/${this.checksum}-${this.doc.type}.xml.gz`;
    return { type: this.doc.type, checksum: this.checksum, openChecksum: this.openHash.digest('hex'), href, size: this.size, openSize: this.openSize };
  }

  /** Moves the file to its hashed name (same name = same bytes, so replacing it is harmless). */
  async commit(): Promise<void> {
    await rename(this.tmp.tmpPath, path.join(this.dir, `${this.checksum}-${this.doc.type}.xml.gz`));
  }

  async abort(): Promise<void> {
    this.gzip.destroy();
    await this.done.catch(() => {});
    await this.tmp.abort();
  }
}

/** A small file written and fsync'd under a temporary name, waiting for its commit (rename). */
async function prepared(file: string, data: string): Promise<AtomicFile> {
  const out = atomicFile(file);
  try {
    const handle = await open(out.tmpPath, 'w', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await out.abort();
    throw error;
  }
  return out;
}

/** Deletes hashed data files that neither the new nor the previous repomd.xml names. */
async function removeOldGenerations(repodata: string, keep: Set<string>): Promise<void> {
  for (const name of await readdir(repodata)) {
    if (DATA_FILE.test(name) && !keep.has(name)) await rm(path.join(repodata, name), { force: true });
  }
}

/** The rpms in DIR/yum/<suite>/Packages/ (none when the channel does not exist yet). */
async function listChannel(root: string, suite: string, cache: ChecksumCache): Promise<Member[]> {
  const dir = path.join(root, suite, 'Packages');
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.rpm') && !n.startsWith('.')).sort();
  const listed: Member[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const st = await lstat(file);
    if (!st.isFile()) continue;
    listed.push({ file, read: file, nevra: rpmNevra(await readRpm(file)), sha256: await cache.digest(file), mtime: seconds(st.mtimeMs) });
  }
  return listed;
}

/** Every channel directory under DIR/yum. */
async function channels(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && CHANNEL.test(e.name) && !RESERVED.has(e.name)).map((e) => e.name).sort();
}

/** Removes pool files of `dropped` that no channel holds any more (by file name), and emptied dirs. */
async function collectPool(root: string, dropped: Member[]): Promise<void> {
  if (dropped.length === 0) return;
  const inUse = new Set<string>();
  for (const channel of await channels(root)) for (const n of await readdir(path.join(root, channel, 'Packages')).catch(() => [] as string[])) inUse.add(n);
  for (const { nevra, file } of dropped) {
    const dir = path.join(root, 'pool', nevra.name);
    if (!inUse.has(path.basename(file))) await rm(path.join(dir, path.basename(file)), { force: true });
    await rmdir(dir).catch(() => {});
  }
}

/** True when DIR/yum/RPM-GPG-KEY-pkgapp holds another key than the signer's (every channel is then re-signed). */
async function keyChanged(root: string, signer: Signer): Promise<boolean> {
  const old = await readFile(path.join(root, YUM_KEY_FILE), 'utf8').catch(() => undefined);
  return old !== undefined && old !== signer.publicKey.armored;
}

/** Writes the signer's public key (armored) to DIR/yum/RPM-GPG-KEY-pkgapp unless it is there already. */
async function exportKey(root: string, signer: Signer): Promise<void> {
  await mkdir(root, { recursive: true, mode: 0o755 });
  const file = path.join(root, YUM_KEY_FILE);
  if ((await readFile(file, 'utf8').catch(() => undefined)) !== signer.publicKey.armored) await writeFileAtomic(file, signer.publicKey.armored);
}

/** The packages of one name matching VERSION: exact V-R first, then V (highest release), then the npm version mapped. */
function selectVersion(candidates: Member[], version: string): Member[] {
  const colon = /^(\d+):(.*)$/.exec(version);
  const epoch = colon ? Number(colon[1]) : undefined;
  const text = colon ? colon[2]! : version;
  const epochOk = (p: Member) => epoch === undefined || (p.nevra.epoch ?? 0) === epoch;
  const dash = text.lastIndexOf('-');
  const tries: ((p: Member) => boolean)[] = [
    (p) => dash > 0 && p.nevra.version === text.slice(0, dash) && p.nevra.release === text.slice(dash + 1),
    (p) => p.nevra.version === text,
  ];
  const mapped = npmVersion(text);
  if (mapped !== undefined) tries.push((p) => p.nevra.version === mapped);
  for (const match of tries) {
    const found = candidates.filter((p) => epochOk(p) && match(p));
    if (found.length === 0) continue;
    const best = found.reduce((a, b) => (compareEvr(evrOf(b.nevra), evrOf(a.nevra)) > 0 ? b : a));
    return found.filter((p) => compareEvr(evrOf(p.nevra), evrOf(best.nevra)) === 0);
  }
  return [];
}

function npmVersion(text: string): string | undefined {
  try {
    return rpmVersion(parseAppVersion(text, 'version')).version;
  } catch {
    return undefined;
  }
}

function evrOf(nevra: RpmNevra): { epoch: number; version: string; release: string } {
  return { epoch: nevra.epoch ?? 0, version: nevra.version, release: nevra.release };
}

function sameNevra(a: RpmNevra, b: RpmNevra): boolean {
  return a.name === b.name && a.arch === b.arch && (a.epoch ?? 0) === (b.epoch ?? 0) && a.version === b.version && a.release === b.release;
}

/**
 * The file's sha256 (its pkgid), checking on the way what rpm -K checks without a key: the header
 * digests and the payload digest. A damaged or truncated upload is refused before it is published.
 */
async function verifiedDigest(file: string, info: RpmFileInfo): Promise<string> {
  const whole = createHash('sha256');
  const headerSha256 = createHash('sha256');
  const headerSha1 = createHash('sha1');
  const payload = createHash('sha256');
  let position = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    whole.update(chunk);
    const start = position;
    position += chunk.length;
    const hs = Math.max(start, info.headerStart);
    const he = Math.min(position, info.headerEnd);
    if (hs < he) {
      headerSha256.update(chunk.subarray(hs - start, he - start));
      headerSha1.update(chunk.subarray(hs - start, he - start));
    }
    if (position > info.headerEnd) payload.update(chunk.subarray(Math.max(0, info.headerEnd - start)));
  }
  const damaged = (what: string) => new UserError(`${file}: ${what}; the file is damaged or was changed after it was built`, { code: 'PKGAPP_RPM_DAMAGED', hint: 'Rebuild it, or copy it again' });
  if (position !== info.size) throw damaged('its size changed while it was read');
  const sig = { path: file, header: info.signature };
  const expect = [
    [headerString(sig, SIGTAG.SHA256HEADER), headerSha256.digest('hex'), 'header SHA256 digest'],
    [headerString(sig, SIGTAG.SHA1HEADER), headerSha1.digest('hex'), 'header SHA1 digest'],
    [headerStrings(info, TAG.PAYLOADDIGEST)[0], (headerNumber(info, TAG.PAYLOADDIGESTALGO) ?? 8) === 8 ? payload.digest('hex') : undefined, 'payload SHA256 digest'],
  ] as const;
  for (const [stored, actual, what] of expect) if (stored !== undefined && actual !== undefined && stored !== actual) throw damaged(`${what} does not match`);
  const declared = headerNumber(sig, SIGTAG.LONGSIGSIZE) ?? headerNumber(sig, SIGTAG.SIZE);
  if (declared !== undefined && declared !== info.size - info.headerStart) throw damaged(`header + payload are ${info.size - info.headerStart} bytes, the signature header says ${declared}`);
  return whole.digest('hex');
}

async function syncFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}

/** sha256 of files under DIR/yum, remembered by path with size, inode, mtime and ctime. */
class ChecksumCache {
  private readonly entries: Record<string, { size: number; ino: number; mtimeMs: number; ctimeMs: number; sha256: string }>;
  private readonly root: string;
  private dirty = false;

  private constructor(root: string, entries: ChecksumCache['entries']) {
    this.root = root;
    this.entries = entries;
  }

  static async load(root: string): Promise<ChecksumCache> {
    try {
      const data = JSON.parse(await readFile(path.join(root, CACHE_FILE), 'utf8')) as { version?: number; files?: ChecksumCache['entries'] };
      return new ChecksumCache(root, data.version === 1 && data.files && typeof data.files === 'object' ? data.files : {});
    } catch {
      return new ChecksumCache(root, {});
    }
  }

  /** The file's sha256, from the cache when the file is unchanged; rejects when it does not exist. */
  async digest(file: string): Promise<string> {
    const st = await stat(file);
    const key = path.relative(this.root, file);
    const hit = this.entries[key];
    if (hit && hit.size === st.size && hit.ino === st.ino && hit.mtimeMs === st.mtimeMs && hit.ctimeMs === st.ctimeMs) return hit.sha256;
    const hash = createHash('sha256');
    await pipeline(createReadStream(file), hash);
    const sha256 = hash.digest('hex');
    this.entries[key] = { size: st.size, ino: st.ino, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, sha256 };
    this.dirty = true;
    return sha256;
  }

  /** Records a digest known from another copy of the same bytes (after a link or copy); ignores files outside DIR/yum. */
  async remember(file: string, sha256: string): Promise<void> {
    const key = path.relative(this.root, file);
    if (key.startsWith('..') || path.isAbsolute(key)) return;
    const st = await stat(file);
    this.entries[key] = { size: st.size, ino: st.ino, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, sha256 };
    this.dirty = true;
  }

  /** Writes the cache, dropping entries for files that are gone. */
  async save(): Promise<void> {
    for (const key of Object.keys(this.entries)) {
      if (!(await exists(path.join(this.root, key)))) {
        delete this.entries[key];
        this.dirty = true;
      }
    }
    if (this.dirty) await writeFileAtomic(path.join(this.root, CACHE_FILE), `${JSON.stringify({ version: 1, files: this.entries })}\n`);
  }
}
