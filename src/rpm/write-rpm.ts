// Writes an .rpm without rpmbuild. Pass 1 streams the cpio payload through the compressor into a
// scratch file, hashing every file (sha256) and the compressed bytes; pass 2 reads header +
// payload for the MD5 and the signatures; pass 3 writes lead, signature header, header, payload.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Manifest } from '../manifest/manifest.js';
import type { Signer } from '../sign/signer.js';
import type { WriteProgress } from '../formats.js';
import { rpmVersion } from '../manifest/versions.js';
import { atomicFile, scratchFile, type PendingFile } from '../util/atomic-output.js';
import { createCompressor, type Compression } from '../util/compression.js';
import { fileChunks, SMALL_FILE } from '../util/file-chunks.js';
import { writeHashed } from '../util/write-hashed.js';
import { coalesce } from '../util/coalesce.js';
import { cpioPadding, encodeCpioHeader, encodeCpioTrailer } from './cpio.js';
import { encodeHeader, encodeLead, h, signaturePadding } from './header.js';
import { mainHeaderEntries } from './header-sections.js';
import type { RpmFile } from './rpm-files.js';
import type { RpmScriptName } from './scriptlets.js';
import { SIGTAG, TAG } from './tags.js';

export interface RpmWriteInput {
  outFile: string;
  manifest: Manifest;
  arch: string;
  files: readonly RpmFile[];
  scripts: Partial<Record<RpmScriptName, string>>;
  compression: Compression;
  level: number;
  signer?: Signer;
  progress?: WriteProgress;
}

export interface RpmWriteResult extends PendingFile {
  path: string;
  size: number;
  sha256: string;
}

const FOUR_GIB = 2 ** 32;
/** Lead archnum (rpmrc arch_canon); rpm 4.18 ignores it, older tools display it. */
const ARCHNUM: Record<string, number> = { noarch: 1, x86_64: 1, i686: 1, aarch64: 19, ppc64le: 16, s390x: 15 };
/** rpmbuild leaves this much room in the signature header so rpmsign can sign in place. */
const RESERVED_SPACE = 4128;

/**
 * Writes the package under a temporary name; the caller commits it (renames it into place) once
 * every package of the build is written, or aborts it. On failure nothing is left behind.
 */
export async function writeRpm(input: RpmWriteInput): Promise<RpmWriteResult> {
  const payload = scratchFile(path.dirname(input.outFile), `${path.basename(input.outFile)}.payload`);
  const out = atomicFile(input.outFile);
  try {
    // Pass 1: cpio → compressor → scratch file.
    const digests: string[] = [];
    let cpioSize = 0;
    const payloadSha = createHash('sha256');
    await pipeline(
      coalesce(cpioStream(input.files, input.manifest.buildTime, digests, (n) => (cpioSize += n), input.progress)),
      createCompressor(input.compression, input.level),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          payloadSha.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(payload.tmpPath),
    );

    const header = encodeHeader(TAG.HEADERIMMUTABLE, mainHeaderEntries({ ...input, digests, payloadDigest: payloadSha.digest('hex') }));
    const payloadSize = (await stat(payload.tmpPath)).size;
    const lead = encodeLead(`${input.manifest.name}-${rpmNevr(input)}`, ARCHNUM[input.arch] ?? 1);

    // Pass 2: read header + payload once for the MD5 and, when signing, the header+payload
    // signature; the header-only signature needs just the header.
    const md5 = createHash('md5');
    const headerAndPayload = async function* () {
      yield header;
      for await (const chunk of createReadStream(payload.tmpPath, { highWaterMark: SMALL_FILE })) yield chunk as Buffer;
    };
    const hashed = async function* () {
      for await (const chunk of headerAndPayload()) {
        md5.update(chunk);
        yield chunk;
      }
    };
    let signatures: RpmSignatures | undefined;
    if (input.signer) {
      const [headerSig, packageSig] = [await input.signer.signDetached(header), await input.signer.signDetached(hashed())];
      signatures = { algorithm: input.signer.algorithm, header: headerSig, headerAndPayload: packageSig };
    } else {
      for await (const chunk of hashed()) void chunk;
    }
    const signature = signatureHeader(header, payloadSize, cpioSize, md5.digest(), signatures);

    // Pass 3: the file itself, hashed as it is written.
    const written = await writeHashed(
      out.tmpPath,
      (async function* () {
        yield* [lead, signature, signaturePadding(signature.length)];
        yield* headerAndPayload();
      })(),
    );
    return { path: input.outFile, ...written, commit: out.commit, abort: out.abort };
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

/** OpenPGP signatures over the main header, and over header + payload (formats.md §2.4). */
interface RpmSignatures {
  algorithm: Signer['algorithm'];
  header: Buffer;
  headerAndPayload: Buffer;
}

/**
 * The signature header (§2.4): what rpm 4.18 checks without a key — SHA1 and SHA256 of the main
 * header, MD5 of header + payload, their sizes (64-bit tags past 4 GiB) — and, when signing, the
 * header signature (268 RSA / 267 EdDSA) and header+payload signature (1002 RSA / 1005 EdDSA).
 */
function signatureHeader(header: Buffer, payloadSize: number, cpioSize: number, md5: Buffer, signatures?: RpmSignatures): Buffer {
  const total = header.length + payloadSize;
  const signed = signatures === undefined ? [] : signatures.algorithm === 'rsa'
    ? [h.bin(SIGTAG.RSAHEADER, signatures.header), h.bin(SIGTAG.PGP, signatures.headerAndPayload)]
    : [h.bin(SIGTAG.DSAHEADER, signatures.header), h.bin(SIGTAG.GPG, signatures.headerAndPayload)];
  return encodeHeader(SIGTAG.HEADERSIGNATURES, [
    ...signed,
    h.string(SIGTAG.SHA1HEADER, createHash('sha1').update(header).digest('hex')),
    h.string(SIGTAG.SHA256HEADER, createHash('sha256').update(header).digest('hex')),
    total >= FOUR_GIB ? h.int64(SIGTAG.LONGSIGSIZE, [total]) : h.int32(SIGTAG.SIZE, [total]),
    h.bin(SIGTAG.MD5, md5),
    cpioSize >= FOUR_GIB ? h.int64(SIGTAG.LONGARCHIVESIZE, [cpioSize]) : h.int32(SIGTAG.PAYLOADSIZE, [cpioSize]),
    // Room for rpmsign to add a signature in place; a package pkgapp signed does not need it.
    ...(signatures ? [] : [h.bin(SIGTAG.RESERVEDSPACE, Buffer.alloc(RESERVED_SPACE))]),
  ]);
}

/** The cpio newc archive: one entry per listed file, in header order, every file hashed. */
async function* cpioStream(files: readonly RpmFile[], mtime: number, digests: string[], count: (n: number) => void, progress?: WriteProgress): AsyncGenerator<Buffer> {
  const regular = files.filter((f) => f.entry.kind === 'file');
  progress?.start(regular.length, regular.reduce((sum, f) => sum + f.size, 0));
  let offset = 0;
  const emit = (buf: Buffer) => {
    offset += buf.length;
    count(buf.length);
    return buf;
  };
  for (const [i, file] of files.entries()) {
    yield emit(encodeCpioHeader({ ino: i + 1, mode: file.mode, size: file.size, mtime, name: `.${file.path}` }, offset));
    if (file.entry.kind === 'symlink') {
      yield emit(Buffer.from(file.entry.target));
      digests.push('');
    } else if (file.entry.kind === 'file') {
      const sha = createHash('sha256');
      for await (const chunk of fileChunks(file.entry)) {
        sha.update(chunk);
        yield emit(chunk);
      }
      digests.push(sha.digest('hex'));
      progress?.file(file.size);
    } else {
      digests.push('');
    }
    yield emit(cpioPadding(offset));
  }
  yield emit(encodeCpioTrailer(offset));
}
