// Loads an OpenPGP secret key (file or PKGAPP_SIGN_KEY) into a Signer. The only importer of
// openpgp besides keygen: key checks, passphrase, and the Node → web stream adapter live here.
import { readFile } from 'node:fs/promises';
import * as openpgp from 'openpgp';
import { UserError } from '../errors.js';
import type { Signer } from './signer.js';
import { readAll, webStream } from './web-stream.js';

export interface SignKeySource {
  /** --sign-key FILE: an armored or binary secret key. */
  file?: string;
  /** Armored secret key text (PKGAPP_SIGN_KEY). */
  armored?: string;
  passphrase?: string;
  /** Signature creation time (SOURCE_DATE_EPOCH for reproducible package signatures). */
  date?: Date;
}

/** v4 signatures without OpenPGP.js's random salt notation: same key, data and date → same bytes. */
const CONFIG = { nonDeterministicSignaturesViaNotation: false } as const;

/** Loads, decrypts and checks a signing key; every problem is a UserError naming the source. */
export async function loadSigner(source: SignKeySource): Promise<Signer> {
  const where = source.file ?? 'PKGAPP_SIGN_KEY';
  const key = await readSecretKey(source, where);
  if (key.keyPacket.version !== 4) {
    throw new UserError(`${where}: a v${key.keyPacket.version} key; rpm 4.x, gpgv and apt accept only v4 keys`, {
      code: 'PKGAPP_SIGN_KEY_UNSUPPORTED',
      hint: 'Create one with `pkgapp keygen`',
    });
  }
  const unlocked = await decrypt(key, source.passphrase, where);
  let signingKey: Awaited<ReturnType<openpgp.PrivateKey['getSigningKey']>>;
  try {
    signingKey = await unlocked.getSigningKey();
  } catch (error) {
    const expiry = await unlocked.getExpirationTime().catch(() => null);
    const expired = expiry instanceof Date && expiry.getTime() < Date.now();
    throw new UserError(
      expired
        ? `${where}: the key expired on ${expiry.toISOString()}`
        : `${where}: the key has no valid signing key (${(error as Error).message})`,
      {
        code: expired ? 'PKGAPP_SIGN_KEY_EXPIRED' : 'PKGAPP_SIGN_KEY_UNUSABLE',
        hint: expired
          ? 'Extend the expiry with gpg --quick-set-expire, or create a new key with `pkgapp keygen`'
          : 'Use a key that is not revoked and can sign, or create one with `pkgapp keygen`',
        cause: error,
      },
    );
  }
  const { algorithm: algo, curve } = signingKey.getAlgorithmInfo() as { algorithm: string; curve?: string };
  const algorithm = algo.startsWith('rsa') ? 'rsa' : algo === 'eddsaLegacy' ? 'eddsa' : undefined;
  if (algorithm === undefined) {
    throw new UserError(
      `${where}: ${algo}${curve ? ` (${curve})` : ''} signing keys are not accepted by rpm 4.18; use RSA or Ed25519 (legacy, algorithm 22)`,
      {
        code: 'PKGAPP_SIGN_KEY_UNSUPPORTED',
        hint: 'Create a suitable key with `pkgapp keygen`',
      },
    );
  }
  const date = signatureDate(source.date, signingKey.getCreationTime());
  const publicKey = unlocked.toPublic();
  const detached = async (binary: Uint8Array | ReadableStream<Uint8Array>, armored: boolean) => {
    const message = await openpgp.createMessage({ binary } as { binary: Uint8Array });
    // openpgp's stream types come from @openpgp/web-stream-tools, which it does not install: they resolve to an error type.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment
    const signed = await openpgp.sign({
      message,
      signingKeys: unlocked,
      detached: true,
      format: armored ? 'armored' : 'binary',
      date,
      config: CONFIG,
    } as never);
    // eslint-disable-next-line @typescript-eslint/no-unsafe-argument -- see above
    return readAll(signed);
  };
  return {
    keyId: signingKey.getKeyID().toHex().toUpperCase(),
    fingerprint: unlocked.getFingerprint().toUpperCase(),
    userIds: unlocked.getUserIDs(),
    algorithm,
    publicKey: { armored: publicKey.armor(), binary: publicKey.write() },
    async signDetached(data) {
      const input = data instanceof Uint8Array ? data : webStream(data);
      const result = await detached(input, false);
      return Buffer.from(result as Uint8Array);
    },
    async signDetachedArmored(data) {
      return String(await detached(data, true));
    },
    async signCleartext(text) {
      const message = await openpgp.createCleartextMessage({ text });
      return openpgp.sign({ message, signingKeys: unlocked, date: new Date(), config: CONFIG });
    },
  };
}

async function readSecretKey(source: SignKeySource, where: string): Promise<openpgp.Key> {
  let input: { armoredKey: string } | { binaryKey: Uint8Array };
  if (source.file !== undefined) {
    let bytes: Buffer;
    try {
      bytes = await readFile(source.file);
    } catch (error) {
      throw new UserError(`--sign-key ${source.file}: cannot be read (${(error as NodeJS.ErrnoException).code})`, {
        code: 'PKGAPP_SIGN_KEY_UNREADABLE',
        hint: 'Check the path given to --sign-key (or pass the armored key in PKGAPP_SIGN_KEY)',
        cause: error,
      });
    }
    input = bytes.toString('latin1').includes('-----BEGIN PGP')
      ? { armoredKey: bytes.toString('utf8') }
      : { binaryKey: bytes };
  } else if (source.armored !== undefined) {
    input = { armoredKey: source.armored };
  } else {
    throw new UserError('no signing key: pass --sign-key FILE or set PKGAPP_SIGN_KEY', {
      code: 'PKGAPP_SIGN_KEY_MISSING',
      hint: 'Create a key once with `pkgapp keygen`',
    });
  }
  let key: openpgp.Key;
  try {
    key = 'armoredKey' in input ? await openpgp.readKey(input) : await openpgp.readKey(input);
  } catch (error) {
    throw new UserError(`${where}: not an OpenPGP key (${(error as Error).message})`, {
      code: 'PKGAPP_SIGN_KEY_INVALID',
      hint: 'Give the armored secret key that `pkgapp keygen` or `gpg --export-secret-keys --armor` writes',
      cause: error,
    });
  }
  if (!key.isPrivate()) {
    throw new UserError(`${where}: this is a public key; signing needs the secret key`, {
      code: 'PKGAPP_SIGN_KEY_PUBLIC',
      hint: 'Pass the secret key file (pkgapp keygen writes it as KEY.key); the public key goes to clients and `pkgapp verify --key`',
    });
  }
  return key;
}

async function decrypt(key: openpgp.Key, passphrase: string | undefined, where: string): Promise<openpgp.PrivateKey> {
  const privateKey = key as openpgp.PrivateKey;
  if (privateKey.isDecrypted()) return privateKey;
  if (passphrase === undefined || passphrase === '') {
    throw new UserError(`${where}: the key is protected by a passphrase`, {
      code: 'PKGAPP_SIGN_PASSPHRASE_MISSING',
      hint: "Set PKGAPP_SIGN_PASSPHRASE to the key's passphrase",
    });
  }
  try {
    return await openpgp.decryptKey({ privateKey, passphrase });
  } catch (error) {
    throw new UserError(`${where}: wrong passphrase (PKGAPP_SIGN_PASSPHRASE)`, {
      code: 'PKGAPP_SIGN_PASSPHRASE_WRONG',
      hint: 'Set PKGAPP_SIGN_PASSPHRASE to the passphrase the key was created with',
      cause: error,
    });
  }
}

/** A signature cannot predate its key: fall back to now when SOURCE_DATE_EPOCH is older. */
function signatureDate(requested: Date | undefined, keyCreated: Date): Date {
  return requested && requested.getTime() >= keyCreated.getTime() ? requested : new Date();
}
