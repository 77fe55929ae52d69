// The digests an rpm stores about itself, checked in one streaming pass over the file: the header
// SHA256 and SHA1 of the signature header, the payload digest of the main header and the
// header+payload size (what `rpm -K --nosignature` checks). The same pass hashes the whole file
// (a yum pkgid).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { UserError } from '../errors.js';
import { headerNumber, headerString, headerStrings, signatureOf, type RpmFileInfo } from './read-rpm.js';
import { SIGTAG, TAG } from './tags.js';

/** PGPHASHALGO_SHA256 (rpmpgp.h): the only payload digest algorithm checked. */
const PAYLOAD_SHA256 = 8;

/** One digest the package stores, compared with the bytes on disk. */
export interface RpmDigestCheck {
  /** "header SHA256", "header SHA1" or "payload SHA256". */
  what: string;
  algorithm: 'sha256' | 'sha1';
  valid: boolean;
}

/** What one pass over an rpm finds. */
export interface RpmDigestReport {
  /** sha256 of the whole file. */
  sha256: string;
  /** Bytes read: differs from info.size when the file changed since readRpm. */
  size: number;
  /** One check per digest the package stores, in the order above (the payload only when it is SHA256). */
  checks: RpmDigestCheck[];
  /** Header + payload size the signature header declares (LONGSIGSIZE or SIZE), when it does. */
  declaredSize: number | undefined;
}

/** Reads the file once and compares every stored digest with what it holds (a package read by readRpm). */
export async function checkRpmDigests(info: RpmFileInfo): Promise<RpmDigestReport> {
  const whole = createHash('sha256');
  const headerSha256 = createHash('sha256');
  const headerSha1 = createHash('sha1');
  const payload = createHash('sha256');
  let position = 0;
  for await (const chunk of createReadStream(info.path) as AsyncIterable<Buffer>) {
    whole.update(chunk);
    const start = position;
    position += chunk.length;
    const hs = Math.max(start, info.headerStart);
    const he = Math.min(position, info.headerEnd);
    if (hs < he) {
      headerSha256.update(chunk.subarray(hs - start, he - start));
      headerSha1.update(chunk.subarray(hs - start, he - start));
    }
    if (position > info.headerEnd) payload.update(chunk.subarray(Math.max(0, info.headerEnd - start)));
  }
  const sig = signatureOf(info);
  const payloadIsSha256 = (headerNumber(info, TAG.PAYLOADDIGESTALGO) ?? PAYLOAD_SHA256) === PAYLOAD_SHA256;
  const stored = [
    ['header SHA256', 'sha256', headerString(sig, SIGTAG.SHA256HEADER), headerSha256],
    ['header SHA1', 'sha1', headerString(sig, SIGTAG.SHA1HEADER), headerSha1],
    ['payload SHA256', 'sha256', payloadIsSha256 ? headerStrings(info, TAG.PAYLOADDIGEST)[0] : undefined, payload],
  ] as const;
  const checks: RpmDigestCheck[] = [];
  for (const [what, algorithm, digest, hash] of stored)
    if (digest !== undefined) checks.push({ what, algorithm, valid: digest === hash.digest('hex') });
  const declaredSize = headerNumber(sig, SIGTAG.LONGSIGSIZE) ?? headerNumber(sig, SIGTAG.SIZE);
  return { sha256: whole.digest('hex'), size: position, checks, declaredSize };
}

/**
 * The file's sha256, refusing (PKGAPP_RPM_DAMAGED) a package whose size, stored digests or
 * declared header+payload size do not match: a damaged or truncated upload is never published.
 */
export async function verifiedRpmSha256(info: RpmFileInfo): Promise<string> {
  const report = await checkRpmDigests(info);
  const damaged = (what: string) =>
    new UserError(`${info.path}: ${what}; the file is damaged or was changed after it was built`, {
      code: 'PKGAPP_RPM_DAMAGED',
      hint: 'Rebuild it, or copy it again',
    });
  if (report.size !== info.size) throw damaged('its size changed while it was read');
  const bad = report.checks.find((c) => !c.valid);
  if (bad) throw damaged(`${bad.what} digest does not match`);
  const signed = info.size - info.headerStart;
  if (report.declaredSize !== undefined && report.declaredSize !== signed)
    throw damaged(`header + payload are ${signed} bytes, the signature header says ${report.declaredSize}`);
  return report.sha256;
}
