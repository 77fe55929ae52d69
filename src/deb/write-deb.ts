// Writes a .deb in one streaming pass: data.tar.* to a scratch file (hashing every file), then
// control.tar.gz, then the ar container around both, under a temporary name renamed at the end.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import type { ContentEntry } from '../contents/content-entry.js';
import type { Signer } from '../sign/signer.js';
import type { WriteProgress } from '../formats.js';
import { atomicFile, scratchFile, type PendingFile } from '../util/atomic-output.js';
import { ChunkWriter } from '../util/chunk-writer.js';
import { collectGarbage } from '../util/collect-garbage.js';
import { compressingSink, forEachPiece, OutputFile } from '../util/compress-sink.js';
import { compressionSuffix, type Compression } from '../util/compression.js';
import { copyEntry } from '../util/file-chunks.js';
import { GZIP_CHUNK } from '../util/parallel-gzip.js';
import { AR_MAGIC, arPadding, encodeArHeader } from './ar.js';
import { BLOCK, encodeTarHeader, TarHeaderEncoder, tarPadding, tarTrailer } from './tar-header.js';

const READ_CHUNK = 1 << 20;
/** Payloads from this size on leave enough garbage to collect before the next step. */
const LARGE_PAYLOAD = 128 << 20;

export interface DebWriteInput {
  /** Final path of the .deb. */
  outFile: string;
  /** In package order; iterated several times. */
  entries: Iterable<ContentEntry>;
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
    // One pass for the totals: files and bytes (progress, md5 slots), conffiles, md5sums' size.
    let files = 0;
    let bytes = 0;
    let conffiles = '';
    let md5sumsSize = 0;
    for (const e of input.entries) {
      if (e.kind !== 'file') continue;
      files++;
      bytes += e.size;
      if (e.conffile) conffiles += `/${e.path}\n`; // dpkg tracks conffile hashes itself
      else md5sumsSize += 35 + Buffer.byteLength(e.path);
    }
    input.progress?.start(files, bytes);
    const dataFile = new OutputFile(data.tmpPath, false);
    let md5s: Buffer;
    try {
      md5s = await writeDataTar(input, files, dataFile);
    } finally {
      dataFile.close();
    }
    if (bytes >= LARGE_PAYLOAD) collectGarbage(); // the payload's chunk and zlib buffers, before control.tar.gz is built
    const control = await controlTarGz(input, conffiles, new Md5sums(input.entries, md5s, md5sumsSize));
    const controlSize = control.reduce((sum, piece) => sum + piece.length, 0);
    const dataSize = dataFile.size;
    const debianBinary = Buffer.from('2.0\n');
    const dataChunks = () => createReadStream(data.tmpPath, { highWaterMark: READ_CHUNK }) as AsyncIterable<Buffer>;
    // debsigs' origin signature covers the member data of debian-binary, control and data, in
    // that order, without ar headers or padding (formats.md §6.2).
    const gpgorigin = input.signer
      ? await input.signer.signDetached((async function* () {
          yield debianBinary;
          yield* control;
          yield* dataChunks();
        })())
      : undefined;

    const written = new OutputFile(out.tmpPath, true);
    try {
      for (const part of [AR_MAGIC, encodeArHeader('debian-binary', 4, input.mtime), debianBinary,
        encodeArHeader('control.tar.gz', controlSize, input.mtime), ...control, arPadding(controlSize),
        encodeArHeader(dataName, dataSize, input.mtime)]) written.write(part);
      forEachPiece(data.tmpPath, written.write);
      written.write(arPadding(dataSize));
      // dpkg ignores members after data.tar; debsig-verify reads this one.
      if (gpgorigin) for (const part of [encodeArHeader('_gpgorigin', gpgorigin.length, input.mtime), gpgorigin, arPadding(gpgorigin.length)]) written.write(part);
    } finally {
      written.close();
    }
    return { path: input.outFile, size: written.size, sha256: written.digest(), commit: out.commit, abort: out.abort };
  } catch (error) {
    await out.abort();
    throw error;
  } finally {
    await data.abort();
  }
}

/**
 * data.tar through the compressor into the scratch file: "./" first, then the sorted entries,
 * every file hashed. Returns the md5 digests of the files, 16 bytes each, in entry order.
 */
async function writeDataTar(input: DebWriteInput, count: number, out: OutputFile): Promise<Buffer> {
  const { entries, mtime } = input;
  const writer = new ChunkWriter(GZIP_CHUNK);
  writer.attach(compressingSink(input.compression, input.level, out, writer.release));
  const headers = new TarHeaderEncoder();
  const md5s = Buffer.alloc(16 * count);
  let index = 0;
  try {
    writer.write(headers.encode({ name: './', type: 'dir', mode: 0o755, size: 0, mtime }));
    for (const entry of entries) {
      if (entry.kind === 'dir') {
        writer.write(headers.encode({ name: `./${entry.path}/`, type: 'dir', mode: entry.mode, size: 0, mtime }));
      } else if (entry.kind === 'symlink') {
        writer.write(headers.encode({ name: `./${entry.path}`, type: 'symlink', mode: 0o777, size: 0, mtime, linkname: entry.target }));
      } else {
        writer.write(headers.encode({ name: `./${entry.path}`, type: 'file', mode: entry.mode, size: entry.size, mtime }));
        const md5 = createHash('md5');
        await copyEntry(writer, entry, md5);
        writer.zeros((BLOCK - (entry.size % BLOCK)) % BLOCK);
        md5s.write(md5.digest('binary'), 16 * index++, 'latin1');
        input.progress?.file(entry.size);
      }
      if (writer.busy) await writer.drain();
    }
    writer.write(tarTrailer());
    await writer.end();
  } catch (error) {
    writer.abort();
    throw error;
  }
  return md5s;
}

/**
 * control.tar.gz: control, conffiles, md5sums (one line per file but the conffiles, which dpkg
 * tracks itself), maintainer scripts. Built in memory (compressed, it is small), md5sums
 * rendered in pieces so a huge file list never exists as one string.
 */
async function controlTarGz(input: DebWriteInput, conffiles: string, md5sums: Md5sums): Promise<Buffer[]> {
  const members: [string, string | Md5sums, number][] = [['control', input.control, 0o644]];
  if (conffiles) members.push(['conffiles', conffiles, 0o644]);
  members.push(['md5sums', md5sums, 0o644]);
  for (const name of ['preinst', 'postinst', 'prerm', 'postrm']) {
    const script = input.scripts[name];
    if (script !== undefined) members.push([name, script, 0o755]);
  }
  const mtime = input.mtime;
  function* tar(): Generator<Buffer> {
    yield encodeTarHeader({ name: './', type: 'dir', mode: 0o755, size: 0, mtime });
    for (const [name, body, mode] of members) {
      if (typeof body === 'string') {
        const bytes = Buffer.from(body);
        yield encodeTarHeader({ name: `./${name}`, type: 'file', mode, size: bytes.length, mtime });
        yield bytes;
        yield tarPadding(bytes.length);
      } else {
        yield encodeTarHeader({ name: `./${name}`, type: 'file', mode, size: body.size, mtime });
        yield* body.pieces();
        yield tarPadding(body.size);
      }
    }
    yield tarTrailer();
  }
  // Small (a few thousand files): at once. Large: streamed through zlib on the thread pool.
  if (md5sums.size < 1 << 20) return [gzipSync(Buffer.concat([...tar()]), { level: 9 })];
  const chunks: Buffer[] = [];
  await pipeline(tar, createGzip({ level: 9 }), async function (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) chunks.push(chunk);
  });
  return chunks; // as zlib wrote them: with 100k+ files, joining them would hold MiBs twice
}

/** The md5sums file: "<md5 hex>  <path>\n" for every file but the conffiles. */
class Md5sums {
  constructor(private readonly entries: Iterable<ContentEntry>, private readonly md5s: Buffer, readonly size: number) {}

  *pieces(): Generator<Buffer> {
    let lines = '';
    let index = 0;
    for (const e of this.entries) {
      if (e.kind !== 'file') continue;
      const i = index++;
      if (e.conffile) continue;
      lines += `${this.md5s.toString('hex', 16 * i, 16 * i + 16)}  ${e.path}\n`;
      if (lines.length >= 1 << 16) {
        yield Buffer.from(lines);
        lines = '';
      }
    }
    if (lines) yield Buffer.from(lines);
  }
}
