// The apt repository under apt/ of a directory or bucket (docs/internals/apt-repository.md): .debs
// in pool/, per-suite Packages indexes with by-hash copies, and a signed Release (InRelease,
// Release.gpg). What each suite lists lives in one state object (apt-state.ts), read once and
// rewritten once per publish, so a publish costs the same in a repository of 10 or 1,000 versions.
// This module orders the steps: check, upload new pool files, save the state (If-Match), write
// and sign the suite (write-suite.ts), then remove pool files no suite lists: those dropped now,
// and those a killed publish left beside the published ones (poolOrphans, apt-pool.ts).
import { compareDebVersions } from '../../deb/deb-version.js';
import { EXIT_FAILURE, UserError } from '../../errors.js';
import { checkAborted } from '../../util/atomic-output.js';
import type { Signer } from '../../sign/signer.js';
import { mapBounded, PARALLEL_UPLOADS, type RepositoryStorage } from '../storage/storage.js';
import { checkConflicts, checkNames, referenced, sameKey, suiteOf, type Incoming } from './apt-archive.js';
import { copyToPool, describeDeb, poolOrphans, removeUnreferenced } from './apt-pool.js';
import { APT_KEYRING, checkArchiveKey, exportKeyring } from './archive-key.js';
import {
  dedupeStanzas,
  releasePayloads,
  stanzasBeyondKeep,
  withoutPayload,
  type PackageStanza,
} from './packages-index.js';
import { loadAptState, saveAptState } from './apt-state.js';
import { planSuite, writeSuite, type SuitePlan } from './write-suite.js';

// Part of this module's public surface: the exported key's file name.
export { APT_KEYRING } from './archive-key.js';

/** Where and how to publish; publish.ts holds the repository lock and loads the signer. */
export interface AptPublishOptions {
  /** The repository (a directory or a bucket); only keys under apt/ are written. */
  store: RepositoryStorage;
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

/** Adds `debs` to the suite's component, uploading new files into the pool, and re-signs the suite. */
export async function publishApt(debs: string[], options: AptPublishOptions): Promise<AptPublishResult> {
  checkNames(options);
  const incoming: Incoming[] = [];
  for (const file of debs) {
    checkAborted();
    incoming.push(await describeDeb(file, options.component));
  }
  return addToSuite(incoming, options);
}

/**
 * Adds the already-published NAME=VERSION (every arch) of suite `from` to suite options.suite:
 * same pool file, same bytes, only the indexes re-signed. UserError (exit 2) if it is not in `from`.
 */
export async function promoteApt(
  name: string,
  version: string,
  from: string,
  options: AptPublishOptions,
): Promise<AptPublishResult> {
  checkNames(options);
  const { store } = options;
  const root = `${store.location}/apt`;
  const { archive } = await loadAptState(store);
  const listed = [...(archive.get(from)?.values() ?? [])].flat();
  const candidates = listed.filter((s) => s.package === name);
  const own = candidates.filter((s) => compareDebVersions(s.version, version) === 0);
  // pkgapp.releases: NAME=VERSION brings its release's payload package along.
  const matches = dedupeStanzas([...own, ...releasePayloads(own, listed)]);
  if (matches.length === 0) {
    const known = [...new Set(candidates.map((s) => s.version))];
    throw new UserError(
      `${name}=${version} is not in apt suite "${from}" of ${root}${known.length ? ` (it has ${known.join(', ')})` : ''}`,
      {
        code: 'PKGAPP_PROMOTE_NOT_FOUND',
        hint: `Publish it there first: pkgapp publish --repo ${store.location} --suite ${from} FILE.deb`,
      },
    );
  }
  for (const stanza of matches) {
    const size = (await store.head(`apt/${stanza.filename}`))?.size ?? -1;
    if (size !== stanza.size) {
      throw new UserError(
        `${root}/${stanza.filename}: listed in suite "${from}" but ${size < 0 ? 'missing' : `${size} bytes instead of ${stanza.size}`}`,
        { code: 'PKGAPP_APT_POOL_DAMAGED', exitCode: EXIT_FAILURE, hint: 'Publish the .deb again to repair the pool' },
      );
    }
  }
  return addToSuite(
    matches.map((stanza) => ({ file: `${root}/${stanza.filename}`, stanza, inPool: true })),
    options,
  );
}

/** How often the state is re-read when another publisher changed it between read and write. */
const STATE_ATTEMPTS = 5;

/**
 * Lists `incoming` in options.suite/options.component after checking for conflicts, applies
 * `keep`, then writes: key export, new pool files, the state object (only if nobody changed it
 * since it was read: otherwise all of this again on the new state), indexes and signatures, and
 * last removes pool files that no suite lists any more.
 */
async function addToSuite(incoming: readonly Incoming[], options: AptPublishOptions): Promise<AptPublishResult> {
  const { store } = options;
  for (let attempt = 1; ; attempt++) {
    const state = await loadAptState(store);
    const { archive } = state;
    checkConflicts(incoming, archive, (key) => `${store.location}/${key}`);
    checkPayloadsPresent(incoming, archive.get(options.suite)?.get(options.component) ?? [], options);
    const rotated = await checkArchiveKey(store, archive, options.signer);
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
      if (!item.inPool) toCopy.push(item);
    }
    result.removed = applyKeep(components, options.keep, new Set(incoming.map((i) => i.stanza.filename)));

    // Pool files beside the incoming ones that no suite lists: left by a killed publish.
    const orphans = await poolOrphans(store, incoming, archive);
    // Such a file may still be named by the InRelease of a suite that killed publish did not get
    // to sign: then every suite is checked (and signed again where it is behind) before it goes.
    const suites = rotated || orphans.length > 0 ? [...archive.keys()] : [options.suite];
    const plans: SuitePlan[] = [];
    for (const suite of suites) {
      const plan = await planSuite(store, suite, state, options, rotated);
      if (plan) plans.push(plan);
    }
    // The last point where stopping (publish's AbortSignal) leaves the repository as it was.
    checkAborted();
    await exportKeyring(store, options.signer);
    await mapBounded(toCopy, PARALLEL_UPLOADS, (item) => copyToPool(store, item, listedBefore));
    if (plans.length > 0 || state.etag === undefined) {
      if (!(await saveAptState(store, state))) {
        if (attempt < STATE_ATTEMPTS) continue;
        throw new UserError(`${store.location}: the apt state kept changing under this publish (${attempt} tries)`, {
          code: 'PKGAPP_REPO_LOCKED',
          exitCode: EXIT_FAILURE,
          hint: 'Another publisher is writing without the lock; retry when it is done',
        });
      }
      for (const plan of plans) await writeSuite(store, plan);
    }
    await removeUnreferenced(store, [...result.removed, ...orphans], archive);
    return result;
  }
}

/**
 * pkgapp.releases: a NAME package depends on exactly its NAME-release-ID; listed without it, apt
 * could not install it. Refused before anything is written, unless the payload comes in the same
 * run or the suite's component lists it already.
 */
function checkPayloadsPresent(
  incoming: readonly Incoming[],
  listed: PackageStanza[],
  options: AptPublishOptions,
): void {
  const missing = withoutPayload(
    incoming.map((i) => i.stanza),
    listed,
  );
  if (missing.length === 0) return;
  const { stanza, payload } = missing[0]!;
  const label = incoming.find((i) => i.stanza === stanza)!.file;
  const where = options.store.location;
  throw new UserError(
    `${label}: ${stanza.package} ${stanza.version} depends on ${payload}, which is neither among the packages published nor in suite "${options.suite}" (component ${options.component}) of ${where}/apt: apt could not install it; nothing was published`,
    {
      code: 'PKGAPP_PUBLISH_RELEASE_MISSING',
      hint: `pkgapp.releases builds two packages per version: publish both, e.g. pkgapp publish --repo ${where} --suite ${options.suite} dist/*.deb`,
    },
  );
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

/** Applies `keep` to the whole suite (every component); returns the dropped filenames. */
function applyKeep(components: Map<string, PackageStanza[]>, keep: number | undefined, protect: Set<string>): string[] {
  if (keep === undefined) return [];
  const drop = stanzasBeyondKeep([...components.values()].flat(), keep, protect);
  for (const [component, stanzas] of components)
    components.set(
      component,
      stanzas.filter((s) => !drop.has(s.filename)),
    );
  return [...drop].sort();
}
