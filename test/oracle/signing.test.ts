// Signed packages checked by the verifiers operators use: rpmkeys -K with the imported key,
// debsig-verify with pkgapp's policy; tampering is caught; bad keys are refused up front.
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { execa } from 'execa';
import * as openpgp from 'openpgp';
import { renderDebsigPolicy } from '../../src/sign/debsig-policy.js';
import { cleanupTestDirs, EXAMPLE_APP, listDir, makeApp, minimalApp, runCli, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

const EPOCH = '1795651200'; // 2026-11-26, after the keys' creation date below
let keys: string;

/** A v4 key created on 2026-01-01, so SOURCE_DATE_EPOCH may date its signatures (reproducible). */
async function writeKey(
  name: string,
  options: Partial<Parameters<typeof openpgp.generateKey>[0]> = {},
): Promise<{ secret: string; public: string; keyId: string }> {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: `Test ${name}`, email: `${name}@example.com` }],
    date: new Date('2026-01-01T00:00:00Z'),
    format: 'armored',
    ...options,
  } as Parameters<typeof openpgp.generateKey>[0] & { format: 'armored' });
  const secret = path.join(keys, `${name}.key`);
  const pub = path.join(keys, `${name}.asc`);
  await writeFile(secret, privateKey);
  await writeFile(pub, publicKey);
  const key = await openpgp.readKey({ armoredKey: publicKey });
  return { secret, public: pub, keyId: (await key.getSigningKey()).getKeyID().toHex().toUpperCase() };
}

async function buildSigned(
  key: string,
  env: Record<string, string> = {},
): Promise<{ deb: string; rpm: string; sha: Record<string, string> }> {
  const out = await tempDir();
  const result = await runCli(
    ['build', '-C', EXAMPLE_APP, '-o', out, '-t', 'deb', '-t', 'rpm', '--sign-key', key, '--json'],
    { env: { SOURCE_DATE_EPOCH: EPOCH, ...env } },
  );
  assert.equal(result.exitCode, 0, result.stderr);
  const packages = JSON.parse(result.stdout).packages as {
    format: string;
    path: string;
    sha256: string;
    signedBy: string;
  }[];
  assert.ok(packages.every((p) => /^[0-9A-F]{16}$/.test(p.signedBy)));
  const by = (f: string) => packages.find((p) => p.format === f)!;
  return { deb: by('deb').path, rpm: by('rpm').path, sha: { deb: by('deb').sha256, rpm: by('rpm').sha256 } };
}

/** A copy of `file` with one byte flipped at `fromEnd` bytes before its end (inside the payload). */
async function tampered(file: string, fromEnd = 5000): Promise<string> {
  const bytes = await readFile(file);
  bytes[bytes.length - fromEnd]! ^= 0x01;
  const copy = path.join(await tempDir(), `tampered-${path.basename(file)}`);
  await writeFile(copy, bytes);
  return copy;
}

before(async () => {
  keys = await tempDir('pkgapp-keys-');
});

test('pkgapp keygen writes a v4 key pair: secret 0600, public armored', async () => {
  for (const type of ['rsa', 'ed25519']) {
    const base = path.join(keys, `gen-${type}`);
    const r = await runCli([
      'keygen',
      '--name',
      'Acme Releases',
      '--email',
      'releases@acme.example',
      '--type',
      type,
      '--out',
      base,
      '--json',
    ]);
    assert.equal(r.exitCode, 0, r.stderr);
    const { secretKeyFile, publicKeyFile, fingerprint } = JSON.parse(r.stdout);
    assert.equal((await stat(secretKeyFile)).mode & 0o777, 0o600);
    const pub = await openpgp.readKey({ armoredKey: await readFile(publicKeyFile, 'utf8') });
    assert.equal(pub.isPrivate(), false);
    assert.equal(pub.keyPacket.version, 4);
    assert.equal(pub.getFingerprint().toUpperCase(), fingerprint);
    assert.equal(
      (await runCli(['keygen', '--name', 'x', '--email', 'x@y', '--out', base])).exitCode,
      2,
      'never overwrites',
    );
  }
});

test('rpm: rpmkeys accepts both signatures with the key imported, and catches tampering', async (t) => {
  if (!requireTools(t, ['rpmkeys'])) return;
  for (const type of ['rsa', 'ed25519'] as const) {
    const key = await writeKey(`rpm-${type}`, type === 'rsa' ? { type: 'rsa', rsaBits: 3072 } : {});
    const { rpm } = await buildSigned(key.secret);
    const db = await tempDir();
    const noKey = await execa('rpmkeys', ['--dbpath', db, '-K', rpm], { reject: false });
    assert.equal(noKey.exitCode, 1, 'unknown key: signatures not OK');
    assert.match(noKey.stdout, /SIGNATURES NOT OK/);
    await execa('rpmkeys', ['--dbpath', db, '--import', key.public]);
    const ok = await execa('rpmkeys', ['--dbpath', db, '-Kv', rpm], { reject: false });
    t.diagnostic(`${type}:\n${ok.stdout}`);
    assert.equal(ok.exitCode, 0, ok.stdout);
    const algo = type === 'rsa' ? 'RSA' : 'EdDSA';
    assert.match(
      ok.stdout,
      new RegExp(`Header V4 ${algo}/SHA\\d+ Signature, key ID ${key.keyId.slice(-8).toLowerCase()}: OK`),
    );
    assert.match(
      ok.stdout,
      new RegExp(`^\\s+V4 ${algo}/SHA\\d+ Signature, key ID ${key.keyId.slice(-8).toLowerCase()}: OK`, 'm'),
    );
    assert.equal((await execa('rpmkeys', ['--dbpath', db, '-K', rpm])).stdout, `${rpm}: digests signatures OK`);
    const bad = await execa('rpmkeys', ['--dbpath', db, '-K', await tampered(rpm)], { reject: false });
    assert.equal(bad.exitCode, 1);
    assert.match(bad.stdout, /NOT OK/);
  }
});

test("deb: debsig-verify accepts the _gpgorigin signature with pkgapp's policy, and catches tampering", async (t) => {
  if (!requireTools(t, ['debsig-verify', 'gpg'])) return;
  const key = await writeKey('deb');
  const { deb } = await buildSigned(key.secret);
  assert.deepEqual((await execa('ar', ['t', deb])).stdout.split('\n'), [
    'debian-binary',
    'control.tar.gz',
    'data.tar.gz',
    '_gpgorigin',
  ]);
  assert.match((await execa('dpkg-deb', ['--field', deb, 'Package'])).stdout, /acme-hello/, 'dpkg still reads it');
  const policies = path.join(await tempDir(), 'policies');
  const keyrings = path.join(path.dirname(policies), 'keyrings');
  await mkdir(path.join(policies, key.keyId), { recursive: true });
  await mkdir(path.join(keyrings, key.keyId), { recursive: true });
  await writeFile(path.join(policies, key.keyId, 'pkgapp.pol'), renderDebsigPolicy(key.keyId));
  const binaryKey = (await openpgp.readKey({ armoredKey: await readFile(key.public, 'utf8') })).write();
  await writeFile(path.join(keyrings, key.keyId, 'pkgapp.gpg'), binaryKey);
  const verify = (file: string) =>
    execa('debsig-verify', ['--policies-dir', policies, '--keyrings-dir', keyrings, file], { reject: false });
  const ok = await verify(deb);
  t.diagnostic(ok.stdout + ok.stderr);
  assert.equal(ok.exitCode, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /Verified package from 'pkgapp packages' \(pkgapp\)/);
  const bad = await verify(await tampered(deb, 3000));
  assert.equal(bad.exitCode, 13, `tampered: ${bad.stdout}${bad.stderr}`);
});

test('signed packages are reproducible: same key, inputs and SOURCE_DATE_EPOCH → same bytes', async () => {
  const key = await writeKey('repro');
  const [a, b] = [await buildSigned(key.secret), await buildSigned(key.secret)];
  assert.deepEqual(a.sha, b.sha);
});

test('PKGAPP_SIGN_KEY and PKGAPP_SIGN_PASSPHRASE sign without a key file', async (t) => {
  if (!requireTools(t, ['rpmkeys'])) return;
  const key = await writeKey('env', { passphrase: 'correct horse' });
  const { rpm } = await buildSigned(key.secret, {}).catch(() => ({ rpm: '' }));
  assert.equal(rpm, '', 'a protected key without passphrase fails');
  const out = await tempDir();
  const r = await runCli(['build', '-C', EXAMPLE_APP, '-o', out, '-t', 'rpm', '--json'], {
    env: { PKGAPP_SIGN_KEY: await readFile(key.secret, 'utf8'), PKGAPP_SIGN_PASSPHRASE: 'correct horse' },
  });
  assert.equal(r.exitCode, 0, r.stderr);
  const db = await tempDir();
  await execa('rpmkeys', ['--dbpath', db, '--import', key.public]);
  assert.match(
    (await execa('rpmkeys', ['--dbpath', db, '-K', JSON.parse(r.stdout).packages[0].path])).stdout,
    /digests signatures OK$/,
  );
});

/** A secret key that expired in 2020, made by gpg with a faked clock (OpenPGP.js refuses to). */
async function expiredGpgKey(): Promise<string> {
  const home = await tempDir('pkgapp-gnupg-');
  const gpg = (...args: string[]) =>
    execa('gpg', ['--homedir', home, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args]);
  await gpg(
    '--faked-system-time',
    '20200101T000000',
    '--quick-gen-key',
    'Expired <expired@example.com>',
    'ed25519',
    'sign',
    '1d',
  );
  const file = path.join(keys, 'expired.key');
  await gpg('--armor', '--output', file, '--export-secret-keys', 'expired@example.com');
  return file;
}

test('bad signing keys are refused before anything is built (exit 2)', async (t) => {
  if (!requireTools(t, ['gpg'])) return;
  const protectedKey = await writeKey('protected', { passphrase: 'secret' });
  const expired = { secret: await expiredGpgKey() };
  const p256 = await writeKey('p256', { curve: 'nistP256' });
  const app = await makeApp(minimalApp());
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    ['public key', ['--sign-key', protectedKey.public], {}, /this is a public key; signing needs the secret key/],
    ['no passphrase', ['--sign-key', protectedKey.secret], {}, /protected by a passphrase/],
    ['wrong passphrase', ['--sign-key', protectedKey.secret], { PKGAPP_SIGN_PASSPHRASE: 'nope' }, /wrong passphrase/],
    ['expired key', ['--sign-key', expired.secret], {}, /the key expired on/],
    ['ECDSA P-256', ['--sign-key', p256.secret], {}, /not accepted by rpm 4\.18; use RSA or Ed25519/],
    ['missing file', ['--sign-key', path.join(keys, 'nope.key')], {}, /cannot be read \(ENOENT\)/],
    ['not a key', ['--sign-key', path.join(app, 'server.js')], {}, /not an OpenPGP key/],
  ];
  for (const [name, args, env, message] of cases) {
    const out = path.join(await tempDir(), 'dist');
    const r = await runCli(['build', '-C', app, '-o', out, '--no-install', ...args], { env });
    assert.equal(r.exitCode, 2, `${name}: ${r.stderr}`);
    assert.match(r.stderr, message, name);
    assert.deepEqual(await listDir(out), [], `${name}: nothing written`);
  }
});

test('pkgapp verify: names the signer when the signatures hold; exit 1 when they do not', async () => {
  const key = await writeKey('verify');
  const other = await writeKey('other');
  const { deb, rpm } = await buildSigned(key.secret);
  for (const file of [deb, rpm]) {
    const ok = await runCli(['verify', file, '--key', key.public, '--json']);
    assert.equal(ok.exitCode, 0, ok.stderr);
    const result = JSON.parse(ok.stdout);
    assert.equal(result.valid, true);
    assert.ok(
      result.signatures.length >= 1 &&
        result.signatures.every(
          (s: { keyId: string; signer: string }) =>
            s.keyId === key.keyId && s.signer === 'Test verify <verify@example.com>',
        ),
    );
    const wrongKey = await runCli(['verify', file, '--key', other.public]);
    assert.equal(wrongKey.exitCode, 1);
    assert.match(wrongKey.stderr, new RegExp(`signed by ${key.keyId}, which is not in the given key file`));
    const bad = await runCli(['verify', await tampered(file, 3000), '--key', key.public]);
    assert.equal(bad.exitCode, 1, bad.stderr);
    assert.match(bad.stderr, /BAD /);
  }
  const unsignedOut = await tempDir();
  const unsigned = await runCli([
    'build',
    '-C',
    await makeApp(minimalApp()),
    '-o',
    unsignedOut,
    '--no-install',
    '--json',
  ]);
  const notSigned = await runCli(['verify', JSON.parse(unsigned.stdout).packages[0].path, '--key', key.public]);
  assert.equal(notSigned.exitCode, 1);
  assert.match(notSigned.stderr, /not signed/);
  const notAPackage = await runCli(['verify', key.public, '--key', key.public]);
  assert.equal(notAPackage.exitCode, 2);
  assert.match(notAPackage.stderr, /neither a \.deb nor an \.rpm/);
});
