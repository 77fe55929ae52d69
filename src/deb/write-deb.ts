// Writes a .deb in one streaming pass: data.tar.* to a scratch file (hashing every file), then
// control.tar.gz, then the ar container around both, under a temporary name renamed at the end.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createGzip, gzipSync, type Gzip } from 'node:zlib';
import type { ContentEntry } from '../contents/content-entry.js';
import type { Signer } from '../sign/signer.js';
import type { PackageJob, WriteProgress } from '../package-format.js';
import { atomicFile, checkAborted, scratchFile, type PendingFile } from '../util/atomic-output.js';
import { collectGarbage } from '../util/collect-garbage.js';
import { forEachPiece, OutputFile } from '../util/compress-sink.js';
import { compressionSuffix, type Compression } from '../util/compression.js';
import { copyEntry } from '../util/file-chunks.js';
import { segmentRuns, SegmentedPayload, type SegmentCache } from '../util/payload-segments.js';
import { AR_MAGIC, arPadding, encodeArHeader } from './ar.js';
import { installedKiB } from './control.js';
import { BLOCK, encodeTarHeader, TarHeaderEncoder, tarPadding, tarTrailer } from './tar-header.js';

const READ_CHUNK = 1 << 20;
/** Payloads from this size on leave enough garbage to collect before the next step. */
const LARGE_PAYLOAD = 128 << 20;

export interface DebWriteInput {
  /** Final path of the .deb. */
  outFile: string;
  /** In package order; iterated several times. */
  entries: Iterable<ContentEntry>;
  /**
   * control file text, or a function of the Installed-Size (KiB) giving it (counted in the pass
   * over the entries writeDeb makes anyway); md5sums and conffiles are added here.
   */
  control: string | ((installedSizeKiB: number) => string);
  scripts: Partial<Record<string, string>>;
  compression: Compression;
  level: number;
  /** mtime of every member (SOURCE_DATE_EPOCH). */
  mtime: number;
  /** Adds a debsigs origin signature (_gpgorigin) when given. */
  signer?: Signer;
  progress?: WriteProgress;
  /** Compressed payload segments of earlier builds (payload-segments.ts); the bytes are the same without. */
  segmentCache?: SegmentCache;
}

export interface DebWriteResult extends PendingFile {
  path: string;
  /** Where the package lies until it is committed (pkgapp.releases copies it into the release package). */
  tmpPath: string;
  size: number;
  sha256: string;
  /** Files and symlinks in the data (directories left out). */
  members: number;
}

/**
 * Writes the package under a temporary name; the caller commits it (renames it into place) once
 * every package of the build is written, or aborts it. On failure nothing is left behind.
 */
/** The settings a build job gives every .deb it writes (compression, signing, progress, cache, mtime). */
export function debJobSettings(job: PackageJob, mtime: number) {
  return {
    compression: job.compression,
    level: job.level,
    ...(job.signer ? { signer: job.signer } : {}),
    ...(job.progress ? { progress: job.progress } : {}),
    ...(job.segmentCache ? { segmentCache: job.segmentCache } : {}),
    mtime,
  };
}

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
    let members = 0;
    let installedSize = 0;
    for (const e of input.entries) {
      installedSize += installedKiB(e);
      if (e.kind === 'dir') continue;
      members++;
      if (e.kind !== 'file') continue;
      files++;
      bytes += e.size;
      if (e.conffile)
        conffiles += `/${e.path}\n`; // dpkg tracks conffile hashes itself
      else md5sumsSize += 35 + Buffer.byteLength(e.path);
    }
    input.progress?.start(files, bytes);
    // control.tar.gz is compressed while the data is: its md5sums lines arrive file by file.
    const controlText = typeof input.control === 'string' ? input.control : input.control(installedSize);
    const controlTar = new ControlTar(input, controlText, conffiles, md5sumsSize);
    const dataFile = new OutputFile(data.tmpPath, false);
    try {
      await writeDataTar(input, data.tmpPath, dataFile, controlTar);
    } finally {
      dataFile.close();
    }
    if (bytes >= LARGE_PAYLOAD) collectGarbage(); // the payload's chunk and zlib buffers
    const control = await controlTar.finish();
    const controlSize = control.reduce((sum, piece) => sum + piece.length, 0);
    const dataSize = dataFile.size;
    const debianBinary = Buffer.from('2.0\n');
    const dataChunks = () => createReadStream(data.tmpPath, { highWaterMark: READ_CHUNK }) as AsyncIterable<Buffer>;
    // debsigs' origin signature covers the member data of debian-binary, control and data, in
    // that order, without ar headers or padding (docs/internals/deb-archive.md#origin-signature).
    const gpgorigin = input.signer
      ? await input.signer.signDetached(
          (async function* () {
            yield debianBinary;
            yield* control;
            yield* dataChunks();
          })(),
        )
      : undefined;

    const written = new OutputFile(out.tmpPath, true);
    try {
      for (const part of [
        AR_MAGIC,
        encodeArHeader('debian-binary', 4, input.mtime),
        debianBinary,
        encodeArHeader('control.tar.gz', controlSize, input.mtime),
        ...control,
        arPadding(controlSize),
        encodeArHeader(dataName, dataSize, input.mtime),
      ])
        written.write(part);
      forEachPiece(data.tmpPath, written.write);
      written.write(arPadding(dataSize));
      // dpkg ignores members after data.tar; debsig-verify reads this one.
      if (gpgorigin)
        for (const part of [
          encodeArHeader('_gpgorigin', gpgorigin.length, input.mtime),
          gpgorigin,
          arPadding(gpgorigin.length),
        ])
          written.write(part);
    } finally {
      written.close();
    }
    return {
      path: input.outFile,
      tmpPath: out.tmpPath,
      size: written.size,
      sha256: written.digest(),
      members,
      commit: out.commit,
      abort: out.abort,
      commitReversibly: out.commitReversibly,
    };
  } catch (error) {
    await out.abort();
    throw error;
  } finally {
    await data.abort();
  }
}

/**
 * data.tar through the compressor into the scratch file: "./" first, then the sorted entries,
 * every file hashed into the md5sums of `control`. Segmented (payload-segments.ts): with a cache,
 * a segment compressed before is copied with its md5s.
 */
async function writeDataTar(
  input: DebWriteInput,
  dataPath: string,
  out: OutputFile,
  control: ControlTar,
): Promise<void> {
  const { mtime } = input;
  const payload = new SegmentedPayload({
    kind: 'deb-data-tar',
    compression: input.compression,
    level: input.level,
    out,
    outPath: dataPath,
    digestSize: 16,
    cache: input.segmentCache,
  });
  const headers = new TarHeaderEncoder();
  try {
    let first = true;
    for (const run of segmentRuns(input.entries)) {
      const root = first;
      first = false;
      let files = 0;
      for (const entry of run) if (entry.kind === 'file') files++;
      const digests = await payload.segment(files, async (writer, md5s) => {
        if (root) writer.write(headers.encode({ name: './', type: 'dir', mode: 0o755, size: 0, mtime }));
        let i = 0;
        for (const entry of run) {
          if (entry.kind === 'dir') {
            writer.write(headers.encode({ name: `./${entry.path}/`, type: 'dir', mode: entry.mode, size: 0, mtime }));
          } else if (entry.kind === 'symlink') {
            writer.write(
              headers.encode({
                name: `./${entry.path}`,
                type: 'symlink',
                mode: 0o777,
                size: 0,
                mtime,
                linkname: entry.target,
              }),
            );
          } else {
            writer.write(
              headers.encode({ name: `./${entry.path}`, type: 'file', mode: entry.mode, size: entry.size, mtime }),
            );
            const md5 = md5s && createHash('md5');
            await copyEntry(writer, entry, md5);
            writer.zeros((BLOCK - (entry.size % BLOCK)) % BLOCK);
            if (md5) md5s.set(md5.digest(), 16 * i++);
          }
          if (writer.busy) await writer.drain();
          checkAborted();
        }
      });
      let i = 0;
      for (const entry of run) {
        if (entry.kind !== 'file') continue;
        // dpkg tracks conffile hashes itself
        if (!entry.conffile) control.md5sum(digests.toString('hex', 16 * i, 16 * i + 16), entry.path);
        i++;
        input.progress?.file(entry.size);
      }
      await control.letCompressorRun();
    }
    await payload.segment(0, async (writer) => writer.write(tarTrailer()), false);
    await payload.end();
  } catch (error) {
    payload.abort();
    control.abort();
    throw error;
  }
}

/**
 * control.tar.gz: control, conffiles, md5sums ("<md5 hex>  <path>" for every file but the
 * conffiles), maintainer scripts; scripts 0755, the rest 0644. The md5sums member's size is known
 * before its lines, so the member is written as the data is: with thousands of files, its lines
 * go through zlib on the thread pool in 64 KiB pieces while the data is compressed (gzip -9 of
 * the md5sums took ~0.3 s after the data on the corpus); with few, they are compressed at once
 * at the end. The result stays as zlib's pieces (no join).
 */
class ControlTar {
  private readonly gzip: Gzip | undefined;
  private readonly raw: Buffer[] = [];
  private readonly pieces: Buffer[] = [];
  private readonly ended: Promise<void> | undefined;
  private lines = '';

  constructor(
    private readonly input: DebWriteInput,
    control: string,
    conffiles: string,
    private readonly md5sumsSize: number,
  ) {
    if (md5sumsSize >= 1 << 20) {
      const gzip = createGzip({ level: 9 });
      gzip.on('data', (piece: Buffer) => this.pieces.push(piece));
      this.ended = new Promise((resolve, reject) => {
        gzip.once('end', resolve);
        gzip.once('error', reject);
      });
      this.ended.catch(() => {}); // observed in finish()
      this.gzip = gzip;
    }
    const mtime = input.mtime;
    this.add(encodeTarHeader({ name: './', type: 'dir', mode: 0o755, size: 0, mtime }));
    this.member('control', control, 0o644);
    if (conffiles) this.member('conffiles', conffiles, 0o644);
    this.add(encodeTarHeader({ name: './md5sums', type: 'file', mode: 0o644, size: md5sumsSize, mtime }));
  }

  /** The next md5sums line, in entry order. */
  md5sum(md5: string, path: string): void {
    this.lines += `${md5}  ${path}\n`;
    if (this.lines.length >= 1 << 16) this.flushLines();
  }

  async finish(): Promise<Buffer[]> {
    this.flushLines();
    this.add(tarPadding(this.md5sumsSize));
    for (const name of ['preinst', 'postinst', 'prerm', 'postrm']) {
      const script = this.input.scripts[name];
      if (script !== undefined) this.member(name, script, 0o755);
    }
    this.add(tarTrailer());
    if (!this.gzip) return [gzipSync(Buffer.concat(this.raw), { level: 9 })];
    this.gzip.end();
    await this.ended;
    return this.pieces;
  }

  abort(): void {
    this.gzip?.destroy();
  }

  /**
   * Lets zlib's thread-pool job for the md5sums move on: each piece it finishes needs a turn of
   * the event loop to hand over the next, and a warm build copies cached segments without one
   * (the md5sums were then compressed after the data, ~0.15 s on the corpus with a core idle).
   */
  async letCompressorRun(): Promise<void> {
    if (this.gzip && this.gzip.writableLength > 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  private member(name: string, text: string, mode: number): void {
    const body = Buffer.from(text);
    this.add(encodeTarHeader({ name: `./${name}`, type: 'file', mode, size: body.length, mtime: this.input.mtime }));
    this.add(body);
    this.add(tarPadding(body.length));
  }

  private flushLines(): void {
    if (this.lines) this.add(Buffer.from(this.lines));
    this.lines = '';
  }

  private add(bytes: Buffer): void {
    if (this.gzip) this.gzip.write(bytes);
    else this.raw.push(bytes);
  }
}
