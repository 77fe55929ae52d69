// The entry points a client reads to learn what is current (InRelease, Release*, repomd.xml*)
// must be revalidated by every cache (docs/repositories.md#cache-rules): a cached old copy names
// indexes that are gone, and apt reports "Hash Sum mismatch". check-repo warns when a store that
// serves headers (S3, HTTP) lets them be cached.
import type { ObjectInfo } from '../publish/storage/storage.js';
import type { Findings } from './findings.js';

/** Longest max-age accepted on an entry point, in seconds (a CDN's short revalidation window). */
const MAX_ENTRY_POINT_AGE = 300;

export function checkEntryPointCaching(findings: Findings, object: ObjectInfo | undefined): void {
  const header = object?.cacheControl?.toLowerCase();
  if (!object || header === undefined) return;
  const directives = header.split(',').map((d) => d.trim());
  if (directives.includes('no-cache') || directives.includes('no-store')) return;
  const maxAge = directives.map((d) => /^(?:s-)?max-age=(\d+)$/.exec(d)?.[1]).find((v) => v !== undefined);
  if (directives.includes('immutable') || (maxAge !== undefined && Number(maxAge) > MAX_ENTRY_POINT_AGE))
    findings.warning(
      object.key,
      `is served with Cache-Control "${object.cacheControl}": caches may hand out an old copy naming files that are gone; use no-cache (docs/repositories.md)`,
    );
}
