// Writes an .rpm without rpmbuild. Pass 1 streams the cpio payload through the compressor into a
// scratch file, hashing every file (sha256) and the compressed bytes; pass 2 reads header +
// payload for the MD5 and the signatures; pass 3 writes lead, signature header, header, payload.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { Manifest } from '../manifest/manifest.js';
import type { Signer } from '../sign/signer.js';
import type { WriteProgress } from '../package-format.js';
import { rpmVersion } from './rpm-version.js';
import { atomicFile, checkAborted, scratchFile, type PendingFile } from '../util/atomic-output.js';
import { collectGarbage } from '../util/collect-garbage.js';
import { forEachPiece, OutputFile } from '../util/compress-sink.js';
import type { Compression } from '../util/compression.js';
import { copyEntry } from '../util/file-chunks.js';
import { segmentRuns, SegmentedPayload, type SegmentCache } from '../util/payload-segments.js';
import { CpioHeaderEncoder, encodeCpioTrailer } from './cpio.js';
import { encodeHeader, encodeHeaderPieces, encodeLead, h, signaturePadding } from './header.js';
import { mainHeaderEntries } from './header-sections.js';
import type { RpmFileList } from './rpm-files.js';
import type { RpmScriptName } from './scriptlets.js';
import { SIGTAG, TAG } from './tags.js';

export interface RpmWriteInput {
  outFile: string;
  manifest: Manifest;
  arch: string;
  files: RpmFileList;
  scripts: Partial<Record<RpmScriptName, string>>;
  compression: Compression;
  level: number;
  signer?: Signer;
  progress?: WriteProgress;
  /** Compressed payload segments of earlier builds (payload-segments.ts); the bytes are the same without. */
  segmentCache?: SegmentCache;
}

export interface RpmWriteResult extends PendingFile {
  path: string;
  size: number;
  sha256: string;
  /** Where the package lies until it is committed (pkgapp.releases copies it into the release package). */
  tmpPath: string;
}

const FOUR_GIB = 2 ** 32;
/** Lead archnum (rpmrc arch_canon); rpm 4.18 ignores it, older tools display it. */
const ARCHNUM: Record<string, number> = { noarch: 1, x86_64: 1, i686: 1, aarch64: 19, ppc64le: 16, s390x: 15 };
/** rpmbuild leaves this much room in the signature header so rpmsign can sign in place. */
const RESERVED_SPACE = 4128;
const READ_CHUNK = 1 << 20;
/** Payloads from this size on leave enough garbage to collect before the next step. */
const LARGE_PAYLOAD = 128 << 20;

/**
 * Writes the package under a temporary name; the caller commits it (renames it into place) once
 * every package of the build is written, or aborts it. On failure nothing is left behind.
 */
export async function writeRpm(input: RpmWriteInput): Promise<RpmWriteResult> {
  const payload = scratchFile(path.dirname(input.outFile), `${path.basename(input.outFile)}.payload`);
  const out = atomicFile(input.outFile);
  try {
    // Pass 1: cpio → compressor → scratch file.
    const payloadFile = new OutputFile(payload.tmpPath, true);
    let cpio: { digests: Buffer | undefined; size: number };
    try {
      cpio = await writeCpio(input, payload.tmpPath, payloadFile);
    } finally {
      payloadFile.close();
    }
    const cpioSize = cpio.size;
    // The payload's chunk and zlib buffers are garbage now: free them before the header's arrays
    // (tens of MiB with 100k+ files) are built.
    if (input.files.fileBytes >= LARGE_PAYLOAD) collectGarbage();
    // The main header as its pieces (never joined: with 100k+ files it is tens of MiB).
    const header = encodeHeaderPieces(
      TAG.HEADERIMMUTABLE,
      mainHeaderEntries({ ...input, digests: cpio.digests!, payloadDigest: payloadFile.digest() }),
    );
    cpio.digests = undefined; // in the header now, as hex
    const payloadSize = payloadFile.size;
    const lead = encodeLead(`${input.manifest.name}-${rpmNevr(input)}`, ARCHNUM[input.arch] ?? 1);

    // Pass 2: read header + payload once for the MD5 and, when signing, the header+payload
    // signature; the header-only signature needs just the header.
    const md5 = createHash('md5');
    let signatures: RpmSignatures | undefined;
    if (input.signer) {
      const hashed = async function* () {
        for (const piece of header) {
          md5.update(piece);
          yield piece;
        }
        for await (const chunk of createReadStream(payload.tmpPath, { highWaterMark: READ_CHUNK })) {
          md5.update(chunk as Buffer);
          yield chunk as Buffer;
        }
      };
      const [headerSig, packageSig] = [
        await input.signer.signDetached(
          (async function* () {
            yield* header;
          })(),
        ),
        await input.signer.signDetached(hashed()),
      ];
      signatures = { algorithm: input.signer.algorithm, header: headerSig, headerAndPayload: packageSig };
    } else {
      for (const piece of header) md5.update(piece);
      forEachPiece(payload.tmpPath, (piece) => md5.update(piece));
    }
    const signature = signatureHeader(header, payloadSize, cpioSize, md5.digest(), signatures);

    // Pass 3: the file itself, hashed as it is written.
    const written = new OutputFile(out.tmpPath, true);
    try {
      for (const part of [lead, signature, signaturePadding(signature.length), ...header]) written.write(part);
      forEachPiece(payload.tmpPath, written.write);
    } finally {
      written.close();
    }
    return {
      path: input.outFile,
      size: written.size,
      sha256: written.digest(),
      tmpPath: out.tmpPath,
      commit: out.commit,
      abort: out.abort,
      commitReversibly: out.commitReversibly,
    };
  } catch (error) {
    await out.abort();
    throw error;
  } finally {
    await payload.abort();
  }
}

function rpmNevr(input: RpmWriteInput): string {
  const { version, release } = rpmVersion(input.manifest.version, input.manifest.release);
  return `${version}-${release}`;
}

/** OpenPGP signatures over the main header, and over header + payload (docs/internals/rpm-package.md#signature-header). */
interface RpmSignatures {
  algorithm: Signer['algorithm'];
  header: Buffer;
  headerAndPayload: Buffer;
}

/**
 * The signature header (docs/internals/rpm-package.md#signature-header): what rpm 4.18 checks without a key — SHA1 and SHA256 of the main
 * header, MD5 of header + payload, their sizes (64-bit tags past 4 GiB) — and, when signing, the
 * header signature (268 RSA / 267 EdDSA) and header+payload signature (1002 RSA / 1005 EdDSA).
 */
function signatureHeader(
  header: readonly Buffer[],
  payloadSize: number,
  cpioSize: number,
  md5: Buffer,
  signatures?: RpmSignatures,
): Buffer {
  const sha1 = createHash('sha1');
  const sha256 = createHash('sha256');
  let headerSize = 0;
  for (const piece of header) {
    sha1.update(piece);
    sha256.update(piece);
    headerSize += piece.length;
  }
  const total = headerSize + payloadSize;
  const signed =
    signatures === undefined
      ? []
      : signatures.algorithm === 'rsa'
        ? [h.bin(SIGTAG.RSAHEADER, signatures.header), h.bin(SIGTAG.PGP, signatures.headerAndPayload)]
        : [h.bin(SIGTAG.DSAHEADER, signatures.header), h.bin(SIGTAG.GPG, signatures.headerAndPayload)];
  return encodeHeader(SIGTAG.HEADERSIGNATURES, [
    ...signed,
    h.string(SIGTAG.SHA1HEADER, sha1.digest('hex')),
    h.string(SIGTAG.SHA256HEADER, sha256.digest('hex')),
    total >= FOUR_GIB ? h.int64(SIGTAG.LONGSIGSIZE, [total]) : h.int32(SIGTAG.SIZE, [total]),
    h.bin(SIGTAG.MD5, md5),
    cpioSize >= FOUR_GIB ? h.int64(SIGTAG.LONGARCHIVESIZE, [cpioSize]) : h.int32(SIGTAG.PAYLOADSIZE, [cpioSize]),
    // Room for rpmsign to add a signature in place; a package pkgapp signed does not need it.
    ...(signatures ? [] : [h.bin(SIGTAG.RESERVEDSPACE, Buffer.alloc(RESERVED_SPACE))]),
  ]);
}

/**
 * The cpio newc archive through the compressor into `out`: one entry per listed file, in header
 * order, every regular file hashed. Returns the sha256 digests (32 bytes per listed entry) and
 * the archive's size. Segmented (payload-segments.ts): with a cache, a segment compressed before
 * is copied with its digests. The cpio inode numbers count from 1 in each segment, so that a
 * segment's bytes do not depend on how many entries precede it: rpm maps the payload to the
 * header's file list by name and reads no inode from it, and with every c_nlink 1 cpio links
 * nothing by inode either (docs/internals/rpm-package.md, "Payload").
 */
async function writeCpio(
  input: RpmWriteInput,
  outPath: string,
  out: OutputFile,
): Promise<{ digests: Buffer; size: number }> {
  const { files, progress } = input;
  const mtime = input.manifest.buildTime;
  progress?.start(files.files, files.fileBytes);
  const payload = new SegmentedPayload({
    kind: 'rpm-cpio',
    compression: input.compression,
    level: input.level,
    out,
    outPath,
    digestSize: 32,
    cache: input.segmentCache,
  });
  const headers = new CpioHeaderEncoder();
  const digests = Buffer.alloc(32 * files.count);
  try {
    let index = 0;
    for (const run of segmentRuns(files.entries)) {
      let regular = 0;
      for (const entry of run) if (entry.kind === 'file') regular++;
      const segmentDigests = await payload.segment(regular, async (writer, shas) => {
        // Offsets from the segment's start: it starts 4-aligned, as every entry ends so.
        const base = writer.total;
        let ino = 1;
        let f = 0;
        for (const entry of run) {
          writer.write(
            headers.encode(
              { ino: ino++, mode: files.mode(entry), size: files.size(entry), mtime, name: `./${entry.path}` },
              writer.total - base,
            ),
          );
          if (entry.kind === 'symlink') {
            writer.write(Buffer.from(entry.target));
          } else if (entry.kind === 'file') {
            const sha = shas && createHash('sha256');
            await copyEntry(writer, entry, sha);
            if (sha) shas.set(sha.digest(), 32 * f++);
          }
          writer.zeros((4 - ((writer.total - base) % 4)) % 4);
          if (writer.busy) await writer.drain();
          checkAborted();
        }
      });
      let f = 0;
      for (const entry of run) {
        if (entry.kind === 'file') {
          segmentDigests.copy(digests, 32 * index, 32 * f, 32 * f + 32);
          f++;
          progress?.file(entry.size);
        }
        index++;
      }
    }
    await payload.segment(0, async (writer) => writer.write(encodeCpioTrailer(0)), false);
    const size = payload.writer.total;
    await payload.end();
    return { digests, size };
  } catch (error) {
    payload.abort();
    throw error;
  }
}
