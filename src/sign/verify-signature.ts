// Checks detached OpenPGP signatures against public keys (for `pkgapp verify`). Lives beside the
// signer so that openpgp stays inside src/sign/.
import { readFile } from 'node:fs/promises';
import * as openpgp from 'openpgp';
import { UserError } from '../errors.js';
import { drain, webStream } from './web-stream.js';

export interface VerifiedSignature {
  valid: boolean;
  /** Long key ID the signature names, 16 uppercase hex digits. */
  keyId: string;
  /** User ID of the matching key, when the key is known. */
  signer?: string;
  /** Why it does not hold, when it does not. */
  reason?: string;
}

/** Reads the public key file given with --key (armored or binary; several keys allowed). */
export async function readPublicKeys(file: string): Promise<openpgp.Key[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new UserError(`--key ${file}: cannot be read (${(error as NodeJS.ErrnoException).code})`, {
      code: 'PKGAPP_VERIFY_KEY_UNREADABLE',
      hint: 'Check the path given to --key',
      cause: error,
    });
  }
  try {
    const text = bytes.toString('latin1');
    return text.includes('-----BEGIN PGP')
      ? await openpgp.readKeys({ armoredKeys: bytes.toString('utf8') })
      : await openpgp.readKeys({ binaryKeys: bytes });
  } catch (error) {
    throw new UserError(`--key ${file}: not an OpenPGP public key (${(error as Error).message})`, {
      code: 'PKGAPP_VERIFY_KEY_INVALID',
      hint: "Give the public key: BASE.asc from pkgapp keygen, or the repository's pkgapp-archive-keyring.asc",
      cause: error,
    });
  }
}

/** Verifies a binary detached signature over the bytes `data` yields. */
export async function verifyDetached(
  signature: Uint8Array,
  data: AsyncIterable<Uint8Array>,
  keys: openpgp.Key[],
): Promise<VerifiedSignature> {
  let parsed: openpgp.Signature;
  try {
    parsed = await openpgp.readSignature({ binarySignature: signature });
  } catch (error) {
    return { valid: false, keyId: '', reason: `unreadable signature (${(error as Error).message})` };
  }
  const keyId = parsed.getSigningKeyIDs()[0]?.toHex().toUpperCase() ?? '';
  const key = keys.find((k) => k.getKeys().some((sub) => sub.getKeyID().toHex().toUpperCase() === keyId));
  const signer = key?.getUserIDs()[0];
  // Streamed: the signed range can be the whole package, which is never held in memory.
  const message = await openpgp.createMessage({ binary: webStream(data) });
  const result = await openpgp.verify({ message, signature: parsed, verificationKeys: keys, format: 'binary' });
  // openpgp's stream types come from @openpgp/web-stream-tools, which it does not install: they resolve to an error type.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-argument
  await drain(result.data);
  const first = result.signatures[0];
  if (!first) return { valid: false, keyId, reason: 'no signature packet' };
  try {
    await first.verified;
    return { valid: true, keyId, ...(signer ? { signer } : {}) };
  } catch (error) {
    return {
      valid: false,
      keyId,
      ...(signer ? { signer } : {}),
      reason: key ? (error as Error).message : `signed by ${keyId}, which is not in the given key file`,
    };
  }
}
