// Reading a repository's objects for check-repo through the read side of the storage interface
// (directory, S3, HTTP): streamed hashing, and packages as local files for the format readers,
// never held whole in memory.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LocalStorage } from '../publish/storage/local-storage.js';
import { checkKey, type RepositoryReader } from '../publish/storage/storage.js';
import { createDecompressor, compressionOfName } from '../util/decompress.js';

/** Size and hex digests of some bytes. */
export interface Digests {
  size: number;
  /** algorithm (sha256, md5, ...) → lowercase hex. */
  hashes: Record<string, string>;
}

/** A Transform that hashes what passes through it. */
function hasher(algorithms: readonly string[]): Transform & { digests(): Digests } {
  const hashes = algorithms.map((a) => [a, createHash(a)] as const);
  let size = 0;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      for (const [, h] of hashes) h.update(chunk);
      done(null, chunk);
    },
  });
  return Object.assign(transform, {
    digests: (): Digests => ({ size, hashes: Object.fromEntries(hashes.map(([a, h]) => [a, h.digest('hex')])) }),
  });
}

/** Streams `key` through the hashes; undefined when it does not exist. */
export async function digestObject(
  reader: RepositoryReader,
  key: string,
  algorithms: readonly string[],
): Promise<Digests | undefined> {
  const object = await reader.getStream(key);
  if (!object) return undefined;
  const hash = hasher(algorithms);
  await pipeline(object.body, hash, async (source: AsyncIterable<Buffer>) => {
    for await (const _chunk of source) {
      // hashed on the way
    }
  });
  return hash.digests();
}

/**
 * Streams `key` (a compressed index: .gz, .xz) through its decompressor and hashes the result:
 * what a client gets out of it. Undefined when it does not exist; throws when it does not decompress.
 */
export async function digestDecompressed(
  reader: RepositoryReader,
  key: string,
  algorithms: readonly string[],
): Promise<Digests | undefined> {
  const compression = compressionOfName(key);
  if (!compression || compression === 'none') throw new Error(`${key} has no known compression suffix`);
  const object = await reader.getStream(key);
  if (!object) return undefined;
  const hash = hasher(algorithms);
  await pipeline(object.body, createDecompressor(compression), hash, async (source: AsyncIterable<Buffer>) => {
    for await (const _chunk of source) {
      // hashed on the way
    }
  });
  return hash.digests();
}

/**
 * Gives `use` a local file holding `key` and its digests: the file itself for a directory, else a
 * temporary copy under `scratch` (streamed to disk while hashed, removed afterwards). Undefined
 * when the key does not exist.
 */
export async function withLocalFile<T>(
  reader: RepositoryReader,
  key: string,
  scratch: string,
  algorithms: readonly string[],
  use: (file: string, digests: Digests) => Promise<T>,
): Promise<{ result: T } | undefined> {
  if (reader instanceof LocalStorage) {
    const file = path.join(reader.location, ...checkKey(key).split('/'));
    const digests = await digestStream(() => createReadStream(file), algorithms).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
        return undefined;
      throw error;
    });
    if (!digests) return undefined;
    return { result: await use(file, digests) };
  }
  const object = await reader.getStream(key);
  if (!object) return undefined;
  const file = path.join(scratch, `${randomBytes(6).toString('hex')}-${path.basename(key)}`);
  try {
    const hash = hasher(algorithms);
    await pipeline(object.body, hash, createWriteStream(file, { mode: 0o600 }));
    return { result: await use(file, hash.digests()) };
  } finally {
    await rm(file, { force: true });
  }
}

async function digestStream(open: () => Readable, algorithms: readonly string[]): Promise<Digests> {
  const hash = hasher(algorithms);
  await pipeline(open(), hash, async (source: AsyncIterable<Buffer>) => {
    for await (const _chunk of source) {
      // hashed on the way
    }
  });
  return hash.digests();
}

/** `key` if it is a plain relative key (what an index may name), else undefined. */
export function safeKey(key: string): string | undefined {
  try {
    return checkKey(key);
  } catch {
    return undefined;
  }
}
