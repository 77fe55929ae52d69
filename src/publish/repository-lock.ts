// The lock of a repository in object storage: one object, pkgapp-publish.lock, created with
// If-None-Match: * (exactly one publisher succeeds) and holding its owner and an expiry. The owner
// refreshes it (If-Match on its ETag) while it works; a lock past its expiry was left by a
// publisher that died and is taken over with If-Match on the ETag read, so two publishers that
// both see it stale cannot both take it. The lock only serialises publishers: the state objects
// are written with If-Match too (apt-state.ts), so even a publisher whose lock expired while it
// stalled cannot overwrite another's update (docs/internals/s3-storage.md#publishing).
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { EXIT_FAILURE, UserError } from '../errors.js';
import { headersFor } from './object-headers.js';
import type { RepositoryStorage } from './storage/storage.js';

export const LOCK_KEY = 'pkgapp-publish.lock';

interface LockBody {
  owner: string;
  /** Milliseconds since the epoch. */
  expires: number;
}

export interface ObjectLockOptions {
  /** How long the lock stays valid without a refresh (default 60 s). */
  ttlMs?: number;
  /** How long to wait for another publisher (default about four minutes; 0: do not wait). */
  waitMs?: number;
  signal?: AbortSignal;
}

/** Takes the lock, waiting for another publisher; returns the release function. */
export async function lockObject(
  store: RepositoryStorage,
  options: ObjectLockOptions = {},
): Promise<() => Promise<void>> {
  const ttl = options.ttlMs ?? 60_000;
  const owner = `${os.hostname()}:${process.pid}:${randomBytes(6).toString('hex')}`;
  const body = () => `${JSON.stringify({ owner, expires: Date.now() + ttl } satisfies LockBody)}\n`;
  const headers = headersFor(LOCK_KEY);
  const deadline = Date.now() + (options.waitMs ?? 240_000);
  let etag: string | undefined;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2_000)) {
    if (options.signal?.aborted) throw options.signal.reason;
    const created = await store.put(LOCK_KEY, body(), { ...headers, condition: { ifNoneMatch: '*' } });
    if (created.ok) {
      etag = created.etag;
      break;
    }
    const current = await store.get(LOCK_KEY);
    if (current && expired(current.body)) {
      const taken = await store.put(LOCK_KEY, body(), { ...headers, condition: { ifMatch: current.etag } });
      if (taken.ok) {
        etag = taken.etag;
        break;
      }
    }
    if (Date.now() >= deadline) {
      throw new UserError(`${store.location} is locked by another publisher that did not finish (${LOCK_KEY})`, {
        code: 'PKGAPP_REPO_LOCKED',
        exitCode: EXIT_FAILURE,
        hint: `Retry when it is done; a lock left by a crashed publisher expires after ${Math.round(ttl / 1000)} seconds`,
      });
    }
    await sleep(delay + Math.floor(Math.random() * delay));
  }
  // Refreshed well before it expires; a failed refresh means another publisher took it over
  // (this one stalled past the expiry): the state's If-Match still protects the repository.
  let refreshing = Promise.resolve();
  const timer = setInterval(
    () => {
      refreshing = refreshing.then(async () => {
        if (etag === undefined) return;
        const result = await store
          .put(LOCK_KEY, body(), { ...headers, condition: { ifMatch: etag } })
          .catch(() => undefined);
        etag = result?.ok ? result.etag : undefined;
      });
    },
    Math.max(1_000, Math.floor(ttl / 4)),
  );
  timer.unref();
  return async () => {
    clearInterval(timer);
    await refreshing;
    // Delete only a lock that is still this publisher's.
    const current = await store.get(LOCK_KEY).catch(() => undefined);
    if (current && ownerOf(current.body) === owner) await store.delete(LOCK_KEY);
  };
}

function expired(body: Buffer): boolean {
  try {
    const lock = JSON.parse(body.toString('utf8')) as Partial<LockBody>;
    return typeof lock.expires !== 'number' || lock.expires < Date.now();
  } catch {
    return true; // unreadable: not a lock any live publisher wrote
  }
}

function ownerOf(body: Buffer): string | undefined {
  try {
    return (JSON.parse(body.toString('utf8')) as Partial<LockBody>).owner;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
