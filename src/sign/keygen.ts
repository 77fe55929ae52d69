// `pkgapp keygen`: a new v4 OpenPGP key pair that rpm 4.x, gpgv, apt, dnf and debsig-verify accept.
import { access, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as openpgp from 'openpgp';
import { UserError } from '../errors.js';

export interface KeygenOptions {
  name: string;
  email: string;
  /** Base path: writes BASE.key (secret, mode 0600) and BASE.asc (public). */
  out: string;
  /** rsa (4096 bits, the widest support) or ed25519 (legacy EdDSA, small and fast). */
  type?: 'rsa' | 'ed25519';
  passphrase?: string;
  /** Key lifetime in days; 0 = never expires. */
  expiresInDays?: number;
}

export interface KeygenResult {
  secretKeyFile: string;
  publicKeyFile: string;
  fingerprint: string;
}

/** Generates the pair and writes both files; never overwrites an existing file. */
export async function keygen(options: KeygenOptions): Promise<KeygenResult> {
  if (!/^[^@\s<>]+@[^@\s<>]+$/.test(options.email)) {
    throw new UserError(`--email "${options.email}" is not an email address`, {
      code: 'PKGAPP_KEY_USER_ID',
      hint: 'e.g. --email releases@acme.example',
    });
  }
  if (!options.name.trim() || /[<>\n]/.test(options.name)) {
    throw new UserError(`--name "${options.name}" cannot be used in a user ID (empty, or contains < > or a newline)`, {
      code: 'PKGAPP_KEY_USER_ID',
      hint: 'e.g. --name "Acme Releases"',
    });
  }
  const secretKeyFile = `${options.out}.key`;
  const publicKeyFile = `${options.out}.asc`;
  for (const file of [secretKeyFile, publicKeyFile]) {
    if (
      await access(file).then(
        () => true,
        () => false,
      )
    )
      throw existsError(file);
  }
  // Found before the (slow, for RSA) key generation.
  const dir = path.dirname(path.resolve(secretKeyFile));
  if (
    !(await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  )
    throw outError(options.out, `${dir} is not a directory`);
  const { privateKey, publicKey } = await openpgp.generateKey({
    ...(options.type === 'ed25519' ? { type: 'ecc', curve: 'ed25519Legacy' } : { type: 'rsa', rsaBits: 4096 }),
    userIDs: [{ name: options.name, email: options.email }],
    keyExpirationTime: (options.expiresInDays ?? 0) * 86400,
    format: 'armored',
    ...(options.passphrase ? { passphrase: options.passphrase } : {}),
  } as Parameters<typeof openpgp.generateKey>[0] & { format: 'armored' });
  await writeNew(secretKeyFile, privateKey, 0o600);
  await writeNew(publicKeyFile, publicKey, 0o644);
  const fingerprint = (await openpgp.readKey({ armoredKey: publicKey })).getFingerprint().toUpperCase();
  return { secretKeyFile, publicKeyFile, fingerprint };
}

async function writeNew(file: string, text: string, mode: number): Promise<void> {
  try {
    await writeFile(file, text, { mode, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw existsError(file);
    throw outError(file, `cannot be written (${(error as NodeJS.ErrnoException).code ?? String(error)})`, error);
  }
}

function existsError(file: string): UserError {
  return new UserError(`${file} already exists; pkgapp keygen never overwrites a key`, {
    code: 'PKGAPP_KEY_EXISTS',
    hint: 'Choose another --out, or move the old key away first',
  });
}

function outError(where: string, why: string, cause?: unknown): UserError {
  return new UserError(`--out ${where}: ${why}`, {
    code: 'PKGAPP_KEY_OUT_INVALID',
    hint: 'Create the directory first, or choose another --out',
    cause,
  });
}
