// yum channels through the storage interface (docs/internals/yum-repository.md), for a directory
// (local-storage.ts) and object storage (s3-storage.ts) alike: publish, promote and keep. Each
// channel is a dnf baseurl, yum/<channel>/, holding its rpms under Packages/ (a directory
// hard-links a promoted rpm, object storage copies it), repodata/ and the state object
// yum-state.ts reads and writes. Cost follows the change: one read of the state, the new rpms,
// three repodata files, repomd.xml and its signature, one conditional write of the state; nothing
// is listed and no other rpm is read.
//
// Readers never see a torn channel: rpms first, then the checksum-named repodata, then
// repomd.xml, then repomd.xml.asc last. The previous generation's repodata stays for clients
// holding the old repomd.xml; older generations and dropped rpms go once the new one is out.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { EXIT_FAILURE, UserError } from '../../errors.js';
import { readRpm, rpmFileName, rpmNevra, type RpmNevra } from '../../rpm/read-rpm.js';
import { verifiedRpmSha256 } from '../../rpm/verify-digests.js';
import type { Signer } from '../../sign/signer.js';
import { checkAborted } from '../../util/atomic-output.js';
import { headersFor, PRIVATE } from '../object-headers.js';
import { mapBounded, PARALLEL_UPLOADS, type RepositoryStorage } from '../storage/storage.js';
import { checkChannel, seconds, type Member } from './channel-state.js';
import { applyKeep, selectVersion } from './channel-versions.js';
import { comparePackages, FILELISTS, OTHER, PRIMARY, repoPackage } from './repodata.js';
import { releaseOf, releasePackages, releasesBeyondKeep, withoutRelease } from './release-pairs.js';
import { parseRepomd, repomdXml, type RepomdRecord } from './repomd.js';
import { repomdSigned } from './repomd-signature.js';
import { YUM_KEY_FILE } from './yum-key.js';
import { loadYumState, saveYumState, stateChannels, type ChannelEntry, type ChannelState } from './yum-state.js';

/** Channel paths relative to yum/, e.g. stable/Packages/acme-1.0.0-1.noarch.rpm. */
export interface YumPublishResult {
  added: string[];
  unchanged: string[];
  removed: string[];
}

export interface YumStorePublishOptions {
  store: RepositoryStorage;
  /** The channel: yum/<suite>/. */
  suite: string;
  signer: Signer;
  /** repomd.xml revision and timestamps; primary's file time of newly added rpms. */
  now: Date;
  keep?: number;
}

/** An rpm on its way into the channel: its entry, and where its bytes come from. */
interface Incoming {
  entry: ChannelEntry;
  /** A local file to upload, or the key of the same rpm in another channel (promote). */
  source: { file: string } | { key: string };
  /** How messages name it. */
  label: string;
}

const NEVRA_PART = { name: /^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/, version: /^[A-Za-z0-9._+~^]+$/, arch: /^[A-Za-z0-9_]+$/ };
/**
 * Where a directory published before the state objects kept each rpm once, hard-linked into the
 * channels. Nothing reads it any more; the first publish that writes a channel's state removes it.
 */
const LEGACY_POOL = 'yum/pool/';

/** How often the state is re-read when another publisher changed it between read and write. */
const STATE_ATTEMPTS = 5;
const KEY_OBJECT = `yum/${YUM_KEY_FILE}`;

/** Adds `rpms` to the channel in `store` and re-signs it. */
export async function publishYumToStore(rpms: string[], options: YumStorePublishOptions): Promise<YumPublishResult> {
  checkOptions(options);
  const fileTime = seconds(options.now.getTime());
  const incoming: Incoming[] = [];
  for (const file of rpms) {
    checkAborted();
    const info = await readRpm(file);
    const sha256 = await verifiedRpmSha256(info);
    const nevra = checkNevra(rpmNevra(info), file);
    const fileName = rpmFileName(nevra);
    const twin = incoming.find((i) => i.entry.file === fileName);
    if (twin && twin.entry.sha256 !== sha256) throw versionExists(file, nevra, twin.label);
    if (twin) continue;
    const pkg = repoPackage(info, { sha256, mtime: fileTime, location: `Packages/${fileName}` });
    incoming.push({
      entry: {
        file: fileName,
        name: nevra.name,
        arch: nevra.arch,
        epoch: nevra.epoch ?? 0,
        version: nevra.version,
        release: nevra.release,
        sha256,
        size: info.size,
        primary: PRIMARY.entry(pkg),
        filelists: FILELISTS.entry(pkg),
        other: OTHER.entry(pkg),
      },
      source: { file },
      label: file,
    });
  }
  return addToChannel(incoming, options);
}

/** Copies NAME-VERSION of channel `from` (every arch) into options.suite: same bytes, same entries, metadata re-signed. */
export async function promoteYumInStore(
  name: string,
  version: string,
  from: string,
  options: YumStorePublishOptions,
): Promise<YumPublishResult> {
  checkOptions(options);
  checkChannel(from);
  const { store } = options;
  const source = await loadYumState(store, from);
  const members = source.entries.filter((e) => e.name === name).map(memberOf);
  const matches = selectVersion(members, version);
  if (matches.length === 0) {
    const known = [...new Set(members.map((p) => `${p.nevra.version}-${p.nevra.release}`))];
    throw new UserError(
      `${name}-${version} is not in yum channel "${from}" of ${store.location}/yum${known.length ? ` (it has ${known.join(', ')})` : ''}`,
      {
        code: 'PKGAPP_PROMOTE_NOT_FOUND',
        hint: `Publish it there first: pkgapp publish --repo ${store.location} --suite ${from} FILE.rpm`,
      },
    );
  }
  const own = matches.map((m) => source.entries.find((e) => e.file === m.file)!);
  // pkgapp.releases: NAME-VERSION brings the release package it requires along.
  const incoming: Incoming[] = [];
  for (const entry of [...own, ...releasePackages(own, source.entries)]) {
    const key = `yum/${from}/Packages/${entry.file}`;
    const size = (await store.head(key))?.size ?? -1;
    if (size !== entry.size) {
      throw new UserError(
        `${store.location}/${key}: listed in channel "${from}" but ${size < 0 ? 'missing' : `${size} bytes instead of ${entry.size}`}`,
        {
          code: 'PKGAPP_YUM_POOL_DAMAGED',
          exitCode: EXIT_FAILURE,
          hint: 'Publish the .rpm again to repair the channel',
        },
      );
    }
    incoming.push({ entry, source: { key }, label: `${store.location}/${key}` });
  }
  return addToChannel(incoming, options);
}

/**
 * Lists `incoming` in the channel after checking for conflicts, applies `keep`, then writes: key
 * export, new rpms, the state (only over the version read: otherwise all of this again on the
 * new state), repodata, repomd.xml, repomd.xml.asc; last removes old repodata and dropped rpms.
 */
async function addToChannel(incoming: Incoming[], options: YumStorePublishOptions): Promise<YumPublishResult> {
  const { store, suite } = options;
  const base = `yum/${suite}`;
  for (let attempt = 1; ; attempt++) {
    const state = await loadYumState(store, suite);
    checkReleasesPresent(incoming, state, store);
    // No state object yet: a new channel, or one published before them, whose repository may
    // still have the old pool: its rpms become digest records first (a kill leaves the state
    // absent, so the next publish does this again).
    if (state.etag === undefined) await recordLegacyPool(store);
    const result: YumPublishResult = { added: [], unchanged: [], removed: [] };
    const entries = [...state.entries];
    const toCopy: Incoming[] = [];
    const toRecord: Incoming[] = [];
    for (const item of incoming) {
      const { entry } = item;
      const same = entries.find((e) => e.file === entry.file || sameNevra(e, entry));
      if (same) {
        if (same.sha256 !== entry.sha256)
          throw versionExists(item.label, nevraOf(entry), `${store.location}/${base}/Packages/${same.file}`);
        result.unchanged.push(`${suite}/Packages/${same.file}`);
        continue;
      }
      // The same name-version-release.arch in any channel, now or before: the same bytes.
      const recorded = await recordedDigest(store, entry);
      if (recorded !== undefined && recorded !== entry.sha256)
        throw versionExists(item.label, nevraOf(entry), `${store.location}/${digestKey(entry)}`);
      if (recorded === undefined) toRecord.push(item);
      entries.push(entry);
      toCopy.push(item);
      result.added.push(`${suite}/Packages/${entry.file}`);
    }
    const dropped = keepDrops(entries, options.keep, new Set(incoming.map((i) => i.entry.file)));
    result.removed.push(...[...dropped].map((f) => `${suite}/Packages/${f}`));
    state.entries = entries.filter((e) => !dropped.has(e.file)).sort(compareEntries);

    const exported = (await store.get(KEY_OBJECT))?.body.toString('utf8');
    // When yum/RPM-GPG-KEY-pkgapp holds another key, every channel is re-signed with the new one.
    const rotated = exported !== undefined && exported !== options.signer.publicKey.armored;
    const plan = await planChannel(store, state, options, rotated);
    // The last point where stopping (publish's AbortSignal) leaves the repository as it was.
    checkAborted();
    if (exported !== options.signer.publicKey.armored)
      await putOk(store, KEY_OBJECT, () =>
        store.put(KEY_OBJECT, options.signer.publicKey.armored, headersFor(KEY_OBJECT)),
      );
    await mapBounded(toRecord, PARALLEL_UPLOADS, (item) => recordDigest(store, item.entry, item.label));
    await mapBounded(toCopy, PARALLEL_UPLOADS, (item) => upload(store, base, item, options.now));
    // What goes once the new repomd.xml is out: this run's dropped rpms and stale repodata, and
    // what a killed publish before it had still to remove; never a key the channel lists.
    const pending = state.removing;
    scheduleRemoval(state, base, [...[...dropped].map((f) => `${base}/Packages/${f}`), ...(plan?.stale ?? [])]);
    if (!plan && state.etag !== undefined && toCopy.length === 0 && dropped.size === 0 && pending.length === 0)
      return result;
    if (!(await saveYumState(store, state))) {
      if (attempt < STATE_ATTEMPTS) continue;
      throw new UserError(
        `${store.location}: the yum state of "${suite}" kept changing under this publish (${attempt} tries)`,
        {
          code: 'PKGAPP_REPO_LOCKED',
          exitCode: EXIT_FAILURE,
          hint: 'Another publisher is writing without the lock; retry when it is done',
        },
      );
    }
    if (plan) await writePlan(store, base, plan);
    await removeScheduled(store, state);
    if (rotated) await resignOthers(store, suite, options);
    return result;
  }
}

/**
 * The files `keep` drops: beyond the newest `keep` versions of each name+arch, counting the
 * packages that are not release packages; then every release package no remaining NAME requires
 * (pkgapp.releases: it goes with its NAME version). `protect`ed files (this run's) stay.
 */
function keepDrops(entries: readonly ChannelEntry[], keep: number | undefined, protect: Set<string>): Set<string> {
  if (keep === undefined) return new Set();
  const counted = entries.filter((e) => releaseOf(e) === undefined);
  const dropped = new Set(applyKeep(counted.map(memberOf), keep, protect).map((m) => m.file));
  for (const e of releasesBeyondKeep(entries, dropped, protect)) dropped.add(e.file);
  return new Set([...dropped].sort());
}

/**
 * pkgapp.releases: an rpm NAME requires exactly its NAME-release-ID; listed without it, dnf
 * could not install it. Refused before anything is written, unless the release comes in the same
 * run or the channel lists it already.
 */
function checkReleasesPresent(incoming: readonly Incoming[], state: ChannelState, store: RepositoryStorage): void {
  const missing = withoutRelease(
    incoming.map((i) => i.entry),
    state.entries,
  );
  if (missing.length === 0) return;
  const { entry, release } = missing[0]!;
  const label = incoming.find((i) => i.entry === entry)!.label;
  throw new UserError(
    `${label}: ${entry.name}-${entry.version}-${entry.release} requires ${release} = ${entry.version}-${entry.release}, which is neither among the packages published nor in yum channel "${state.channel}" of ${store.location}/yum: dnf could not install it; nothing was published`,
    {
      code: 'PKGAPP_PUBLISH_RELEASE_MISSING',
      hint: `pkgapp.releases builds two rpms per version: publish both, e.g. pkgapp publish --repo ${store.location} --suite ${state.channel} dist/*.rpm`,
    },
  );
}

/** Clients now hold the new key: every other channel is re-signed with it (the one listing publish makes). */
async function resignOthers(store: RepositoryStorage, suite: string, options: YumStorePublishOptions): Promise<void> {
  for (const channel of await stateChannels(store)) {
    if (channel === suite) continue;
    for (let attempt = 1; ; attempt++) {
      const state = await loadYumState(store, channel);
      const plan = await planChannel(store, state, options, true);
      if (!plan) break;
      // The stale repodata is recorded before the state is saved, as in addToChannel: a kill
      // between the new repomd.xml and the deletes leaves it to the next publish, not forgotten.
      scheduleRemoval(state, `yum/${channel}`, plan.stale);
      if (await saveYumState(store, state)) {
        await writePlan(store, `yum/${channel}`, plan);
        await removeScheduled(store, state);
        break;
      }
      if (attempt >= STATE_ATTEMPTS)
        throw new UserError(`${store.location}: the yum state of "${channel}" kept changing while it was re-signed`, {
          code: 'PKGAPP_REPO_LOCKED',
          exitCode: EXIT_FAILURE,
          hint: 'Another publisher is writing without the lock; retry when it is done',
        });
    }
  }
}

/**
 * Adds `keys` to what goes once the channel's new repomd.xml is out (ChannelState.removing, saved
 * with the state), never a key the channel still lists; a killed publish's list is kept.
 */
function scheduleRemoval(state: ChannelState, base: string, keys: readonly string[]): void {
  const listed = new Set([
    ...state.entries.map((e) => `${base}/Packages/${e.file}`),
    ...[...state.repodata.current, ...state.repodata.previous].map((h) => `${base}/${h}`),
  ]);
  state.removing = [...new Set([...state.removing, ...keys])].filter((key) => !listed.has(key));
}

/** Deletes what scheduleRemoval listed, then saves the state without it (if that save is refused, the next publish repeats the deletes). */
async function removeScheduled(store: RepositoryStorage, state: ChannelState): Promise<void> {
  if (state.removing.length === 0) return;
  await mapBounded(state.removing, PARALLEL_UPLOADS, (key) => store.delete(key));
  state.removing = [];
  await saveYumState(store, state);
}

/**
 * yum/pool/NAME/N-V-R.A.rpm.sha256: the sha256 every channel's rpm of that file name has, kept
 * once the rpm is published anywhere (a published version never changes bytes, even after --keep
 * dropped it). One GET per new rpm: no channel is listed or read.
 */
function digestKey(entry: Pick<ChannelEntry, 'name' | 'file'>): string {
  return `${LEGACY_POOL}${entry.name}/${entry.file}.sha256`;
}

const DIGEST_HEADERS = { contentType: 'text/plain; charset=utf-8', cacheControl: PRIVATE };

async function recordedDigest(store: RepositoryStorage, entry: ChannelEntry): Promise<string | undefined> {
  return (await store.get(digestKey(entry)))?.body.toString('utf8').trim();
}

/** Records the rpm's digest unless one is there (If-None-Match: *); another publisher's different one is a conflict. */
async function recordDigest(store: RepositoryStorage, entry: ChannelEntry, label: string): Promise<void> {
  const key = digestKey(entry);
  const put = await store.put(key, `${entry.sha256}\n`, { ...DIGEST_HEADERS, condition: { ifNoneMatch: '*' } });
  if (put.ok) return;
  const recorded = await recordedDigest(store, entry);
  if (recorded !== entry.sha256) throw versionExists(label, nevraOf(entry), `${store.location}/${key}`);
}

/**
 * A directory published before the state objects kept each rpm once in yum/pool/NAME/, hard-linked
 * into the channels. Each becomes a digest record, then goes: every channel holds its own link
 * (or copy), so none loses a byte. Reads each old pool rpm once; a names-only listing of yum/pool/
 * when a channel has no state yet.
 */
async function recordLegacyPool(store: RepositoryStorage): Promise<void> {
  const rpms: string[] = [];
  for await (const key of store.listKeys(LEGACY_POOL)) if (key.endsWith('.rpm')) rpms.push(key);
  await mapBounded(rpms, PARALLEL_UPLOADS, async (key) => {
    const object = await store.getStream(key);
    if (!object) return;
    const hash = createHash('sha256');
    await pipeline(object.body, hash);
    // Refused when a record is there already: written when this rpm was published or migrated.
    await store.put(`${key}.sha256`, `${hash.digest('hex')}\n`, { ...DIGEST_HEADERS, condition: { ifNoneMatch: '*' } });
    await store.delete(key);
  });
}

/** Uploads an rpm into the channel's Packages/ unless an object of its size is there already. */
async function upload(store: RepositoryStorage, base: string, item: Incoming, now: Date): Promise<void> {
  const key = `${base}/Packages/${item.entry.file}`;
  // An object the state does not list was left by an interrupted publish; same size, same name:
  // the pool object is only trusted when its size matches, and replaced otherwise.
  if ((await store.head(key))?.size === item.entry.size) return;
  // primary.xml's file time of a new rpm is `now`: a directory gives the file that time too, as
  // createrepo_c would read it.
  if ('file' in item.source) {
    const file = item.source.file;
    await putOk(store, key, () => store.putFile(key, file, { ...headersFor(key), mtime: now }));
    return;
  }
  const from = item.source.key;
  // Promote in a directory: a hard link, the very same file (and file time) in both channels.
  if (store.copy) {
    await putOk(store, key, () => store.copy!(from, key, headersFor(key)));
    return;
  }
  // Object storage has no hard links; the rpm is streamed through a temporary file.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pkgapp-yum-copy-'));
  try {
    const object = await store.getStream(from);
    if (!object) throw new Error(`${store.location}/${from} disappeared while it was promoted`);
    const file = path.join(dir, item.entry.file);
    await pipeline(object.body, createWriteStream(file));
    const hash = createHash('sha256');
    await pipeline(createReadStream(file), hash);
    if (hash.digest('hex') !== item.entry.sha256)
      throw new UserError(`${store.location}/${from}: its sha256 is not the one channel state lists`, {
        code: 'PKGAPP_YUM_POOL_DAMAGED',
        exitCode: EXIT_FAILURE,
        hint: 'Publish the .rpm again to repair the channel',
      });
    await putOk(store, key, () => store.putFile(key, file, headersFor(key)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function putOk(store: RepositoryStorage, key: string, put: () => Promise<{ ok: boolean }>): Promise<void> {
  if (!(await put()).ok) throw new Error(`${store.location}: unconditional upload of ${key} refused (a bug in pkgapp)`);
}

/** A channel's next generation, signed, not written yet. */
interface ChannelPlan {
  files: { href: string; data: Buffer }[];
  repomd: string;
  signature: string;
  /** Keys of repodata files older than the previous generation, deleted once the new repomd.xml is out. */
  stale: string[];
}

/**
 * Renders primary, filelists and other from the state's fragments and signs repomd.xml; records
 * the new generation in `state`. Undefined when (unless `force`) the channel's repomd.xml already
 * names this very data, signed.
 */
async function planChannel(
  store: RepositoryStorage,
  state: ChannelState,
  options: YumStorePublishOptions,
  force: boolean,
): Promise<ChannelPlan | undefined> {
  const base = `yum/${state.channel}`;
  const timestamp = seconds(options.now.getTime());
  const records: RepomdRecord[] = [];
  const files: ChannelPlan['files'] = [];
  for (const [doc, field] of [
    [PRIMARY, 'primary'],
    [FILELISTS, 'filelists'],
    [OTHER, 'other'],
  ] as const) {
    const open = Buffer.from(doc.head(state.entries.length) + state.entries.map((e) => e[field]).join('') + doc.tail);
    const data = gzipSync(open, { level: 9 });
    const checksum = sha256(data);
    const href = `repodata/${checksum}-${doc.type}.xml.gz`;
    files.push({ href, data });
    records.push({
      type: doc.type,
      checksum,
      openChecksum: sha256(open),
      href,
      size: data.length,
      openSize: open.length,
      timestamp,
    });
  }
  const hrefs = records.map((r) => r.href);
  if (!force) {
    const [current, asc, ...present] = await Promise.all([
      store.get(`${base}/repodata/repomd.xml`),
      store.get(`${base}/repodata/repomd.xml.asc`),
      ...hrefs.map((h) => store.exists(`${base}/${h}`)),
    ]);
    const signed = await repomdSigned(
      (current as { body: Buffer } | undefined)?.body,
      (asc as { body: Buffer } | undefined)?.body,
      options.signer,
    );
    const named = current ? parseRepomd((current as { body: Buffer }).body.toString('utf8')).map((r) => r.href) : [];
    if (signed && present.every(Boolean) && hrefs.every((h) => named.includes(h)) && named.length === hrefs.length)
      return undefined;
  }
  const generations = state.repodata;
  const stale: string[] = [];
  if (!hrefs.every((h) => generations.current.includes(h))) {
    const previous = generations.current.filter((h) => !hrefs.includes(h));
    const keep = new Set([...hrefs, ...previous]);
    stale.push(...generations.previous.filter((h) => !keep.has(h)).map((h) => `${base}/${h}`));
    state.repodata = { current: hrefs, previous };
  }
  const repomd = repomdXml(timestamp, records);
  // Signed before anything is written, so a signing failure leaves the channel as it was.
  const signature = await options.signer.signDetachedArmored(Buffer.from(repomd));
  return { files, repomd, signature, stale };
}

/** Data files (new names only), then repomd.xml, then its signature (the stale generation: ChannelState.removing). */
async function writePlan(store: RepositoryStorage, base: string, plan: ChannelPlan): Promise<void> {
  await mapBounded(plan.files, PARALLEL_UPLOADS, async ({ href, data }) => {
    const key = `${base}/${href}`;
    if (!(await store.exists(key))) await putOk(store, key, () => store.put(key, data, headersFor(key)));
  });
  for (const [name, body] of [
    ['repomd.xml', plan.repomd],
    ['repomd.xml.asc', plan.signature],
  ] as const) {
    const key = `${base}/repodata/${name}`;
    await putOk(store, key, () => store.put(key, body, headersFor(key)));
  }
}

/** The channel-versions.ts view of an entry (keep, promote's version match). */
function memberOf(entry: ChannelEntry): Member {
  return { nevra: nevraOf(entry), read: '', file: entry.file, sha256: entry.sha256, mtime: 0 };
}

function nevraOf(e: ChannelEntry) {
  return { name: e.name, arch: e.arch, epoch: e.epoch, version: e.version, release: e.release };
}

function sameNevra(a: ChannelEntry, b: ChannelEntry): boolean {
  return (
    a.name === b.name && a.arch === b.arch && a.epoch === b.epoch && a.version === b.version && a.release === b.release
  );
}

/** repodata order (repodata.ts comparePackages): name, EVR, arch, location. */
function compareEntries(a: ChannelEntry, b: ChannelEntry): number {
  return comparePackages({ ...a, location: `Packages/${a.file}` }, { ...b, location: `Packages/${b.file}` });
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The .repo file an operator drops into /etc/yum.repos.d/ to install from yum/<suite> published at `baseUrl`. */
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

function checkOptions(options: Pick<YumStorePublishOptions, 'suite' | 'keep'>): void {
  checkChannel(options.suite);
  if (options.keep !== undefined && (!Number.isInteger(options.keep) || options.keep < 1)) {
    throw new UserError(`keep ${options.keep} must be a whole number of versions, at least 1`, {
      code: 'PKGAPP_KEEP_INVALID',
      hint: 'e.g. keep 5; leave it out to keep every version',
    });
  }
}

/** Name, version, release and arch become path components: only the characters rpm itself allows. */
function checkNevra(nevra: RpmNevra, file: string): RpmNevra {
  const parts: [string, string, RegExp][] = [
    ['name', nevra.name, NEVRA_PART.name],
    ['version', nevra.version, NEVRA_PART.version],
    ['release', nevra.release, NEVRA_PART.version],
    ['arch', nevra.arch, NEVRA_PART.arch],
  ];
  for (const [what, value, pattern] of parts) {
    if (!pattern.test(value))
      throw new UserError(`${file}: package ${what} "${value}" cannot be published (unexpected characters)`, {
        code: 'PKGAPP_RPM_NAME_INVALID',
        hint: 'Rebuild it with a plain name, version and release',
      });
  }
  return nevra;
}

function versionExists(file: string, nevra: RpmNevra, other: string): UserError {
  return new UserError(
    `${file}: ${rpmFileName(nevra).slice(0, -4)} is already published as ${other}, with different contents; nothing was published`,
    {
      code: 'PKGAPP_YUM_VERSION_EXISTS',
      hint: 'A published version never changes: bump the version in package.json, or rebuild with --release N',
    },
  );
}
