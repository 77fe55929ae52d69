// The yum repository of a directory, DIR/yum (docs/internals/yum-repository.md): the same
// storage-backed publish as object storage (publish-yum-store.ts) over a LocalStorage, so both
// keep a state object per channel and neither reads every rpm on each publish. A directory
// published before the state objects (pool/NAME/ hard-linked into the channels, no
// pkgapp-state.json) is read once from its repodata and its pool removed.
import { LocalStorage } from '../storage/local-storage.js';
import type { Signer } from '../../sign/signer.js';
import { promoteYumInStore, publishYumToStore, type YumPublishResult } from './publish-yum-store.js';

// Part of this module's public surface.
export { YUM_KEY_FILE } from './yum-key.js';
export { yumClientSetup, type YumPublishResult } from './publish-yum-store.js';

/** Where and how to publish; publish.ts holds the repository lock and loads the signer. */
export interface YumPublishOptions {
  /** DIR given to --repo; only DIR/yum is written. */
  repoDir: string;
  /** Channel name: the repository at DIR/yum/<suite>/ (stable, staging, production...). */
  suite: string;
  signer: Signer;
  /** repomd.xml revision and timestamps; file time of rpms added to the channel. */
  now: Date;
  /** Keep at most N versions per name+arch in this channel (default all); this run's packages always stay. */
  keep?: number;
}

/** Adds `rpms` to the channel DIR/yum/<suite> and re-signs it. */
export function publishYum(rpms: string[], options: YumPublishOptions): Promise<YumPublishResult> {
  const { repoDir, ...rest } = options;
  return publishYumToStore(rpms, { ...rest, store: new LocalStorage(repoDir) });
}

/**
 * Adds the already-published NAME-VERSION(-RELEASE) of channel `from` (every arch) to channel
 * options.suite: the very same file (a hard link), only metadata re-signed. VERSION is "1.2.3"
 * (the highest release), "1.2.3-2", "1:1.2.3" or the npm version ("1.2.0-beta.1").
 */
export function promoteYum(
  name: string,
  version: string,
  from: string,
  options: YumPublishOptions,
): Promise<YumPublishResult> {
  const { repoDir, ...rest } = options;
  return promoteYumInStore(name, version, from, { ...rest, store: new LocalStorage(repoDir) });
}
