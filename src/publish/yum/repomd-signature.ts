// Whether a channel's repomd.xml.asc is the signing key's signature of its repomd.xml. Publish
// writes the two back to back; one killed between them leaves the new repomd.xml beside the old
// signature, which dnf refuses (repo_gpgcheck). The next publish must then sign again rather than
// take the channel for up to date because both files exist (docs/internals/publish-crash-safety.md).
import { readPublicKeysFrom, verifyArmoredDetached } from '../../sign/verify-repo-signature.js';
import type { Signer } from '../../sign/signer.js';

export async function repomdSigned(
  repomd: Uint8Array | undefined,
  asc: Uint8Array | undefined,
  signer: Signer,
): Promise<boolean> {
  if (repomd === undefined || asc === undefined) return false;
  const keys = await readPublicKeysFrom(signer.publicKey.binary, 'the signing key');
  return (await verifyArmoredDetached(Buffer.from(asc).toString('utf8'), repomd, keys)).valid;
}
