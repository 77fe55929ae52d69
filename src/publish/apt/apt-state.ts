// The apt side's state object, apt/pkgapp-state.json: every suite's stanzas per component, its
// indexed architectures and the by-hash generations it keeps. Publish reads it (one GET) and
// rewrites it (one conditional PUT), so its cost does not grow with the number of files in the
// repository: no listing, no download of other packages (docs/internals/apt-repository.md#state).
// A repository written before the state object existed is read once from its Packages files.
import { parseDeb822 } from '../../deb/read-deb.js';
import { UserError } from '../../errors.js';
import { headersFor } from '../object-headers.js';
import type { RepositoryStorage, WriteCondition } from '../storage/storage.js';
import type { Archive } from './apt-archive.js';
import { dedupeStanzas, renderStanza, stanzaOf, type PackageStanza } from './packages-index.js';

export const APT_STATE_KEY = 'apt/pkgapp-state.json';

/** The by-hash digests of one binary-ARCH dir: the current generation and the one before. */
export interface ByHash {
  current: string[];
  previous: string[];
}

/** What publish knows about the apt side, and the version of the state object it came from. */
export interface AptState {
  archive: Archive;
  /** suite → the binary-ARCH dirs it indexes (besides binary-all). */
  arches: Map<string, Set<string>>;
  /** suite → "component/binary-ARCH" → by-hash generations. */
  byHash: Map<string, Map<string, ByHash>>;
  /**
   * suite → by-hash keys its last publish deletes once its InRelease is out (older than the
   * previous generation): saved before, so the next publish finishes the deletes a kill
   * interrupted, without listing anything (docs/internals/publish-crash-safety.md).
   */
  removing: Map<string, string[]>;
  /** The state object's ETag, or undefined when it does not exist yet. */
  etag: string | undefined;
}

interface StateDocument {
  version: 1;
  suites: Record<
    string,
    { arches: string[]; components: Record<string, string[]>; byHash: Record<string, ByHash>; removing?: string[] }
  >;
}

const PACKAGES_KEY = /^apt\/dists\/([^/]+)\/([^/]+)\/binary-([^/]+)\/Packages$/;
const BY_HASH_KEY = /^apt\/dists\/([^/]+)\/([^/]+\/binary-[^/]+)\/by-hash\/SHA256\/([0-9a-f]{64})$/;

/** Reads the state object; without one, the Packages files of every suite (once, for older repositories). */
export async function loadAptState(store: RepositoryStorage): Promise<AptState> {
  const object = await store.get(APT_STATE_KEY);
  if (!object) return migrate(store);
  const where = `${store.location}/${APT_STATE_KEY}`;
  let document: StateDocument;
  try {
    document = JSON.parse(object.body.toString('utf8')) as StateDocument;
    if (document.version !== 1 || typeof document.suites !== 'object') throw new Error('unknown version');
  } catch (error) {
    throw new UserError(`${where}: not a pkgapp apt state object (${(error as Error).message})`, {
      code: 'PKGAPP_APT_INDEX_INVALID',
      hint: 'Restore it from a backup; deleting it makes the next publish rebuild it from the Packages indexes',
      cause: error,
    });
  }
  const state: AptState = {
    archive: new Map(),
    arches: new Map(),
    byHash: new Map(),
    removing: new Map(),
    etag: object.etag,
  };
  for (const [suite, entry] of Object.entries(document.suites)) {
    const components = new Map<string, PackageStanza[]>();
    for (const [component, stanzas] of Object.entries(entry.components))
      components.set(
        component,
        stanzas.map((text) => stanzaOf(parseDeb822(text, where)[0] ?? [], where)),
      );
    state.archive.set(suite, components);
    state.arches.set(suite, new Set(entry.arches));
    state.byHash.set(suite, new Map(Object.entries(entry.byHash)));
    if (Array.isArray(entry.removing) && entry.removing.length) state.removing.set(suite, entry.removing);
  }
  return state;
}

/**
 * Writes the state only if it is still the version read (If-Match on its ETag; If-None-Match: *
 * for the first one): false when another publisher changed it meanwhile (re-read and retry).
 */
export async function saveAptState(store: RepositoryStorage, state: AptState): Promise<boolean> {
  const document: StateDocument = { version: 1, suites: {} };
  for (const [suite, components] of [...state.archive].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const removing = state.removing.get(suite) ?? [];
    document.suites[suite] = {
      arches: [...(state.arches.get(suite) ?? [])].sort(),
      components: Object.fromEntries(
        [...components].map(([component, stanzas]) => [component, stanzas.map((s) => renderStanza(s.fields))]),
      ),
      byHash: Object.fromEntries(state.byHash.get(suite) ?? []),
      ...(removing.length ? { removing } : {}),
    };
  }
  const condition: WriteCondition = state.etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: state.etag };
  const result = await store.put(APT_STATE_KEY, `${JSON.stringify(document)}\n`, {
    ...headersFor(APT_STATE_KEY),
    condition,
  });
  if (result.ok) state.etag = result.etag;
  return result.ok;
}

/** The state of a repository without a state object: its Packages files and by-hash dirs, listed once. */
async function migrate(store: RepositoryStorage): Promise<AptState> {
  const state: AptState = {
    archive: new Map(),
    arches: new Map(),
    byHash: new Map(),
    removing: new Map(),
    etag: undefined,
  };
  const found = new Map<string, Map<string, PackageStanza[]>>();
  for await (const info of store.list('apt/dists/')) {
    const packages = PACKAGES_KEY.exec(info.key);
    if (packages) {
      const [, suite, component, arch] = packages as unknown as [string, string, string, string];
      const where = `${store.location}/${info.key}`;
      const text = (await store.get(info.key))?.body.toString('utf8') ?? '';
      const components = found.get(suite) ?? new Map<string, PackageStanza[]>();
      found.set(suite, components);
      components.set(component, [
        ...(components.get(component) ?? []),
        ...parseDeb822(text, where).map((fields) => stanzaOf(fields, where)),
      ]);
      const arches = state.arches.get(suite) ?? new Set<string>();
      state.arches.set(suite, arches);
      if (arch !== 'all') arches.add(arch);
      continue;
    }
    const byHash = BY_HASH_KEY.exec(info.key);
    if (byHash) {
      // Every by-hash file found counts as the current generation: kept through the next change.
      const [, suite, dir, digest] = byHash as unknown as [string, string, string, string];
      const dirs = state.byHash.get(suite) ?? new Map<string, ByHash>();
      state.byHash.set(suite, dirs);
      const entry = dirs.get(dir) ?? { current: [], previous: [] };
      dirs.set(dir, entry);
      entry.current.push(digest);
    }
  }
  for (const [suite, components] of found) {
    for (const [component, stanzas] of components) components.set(component, dedupeStanzas(stanzas));
    state.archive.set(suite, components);
  }
  return state;
}
