// src/deb/write-deb.ts end to end without dpkg: the .deb is taken apart with the test's own ar
// and tar readers (test/helpers/decoders/) and zlib's inflate, and every member is checked
// against the entries it was written from: member order, control.tar contents, md5sums, the data
// tar's names, modes, link targets and bytes, the origin signature (checked with OpenPGP.js).
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
import { writeDeb, type DebWriteInput } from '../../src/deb/write-deb.js';
import { keygen } from '../../src/sign/keygen.js';
import { loadSigner } from '../../src/sign/openpgp-signer.js';
import type { Signer } from '../../src/sign/signer.js';
import { readAr } from '../helpers/decoders/ar.js';
import { readTar, type TarMember } from '../helpers/decoders/tar.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

const MTIME = 1795651200;
const CONTROL =
  'Package: acme-hello\nVersion: 1.0.0-1\nArchitecture: all\nMaintainer: Acme Ops <ops@acme.example>\nDescription: Tiny greeting\n';
const SCRIPTS = { postinst: '#!/bin/sh\nset -e\necho configured\n', prerm: '#!/bin/sh\nset -e\n' };
const LONG_DIR = `opt/acme-hello/node_modules/${'nested-package-directory/'.repeat(5)}`.slice(0, -1);

let source: string;
let bigFile: Buffer;
let scriptFile: Buffer;

before(async () => {
  source = await tempDir('pkgapp-deb-src-');
  bigFile = Buffer.from(Array.from({ length: 3 * (1 << 20) + 77 }, (_, i) => (i * 7919) % 251));
  writeFileSync(path.join(source, 'big.bin'), bigFile);
  scriptFile = Buffer.from('#!/usr/bin/env node\nconsole.log("hi");\n');
  writeFileSync(path.join(source, 'cli.js'), scriptFile);
});

/** The entries, in package order, with every parent directory before its contents. */
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
    // The #! line rewritten: the source's first 19 bytes ("#!/usr/bin/env node") replaced by 23.
    {
      kind: 'file',
      path: 'opt/acme-hello/cli.js',
      mode: 0o755,
      size: scriptFile.length - 19 + 23,
      source: { file: path.join(source, 'cli.js') },
      rewriteHead: { skip: 19, insert: Buffer.from('#!/usr/bin/node --flags') },
    },
    { kind: 'file', path: 'opt/acme-hello/empty', mode: 0o644, size: 0, source: { body: Buffer.alloc(0) } },
    { kind: 'dir', path: 'opt/acme-hello/node_modules', mode: 0o755 },
    ...LONG_DIR.split('/')
      .slice(3)
      .map((_, i, parts): ContentEntry => ({
        kind: 'dir',
        path: `opt/acme-hello/node_modules/${parts.slice(0, i + 1).join('/')}`,
        mode: 0o755,
      })),
    {
      kind: 'file',
      path: `${LONG_DIR}/index-with-a-long-name.js`,
      mode: 0o644,
      size: 12,
      source: { body: Buffer.from('module.x=1;\n') },
    },
    { kind: 'dir', path: 'usr', mode: 0o755 },
    { kind: 'dir', path: 'usr/bin', mode: 0o755 },
    { kind: 'symlink', path: 'usr/bin/hello', target: '../../opt/acme-hello/cli.js' },
    { kind: 'symlink', path: 'usr/bin/deep', target: `../../${LONG_DIR}/index-with-a-long-name.js` },
  ];
}

/** The bytes a file entry stands for. */
function entryBytes(e: ContentEntry & { kind: 'file' }): Buffer {
  if ('body' in e.source) return e.source.body;
  const raw = readFileSync(e.source.file);
  return e.rewriteHead ? Buffer.concat([e.rewriteHead.insert, raw.subarray(e.rewriteHead.skip)]) : raw;
}

async function build(
  dir: string,
  extra: Partial<DebWriteInput> = {},
): Promise<{ file: string; bytes: Buffer; result: Awaited<ReturnType<typeof writeDeb>> }> {
  const file = path.join(dir, 'acme-hello_1.0.0-1_all.deb');
  const result = await writeDeb({
    outFile: file,
    entries: entries(),
    control: CONTROL,
    scripts: SCRIPTS,
    compression: 'gzip',
    level: 9,
    mtime: MTIME,
    ...extra,
  });
  await result.commit();
  return { file, bytes: readFileSync(file), result };
}

function members(tar: TarMember[]): Map<string, TarMember> {
  return new Map(tar.map((m) => [m.name, m]));
}

test('the rewritten #! entry is what the test means it to be', () => {
  const cli = entries().find((e) => e.path === 'opt/acme-hello/cli.js') as ContentEntry & { kind: 'file' };
  assert.equal(entryBytes(cli).length, cli.size);
  assert.ok(entryBytes(cli).toString().startsWith('#!/usr/bin/node --flags\nconsole.log'));
});

test('ar container: debian-binary, control.tar.gz, data.tar.gz, in that order, root-owned, mode 100644, SOURCE_DATE_EPOCH', async () => {
  const dir = await tempDir();
  const { bytes, result } = await build(dir);
  const ar = readAr(bytes);
  assert.deepEqual(
    ar.map((m) => m.name),
    ['debian-binary', 'control.tar.gz', 'data.tar.gz'],
  );
  assert.ok(ar.every((m) => m.mtime === MTIME && m.uid === 0 && m.gid === 0 && m.mode === 0o100644));
  assert.equal(ar[0]!.data.toString(), '2.0\n');
  assert.equal(result.size, bytes.length);
  assert.equal(result.sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.equal(result.path, path.join(dir, 'acme-hello_1.0.0-1_all.deb'));
  assert.deepEqual(await readdir(dir), ['acme-hello_1.0.0-1_all.deb'], 'no scratch or temporary file left');
});

test('control.tar.gz: control, conffiles, md5sums of every file but the conffile, scripts 0755', async () => {
  const dir = await tempDir();
  const ar = readAr((await build(dir)).bytes);
  const control = readTar(gunzipSync(ar[1]!.data));
  assert.deepEqual(
    control.map((m) => [m.name, m.type, m.mode]),
    [
      ['./', '5', 0o755],
      ['./control', '0', 0o644],
      ['./conffiles', '0', 0o644],
      ['./md5sums', '0', 0o644],
      ['./postinst', '0', 0o755],
      ['./prerm', '0', 0o755],
    ],
  );
  assert.ok(control.every((m) => m.mtime === MTIME && m.uname === 'root' && m.magic === 'ustar  \0'));
  const byName = members(control);
  assert.equal(byName.get('./control')!.data.toString(), CONTROL);
  assert.equal(byName.get('./conffiles')!.data.toString(), '/etc/acme-hello/env\n');
  assert.equal(byName.get('./postinst')!.data.toString(), SCRIPTS.postinst);
  assert.equal(byName.get('./prerm')!.data.toString(), SCRIPTS.prerm);
  const expected = entries()
    .filter((e): e is ContentEntry & { kind: 'file' } => e.kind === 'file' && !e.conffile)
    .map((e) => `${createHash('md5').update(entryBytes(e)).digest('hex')}  ${e.path}\n`)
    .join('');
  assert.equal(byName.get('./md5sums')!.data.toString(), expected);
});

test('data.tar.gz: "./" then every entry in order, with names, types, modes, link targets, bytes and mtime', async () => {
  const dir = await tempDir();
  const ar = readAr((await build(dir)).bytes);
  const data = readTar(gunzipSync(ar[2]!.data));
  const list = entries();
  assert.equal(data.length, list.length + 1);
  assert.deepEqual([data[0]!.name, data[0]!.type, data[0]!.mode], ['./', '5', 0o755]);
  list.forEach((e, i) => {
    const m = data[i + 1]!;
    assert.equal(m.name, e.kind === 'dir' ? `./${e.path}/` : `./${e.path}`);
    assert.equal(m.mtime, MTIME, e.path);
    assert.deepEqual([m.uid, m.gid, m.uname, m.gname], [0, 0, 'root', 'root']);
    if (e.kind === 'dir') assert.deepEqual([m.type, m.mode, m.size], ['5', e.mode, 0], e.path);
    else if (e.kind === 'symlink')
      assert.deepEqual([m.type, m.mode, m.linkname, m.size], ['2', 0o777, e.target, 0], e.path);
    else {
      assert.deepEqual([m.type, m.mode, m.size], ['0', e.mode, e.size], e.path);
      assert.ok(m.data.equals(entryBytes(e)), `${e.path}: the bytes`);
    }
  });
  // The long path and the long link target went through ././@LongLink, not PAX.
  assert.ok(data.some((m) => m.longLinks.includes('L')) && data.some((m) => m.longLinks.includes('K')));
});

test('the same inputs give the same bytes; none and gzip hold the same tars', async () => {
  const [a, b, c] = [await tempDir(), await tempDir(), await tempDir()];
  const first = await build(a);
  const second = await build(b);
  assert.ok(first.bytes.equals(second.bytes));
  const plain = await build(c, { compression: 'none' });
  const arPlain = readAr(plain.bytes);
  const arGzip = readAr(first.bytes);
  assert.deepEqual(
    arPlain.map((m) => m.name),
    ['debian-binary', 'control.tar.gz', 'data.tar'],
  );
  assert.ok(arPlain[2]!.data.equals(gunzipSync(arGzip[2]!.data)));
  assert.ok(gunzipSync(arPlain[1]!.data).equals(gunzipSync(arGzip[1]!.data)));
});

test('thousands of files: md5sums streamed through zlib while the data is written gives the same control.tar', async () => {
  const dir = await tempDir();
  const many: ContentEntry[] = [
    { kind: 'dir', path: 'opt', mode: 0o755 },
    { kind: 'dir', path: 'opt/many', mode: 0o755 },
  ];
  // 35 + 96 bytes per md5sums line, 9000 lines: over the 1 MiB from which md5sums is streamed.
  for (let i = 0; i < 9000; i++)
    many.push({
      kind: 'file',
      path: `opt/many/${String(i).padStart(6, '0')}-${'f'.repeat(80)}.js`,
      mode: 0o644,
      size: 4,
      source: { body: Buffer.from(String(i % 10).repeat(4)) },
    });
  const file = path.join(dir, 'many.deb');
  const result = await writeDeb({
    outFile: file,
    entries: many,
    control: CONTROL,
    scripts: {},
    compression: 'gzip',
    level: 6,
    mtime: MTIME,
  });
  await result.commit();
  const ar = readAr(readFileSync(file));
  const control = members(readTar(gunzipSync(ar[1]!.data)));
  assert.deepEqual([...control.keys()], ['./', './control', './md5sums']);
  const lines = control.get('./md5sums')!.data.toString().split('\n');
  assert.equal(lines.length, 9001);
  assert.equal(lines[4321], `${createHash('md5').update('1111').digest('hex')}  opt/many/004321-${'f'.repeat(80)}.js`);
  assert.equal(readTar(gunzipSync(ar[2]!.data)).length, 9003);
});

test('a file that changed size since it was collected fails the build and leaves nothing behind', async () => {
  const dir = await tempDir();
  const list = entries().map((e) => (e.path === 'opt/acme-hello/big.bin' ? { ...e, size: bigFile.length - 1 } : e));
  await assert.rejects(
    writeDeb({
      outFile: path.join(dir, 'x.deb'),
      entries: list,
      control: CONTROL,
      scripts: {},
      compression: 'gzip',
      level: 6,
      mtime: MTIME,
    }),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'PKGAPP_FILE_CHANGED');
      assert.match(error.message, /big\.bin changed while the package was being built/);
      return true;
    },
  );
  assert.deepEqual(await readdir(dir), []);
});

test('abort removes the written package', async () => {
  const dir = await tempDir();
  const result = await writeDeb({
    outFile: path.join(dir, 'x.deb'),
    entries: entries(),
    control: CONTROL,
    scripts: {},
    compression: 'none',
    level: 0,
    mtime: MTIME,
  });
  assert.equal((await readdir(dir)).length, 1);
  await result.abort();
  assert.deepEqual(await readdir(dir), []);
});

test('origin signature: a _gpgorigin member after data.tar, over debian-binary + control + data member bytes', async () => {
  const dir = await tempDir();
  const key = await keygen({ name: 'Deb Test', email: 'deb@example.com', out: path.join(dir, 'key'), type: 'ed25519' });
  const signer: Signer = await loadSigner({ file: key.secretKeyFile, date: new Date(MTIME * 1000) });
  const out = await tempDir();
  const ar = readAr((await build(out, { signer })).bytes);
  assert.deepEqual(
    ar.map((m) => m.name),
    ['debian-binary', 'control.tar.gz', 'data.tar.gz', '_gpgorigin'],
  );
  const signed = Buffer.concat([ar[0]!.data, ar[1]!.data, ar[2]!.data]);
  const verification = await openpgp.verify({
    message: await openpgp.createMessage({ binary: signed }),
    signature: await openpgp.readSignature({ binarySignature: ar[3]!.data }),
    verificationKeys: await openpgp.readKey({ armoredKey: readFileSync(key.publicKeyFile, 'utf8') }),
    expectSigned: true,
  });
  await verification.signatures[0]!.verified;
  const tampered = Buffer.from(signed);
  tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
  await assert.rejects(
    openpgp.verify({
      message: await openpgp.createMessage({ binary: tampered }),
      signature: await openpgp.readSignature({ binarySignature: ar[3]!.data }),
      verificationKeys: await openpgp.readKey({ armoredKey: readFileSync(key.publicKeyFile, 'utf8') }),
      expectSigned: true,
    }),
  );
});

test('xz and zstd: data.tar.xz / data.tar.zst hold the same tar as "none" (needs the xz and zstd programs)', async (t) => {
  if (!requireTools(t, ['xz', 'zstd'])) return;
  const plain = readAr((await build(await tempDir(), { compression: 'none' })).bytes)[2]!.data;
  for (const [compression, name, decompress] of [
    ['xz', 'data.tar.xz', ['xz', '-dc']],
    ['zstd', 'data.tar.zst', ['zstd', '-dcq']],
  ] as const) {
    const first = await build(await tempDir(), { compression, level: 3 });
    const again = await build(await tempDir(), { compression, level: 3 });
    assert.ok(first.bytes.equals(again.bytes), `${compression}: same bytes twice`);
    const member = readAr(first.bytes)[2]!;
    assert.equal(member.name, name);
    const out = spawnSync(decompress[0], decompress.slice(1), { input: member.data, maxBuffer: 1 << 30 });
    assert.equal(out.status, 0, String(out.stderr));
    assert.ok(out.stdout.equals(plain), `${compression}: the same tar`);
  }
});
