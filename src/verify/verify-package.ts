// verify(): checks a .deb's or .rpm's OpenPGP signatures (and an rpm's digests) against public
// keys, streaming the signed ranges from disk, and says which key signed it.
import { createReadStream } from 'node:fs';
import { readArMembers, memberStream } from '../deb/read-deb.js';
import { packageKind } from '../util/package-kind.js';
import { readRpm } from '../rpm/read-rpm.js';
import { SIGTAG } from '../rpm/tags.js';
import { checkRpmDigests } from '../rpm/verify-digests.js';
import { readPublicKeys, verifyDetached, type VerifiedSignature } from '../sign/verify-signature.js';

/** One signature of the package and what verifyDetached found. */
export interface SignatureCheck extends VerifiedSignature {
  /** What the signature covers, e.g. "rpm header", "rpm header+payload", "deb _gpgorigin". */
  covers: string;
}

/** What verify() found about one package. */
export interface VerifyResult {
  file: string;
  format: 'deb' | 'rpm';
  /** True when the package is signed, every signature holds and every digest matches. */
  valid: boolean;
  signatures: SignatureCheck[];
  digests: { covers: string; valid: boolean }[];
  /** Why it does not hold, in one line, when it does not. */
  problem?: string;
}

/** Verifies `file` against the public key(s) in `keyFile`. */
export async function verify(file: string, keyFile: string): Promise<VerifyResult> {
  const keys = await readPublicKeys(keyFile);
  const format = await packageKind(file);
  const result = format === 'deb' ? await verifyDeb(file, keys) : await verifyRpm(file, keys);
  const bad = [...result.signatures.filter((s) => !s.valid).map((s) => `${s.covers} signature: ${s.reason ?? 'bad'}`), ...result.digests.filter((d) => !d.valid).map((d) => `${d.covers} digest mismatch`)];
  if (result.signatures.length === 0) bad.unshift('not signed');
  return { ...result, valid: bad.length === 0, ...(bad.length ? { problem: bad.join('; ') } : {}) };
}

type Keys = Awaited<ReturnType<typeof readPublicKeys>>;

/** Largest _gpgorigin member read (OpenPGP signatures are well under 64 KiB). */
const MAX_SIGNATURE_MEMBER = 1 << 20;

/** debsigs origin signature: over the member data of debian-binary, control.tar.*, data.tar.*. */
async function verifyDeb(file: string, keys: Keys): Promise<Omit<VerifyResult, 'valid'>> {
  const { members } = await readArMembers(file);
  const origin = members.find((m) => m.name === '_gpgorigin');
  if (!origin) return { file, format: 'deb', signatures: [], digests: [] };
  // A detached signature is a few hundred bytes; a huge member is refused, never read into memory.
  if (origin.size > MAX_SIGNATURE_MEMBER) return { file, format: 'deb', signatures: [{ covers: 'deb _gpgorigin', valid: false, keyId: '', reason: `the _gpgorigin member is ${origin.size} bytes, not a detached signature` }], digests: [] };
  const signed = members.filter((m) => m.name === 'debian-binary' || /^(control|data)\.tar/.test(m.name));
  const signature = await readAll(memberStream(file, origin));
  const data = (async function* () {
    for (const m of signed) yield* memberStream(file, m) as AsyncIterable<Buffer>;
  })();
  return { file, format: 'deb', signatures: [{ covers: 'deb _gpgorigin', ...(await verifyDetached(signature, data, keys)) }], digests: [] };
}

/** rpm: header and header+payload signatures, header SHA256 and payload digest (what rpm -K checks). */
async function verifyRpm(file: string, keys: Keys): Promise<Omit<VerifyResult, 'valid'>> {
  const info = await readRpm(file);
  const header = () => range(file, info.headerStart, info.headerEnd);
  const headerAndPayload = () => range(file, info.headerStart, info.size);
  const signatures: SignatureCheck[] = [];
  for (const [tag, covers, data] of [[SIGTAG.RSAHEADER, 'rpm header', header], [SIGTAG.DSAHEADER, 'rpm header', header], [SIGTAG.PGP, 'rpm header+payload', headerAndPayload], [SIGTAG.GPG, 'rpm header+payload', headerAndPayload]] as const) {
    const entry = info.signature.get(tag);
    if (entry && Buffer.isBuffer(entry.value)) signatures.push({ covers, ...(await verifyDetached(entry.value, data(), keys)) });
  }
  // The SHA256 ones (header, payload); the legacy header SHA1 is checked only when publishing.
  const { checks } = await checkRpmDigests(info);
  const digests = checks.filter((c) => c.algorithm === 'sha256').map((c) => ({ covers: `rpm ${c.what}`, valid: c.valid }));
  return { file, format: 'rpm', signatures, digests };
}

/** The bytes [start, end) of `file`; the file is opened only when iteration starts (an unread range holds no descriptor). */
function range(file: string, start: number, end: number): AsyncIterable<Buffer> {
  return (async function* () {
    if (end > start) yield* createReadStream(file, { start, end: end - 1, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
  })();
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return Buffer.concat(parts);
}
