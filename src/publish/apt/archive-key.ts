// The apt archive's public key: exported for clients as DIR/apt/pkgapp-archive-keyring.gpg (and
// .asc), and checked against the signing key so an archive never silently changes keys.
import { createHash } from 'node:crypto';
import { UserError } from '../../errors.js';
import type { Signer } from '../../sign/signer.js';
import { headersFor } from '../object-headers.js';
import type { RepositoryStorage } from '../storage/storage.js';
import type { Archive } from './apt-archive.js';

/** Name of the exported public key: DIR/apt/pkgapp-archive-keyring.gpg (binary) and .asc. */
export const APT_KEYRING = 'pkgapp-archive-keyring';

/**
 * The archive stays with its key: signing with another key than the exported keyring's would
 * lock out every server, so it is refused. Moving to a new key is deliberate: delete the
 * exported keyring, and the next run re-signs every suite (true then).
 */
export async function checkArchiveKey(store: RepositoryStorage, archive: Archive, signer: Signer): Promise<boolean> {
  const file = `${store.location}/apt/${APT_KEYRING}.gpg`;
  const root = `${store.location}/apt`;
  const keyring = (await store.get(`apt/${APT_KEYRING}.gpg`))?.body;
  if (keyring === undefined) return archive.size > 0;
  const fingerprint = firstKeyFingerprint(keyring);
  if (fingerprint !== signer.fingerprint) {
    throw new UserError(
      `${root} is signed with key ${fingerprint ?? '(unreadable keyring)'} (${file}), not with the signing key ${signer.fingerprint}; nothing was published`,
      {
        code: 'PKGAPP_APT_KEY_MISMATCH',
        hint: `Sign with the repository's key. To move the repository to a new key on purpose, delete ${file} and ${APT_KEYRING}.asc, publish, then install the new keyring on every server`,
      },
    );
  }
  return false;
}

/** Exports the signing key for clients: signed-by wants the binary .gpg; .asc for humans. */
export async function exportKeyring(store: RepositoryStorage, signer: Signer): Promise<void> {
  for (const [name, data] of [
    [`${APT_KEYRING}.gpg`, Buffer.from(signer.publicKey.binary)],
    [`${APT_KEYRING}.asc`, Buffer.from(signer.publicKey.armored)],
  ] as const) {
    const key = `apt/${name}`;
    if (!(await store.get(key))?.body.equals(data)) await store.put(key, data, headersFor(key));
  }
}

/** v4 fingerprint (RFC 4880 §12.2) of the first public-key packet of a binary keyring. */
function firstKeyFingerprint(keyring: Buffer): string | undefined {
  const first = keyring[0] ?? 0;
  let tag: number;
  let length: number;
  let start: number;
  if (first & 0x40) {
    tag = first & 0x3f;
    const l1 = keyring[1] ?? 0;
    if (l1 < 192) [length, start] = [l1, 2];
    else if (l1 < 224) [length, start] = [((l1 - 192) << 8) + (keyring[2] ?? 0) + 192, 3];
    else if (l1 === 255 && keyring.length >= 6) [length, start] = [keyring.readUInt32BE(2), 6];
    else return undefined;
  } else {
    tag = (first >> 2) & 0x0f;
    const bytes = [1, 2, 4][first & 3];
    if (bytes === undefined || keyring.length < 1 + bytes) return undefined;
    [length, start] = [keyring.readUIntBE(1, bytes), 1 + bytes];
  }
  const body = keyring.subarray(start, start + length);
  if (!(first & 0x80) || tag !== 6 || body.length !== length || body[0] !== 4) return undefined;
  const prefix = Buffer.from([0x99, length >> 8, length & 0xff]);
  return createHash('sha1').update(prefix).update(body).digest('hex').toUpperCase();
}
