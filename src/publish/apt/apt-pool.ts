// The .debs under DIR/apt/pool/: an incoming file's stanza and pool path, copying it in whole
// (temporary name, then rename), and removing files no suite lists any more.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fieldValue, readDeb } from '../../deb/read-deb.js';
import { UserError } from '../../errors.js';
import { atomicFile } from '../../util/atomic-output.js';
import { referenced, type Archive, type Incoming } from './apt-archive.js';
import { packageStanza, type PoolFile } from './packages-index.js';
import { crashPoints } from '../../util/crash-point.js';

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
 * Copies a .deb into the pool (temporary name, then rename) unless the same bytes are there.
 * A pool file no suite lists (left by an interrupted publish) is checked and may be replaced;
 * a listed one has the same SHA256 (checkConflicts) and is only replaced if its size is wrong.
 */
export async function copyToPool({ file, stanza }: Incoming, root: string, listed: Set<string>): Promise<void> {
  const target = path.join(root, stanza.filename);
  const present = await stat(target).then(
    (s) => s.size,
    () => -1,
  );
  if (present === stanza.size && (listed.has(stanza.filename) || (await hashFile(target)).sha256 === stanza.sha256))
    return;
  await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
  const out = atomicFile(target);
  try {
    await copyFile(file, out.tmpPath);
    await chmod(out.tmpPath, 0o644);
    await out.commit();
  } catch (error) {
    await out.abort();
    throw error;
  }
}

/** Every .deb in the pool directories of `incoming` (a package's versions: bounded by the change, not the pool). */
export async function poolNeighbours(root: string, incoming: readonly Incoming[]): Promise<string[]> {
  const dirs = new Set(incoming.map((i) => path.posix.dirname(i.stanza.filename)));
  const found: string[] = [];
  for (const dir of dirs)
    for (const name of await readdir(path.join(root, dir)).catch(() => [] as string[]))
      if (name.endsWith('.deb') && !name.startsWith('.')) found.push(`${dir}/${name}`);
  return found;
}

/** Deletes dropped pool files that no suite lists any more, and the directories they leave empty. */
export async function removeUnreferenced(root: string, dropped: readonly string[], archive: Archive): Promise<void> {
  const listed = referenced(archive);
  for (const filename of dropped) {
    if (listed.has(filename)) continue;
    await crashPoints(`delete ${filename}`, () => rm(path.join(root, filename), { force: true }));
    for (let dir = path.dirname(filename); dir !== 'pool' && dir !== '.'; dir = path.dirname(dir)) {
      if (
        !(await rmdir(path.join(root, dir)).then(
          () => true,
          () => false,
        ))
      )
        break;
    }
  }
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
