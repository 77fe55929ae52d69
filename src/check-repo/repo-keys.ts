// The public keys check-repo checks signatures against: the --key file (the trust anchor the user
// holds), or else the key the repository itself exports, which proves the repository is
// consistent with its own key but not that the key is the right one (the summary says which).
import { readPublicKeys } from '../sign/verify-signature.js';
import { readPublicKeysFrom } from '../sign/verify-repo-signature.js';
import type { RepositoryReader } from '../publish/storage/storage.js';
import type { Findings } from './findings.js';

export interface PublicKeys {
  /** Undefined when no key could be read (a problem is recorded): signatures are then not checked. */
  keys?: Awaited<ReturnType<typeof readPublicKeys>>;
  /** How messages name them: "--key FILE" or the repository's key file. */
  source: string;
}

/** Where publish exports the public key: apt's armored keyring and yum's gpgkey file. */
export const REPOSITORY_KEY_FILES = {
  apt: ['apt/pkgapp-archive-keyring.asc', 'apt/pkgapp-archive-keyring.gpg'],
  yum: ['yum/RPM-GPG-KEY-pkgapp'],
} as const;

/** Reads the --key file; a UserError (exit 2) when it is unreadable or not a key. */
export async function keysFromFile(file: string): Promise<PublicKeys> {
  return { keys: await readPublicKeys(file), source: `--key ${file}` };
}

/** The key the repository exports for `kind`; a problem when it is missing or not a key. */
export async function keysFromRepository(
  reader: RepositoryReader,
  kind: keyof typeof REPOSITORY_KEY_FILES,
  findings: Findings,
): Promise<PublicKeys> {
  const candidates = REPOSITORY_KEY_FILES[kind];
  for (const key of candidates) {
    const object = await reader.get(key);
    if (!object) continue;
    try {
      return { keys: await readPublicKeysFrom(object.body, key), source: key };
    } catch (error) {
      findings.problem(key, `is not an OpenPGP public key: ${(error as Error).message}`);
      return { source: key };
    }
  }
  findings.problem(candidates[0], 'missing: clients have no key to check signatures with (or pass --key)');
  return { source: candidates[0] };
}
