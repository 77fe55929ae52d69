// src/rpm/write-rpm.ts end to end without rpm: the package is taken apart with the test's own
// lead, header and cpio readers (test/helpers/decoders/) and zlib's inflate. The signature
// header's sizes and digests are recomputed from the bytes, the main header's file arrays are
// matched against the cpio payload and the entries, and signatures are checked with OpenPGP.js.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import * as openpgp from 'openpgp';
import type { ContentEntry } from '../../src/contents/content-entry.js';
import { rpmFiles } from '../../src/rpm/rpm-files.js';
import { writeRpm, type RpmWriteInput } from '../../src/rpm/write-rpm.js';
import { segmentId } from '../../src/util/payload-segments.js';
import { keygen } from '../../src/sign/keygen.js';
import { loadSigner } from '../../src/sign/openpgp-signer.js';
import { readNewc } from '../helpers/decoders/cpio.js';
import { hasTag, readRpm, tagValue, type RpmFile } from '../helpers/decoders/rpm.js';
import { BUILD_TIME, exampleManifest } from '../helpers/manifests.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

const manifest = exampleManifest();
const SCRIPTS = { pre: 'getent group acme-hello >/dev/null || groupadd -r acme-hello\n', postun: 'exit 0\n' };
let source: string;
let bigFile: Buffer;

before(async () => {
  source = await tempDir('pkgapp-rpm-src-');
  bigFile = Buffer.from(Array.from({ length: 2 * (1 << 20) + 5 }, (_, i) => (i * 31) % 253));
  writeFileSync(path.join(source, 'big.bin'), bigFile);
});

/** Entries in rpm's order (byte order of the paths), system directories included as the pipeline gives them. */
function entries(): ContentEntry[] {
  return [
    { kind: 'dir', path: 'etc', mode: 0o755 },
    { kind: 'dir', path: 'etc/acme-hello', mode: 0o755 },
    {
      kind: 'file',
      path: 'etc/acme-hello/env',
      mode: 0o640,
      size: 8,
      source: { body: Buffer.from('PORT=80\n') },
      conffile: true,
    },
    { kind: 'dir', path: 'opt', mode: 0o755 },
    { kind: 'dir', path: 'opt/acme-hello', mode: 0o755 },
    {
      kind: 'file',
      path: 'opt/acme-hello/big.bin',
      mode: 0o644,
      size: bigFile.length,
      source: { file: path.join(source, 'big.bin') },
    },
    { kind: 'file', path: 'opt/acme-hello/empty', mode: 0o600, size: 0, source: { body: Buffer.alloc(0) } },
    {
      kind: 'file',
      path: 'opt/acme-hello/server.js',
      mode: 0o755,
      size: 9,
      source: { body: Buffer.from('// hello\n') },
    },
    { kind: 'dir', path: 'usr', mode: 0o755 },
    { kind: 'dir', path: 'usr/bin', mode: 0o755 },
    { kind: 'symlink', path: 'usr/bin/hello-greet', target: '../../opt/acme-hello/server.js' },
    { kind: 'dir', path: 'usr/share', mode: 0o755 },
    { kind: 'dir', path: 'usr/share/doc', mode: 0o755 },
    { kind: 'dir', path: 'usr/share/doc/acme-hello', mode: 0o755 },
    {
      kind: 'file',
      path: 'usr/share/doc/acme-hello/README',
      mode: 0o644,
      size: 6,
      source: { body: Buffer.from('Hello\n') },
    },
    { kind: 'dir', path: 'var', mode: 0o755 },
    { kind: 'dir', path: 'var/lib', mode: 0o755 },
    { kind: 'dir', path: 'var/lib/acme-hello', mode: 0o750, owner: 'acme-hello' },
  ];
}

/** What the rpm lists: its own directories, every file and symlink. */
const LISTED = [
  'etc/acme-hello/env',
  'opt/acme-hello',
  'opt/acme-hello/big.bin',
  'opt/acme-hello/empty',
  'opt/acme-hello/server.js',
  'usr/bin/hello-greet',
  'usr/share/doc/acme-hello',
  'usr/share/doc/acme-hello/README',
  'var/lib/acme-hello',
];

function contents(e: ContentEntry): Buffer {
  if (e.kind === 'symlink') return Buffer.from(e.target);
  if (e.kind === 'dir') return Buffer.alloc(0);
  return 'body' in e.source ? e.source.body : readFileSync(e.source.file);
}

async function build(
  dir: string,
  extra: Partial<RpmWriteInput> = {},
): Promise<{ bytes: Buffer; rpm: RpmFile; result: Awaited<ReturnType<typeof writeRpm>> }> {
  const file = path.join(dir, 'acme-hello-1.0.0-1.aarch64.rpm');
  const result = await writeRpm({
    outFile: file,
    manifest,
    arch: 'aarch64',
    files: rpmFiles(entries(), manifest),
    scripts: SCRIPTS,
    compression: 'gzip',
    level: 9,
    ...extra,
  });
  await result.commit();
  const bytes = readFileSync(file);
  return { bytes, rpm: readRpm(bytes), result };
}

test('lead: rpm v3.0 binary package, name-version-release, archnum, Linux, header-style signature', async () => {
  const dir = await tempDir();
  const { rpm, bytes, result } = await build(dir);
  assert.deepEqual(rpm.lead, {
    major: 3,
    minor: 0,
    type: 0,
    archnum: 19,
    name: 'acme-hello-1.0.0-1',
    osnum: 1,
    signatureType: 5,
  });
  assert.equal(result.size, bytes.length);
  assert.equal(result.sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.deepEqual(await readdir(dir), ['acme-hello-1.0.0-1.aarch64.rpm'], 'no scratch or temporary file left');
});

test('signature header: digests and sizes recomputed from the bytes, room reserved for rpmsign, main header 8-aligned', async () => {
  const { rpm } = await build(await tempDir());
  const sig = rpm.signature;
  assert.equal(sig.regionTag, 62);
  assert.deepEqual(
    sig.index.map((e) => e.tag),
    [62, 269, 273, 1000, 1004, 1007, 1008],
  );
  const headerAndPayload = Buffer.concat([rpm.header.bytes, rpm.payload]);
  assert.equal(tagValue(sig, 269), createHash('sha1').update(rpm.header.bytes).digest('hex'));
  assert.equal(tagValue(sig, 273), createHash('sha256').update(rpm.header.bytes).digest('hex'));
  assert.deepEqual(tagValue(sig, 1000), [headerAndPayload.length]);
  assert.deepEqual(tagValue(sig, 1004), createHash('md5').update(headerAndPayload).digest());
  assert.deepEqual(tagValue(sig, 1007), [readNewc(gunzipSync(rpm.payload)).length]);
  assert.deepEqual(tagValue(sig, 1008), Buffer.alloc(4128));
  assert.equal(rpm.headerOffset % 8, 0);
});

test('main header: package tags, payload description and digest, scripts with their interpreter', async () => {
  const { rpm } = await build(await tempDir());
  const hd = rpm.header;
  assert.equal(hd.regionTag, 63);
  const strings: [number, string][] = [
    [1000, 'acme-hello'],
    [1001, '1.0.0'],
    [1002, '1'],
    [1021, 'linux'],
    [1022, 'aarch64'],
    [1124, 'cpio'],
    [1125, 'gzip'],
    [1126, '9'],
    [1007, 'localhost'],
    [1044, 'acme-hello-1.0.0-1.src.rpm'],
    [1023, SCRIPTS.pre],
    [1085, '/bin/sh'],
    [1026, SCRIPTS.postun],
    [1088, '/bin/sh'],
  ];
  for (const [tag, value] of strings) assert.equal(tagValue(hd, tag), value, `tag ${tag}`);
  assert.ok(!hasTag(hd, 1024) && !hasTag(hd, 1025), 'no %post or %preun given, none written');
  assert.deepEqual(tagValue(hd, 100), ['C']);
  assert.deepEqual(tagValue(hd, 1006), [BUILD_TIME]);
  assert.deepEqual(tagValue(hd, 5092), [createHash('sha256').update(rpm.payload).digest('hex')]);
  assert.deepEqual(tagValue(hd, 5093), [8]);
  assert.deepEqual(tagValue(hd, 5011), [8]);
  const listed = entries().filter((e) => LISTED.includes(e.path));
  assert.deepEqual(tagValue(hd, 1009), [listed.reduce((sum, e) => sum + contents(e).length, 0)]);
  const provides = tagValue(hd, 1047) as string[];
  assert.deepEqual(provides, ['acme-hello', 'acme-hello(aarch-64)', 'config(acme-hello)']);
  const requires = tagValue(hd, 1049) as string[];
  assert.ok(
    requires.includes('/bin/sh') && requires.includes('config(acme-hello)') && requires.includes('rpmlib(FileDigests)'),
  );
});

test('file arrays match the cpio payload entry by entry: paths, modes, sizes, digests, links, flags, owners, inodes', async () => {
  const { rpm } = await build(await tempDir());
  const hd = rpm.header;
  const cpio = readNewc(gunzipSync(rpm.payload));
  const listed = entries().filter((e) => LISTED.includes(e.path));
  assert.deepEqual(
    listed.map((e) => e.path),
    LISTED,
    'the test lists what rpmFiles selects',
  );
  // Paths: DIRNAMES[DIRINDEXES[i]] + BASENAMES[i].
  const dirNames = tagValue(hd, 1118) as string[];
  const dirIndexes = tagValue(hd, 1116) as number[];
  const baseNames = tagValue(hd, 1117) as string[];
  assert.deepEqual(
    baseNames.map((b, i) => `${dirNames[dirIndexes[i]!]}${b}`),
    LISTED.map((p) => `/${p}`),
  );
  assert.deepEqual(
    cpio.entries.map((c) => c.name),
    LISTED.map((p) => `./${p}`),
  );
  const modes = tagValue(hd, 1030) as number[];
  assert.deepEqual(
    cpio.entries.map((c) => c.mode),
    modes,
  );
  assert.deepEqual(
    modes,
    listed.map((e) => (e.kind === 'dir' ? 0o40000 | e.mode : e.kind === 'symlink' ? 0o120777 : 0o100000 | e.mode)),
  );
  assert.deepEqual(
    tagValue(hd, 1028),
    cpio.entries.map((c) => c.size),
  );
  assert.deepEqual(
    cpio.entries.map((c) => c.data),
    listed.map(contents),
  );
  assert.deepEqual(
    tagValue(hd, 1035),
    listed.map((e) => (e.kind === 'file' ? createHash('sha256').update(contents(e)).digest('hex') : '')),
  );
  assert.deepEqual(
    tagValue(hd, 1036),
    listed.map((e) => (e.kind === 'symlink' ? e.target : '')),
  );
  assert.deepEqual(
    tagValue(hd, 1037),
    listed.map((e) => (e.path === 'etc/acme-hello/env' ? 1 | 16 : e.path.endsWith('/README') ? 2 : 0)),
  );
  const owners = listed.map((e) => (e.path === 'var/lib/acme-hello' ? 'acme-hello' : 'root'));
  assert.deepEqual(tagValue(hd, 1039), owners);
  assert.deepEqual(tagValue(hd, 1040), owners);
  // FILEINODES: 1..n, unique (rpm finds hard links by them; there are none). The payload's inode
  // numbers count from 1 in each segment (rpm reads none of them; every c_nlink is 1).
  assert.deepEqual(
    tagValue(hd, 1096),
    listed.map((_, i) => i + 1),
  );
  let ino = 0;
  assert.deepEqual(
    cpio.entries.map((c) => c.ino),
    listed.map((e, i) => (i > 0 && segmentId(e.path) === segmentId(listed[i - 1]!.path) ? ++ino : (ino = 1))),
  );
  assert.deepEqual(
    tagValue(hd, 1034),
    listed.map(() => BUILD_TIME),
  );
  assert.ok(cpio.entries.every((c) => c.mtime === BUILD_TIME && c.uid === 0 && c.gid === 0 && c.nlink === 1));
});

test('the same inputs give the same bytes; "none" stores the same cpio archive as is', async () => {
  const first = await build(await tempDir());
  const second = await build(await tempDir());
  assert.ok(first.bytes.equals(second.bytes));
  const plain = await build(await tempDir(), { compression: 'none', level: 0 });
  assert.equal(tagValue(plain.rpm.header, 1125), 'identity');
  assert.ok(plain.rpm.payload.equals(gunzipSync(first.rpm.payload)));
  assert.deepEqual(tagValue(plain.rpm.signature, 1007), [plain.rpm.payload.length]);
});

test('an empty file list: no file arrays, a payload of just the trailer', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'empty.rpm');
  const result = await writeRpm({
    outFile: file,
    manifest,
    arch: 'noarch',
    files: rpmFiles([], manifest),
    scripts: {},
    compression: 'gzip',
    level: 6,
  });
  await result.commit();
  const rpm = readRpm(readFileSync(file));
  assert.ok(!hasTag(rpm.header, 1117) && !hasTag(rpm.header, 1035));
  assert.deepEqual(readNewc(gunzipSync(rpm.payload)).entries, []);
  assert.deepEqual(tagValue(rpm.header, 1047), ['acme-hello']);
});

test('a file that changed size since it was collected fails the build and leaves nothing behind', async () => {
  const dir = await tempDir();
  const list = entries().map((e) => (e.path === 'opt/acme-hello/big.bin' ? { ...e, size: bigFile.length + 1 } : e));
  await assert.rejects(
    writeRpm({
      outFile: path.join(dir, 'x.rpm'),
      manifest,
      arch: 'noarch',
      files: rpmFiles(list, manifest),
      scripts: {},
      compression: 'gzip',
      level: 6,
    }),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'PKGAPP_FILE_CHANGED');
      return true;
    },
  );
  assert.deepEqual(await readdir(dir), []);
});

test('signed: header signature (267) over the main header, header+payload signature (1005), no reserved space', async () => {
  const keyDir = await tempDir();
  const key = await keygen({
    name: 'Rpm Test',
    email: 'rpm@example.com',
    out: path.join(keyDir, 'key'),
    type: 'ed25519',
  });
  const signer = await loadSigner({ file: key.secretKeyFile, date: new Date(BUILD_TIME * 1000) });
  const { rpm } = await build(await tempDir(), { signer });
  const sig = rpm.signature;
  assert.deepEqual(
    sig.index.map((e) => e.tag),
    [62, 267, 269, 273, 1000, 1004, 1005, 1007],
  );
  const publicKey = await openpgp.readKey({ armoredKey: readFileSync(key.publicKeyFile, 'utf8') });
  const verify = async (signature: Buffer, data: Buffer) => {
    const result = await openpgp.verify({
      message: await openpgp.createMessage({ binary: data }),
      signature: await openpgp.readSignature({ binarySignature: signature }),
      verificationKeys: publicKey,
      expectSigned: true,
    });
    await result.signatures[0]!.verified;
  };
  await verify(tagValue(sig, 267) as Buffer, rpm.header.bytes);
  await verify(tagValue(sig, 1005) as Buffer, Buffer.concat([rpm.header.bytes, rpm.payload]));
  await assert.rejects(verify(tagValue(sig, 267) as Buffer, Buffer.concat([rpm.header.bytes, Buffer.from([0])])));
  assert.deepEqual(
    tagValue(sig, 1004),
    createHash('md5')
      .update(Buffer.concat([rpm.header.bytes, rpm.payload]))
      .digest(),
  );
});

test('xz and zstd payloads: the same cpio archive as "none", named in the header and required as rpmlib features (needs xz and zstd)', async (t) => {
  if (!requireTools(t, ['xz', 'zstd'])) return;
  const plain = (await build(await tempDir(), { compression: 'none', level: 0 })).rpm.payload;
  for (const [compression, feature, decompress] of [
    ['xz', 'rpmlib(PayloadIsXz)', ['xz', '-dc']],
    ['zstd', 'rpmlib(PayloadIsZstd)', ['zstd', '-dcq']],
  ] as const) {
    const { rpm, bytes } = await build(await tempDir(), { compression, level: 3 });
    assert.ok(
      bytes.equals((await build(await tempDir(), { compression, level: 3 })).bytes),
      `${compression}: same bytes twice`,
    );
    assert.equal(tagValue(rpm.header, 1125), compression);
    assert.equal(tagValue(rpm.header, 1126), '3');
    assert.ok((tagValue(rpm.header, 1049) as string[]).includes(feature));
    const out = spawnSync(decompress[0], decompress.slice(1), { input: rpm.payload, maxBuffer: 1 << 30 });
    assert.equal(out.status, 0, String(out.stderr));
    assert.ok(out.stdout.equals(plain), `${compression}: the same cpio`);
    assert.deepEqual(tagValue(rpm.signature, 1007), [plain.length]);
    assert.deepEqual(tagValue(rpm.header, 5092), [createHash('sha256').update(rpm.payload).digest('hex')]);
  }
});
