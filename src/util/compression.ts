// Compressors for archive members: zlib in-process for gzip, the xz and zstd programs otherwise.
import { PassThrough, type Duplex } from 'node:stream';
import { UserError } from '../errors.js';
import { createParallelGzip } from './parallel-gzip.js';
import { filterDuplex } from './spawn-filter.js';

export type Compression = 'gzip' | 'xz' | 'zstd' | 'none';

export const COMPRESSIONS: readonly Compression[] = ['gzip', 'xz', 'zstd', 'none'];

/** File name suffix of a compressed member. */
export function compressionSuffix(compression: Compression): string {
  return { gzip: '.gz', xz: '.xz', zstd: '.zst', none: '' }[compression];
}

/** Default level per compressor: the tools' own defaults (gzip 6, xz 6, zstd 3). */
export function defaultLevel(compression: Compression): number {
  return { gzip: 6, xz: 6, zstd: 3, none: 0 }[compression];
}

/** Checks --level against the compressor's range. */
export function checkLevel(compression: Compression, level: number): number {
  const max = { gzip: 9, xz: 9, zstd: 19, none: 0 }[compression];
  if (!Number.isInteger(level) || level < (compression === 'none' ? 0 : 1) || level > max) {
    throw new UserError(`--level ${level} is out of range for ${compression} (1-${max})`, {
      code: 'PKGAPP_LEVEL_INVALID',
    });
  }
  return level;
}

/**
 * The xz or zstd command line: a fixed thread count, so their block layout, and so the output
 * bytes, do not depend on how many cores the build machine has.
 */
export function compressorCommand(compression: 'xz' | 'zstd', level: number): [string, string[]] {
  return compression === 'xz'
    ? ['xz', ['--compress', '--stdout', `-${level}`, '--threads=2', '--quiet']]
    : ['zstd', ['--compress', '--stdout', `-${level}`, '-T2', '--no-progress', '-q']];
}

/**
 * A streaming compressor on every core: gzip in chunks on the thread pool (parallel-gzip.ts),
 * xz and zstd through their programs (compressorCommand).
 */
export function createCompressor(compression: Compression, level: number): Duplex {
  switch (compression) {
    case 'gzip':
      return createParallelGzip({ level });
    case 'none':
      return new PassThrough();
    default:
      return filterDuplex(...compressorCommand(compression, level));
  }
}
