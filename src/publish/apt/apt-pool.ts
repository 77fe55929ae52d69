// The .debs under DIR/apt/pool/: an incoming file's stanza and pool path, copying it in whole
// (temporary name, then rename), and removing files no suite lists any more.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { fieldValue, readDeb } from '../../deb/read-deb.js';
import { UserError } from '../../errors.js';
import { headersFor } from '../object-headers.js';
import { mapBounded, PARALLEL_UPLOADS, type RepositoryStorage } from '../storage/storage.js';
import { referenced, type Archive, type Incoming } from './apt-archive.js';
import { packageStanza, type PoolFile } from './packages-index.js';

const NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const VERSION = /^(\d+:)?[0-9][A-Za-z0-9.+~-]*$/;
const ARCH = /^[a-z0-9][a-z0-9-]*$/;

/** Reads a .deb's control stanza and digests; its pool path follows from name, version and arch. */
export async function describeDeb(file: string, component: string): Promise<Incoming> {
  const info = await readDeb(file);
  const get = (name: string, pattern: RegExp): string => {
    const value = fieldValue(info.fields, name) ?? '';
    if (!pattern.test(value))
      throw new UserError(`${file}: control field ${name} ${value ? `"${value}" is invalid` : 'is missing'}`, {
        code: 'PKGAPP_DEB_INVALID',
        hint: 'Publish .debs built by pkgapp build (or dpkg-deb) with valid Package, Version and Architecture fields',
      });
    return value;
  };
  const name = get('Package', NAME);
  const version = get('Version', VERSION);
  const arch = get('Architecture', ARCH);
  const prefix = name.startsWith('lib') && name.length > 3 ? name.slice(0, 4) : name[0]!;
  const filename = `pool/${component}/${prefix}/${name}/${name}_${version.replace(/^\d+:/, '')}_${arch}.deb`;
  const digests = await hashFile(file);
  return { file, stanza: packageStanza(info.fields, { filename, ...digests }, file) };
}

/**
 * Uploads a .deb into the pool unless a listed copy of the right size is there. A pool object no
 * suite lists (left by an interrupted publish) is simply replaced: the bytes are this run's.
 * A listed one has the same SHA256 (checkConflicts) and is only replaced if its size is wrong.
 */
export async function copyToPool(
  store: RepositoryStorage,
  { file, stanza }: Incoming,
  listed: Set<string>,
): Promise<void> {
  const key = `apt/${stanza.filename}`;
  if (listed.has(stanza.filename) && (await store.head(key))?.size === stanza.size) return;
  const result = await store.putFile(key, file, headersFor(key));
  if (!result.ok) throw new Error(`${store.location}: unconditional upload of ${key} refused (a bug in pkgapp)`);
}

/** Deletes dropped pool files that no suite lists any more. */
export async function removeUnreferenced(
  store: RepositoryStorage,
  dropped: readonly string[],
  archive: Archive,
): Promise<void> {
  const listed = referenced(archive);
  await mapBounded(
    [...new Set(dropped)].filter((f) => !listed.has(f)),
    PARALLEL_UPLOADS,
    (filename) => store.delete(`apt/${filename}`),
  );
}

/**
 * Pool files in the pool directories of `incoming` (one package's versions each: bounded by the
 * change, never a listing of the pool or the bucket) that no suite lists. A publish killed after
 * its state was saved and before its deletes (--keep) leaves such a file, and so does one killed
 * after uploading a version it never listed; the dropped list of the next publish (computed from
 * the state) no longer names them (docs/internals/publish-crash-safety.md).
 */
export async function poolOrphans(
  store: RepositoryStorage,
  incoming: readonly Incoming[],
  archive: Archive,
): Promise<string[]> {
  const listed = referenced(archive);
  const incomingFiles = new Set(incoming.map((i) => i.stanza.filename));
  const dirs = [...new Set(incoming.map((i) => i.stanza.filename.slice(0, i.stanza.filename.lastIndexOf('/') + 1)))];
  const orphans: string[] = [];
  for (const dir of dirs.sort())
    for await (const key of store.listKeys(`apt/${dir}`)) {
      const filename = key.slice('apt/'.length);
      // Only .debs directly in the package's directory: a package whose name extends this one
      // lives in a directory of its own, never below this one.
      if (filename.lastIndexOf('/') + 1 !== dir.length || !filename.endsWith('.deb')) continue;
      if (!listed.has(filename) && !incomingFiles.has(filename)) orphans.push(filename);
    }
  return orphans;
}

/** Size, MD5, SHA1, SHA256 and SHA512 of a file in one streaming pass. */
async function hashFile(file: string): Promise<Omit<PoolFile, 'filename'>> {
  const hashes = ['md5', 'sha1', 'sha256', 'sha512'].map((a) => createHash(a));
  let size = 0;
  await pipeline(createReadStream(file), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      size += chunk.length;
      for (const h of hashes) h.update(chunk);
    }
  });
  const [md5, sha1, sha256, sha512] = hashes.map((h) => h.digest('hex')) as [string, string, string, string];
  return { size, md5, sha1, sha256, sha512 };
}
