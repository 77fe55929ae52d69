// The yum repository's public key, DIR/yum/RPM-GPG-KEY-pkgapp (armored): exported for the .repo
// files' gpgkey=, and compared with the signer's to know when every channel must be re-signed.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Signer } from '../../sign/signer.js';
import { writeFileAtomic } from '../../util/atomic-output.js';

/** The exported public key, DIR/yum/RPM-GPG-KEY-pkgapp (armored), named by every .repo file. */
export const YUM_KEY_FILE = 'RPM-GPG-KEY-pkgapp';

/** True when DIR/yum/RPM-GPG-KEY-pkgapp holds another key than the signer's (every channel is then re-signed). */
export async function keyChanged(root: string, signer: Signer): Promise<boolean> {
  const old = await readFile(path.join(root, YUM_KEY_FILE), 'utf8').catch(() => undefined);
  return old !== undefined && old !== signer.publicKey.armored;
}

/** Writes the signer's public key (armored) to DIR/yum/RPM-GPG-KEY-pkgapp unless it is there already. */
export async function exportKey(root: string, signer: Signer): Promise<void> {
  await mkdir(root, { recursive: true, mode: 0o755 });
  const file = path.join(root, YUM_KEY_FILE);
  if ((await readFile(file, 'utf8').catch(() => undefined)) !== signer.publicKey.armored)
    await writeFileAtomic(file, signer.publicKey.armored);
}
