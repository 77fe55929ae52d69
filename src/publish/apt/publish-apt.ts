// The apt repository under DIR/apt (docs/internals/apt-repository.md): .debs in pool/, per-suite Packages indexes with
// by-hash copies, and a signed Release (InRelease, Release.gpg). The Packages files are the only
// state: the archive is reconstructed from them on every run (apt-archive.ts), so no database can
// drift. This module orders the steps: check, copy new pool files, write and sign the suite
// (write-suite.ts), then remove pool files no suite lists.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { compareDebVersions } from '../../deb/deb-version.js';
import { EXIT_FAILURE, UserError } from '../../errors.js';
import { checkAborted } from '../../util/atomic-output.js';
import type { Signer } from '../../sign/signer.js';
import {
  checkConflicts,
  checkNames,
  loadArchive,
  referenced,
  sameKey,
  suiteOf,
  type Archive,
  type Incoming,
} from './apt-archive.js';
import { copyToPool, describeDeb, poolNeighbours, removeUnreferenced } from './apt-pool.js';
import { APT_KEYRING, checkArchiveKey, exportKeyring } from './archive-key.js';
import { dedupeStanzas, stanzasBeyondKeep, type PackageStanza } from './packages-index.js';
import { writeSuites } from './write-suite.js';

// Part of this module's public surface: the exported key's file name.
export { APT_KEYRING } from './archive-key.js';

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

/** Adds `debs` to the suite's component, copying new files into the pool, and re-signs the suite. */
export async function publishApt(debs: string[], options: AptPublishOptions): Promise<AptPublishResult> {
  checkNames(options);
  const root = path.join(options.repoDir, 'apt');
  const incoming: Incoming[] = [];
  for (const file of debs) {
    checkAborted();
    incoming.push(await describeDeb(file, options.component));
  }
  return addToSuite(root, await loadArchive(root), incoming, options);
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
  const root = path.join(options.repoDir, 'apt');
  const archive = await loadArchive(root);
  const candidates = [...(archive.get(from)?.values() ?? [])].flat().filter((s) => s.package === name);
  const matches = dedupeStanzas(candidates.filter((s) => compareDebVersions(s.version, version) === 0));
  if (matches.length === 0) {
    const known = [...new Set(candidates.map((s) => s.version))];
    throw new UserError(
      `${name}=${version} is not in apt suite "${from}" of ${root}${known.length ? ` (it has ${known.join(', ')})` : ''}`,
      {
        code: 'PKGAPP_PROMOTE_NOT_FOUND',
        hint: `Publish it there first: pkgapp publish --repo ${options.repoDir} --suite ${from} FILE.deb`,
      },
    );
  }
  for (const stanza of matches) {
    const size = await stat(path.join(root, stanza.filename)).then(
      (s) => s.size,
      () => -1,
    );
    if (size !== stanza.size) {
      throw new UserError(
        `${path.join(root, stanza.filename)}: listed in suite "${from}" but ${size < 0 ? 'missing' : `${size} bytes instead of ${stanza.size}`}`,
        { code: 'PKGAPP_APT_POOL_DAMAGED', exitCode: EXIT_FAILURE, hint: 'Publish the .deb again to repair the pool' },
      );
    }
  }
  return addToSuite(
    root,
    archive,
    matches.map((stanza) => ({ file: path.join(root, stanza.filename), stanza })),
    options,
  );
}

/**
 * Lists `incoming` in options.suite/options.component after checking for conflicts, applies
 * `keep`, then writes: key export, new pool files, indexes and signatures, and last removes
 * pool files that no suite lists any more.
 */
async function addToSuite(
  root: string,
  archive: Archive,
  incoming: readonly Incoming[],
  options: AptPublishOptions,
): Promise<AptPublishResult> {
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

  // The last point where stopping (publish's AbortSignal) leaves the repository as it was.
  checkAborted();
  await exportKeyring(root, options.signer);
  for (const item of toCopy) await copyToPool(item, root, listedBefore);
  await writeSuites(root, archive, options, rotated);
  // Also the .debs beside the incoming ones that no suite lists: a publish killed after its
  // InRelease and before this cleanup left them, and the dropped list (from the index) no longer
  // names them (docs/internals/publish-crash-safety.md).
  await removeUnreferenced(root, [...result.removed, ...(await poolNeighbours(root, incoming))], archive);
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
