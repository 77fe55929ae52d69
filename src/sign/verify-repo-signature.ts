// Checks the signatures clients check on repository metadata (for `pkgapp check-repo`): apt's
// clearsigned InRelease and armored Release.gpg, yum's armored repomd.xml.asc. Beside
// verify-signature.ts so that openpgp stays inside src/sign/.
import * as openpgp from 'openpgp';
import { UserError } from '../errors.js';
import { verifyDetached, type VerifiedSignature } from './verify-signature.js';

type Keys = openpgp.Key[];

/** Public keys from bytes fetched from a repository (armored or binary); `where` names them in errors. */
export async function readPublicKeysFrom(bytes: Uint8Array, where: string): Promise<Keys> {
  try {
    const buffer = Buffer.from(bytes);
    return buffer.toString('latin1').includes('-----BEGIN PGP')
      ? await openpgp.readKeys({ armoredKeys: buffer.toString('utf8') })
      : await openpgp.readKeys({ binaryKeys: buffer });
  } catch (error) {
    throw new UserError(`${where}: not an OpenPGP public key (${(error as Error).message})`, {
      code: 'PKGAPP_VERIFY_KEY_INVALID',
      hint: "Pass the repository's public key with --key",
      cause: error,
    });
  }
}

/** An OpenPGP cleartext-signed message (InRelease): its signature, and the text it signs. */
export async function verifyClearsigned(armored: string, keys: Keys): Promise<VerifiedSignature & { text?: string }> {
  let message: openpgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: armored });
  } catch (error) {
    return { valid: false, keyId: '', reason: `not a clearsigned message (${(error as Error).message})` };
  }
  const text = message.getText();
  const keyId = message.getSigningKeyIDs()[0]?.toHex().toUpperCase() ?? '';
  const key = keys.find((k) => k.getKeys().some((sub) => sub.getKeyID().toHex().toUpperCase() === keyId));
  const signer = key?.getUserIDs()[0];
  const result = await openpgp.verify({ message, verificationKeys: keys });
  const first = result.signatures[0];
  if (!first) return { valid: false, keyId, text, reason: 'no signature packet' };
  try {
    await first.verified;
    return { valid: true, keyId, text, ...(signer ? { signer } : {}) };
  } catch (error) {
    return {
      valid: false,
      keyId,
      text,
      ...(signer ? { signer } : {}),
      reason: key ? (error as Error).message : `signed by ${keyId}, which is not among the keys checked against`,
    };
  }
}

/** An armored detached signature (Release.gpg, repomd.xml.asc) over `data`. */
export async function verifyArmoredDetached(armored: string, data: Uint8Array, keys: Keys): Promise<VerifiedSignature> {
  let binary: Uint8Array;
  try {
    binary = (await openpgp.readSignature({ armoredSignature: armored })).write() as Uint8Array;
  } catch (error) {
    return { valid: false, keyId: '', reason: `not an armored signature (${(error as Error).message})` };
  }
  const result = await verifyDetached(
    binary,
    (async function* () {
      yield data;
    })(),
    keys,
  );
  if (!result.valid && result.reason?.includes('which is not in the given key file'))
    return { ...result, reason: `signed by ${result.keyId}, which is not among the keys checked against` };
  return result;
}
