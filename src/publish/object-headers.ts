// Content-Type and Cache-Control of every object publish writes (docs/internals/s3-storage.md#headers).
// Files whose name says what they hold (pool files, by-hash and checksum-named repodata) never
// change, so caches may keep them a year; the files clients fetch first to learn what is current
// (InRelease, Release*, plain indexes, repomd.xml*, keys, state) must be revalidated every time,
// or a CDN would serve an old InRelease naming indexes that are gone.
import type { PutOptions } from './storage/storage.js';

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';
/** The lock and the state objects are publish's own: never cached anywhere. */
export const PRIVATE = 'no-store';

const TYPES: [RegExp, string][] = [
  [/\.deb$/, 'application/vnd.debian.binary-package'],
  [/\.rpm$/, 'application/x-rpm'],
  [/\.gz$/, 'application/gzip'],
  [/\.xz$/, 'application/x-xz'],
  [/\.(gpg|asc)$|\/RPM-GPG-KEY-[^/]*$/, 'application/pgp-keys'],
  [/\.json$/, 'application/json'],
  [/\.(xml|pol)$/, 'application/xml'],
  [/(^|\/)(InRelease|Release|Packages)$/, 'text/plain; charset=utf-8'],
];

/**
 * Headers for `key`. by-hash files are named by their digest, so their type comes from the index
 * they copy (`like`: e.g. "Packages.xz"); Release.gpg and repomd.xml.asc are signatures, not keys.
 */
export function headersFor(key: string, like?: string): Pick<PutOptions, 'contentType' | 'cacheControl'> {
  const name = like ?? key;
  const contentType = /(Release\.gpg|repomd\.xml\.asc)$/.test(name)
    ? 'application/pgp-signature'
    : (TYPES.find(([pattern]) => pattern.test(name))?.[1] ?? 'application/octet-stream');
  return {
    contentType,
    cacheControl: immutable(key) ? IMMUTABLE : /pkgapp-(state|publish)/.test(key) ? PRIVATE : REVALIDATE,
  };
}

/** Named by content or by a version that never changes: pool files, by-hash and checksum-named repodata. */
function immutable(key: string): boolean {
  return (
    /\.(deb|rpm)$/.test(key) ||
    /\/by-hash\/SHA256\/[0-9a-f]{64}$/.test(key) ||
    /\/repodata\/[0-9a-f]{64}-[a-z_]+\.xml(\.gz|\.zst|\.xz)?$/.test(key)
  );
}
