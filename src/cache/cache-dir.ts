// Where the build cache lives and how big it may grow: `--cache DIR` / the library's `cache`
// option first, then PKGAPP_CACHE_DIR, then $XDG_CACHE_HOME/pkgapp, then ~/.cache/pkgapp (the XDG
// Base Directory default); `--no-cache` (cache: false) turns it off. The size bound comes from
// the `cacheMaxSize` option or PKGAPP_CACHE_MAX_SIZE ("4G", "500M", bytes), default 4 GiB.
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';

/** The bound on the cache's total size when nothing else is said: room for a few large installed trees. */
export const DEFAULT_CACHE_MAX_BYTES = 4 * 1024 ** 3;

export interface CacheLocation {
  dir: string;
  /** True when the user named the directory (--cache, PKGAPP_CACHE_DIR): an unusable one is an error, not a warning. */
  explicit: boolean;
  maxBytes: number;
}

export interface CacheDirRequest {
  /** --cache DIR (a path, relative to the current directory), or false for --no-cache. */
  cache?: string | false | undefined;
  /** The size bound (bytes, or "4G"-style text); default PKGAPP_CACHE_MAX_SIZE, else DEFAULT_CACHE_MAX_BYTES. */
  maxSize?: number | string | undefined;
  env: NodeJS.ProcessEnv;
  /** The home directory (default os.homedir()). */
  home?: string;
}

/** The cache to use, or undefined when caching is off. */
export function resolveCacheLocation(request: CacheDirRequest): CacheLocation | undefined {
  const { cache, env } = request;
  if (cache === false) return undefined;
  const maxBytes = parseCacheSize(request.maxSize ?? env['PKGAPP_CACHE_MAX_SIZE']);
  if (typeof cache === 'string' && cache !== '') return { dir: path.resolve(cache), explicit: true, maxBytes };
  const named = env['PKGAPP_CACHE_DIR'];
  if (named) return { dir: path.resolve(named), explicit: true, maxBytes };
  // The spec says a relative $XDG_CACHE_HOME is invalid and must be ignored.
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg && path.isAbsolute(xdg)) return { dir: path.join(xdg, 'pkgapp'), explicit: false, maxBytes };
  return { dir: path.join(request.home ?? os.homedir(), '.cache', 'pkgapp'), explicit: false, maxBytes };
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** "4G", "512M", "1.5g", "1000000" → bytes; undefined → the default. */
export function parseCacheSize(value: number | string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_CACHE_MAX_BYTES;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.floor(value);
  const match = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$/i.exec(value) : null;
  if (!match) {
    throw new UserError(`cache size ${JSON.stringify(value)} (cacheMaxSize / PKGAPP_CACHE_MAX_SIZE) is not a size`, {
      code: 'PKGAPP_CACHE_SIZE_INVALID',
      hint: 'Give a number of bytes or a number with K, M, G or T (binary units), e.g. PKGAPP_CACHE_MAX_SIZE=4G',
    });
  }
  return Math.floor(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!);
}
