// Decompressors for archive members and repository indexes: zlib in-process for gzip, the
// `xz -dc` and `zstd -dc` programs otherwise (the mirror of util/compression.ts).
import { PassThrough, type Duplex } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { execa } from 'execa';
import type { Compression } from './compression.js';

/** The compression a member or file name announces by its suffix; undefined for unsupported ones (.bz2, .lzma). */
export function compressionOfName(name: string): Compression | undefined {
  if (name.endsWith('.gz')) return 'gzip';
  if (name.endsWith('.xz')) return 'xz';
  if (name.endsWith('.zst')) return 'zstd';
  if (/\.(bz2|lzma|lz4|lz)$/.test(name)) return undefined; // formats pkgapp does not read
  return 'none';
}

/** A streaming decompressor; corrupt input makes the stream fail with the tool's message. */
export function createDecompressor(compression: Compression): Duplex {
  switch (compression) {
    case 'gzip':
      return createGunzip();
    case 'xz':
      return execa('xz', ['--decompress', '--stdout', '--quiet'], { buffer: false }).duplex();
    case 'zstd':
      return execa('zstd', ['--decompress', '--stdout', '--no-progress', '-q'], { buffer: false }).duplex();
    case 'none':
      return new PassThrough();
  }
}
