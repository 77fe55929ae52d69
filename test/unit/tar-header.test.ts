// src/deb/tar-header.ts against inline golden bytes and two decoders that share no code with it:
// test/helpers/decoders/tar.ts (strict, written from the GNU tar format) and tar-stream.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import {
  BLOCK,
  encodeTarHeader,
  TarHeaderEncoder,
  tarPadding,
  tarTrailer,
  type TarHeaderFields,
} from '../../src/deb/tar-header.js';
import { headerChecksum, readTar, readTarHeader } from '../helpers/decoders/tar.js';

/** A 512-byte block: zeros except the given latin1 strings at their offsets. */
function block(fields: Record<number, string>): Buffer {
  const b = Buffer.alloc(512);
  for (const [offset, text] of Object.entries(fields)) b.write(text, Number(offset), 'latin1');
  return b;
}

/** An archive of the given entries, each file followed by `size` bytes of data and padding. */
function archive(entries: TarHeaderFields[], encode: (f: TarHeaderFields) => Buffer = encodeTarHeader): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(Buffer.from(encode(e)));
    if (e.type === 'file') parts.push(body(e.size), tarPadding(e.size));
  }
  parts.push(tarTrailer());
  return Buffer.concat(parts);
}

function body(size: number): Buffer {
  return Buffer.from(Array.from({ length: size }, (_, i) => 0x41 + (i % 26)));
}

async function tarStream(bytes: Buffer): Promise<
  {
    name: string;
    type: string;
    mode: number;
    size: number;
    mtime: number;
    linkname: string;
    uname: string;
    data: Buffer;
  }[]
> {
  const seen: {
    name: string;
    type: string;
    mode: number;
    size: number;
    mtime: number;
    linkname: string;
    uname: string;
    data: Buffer;
  }[] = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      seen.push({
        name: header.name,
        type: header.type ?? '',
        mode: header.mode ?? -1,
        size: header.size ?? -1,
        mtime: (header.mtime?.getTime() ?? -1) / 1000,
        linkname: header.linkname ?? '',
        uname: header.uname ?? '',
        data: Buffer.concat(chunks),
      });
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    Readable.from([bytes]).pipe(extract);
  });
  return seen;
}

test('a regular file header, byte for byte (GNU format, as dpkg-deb writes it)', () => {
  const expected = block({
    0: './opt/app/a.js',
    100: '0000644\0', // mode
    108: '0000000\0', // uid
    116: '0000000\0', // gid
    124: '00000000005\0', // size
    136: '15301673200\0', // mtime 1795651200
    148: '012041\0 ', // checksum: six octal digits, NUL, space
    156: '0', // regular file
    257: 'ustar  \0', // GNU magic + version
    265: 'root',
    297: 'root',
  });
  const header = encodeTarHeader({ name: './opt/app/a.js', type: 'file', mode: 0o644, size: 5, mtime: 1795651200 });
  assert.equal(header.toString('hex'), expected.toString('hex'));
  assert.equal(headerChecksum(header), 0o12041);
});

test('a directory and a symlink header, byte for byte: size 0, typeflag 5 and 2, target at 157', () => {
  const dir = encodeTarHeader({ name: './opt/app/', type: 'dir', mode: 0o755, size: 4096, mtime: 0 });
  assert.equal(
    dir.toString('hex'),
    block({
      0: './opt/app/',
      100: '0000755\0',
      108: '0000000\0',
      116: '0000000\0',
      124: '00000000000\0',
      136: '00000000000\0',
      148: '011234\0 ',
      156: '5',
      257: 'ustar  \0',
      265: 'root',
      297: 'root',
    }).toString('hex'),
  );
  const link = encodeTarHeader({
    name: './usr/bin/hello',
    type: 'symlink',
    mode: 0o777,
    size: 0,
    mtime: 0,
    linkname: '../../opt/app/bin/hello.js',
  });
  assert.equal(
    link.toString('hex'),
    block({
      0: './usr/bin/hello',
      100: '0000777\0',
      108: '0000000\0',
      116: '0000000\0',
      124: '00000000000\0',
      136: '00000000000\0',
      148: '016477\0 ',
      156: '2',
      157: '../../opt/app/bin/hello.js',
      257: 'ustar  \0',
      265: 'root',
      297: 'root',
    }).toString('hex'),
  );
});

test('a ././@LongLink pair, byte for byte: the name NUL-terminated in its own padded block', () => {
  const name = `./opt/app/${'n'.repeat(95)}`; // 105 bytes
  const bytes = encodeTarHeader({ name, type: 'file', mode: 0o644, size: 0, mtime: 0 });
  assert.equal(bytes.length, 3 * BLOCK);
  assert.equal(
    bytes.subarray(0, 512).toString('hex'),
    block({
      0: '././@LongLink',
      100: '0000644\0',
      108: '0000000\0',
      116: '0000000\0',
      124: '00000000152\0',
      136: '00000000000\0',
      148: '011601\0 ',
      156: 'L',
      257: 'ustar  \0',
      265: 'root',
      297: 'root',
    }).toString('hex'),
  );
  assert.equal(bytes.subarray(512, 1024).toString('hex'), block({ 0: `${name}\0` }).toString('hex'));
  // The member's own header keeps the first 100 bytes of the name, as GNU tar does.
  assert.equal(bytes.subarray(1024, 1124).toString('latin1'), name.slice(0, 100));
});

const VARIETY: TarHeaderFields[] = [
  { name: './', type: 'dir', mode: 0o755, size: 0, mtime: 1795651200 },
  { name: './opt/app/', type: 'dir', mode: 0o2750, size: 0, mtime: 1795651200 },
  { name: './opt/app/empty', type: 'file', mode: 0o600, size: 0, mtime: 0 },
  { name: './opt/app/one', type: 'file', mode: 0o644, size: 1, mtime: 1 },
  { name: './opt/app/block', type: 'file', mode: 0o644, size: 512, mtime: 2 },
  { name: './opt/app/block+1', type: 'file', mode: 0o4755, size: 513, mtime: 0o77777777777 },
  { name: `./${'a'.repeat(98)}`, type: 'file', mode: 0o644, size: 3, mtime: 5 }, // exactly 100 bytes: no NUL, no long link
  { name: `./${'b'.repeat(99)}`, type: 'file', mode: 0o644, size: 3, mtime: 5 }, // 101 bytes
  { name: `./opt/app/${'ü'.repeat(46)}`, type: 'file', mode: 0o644, size: 7, mtime: 5 }, // 56 characters, 102 bytes
  { name: './opt/app/link100', type: 'symlink', mode: 0o777, size: 0, mtime: 9, linkname: 'l'.repeat(100) },
  { name: './opt/app/link101', type: 'symlink', mode: 0o777, size: 0, mtime: 9, linkname: 'l'.repeat(101) },
  {
    name: `./opt/app/${'long/'.repeat(30)}both`,
    type: 'symlink',
    mode: 0o777,
    size: 0,
    mtime: 9,
    linkname: `../${'t'.repeat(200)}`,
  },
  { name: `./opt/app/${'deep/'.repeat(40)}`, type: 'dir', mode: 0o755, size: 0, mtime: 9 },
  // The 100-byte cut falls inside a two-byte character (header name 99 bytes and half of one).
  { name: `./opt/app/x${'ü'.repeat(46)}`, type: 'file', mode: 0o755, size: 70000, mtime: 9 },
  { name: `./opt/app/${'n'.repeat(300)}.js`, type: 'file', mode: 0o644, size: 12, mtime: 1795651200 },
];

test('every field reads back with the strict decoder: names, long names, modes, mtimes, sizes, link targets', () => {
  const members = readTar(archive(VARIETY));
  assert.equal(members.length, VARIETY.length);
  VARIETY.forEach((expected, i) => {
    const m = members[i]!;
    const what = `entry ${i} (${expected.name.slice(0, 30)}…)`;
    assert.equal(m.name, expected.name, what);
    assert.equal(m.type, { file: '0', dir: '5', symlink: '2' }[expected.type], what);
    assert.equal(m.mode, expected.mode, what);
    assert.equal(m.size, expected.type === 'file' ? expected.size : 0, what);
    assert.equal(m.mtime, expected.mtime, what);
    assert.equal(m.linkname, expected.linkname ?? '', what);
    assert.deepEqual([m.uid, m.gid, m.uname, m.gname, m.magic], [0, 0, 'root', 'root', 'ustar  \0'], what);
    assert.ok(m.data.equals(body(m.size)), what);
    const long = [
      ...(Buffer.byteLength(expected.linkname ?? '') > 100 ? ['K'] : []),
      ...(Buffer.byteLength(expected.name) > 100 ? ['L'] : []),
    ];
    assert.deepEqual(m.longLinks, long, what);
  });
});

test('tar-stream reads the same archive the same way', async () => {
  const seen = await tarStream(archive(VARIETY));
  assert.deepEqual(
    seen.map((e) => [e.name, e.type, e.mode, e.size, e.mtime, e.linkname, e.uname]),
    VARIETY.map((e) => [
      e.name,
      { file: 'file', dir: 'directory', symlink: 'symlink' }[e.type],
      e.mode,
      e.type === 'file' ? e.size : 0,
      e.mtime,
      e.linkname ?? '',
      'root',
    ]),
  );
});

test('TarHeaderEncoder writes the same bytes as encodeTarHeader, and nothing stale from the previous entry', () => {
  const encoder = new TarHeaderEncoder();
  // Each short entry after a longer one: a reused block must not keep the longer name's tail.
  const order = [...VARIETY, ...VARIETY.slice().reverse()];
  for (const fields of order) assert.ok(encoder.encode(fields).equals(encodeTarHeader(fields)), fields.name);
  assert.ok(archive(VARIETY, (f) => encoder.encode(f)).equals(archive(VARIETY)));
});

test('sizes: 11 octal digits up to 8 GiB - 1, GNU base-256 above; directories and symlinks store 0', () => {
  const sizeField = (size: number) =>
    encodeTarHeader({ name: './big', type: 'file', mode: 0o644, size, mtime: 0 }).subarray(124, 136);
  assert.equal(sizeField(0o77777777777).toString('latin1'), '77777777777\0');
  assert.equal(sizeField(2 ** 33).toString('hex'), '800000000000000200000000');
  assert.equal(sizeField(Number.MAX_SAFE_INTEGER).toString('hex'), '80000000001fffffffffffff');
  for (const size of [0o77777777777, 2 ** 33, 2 ** 33 + 5, 5 * 2 ** 40 + 1, Number.MAX_SAFE_INTEGER]) {
    const header = encodeTarHeader({ name: './big', type: 'file', mode: 0o644, size, mtime: 0 });
    assert.equal(readTarHeader(header).size, size);
    assert.ok(
      new TarHeaderEncoder().encode({ name: './big', type: 'file', mode: 0o644, size, mtime: 0 }).equals(header),
    );
  }
  assert.equal(
    encodeTarHeader({ name: './d/', type: 'dir', mode: 0o755, size: 99, mtime: 0 })
      .subarray(124, 136)
      .toString('latin1'),
    '00000000000\0',
  );
  assert.equal(
    encodeTarHeader({ name: './l', type: 'symlink', mode: 0o777, size: 99, mtime: 0, linkname: 'x' })
      .subarray(124, 136)
      .toString('latin1'),
    '00000000000\0',
  );
});

test('values that do not fit are refused, not truncated', () => {
  const base: TarHeaderFields = { name: './f', type: 'file', mode: 0o644, size: 0, mtime: 0 };
  assert.throws(() => encodeTarHeader({ ...base, size: -1 }), /invalid tar entry size -1/);
  assert.throws(() => encodeTarHeader({ ...base, size: 1.5 }), /invalid tar entry size 1.5/);
  assert.throws(() => encodeTarHeader({ ...base, size: 2 ** 53 }), /invalid tar entry size/);
  assert.throws(() => encodeTarHeader({ ...base, mtime: 8 ** 11 }), /does not fit 11 octal digits/);
  assert.throws(() => encodeTarHeader({ ...base, mode: 8 ** 7 }), /does not fit 7 octal digits/);
  assert.throws(() => new TarHeaderEncoder().encode({ ...base, mtime: 8 ** 11 }), /does not fit 11 octal digits/);
});

test('padding to whole blocks and the two-block end marker', () => {
  assert.deepEqual(
    [0, 1, 511, 512, 513, 1024, 1025].map((n) => tarPadding(n).length),
    [0, 511, 1, 0, 511, 0, 511],
  );
  assert.ok([1, 100, 511].every((n) => tarPadding(n).every((b) => b === 0)));
  const trailer = tarTrailer();
  assert.equal(trailer.length, 2 * BLOCK);
  assert.ok(trailer.every((b) => b === 0));
  assert.deepEqual(readTar(trailer), []);
});
