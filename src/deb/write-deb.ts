// Writes a .deb in one streaming pass: data.tar.* to a scratch file (hashing every file), then
// control.tar.gz, then the ar container around both, under a temporary name renamed at the end.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { ContentEntry, FileEntry } from '../contents/content-entry.js';
import type { Signer } from '../sign/signer.js';
import type { WriteProgress } from '../formats.js';
import { atomicFile, scratchFile, type PendingFile } from '../util/atomic-output.js';
import { compressionSuffix, createCompressor, type Compression } from '../util/compression.js';
import { fileChunks, SMALL_FILE } from '../util/file-chunks.js';
import { writeHashed } from '../util/write-hashed.js';
import { coalesce } from '../util/coalesce.js';
import { AR_MAGIC, arPadding, encodeArHeader } from './ar.js';
import { encodeTarHeader, tarPadding, tarTrailer, type TarHeaderFields } from './tar-header.js';

export interface DebWriteInput {
  /** Final path of the .deb. */
  outFile: string;
  entries: readonly ContentEntry[];
  /** control file text; md5sums and conffiles are added here. */
  control: string;
  scripts: Partial<Record<string, string>>;
  compression: Compression;
  level: number;
  /** mtime of every member (SOURCE_DATE_EPOCH). */
  mtime: number;
  /** Adds a debsigs origin signature (_gpgorigin) when given. */
  signer?: Signer;
  progress?: WriteProgress;
}

export interface DebWriteResult extends PendingFile {
  path: string;
  size: number;
  sha256: string;
}

/**
 * Writes the package under a temporary name; the caller commits it (renames it into place) once
 * every package of the build is written, or aborts it. On failure nothing is left behind.
 */
export async function writeDeb(input: DebWriteInput): Promise<DebWriteResult> {
  const dataName = `data.tar${compressionSuffix(input.compression)}`;
  const data = scratchFile(path.dirname(input.outFile), `${path.basename(input.outFile)}.${dataName}`);
  const out = atomicFile(input.outFile);
  try {
    const md5sums: string[] = [];
    const files = input.entries.filter((e) => e.kind === 'file');
    input.progress?.start(files.length, files.reduce((sum, e) => sum + (e.kind === 'file' ? e.size : 0), 0));
    await pipeline(
      coalesce(tarStream(input.entries, input.mtime, (entry, md5) => {
        if (!entry.conffile) md5sums.push(`${md5}  ${entry.path}\n`); // dpkg tracks conffile hashes itself
        input.progress?.file(entry.size);
      })),
      createCompressor(input.compression, input.level),
      createWriteStream(data.tmpPath),
    );
    const conffiles = input.entries.filter((e) => e.kind === 'file' && e.conffile).map((e) => `/${e.path}\n`);
    const control = await controlTarGz(input, md5sums.join(''), conffiles.join(''));
    const dataSize = (await stat(data.tmpPath)).size;
    const debianBinary = Buffer.from('2.0\n');
    const dataChunks = () => createReadStream(data.tmpPath, { highWaterMark: SMALL_FILE }) as AsyncIterable<Buffer>;
    // debsigs' origin signature covers the member data of debian-binary, control and data, in
    // that order, without ar headers or padding (formats.md §6.2).
    const gpgorigin = input.signer
      ? await input.signer.signDetached((async function* () {
          yield debianBinary;
          yield control;
          yield* dataChunks();
        })())
      : undefined;

    const written = await writeHashed(
      out.tmpPath,
      (async function* () {
        yield* [AR_MAGIC, encodeArHeader('debian-binary', 4, input.mtime), debianBinary,
          encodeArHeader('control.tar.gz', control.length, input.mtime), control, arPadding(control.length),
          encodeArHeader(dataName, dataSize, input.mtime)];
        yield* dataChunks();
        yield arPadding(dataSize);
        // dpkg ignores members after data.tar; debsig-verify reads this one.
        if (gpgorigin) yield* [encodeArHeader('_gpgorigin', gpgorigin.length, input.mtime), gpgorigin, arPadding(gpgorigin.length)];
      })(),
    );
    return { path: input.outFile, ...written, commit: out.commit, abort: out.abort };
  } catch (error) {
    await out.abort();
    throw error;
  } finally {
    await data.abort();
  }
}

/** control.tar.gz: small and bounded, so built in memory. Scripts 0755, data files 0644. */
async function controlTarGz(input: DebWriteInput, md5sums: string, conffiles: string): Promise<Buffer> {
  const members: [string, string, number][] = [['control', input.control, 0o644]];
  if (conffiles) members.push(['conffiles', conffiles, 0o644]);
  members.push(['md5sums', md5sums, 0o644]);
  for (const name of ['preinst', 'postinst', 'prerm', 'postrm']) {
    const script = input.scripts[name];
    if (script !== undefined) members.push([name, script, 0o755]);
  }
  const parts: Buffer[] = [encodeTarHeader({ name: './', type: 'dir', mode: 0o755, size: 0, mtime: input.mtime })];
  for (const [name, text, mode] of members) {
    const body = Buffer.from(text);
    parts.push(encodeTarHeader({ name: `./${name}`, type: 'file', mode, size: body.length, mtime: input.mtime }), body, tarPadding(body.length));
  }
  parts.push(tarTrailer());
  const chunks: Buffer[] = [];
  await pipeline(async function* () { yield Buffer.concat(parts); }, createGzip({ level: 9 }), async function (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}

/** data.tar as a stream of blocks: "./" first, then the sorted entries, every file hashed (md5). */
async function* tarStream(entries: readonly ContentEntry[], mtime: number, onFile: (entry: FileEntry, md5: string) => void): AsyncGenerator<Buffer> {
  yield encodeTarHeader({ name: './', type: 'dir', mode: 0o755, size: 0, mtime });
  for (const entry of entries) {
    const fields: TarHeaderFields = entry.kind === 'dir'
      ? { name: `./${entry.path}/`, type: 'dir', mode: entry.mode, size: 0, mtime }
      : entry.kind === 'symlink'
        ? { name: `./${entry.path}`, type: 'symlink', mode: 0o777, size: 0, mtime, linkname: entry.target }
        : { name: `./${entry.path}`, type: 'file', mode: entry.mode, size: entry.size, mtime };
    yield encodeTarHeader(fields);
    if (entry.kind !== 'file') continue;
    const md5 = createHash('md5');
    for await (const chunk of fileChunks(entry)) {
      md5.update(chunk);
      yield chunk;
    }
    yield tarPadding(entry.size);
    onFile(entry, md5.digest('hex'));
  }
  yield tarTrailer();
}
