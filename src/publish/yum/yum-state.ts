// The state of a yum channel kept in object storage, yum/<channel>/pkgapp-state.json: every rpm
// the channel lists with its primary, filelists and other XML fragments, and the repodata
// generations it keeps. Publish reads it (one GET) and rewrites it (one conditional PUT), so adding
// an rpm to a channel of 1,000 versions neither lists the bucket nor downloads any other rpm
// (docs/internals/yum-repository.md#state). A channel without one (copied into the bucket from a
// directory pkgapp published) is read once from its repodata.
import { gunzipSync } from 'node:zlib';
import { UserError } from '../../errors.js';
import { headersFor } from '../object-headers.js';
import type { RepositoryStorage, WriteCondition } from '../storage/storage.js';
import { parseRepomd } from './repomd.js';

/** One rpm of a channel: its identity and the three XML fragments repodata lists it with. */
export interface ChannelEntry {
  /** File name under <channel>/Packages/. */
  file: string;
  name: string;
  arch: string;
  epoch: number;
  version: string;
  release: string;
  /** sha256 of the whole .rpm (primary's pkgid). */
  sha256: string;
  size: number;
  primary: string;
  filelists: string;
  other: string;
}

/** The repodata file names (repodata/<sha256>-<type>.xml.gz) of the current and the previous generation. */
export interface RepodataGenerations {
  current: string[];
  previous: string[];
}

export interface ChannelState {
  channel: string;
  entries: ChannelEntry[];
  repodata: RepodataGenerations;
  /**
   * Keys this channel's last publish removes once its repomd.xml is out (rpms --keep dropped,
   * repodata older than the previous generation): saved before, so the next publish finishes the
   * deletes a kill interrupted, without listing anything.
   */
  removing: string[];
  /** The state object's ETag, or undefined when it does not exist yet. */
  etag: string | undefined;
}

interface StateDocument {
  version: 1;
  entries: ChannelEntry[];
  repodata: RepodataGenerations;
  removing?: string[];
}

/** yum/<channel>/pkgapp-state.json. */
export function yumStateKey(channel: string): string {
  return `yum/${channel}/pkgapp-state.json`;
}

/**
 * The channels: those with a state object or a repomd.xml (one published before the state
 * objects). A listing of yum/: only when every channel must be re-signed.
 */
export async function stateChannels(store: RepositoryStorage): Promise<string[]> {
  const found = new Set<string>();
  for await (const key of store.listKeys('yum/')) {
    const match = /^yum\/([^/]+)\/(?:pkgapp-state\.json|repodata\/repomd\.xml)$/.exec(key);
    if (match && match[1] !== 'pool') found.add(match[1]!);
  }
  return [...found].sort();
}

/** Reads the channel's state object; without one, its repodata (once, for channels published before). */
export async function loadYumState(store: RepositoryStorage, channel: string): Promise<ChannelState> {
  const key = yumStateKey(channel);
  const object = await store.get(key);
  if (!object) return migrate(store, channel);
  let document: StateDocument;
  try {
    document = JSON.parse(object.body.toString('utf8')) as StateDocument;
    if (document.version !== 1 || !Array.isArray(document.entries) || typeof document.repodata !== 'object')
      throw new Error('unknown version');
  } catch (error) {
    throw new UserError(`${store.location}/${key}: not a pkgapp yum state object (${(error as Error).message})`, {
      code: 'PKGAPP_YUM_STATE_INVALID',
      hint: "Restore it from a backup; deleting it makes the next publish rebuild it from the channel's repodata",
      cause: error,
    });
  }
  return {
    channel,
    entries: document.entries,
    repodata: document.repodata,
    removing: Array.isArray(document.removing) ? document.removing : [],
    etag: object.etag,
  };
}

/**
 * Writes the state only if it is still the version read (If-Match on its ETag; If-None-Match: *
 * for the first one): false when another publisher changed it meanwhile (re-read and retry).
 */
export async function saveYumState(store: RepositoryStorage, state: ChannelState): Promise<boolean> {
  const document: StateDocument = {
    version: 1,
    entries: state.entries,
    repodata: state.repodata,
    ...(state.removing.length ? { removing: state.removing } : {}),
  };
  const key = yumStateKey(state.channel);
  const condition: WriteCondition = state.etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: state.etag };
  const result = await store.put(key, `${JSON.stringify(document)}\n`, { ...headersFor(key), condition });
  if (result.ok) state.etag = result.etag;
  return result.ok;
}

/**
 * The state of a channel without a state object, split out of its current repodata (pkgapp's or
 * createrepo_c's layout: one <package> element per rpm in each document, sha256 pkgids).
 */
async function migrate(store: RepositoryStorage, channel: string): Promise<ChannelState> {
  const state: ChannelState = {
    channel,
    entries: [],
    repodata: { current: [], previous: [] },
    removing: [],
    etag: undefined,
  };
  const base = `yum/${channel}`;
  const repomd = await store.get(`${base}/repodata/repomd.xml`);
  if (!repomd) return state;
  const records = parseRepomd(repomd.body.toString('utf8'));
  const documents = new Map<string, string>();
  for (const type of ['primary', 'filelists', 'other']) {
    const record = records.find((r) => r.type === type);
    const data = record && (await store.get(`${base}/${record.href}`))?.body;
    if (!record || !data) throw unreadable(store, channel, `its ${type} data named by repomd.xml is missing`);
    documents.set(type, (record.href.endsWith('.gz') ? gunzipSync(data) : data).toString('utf8'));
    state.repodata.current.push(record.href);
  }
  const byPkgid = (type: string) => {
    const found = new Map<string, string>();
    for (const m of documents.get(type)!.matchAll(/<package pkgid="([0-9a-f]{64})"[\s\S]*?<\/package>\n?/g))
      found.set(m[1]!, withNewline(m[0]));
    return found;
  };
  const filelists = byPkgid('filelists');
  const other = byPkgid('other');
  for (const m of documents.get('primary')!.matchAll(/<package type="rpm">[\s\S]*?<\/package>\n?/g)) {
    const primary = withNewline(m[0]);
    const field = (pattern: RegExp) => pattern.exec(primary)?.[1];
    const sha256 = field(/<checksum type="sha256" pkgid="YES">([0-9a-f]{64})<\/checksum>/);
    const version = /<version epoch="(\d+)" ver="([^"]*)" rel="([^"]*)"\/>/.exec(primary);
    const location = field(/<location href="Packages\/([^"/]+\.rpm)"\/>/);
    const name = field(/<name>([^<]*)<\/name>/);
    const arch = field(/<arch>([^<]*)<\/arch>/);
    const size = field(/<size package="(\d+)"/);
    if (!sha256 || !version || !location || !name || !arch || !size || !filelists.has(sha256) || !other.has(sha256))
      throw unreadable(
        store,
        channel,
        'a package of primary.xml lacks a sha256 pkgid, its Packages/ location or its filelists/other entries',
      );
    state.entries.push({
      file: unescapeXml(location),
      name: unescapeXml(name),
      arch: unescapeXml(arch),
      epoch: Number(version[1]),
      version: unescapeXml(version[2]!),
      release: unescapeXml(version[3]!),
      sha256,
      size: Number(size),
      primary,
      filelists: filelists.get(sha256)!,
      other: other.get(sha256)!,
    });
  }
  return state;
}

function withNewline(fragment: string): string {
  return fragment.endsWith('\n') ? fragment : `${fragment}\n`;
}

/** Undoes the five XML entities repodata writes in attributes and text. */
export function unescapeXml(value: string): string {
  return value.replace(
    /&(amp|lt|gt|quot|apos);/g,
    (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!,
  );
}

function unreadable(store: RepositoryStorage, channel: string, why: string): UserError {
  return new UserError(`${store.location}/yum/${channel}: cannot read the channel's repodata (${why})`, {
    code: 'PKGAPP_YUM_STATE_INVALID',
    hint: 'Republish the channel into an empty prefix, or repair its repodata (createrepo_c) and publish again',
  });
}
