// publish() and promote(): the library entries behind `pkgapp publish` and `pkgapp promote`.
// Sorts files into the apt and yum sides, holds the repository lock, loads the key once.
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { EXIT_FAILURE, UserError } from '../errors.js';
import { formatOfFile } from '../formats.js';
import { loadSigner, type SignKeySource } from '../sign/openpgp-signer.js';
import type { Signer } from '../sign/signer.js';
import { renderDebsigPolicy } from '../sign/debsig-policy.js';
import { checkAborted, runOperation } from '../util/atomic-output.js';
import { aptClientSetup, promoteApt, publishApt, type AptPublishResult } from './apt/publish-apt.js';
import { headersFor } from './object-headers.js';
import { lockObject } from './repository-lock.js';
import { LocalStorage } from './storage/local-storage.js';
import { openStorage, type S3ConnectionOptions } from './storage/open-storage.js';
import { parseRepoLocation } from './storage/repo-url.js';
import type { RepositoryStorage } from './storage/storage.js';
import {
  promoteYumInStore,
  publishYumToStore,
  yumClientSetup,
  type YumPublishResult,
} from './yum/publish-yum-store.js';

export interface RepositoryOptions {
  /** The repository root, a directory or s3://BUCKET/PREFIX: apt under DIR/apt, yum under DIR/yum. */
  repoDir: string;
  /** For s3:// repositories: endpoint (S3-compatible stores, path-style), region, credentials. */
  s3?: S3ConnectionOptions;
  signKey: SignKeySource;
  /** apt suite and yum channel (default "stable"). */
  suite?: string;
  /** apt component (default "main"). */
  component?: string;
  /** Keep at most this many versions per package in the suite (default: all). */
  keep?: number;
  /** Where clients will reach DIR, for the printed setup (default a placeholder). */
  baseUrl?: string;
  now?: Date;
  /** How long to wait for another publisher's lock, in milliseconds (default: about four minutes). */
  lockTimeout?: number;
  /**
   * Stops the publish while that leaves the repository as it was (reading and checking the
   * packages, waiting for the lock, copying into the pool, preparing the signed metadata):
   * temporary files are removed and the promise rejects with the signal's reason. Once the new
   * metadata is being put in place the publish finishes, so clients never see half an update.
   */
  signal?: AbortSignal;
}

export interface PublishResult {
  apt?: AptPublishResult;
  yum?: YumPublishResult;
  signedBy: string;
  /** What an operator adds on a server: sources line / .repo file. */
  clientSetup: { apt?: string; yum?: string };
}

const PLACEHOLDER_URL = 'https://repo.example.com/pkgapp';

/** Adds .deb files to DIR/apt and .rpm files to DIR/yum, keeping every version. */
export function publish(allFiles: string[], options: RepositoryOptions): Promise<PublishResult> {
  return runOperation(options.signal, () => publishFiles(allFiles, options));
}

async function publishFiles(allFiles: string[], options: RepositoryOptions): Promise<PublishResult> {
  // `publish dist/*` is the usual call: the SBOM pkgapp build writes beside the packages stays out.
  const files = allFiles.filter((f) => !f.endsWith('.cdx.json'));
  if (files.length === 0)
    throw new UserError('nothing to publish: give .deb and/or .rpm files', {
      code: 'PKGAPP_PUBLISH_NO_FILES',
      hint: 'Pass the packages pkgapp build wrote, e.g. pkgapp publish --repo DIR dist/*',
    });
  const sides = await repositorySides(files);
  const debs = sides.get('apt') ?? [];
  const rpms = sides.get('yum') ?? [];
  return withRepository(options, async (signer, common) => {
    const result: PublishResult = { signedBy: signer.keyId, clientSetup: {} };
    if (debs.length) {
      result.apt = await publishApt(debs, { ...common, component: options.component ?? 'main' });
      await writeDebsigPolicy(common.store, signer);
      result.clientSetup.apt = aptClientSetup(
        options.baseUrl ?? PLACEHOLDER_URL,
        common.suite,
        options.component ?? 'main',
      );
    }
    if (rpms.length) {
      result.yum = await publishYumToStore(rpms, common);
      result.clientSetup.yum = yumClientSetup(options.baseUrl ?? PLACEHOLDER_URL, common.suite);
    }
    return result;
  });
}

/** The repositories publish keeps, by the name a format gives in PackageFormat.repository. */
const REPOSITORIES = ['apt', 'yum'];

/** The files by repository, each routed by its format; a file no repository here takes is refused, never dropped. */
async function repositorySides(files: string[]): Promise<Map<string, string[]>> {
  const formats = await Promise.all(files.map(formatOfFile));
  const sides = new Map<string, string[]>();
  for (const [i, format] of formats.entries()) {
    const repository = format.repository;
    if (repository === undefined || !REPOSITORIES.includes(repository)) {
      throw new UserError(
        `${files[i]}: pkgapp cannot publish ${format.target} packages: it keeps ${REPOSITORIES.join(' and ')} repositories${repository === undefined ? '' : `, not ${repository}`}`,
        {
          code: 'PKGAPP_PUBLISH_FORMAT_UNSUPPORTED',
          hint: 'Publish the .deb and .rpm files only, and put the others where their users fetch them',
        },
      );
    }
    sides.set(repository, [...(sides.get(repository) ?? []), files[i]!]);
  }
  return sides;
}

/** Copies NAME=VERSION from suite `from` to options.suite in both repositories, re-signing only metadata. */
export function promote(
  name: string,
  version: string,
  from: string,
  options: RepositoryOptions,
): Promise<PublishResult> {
  return runOperation(options.signal, () =>
    withRepository(options, async (signer, common) => {
      const result: PublishResult = { signedBy: signer.keyId, clientSetup: {} };
      const notFound: string[] = [];
      const attempt = async <T>(side: string, run: () => Promise<T>): Promise<T | undefined> => {
        try {
          return await run();
        } catch (error) {
          if ((error as UserError).code === 'PKGAPP_PROMOTE_NOT_FOUND') {
            notFound.push(side);
            return undefined;
          }
          throw error;
        }
      };
      const apt = await attempt('apt', () =>
        promoteApt(name, version, from, { ...common, component: options.component ?? 'main' }),
      );
      const yum = await attempt('yum', () => promoteYumInStore(name, version, from, common));
      if (!apt && !yum) {
        throw new UserError(
          `${name}=${version} is not published in suite "${from}" of ${options.repoDir} (looked in ${notFound.join(' and ')})`,
          {
            code: 'PKGAPP_PROMOTE_NOT_FOUND',
            hint: `Check the name and version, or publish it to that suite first: pkgapp publish --repo ${options.repoDir} --suite ${from} FILE...`,
          },
        );
      }
      if (apt) {
        result.apt = apt;
        result.clientSetup.apt = aptClientSetup(
          options.baseUrl ?? PLACEHOLDER_URL,
          common.suite,
          options.component ?? 'main',
        );
      }
      if (yum) {
        result.yum = yum;
        result.clientSetup.yum = yumClientSetup(options.baseUrl ?? PLACEHOLDER_URL, common.suite);
      }
      return result;
    }),
  );
}

/** What both sides get: where the repository is, the key, and the shared options. */
interface Common {
  store: RepositoryStorage;
  suite: string;
  signer: Signer;
  now: Date;
  keep?: number;
}

/** Loads the key, then runs `work` holding the repository's lock (another publisher waits). */
async function withRepository<T>(
  options: RepositoryOptions,
  work: (signer: Signer, common: Common) => Promise<T>,
): Promise<T> {
  const suite = checkSuite(options.suite ?? 'stable');
  if (options.keep !== undefined && (!Number.isInteger(options.keep) || options.keep < 1)) {
    throw new UserError(`--keep ${options.keep} must be a whole number of versions, at least 1`, {
      code: 'PKGAPP_KEEP_INVALID',
      hint: 'e.g. keep 5 keeps the five highest versions of each package; leave it out to keep every version',
    });
  }
  const location = parseRepoLocation(options.repoDir);
  const signer = await loadSigner(options.signKey);
  let store: RepositoryStorage;
  let release: () => Promise<void>;
  if (location.kind === 'directory') {
    const repoDir = path.resolve(location.dir);
    try {
      await mkdir(repoDir, { recursive: true });
      await access(repoDir, constants.W_OK);
    } catch (error) {
      throw new UserError(
        `--repo ${options.repoDir}: cannot be created or written (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
        { code: 'PKGAPP_REPO_UNWRITABLE', hint: 'Give a directory pkgapp can create and write', cause: error },
      );
    }
    const local = new LocalStorage(repoDir);
    store = local;
    release = await lockRepository(repoDir, options.lockTimeout, options.signal);
    // Holding the lock: temporaries and key locks left here are a killed publisher's. An object
    // store has none (every upload is one PutObject, never multipart; the lock object is taken
    // over by its expiry): docs/internals/publish-crash-safety.md.
    try {
      await local.removeCrashLeftovers();
    } catch (error) {
      await release();
      throw error;
    }
  } else {
    store = await openStorage(location, options.s3);
    release = await lockObject(store, {
      ...(options.lockTimeout !== undefined ? { waitMs: options.lockTimeout } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }
  try {
    checkAborted();
    return await work(signer, {
      store,
      suite,
      signer,
      now: options.now ?? new Date(),
      ...(options.keep !== undefined ? { keep: options.keep } : {}),
    });
  } finally {
    await release();
  }
}

/**
 * Takes the repository's lock, waiting for another publisher (an abort stops the wait). A
 * mkdir-based lock with a heartbeat: a crashed publisher's lock goes stale after 30 s.
 * proper-lockfile is loaded here, not with the library: it hooks the process's signals and exit
 * (through signal-exit, to release its locks), which only a publish needs.
 */
async function lockRepository(
  repoDir: string,
  lockTimeout: number | undefined,
  signal: AbortSignal | undefined,
): Promise<() => Promise<void>> {
  const { default: lockfile } = await import('proper-lockfile');
  const retries =
    lockTimeout === undefined
      ? { retries: 120, minTimeout: 250, maxTimeout: 2_000 }
      : { retries: lockTimeout > 0 ? 1_000 : 0, minTimeout: 250, maxTimeout: 2_000, maxRetryTime: lockTimeout };
  const locking = lockfile.lock(repoDir, {
    lockfilePath: path.join(repoDir, '.pkgapp-publish.lock'),
    stale: 30_000,
    update: 5_000,
    retries,
  });
  let release: () => Promise<void>;
  try {
    release = await untilAborted(locking, signal);
  } catch (error) {
    if (signal?.aborted) {
      // Taken after all, once nobody waits for it: give it back at once.
      locking.then(
        (late) => late(),
        () => {},
      );
      throw signal.reason;
    }
    throw new UserError(`${repoDir} is locked by another publisher that did not finish`, {
      code: 'PKGAPP_REPO_LOCKED',
      exitCode: EXIT_FAILURE,
      hint: 'Retry when it is done; a lock left by a crashed publisher expires after 30 seconds',
      cause: error,
    });
  }
  return release;
}

/** `promise`, or the abort reason as soon as `signal` fires. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    // The abort reason is the caller's, passed on as it is (as Node's own APIs do).
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** DIR/apt/debsig/KEYID/pkgapp.pol: the policy operators install to check .deb signatures (docs/repositories.md). */
async function writeDebsigPolicy(store: RepositoryStorage, signer: Signer): Promise<void> {
  const key = `apt/debsig/${signer.keyId}/pkgapp.pol`;
  const policy = renderDebsigPolicy(signer.keyId);
  if ((await store.get(key))?.body.toString('utf8') !== policy) await store.put(key, policy, headersFor(key));
}

/** Suite and channel names become directory names: keep them plain. */
function checkSuite(suite: string): string {
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(suite)) {
    throw new UserError(`suite "${suite}" must be letters, digits, ".", "_" or "-"`, {
      code: 'PKGAPP_SUITE_INVALID',
      hint: 'Give --suite (promote: --to) a plain name such as stable, staging or production',
    });
  }
  return suite;
}
