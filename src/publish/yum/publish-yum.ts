// The yum repository under DIR/yum (docs/internals/yum-repository.md): each rpm stored once in pool/<name>/ and
// hard-linked (or copied) into every channel DIR/yum/<suite>/Packages/; each channel is a dnf
// baseurl with its own repodata/ and repomd.xml.asc. This module orders the steps: read and check
// the inputs (channel-state.ts, rpm/verify-digests.ts), prepare and sign the channel's next
// generation (write-repodata.ts), and only then write: key, pool and channel files (yum-pool.ts),
// repodata. A refused rpm or a signing failure leaves the repository as it was.
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../errors.js';
import { checkAborted } from '../../util/atomic-output.js';
import { readRpm, rpmFileName, rpmNevra, type RpmNevra } from '../../rpm/read-rpm.js';
import { verifiedRpmSha256 } from '../../rpm/verify-digests.js';
import type { Signer } from '../../sign/signer.js';
import { channels, checkChannel, ChecksumCache, listChannel, seconds, type Member } from './channel-state.js';
import { applyKeep, sameNevra, selectVersion } from './channel-versions.js';
import { prepareChannel } from './write-repodata.js';
import { exportKey, keyChanged, YUM_KEY_FILE } from './yum-key.js';
import { collectPool, linkIntoChannel, type Incoming } from './yum-pool.js';
import { crashPoints } from '../../util/crash-point.js';

// Part of this module's public surface: the exported key's file name.
export { YUM_KEY_FILE } from './yum-key.js';

/** Where and how to publish; publish.ts holds the repository lock and loads the signer. */
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

const NEVRA_PART = { name: /^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/, version: /^[A-Za-z0-9._+~^]+$/, arch: /^[A-Za-z0-9_]+$/ };

/** Adds `rpms` to the channel (copied into the pool, linked into the channel) and re-signs it. */
export async function publishYum(rpms: string[], options: YumPublishOptions): Promise<YumPublishResult> {
  checkOptions(options);
  const root = path.join(options.repoDir, 'yum');
  const cache = await ChecksumCache.load(root);
  const incoming: Incoming[] = [];
  for (const file of rpms) {
    checkAborted();
    const info = await readRpm(file);
    const sha256 = await verifiedRpmSha256(info);
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
export async function promoteYum(
  name: string,
  version: string,
  from: string,
  options: YumPublishOptions,
): Promise<YumPublishResult> {
  checkOptions(options);
  checkChannel(from);
  const root = path.join(options.repoDir, 'yum');
  const cache = await ChecksumCache.load(root);
  const candidates = (await listChannel(root, from, cache)).filter((p) => p.nevra.name === name);
  const matches = selectVersion(candidates, version);
  if (matches.length === 0) {
    const known = [...new Set(candidates.map((p) => `${p.nevra.version}-${p.nevra.release}`))];
    throw new UserError(
      `${name}-${version} is not in yum channel "${from}" of ${root}${known.length ? ` (it has ${known.join(', ')})` : ''}`,
      {
        code: 'PKGAPP_PROMOTE_NOT_FOUND',
        hint: `Publish it there first: pkgapp publish --repo ${options.repoDir} --suite ${from} FILE.rpm`,
      },
    );
  }
  const incoming = matches.map((p): Incoming => ({
    source: p.file,
    published: true,
    nevra: p.nevra,
    fileName: rpmFileName(p.nevra),
    sha256: p.sha256,
  }));
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

export function checkOptions(options: Pick<YumPublishOptions, 'suite' | 'keep'>): void {
  checkChannel(options.suite);
  if (options.keep !== undefined && (!Number.isInteger(options.keep) || options.keep < 1)) {
    throw new UserError(`keep ${options.keep} must be a whole number of versions, at least 1`, {
      code: 'PKGAPP_KEEP_INVALID',
      hint: 'e.g. keep 5; leave it out to keep every version',
    });
  }
}

/** Name, version, release and arch become path components: only the characters rpm itself allows. */
export function checkNevra(nevra: RpmNevra, file: string): RpmNevra {
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

export function versionExists(file: string, nevra: RpmNevra, other: string): UserError {
  return new UserError(
    `${file}: ${rpmFileName(nevra).slice(0, -4)} is already published as ${other}, with different contents; nothing was published`,
    {
      code: 'PKGAPP_YUM_VERSION_EXISTS',
      hint: 'A published version never changes: bump the version in package.json, or rebuild with --release N',
    },
  );
}

/**
 * Checks conflicts, computes and signs the channel's next generation, and only then writes: key,
 * pool and channel files, data files, repomd.xml + .asc. A refused rpm or a signing failure
 * leaves the repository as it was.
 */
async function addToChannel(
  root: string,
  incoming: Incoming[],
  options: YumPublishOptions,
  cache: ChecksumCache,
): Promise<YumPublishResult> {
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
  const next = await prepareChannel(
    root,
    suite,
    members.filter((m) => !dropped.includes(m)),
    options,
    rotated,
  );
  try {
    // The last point where stopping (publish's AbortSignal) leaves the repository as it was.
    checkAborted();
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
  for (const p of dropped) await crashPoints(`delete ${p.file}`, () => rm(p.file, { force: true }));
  await collectPool(
    root,
    dropped,
    incoming.map((i) => i.nevra.name),
  );
  await cache.save();
  return result;
}
