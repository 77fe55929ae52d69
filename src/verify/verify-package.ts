// verify(): checks a package's OpenPGP signatures (and an rpm's digests) against public keys,
// through its format's reader, and says which key signed it.
import { formatOfFile } from '../formats.js';
import { readPublicKeys } from '../sign/verify-signature.js';
import type { VerifyResult } from './verify-result.js';

export type { SignatureCheck, VerifyResult } from './verify-result.js';

/** Verifies `file` against the public key(s) in `keyFile`. */
export async function verify(file: string, keyFile: string): Promise<VerifyResult> {
  return verifyWithKeys(file, await readPublicKeys(keyFile));
}

/** Verifies `file` against keys already read (check-repo reads them once for every package). */
export async function verifyWithKeys(
  file: string,
  keys: Awaited<ReturnType<typeof readPublicKeys>>,
): Promise<VerifyResult> {
  const format = await formatOfFile(file);
  const result = await format.reader.verify(file, keys);
  const bad = [
    ...result.signatures.filter((s) => !s.valid).map((s) => `${s.covers} signature: ${s.reason ?? 'bad'}`),
    ...result.digests.filter((d) => !d.valid).map((d) => `${d.covers} digest mismatch`),
  ];
  if (result.signatures.length === 0) bad.unshift('not signed');
  return { ...result, valid: bad.length === 0, ...(bad.length ? { problem: bad.join('; ') } : {}) };
}
