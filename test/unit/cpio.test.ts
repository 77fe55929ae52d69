// src/rpm/cpio.ts against inline golden bytes and test/helpers/decoders/cpio.ts, a newc reader
// that shares no code with it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpioPadding, CpioHeaderEncoder, encodeCpioHeader, encodeCpioTrailer } from '../../src/rpm/cpio.js';
import { readNewc } from '../helpers/decoders/cpio.js';

type Fields = Parameters<CpioHeaderEncoder['encode']>[0];

test('a file entry header, byte for byte: 13 hex fields, the name with its NUL, zero padding to 4', () => {
  const header = encodeCpioHeader({ ino: 1, mode: 0o100644, size: 5, mtime: 1795651200, name: './a' }, 0);
  const fields = [
    '00000001', // ino
    '000081a4', // mode: S_IFREG | 0644
    '00000000', // uid
    '00000000', // gid
    '00000001', // nlink
    '6b077680', // mtime 1795651200
    '00000005', // filesize
    '00000000',
    '00000000',
    '00000000',
    '00000000', // dev and rdev major/minor
    '00000004', // namesize, NUL included
    '00000000', // check
  ];
  assert.equal(header.toString('latin1'), `070701${fields.join('')}./a\0\0\0`); // 110 + 4 = 114, padded to 116
});

test('the trailer, byte for byte, and its padding from the archive offset', () => {
  const trailer = encodeCpioTrailer(0);
  assert.equal(
    trailer.toString('latin1'),
    `070701${'00000000'.repeat(4)}00000001${'00000000'.repeat(6)}0000000b00000000TRAILER!!!\0\0\0\0`,
  ); // 110 + 11 = 121, padded to 124
  for (const offset of [0, 1, 2, 3, 4, 1001])
    assert.equal((offset + encodeCpioTrailer(offset).length) % 4, 0, `offset ${offset}`);
});

test('CpioHeaderEncoder writes what encodeCpioHeader writes, for every padding case and after longer names', () => {
  const encoder = new CpioHeaderEncoder();
  const names = [
    '.',
    './a',
    './ab',
    './abc',
    './abcd',
    './opt/app/ünïcödé.js',
    `./opt/app/${'x/'.repeat(400)}end`,
    './b',
  ];
  for (const name of names) {
    for (const offset of [0, 1, 2, 3, 4096]) {
      const fields: Fields = { ino: 7, mode: 0o100755, size: 123456, mtime: 1795651200, name };
      assert.ok(
        encoder.encode(fields, offset).equals(encodeCpioHeader(fields, offset)),
        `${name.slice(0, 20)} at ${offset}`,
      );
    }
  }
  const max: Fields = { ino: 0xffffffff, mode: 0o120777, size: 0xffffffff, mtime: 0xffffffff, name: './max' };
  assert.ok(encoder.encode(max, 0).equals(encodeCpioHeader(max, 0)));
  assert.equal(encoder.encode(max, 0).subarray(6, 14).toString('latin1'), 'ffffffff');
});

test('an archive of files, directories and symlinks reads back with every field, its data and the trailer', () => {
  const entries: (Fields & { data: Buffer })[] = [
    { ino: 1, mode: 0o40755, size: 0, mtime: 1795651200, name: './opt/app', data: Buffer.alloc(0) },
    { ino: 2, mode: 0o100644, size: 0, mtime: 1795651200, name: './opt/app/empty', data: Buffer.alloc(0) },
    { ino: 3, mode: 0o100755, size: 1, mtime: 1795651200, name: './opt/app/one', data: Buffer.from('1') },
    { ino: 4, mode: 0o100600, size: 6, mtime: 0, name: './opt/app/ünï', data: Buffer.from('sixsix') },
    { ino: 5, mode: 0o120777, size: 9, mtime: 1, name: './usr/bin/hello', data: Buffer.from('../x/y.js') },
    {
      ino: 6,
      mode: 0o104755,
      size: 4096,
      mtime: 2,
      name: `./opt/app/${'deep/'.repeat(100)}f`,
      data: Buffer.alloc(4096, 0xa5),
    },
  ];
  const encoder = new CpioHeaderEncoder();
  const parts: Buffer[] = [];
  let offset = 0;
  const add = (b: Buffer) => {
    parts.push(Buffer.from(b));
    offset += b.length;
  };
  for (const e of entries) {
    add(encoder.encode(e, offset));
    add(e.data);
    add(cpioPadding(offset));
  }
  add(encodeCpioTrailer(offset));
  const archive = Buffer.concat(parts);
  assert.equal(archive.length % 4, 0);
  const read = readNewc(archive);
  assert.equal(read.length, archive.length);
  assert.deepEqual(
    read.entries.map((r) => [
      r.ino,
      r.mode,
      r.uid,
      r.gid,
      r.nlink,
      r.mtime,
      r.size,
      r.devMajor,
      r.devMinor,
      r.rdevMajor,
      r.rdevMinor,
      r.check,
      r.name,
    ]),
    entries.map((e) => [e.ino, e.mode, 0, 0, 1, e.mtime, e.size, 0, 0, 0, 0, 0, e.name]),
  );
  read.entries.forEach((r, i) => assert.ok(r.data.equals(entries[i]!.data), r.name));
  assert.deepEqual([read.trailer.ino, read.trailer.mode, read.trailer.nlink, read.trailer.size], [0, 0, 1, 0]);
});

test('padding brings the offset to a multiple of 4 with zeros', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 110, 111].map((n) => cpioPadding(n).length),
    [0, 3, 2, 1, 0, 3, 2, 1],
  );
  assert.ok(cpioPadding(1).every((b) => b === 0));
});

test('sizes over 4 GiB - 1 are refused by both encoders (newc has 32-bit fields)', () => {
  const big: Fields = { ino: 1, mode: 0o100644, size: 2 ** 32, mtime: 0, name: './big' };
  assert.throws(() => encodeCpioHeader(big, 0), /cpio newc cannot hold \.\/big: 4294967296 bytes/);
  assert.throws(() => new CpioHeaderEncoder().encode(big, 0), /cpio newc cannot hold \.\/big/);
});
