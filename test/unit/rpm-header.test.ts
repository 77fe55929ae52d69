// src/rpm/header.ts (header index and store, lead, signature padding) against inline golden bytes
// and test/helpers/decoders/rpm.ts, a header reader that shares no code with it and checks what
// rpm's header loader checks: region tag and trailer, sorted tags, alignment, no overlap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  encodeHeader,
  encodeHeaderPieces,
  encodeLead,
  h,
  signaturePadding,
  type HeaderEntry,
} from '../../src/rpm/header.js';
import { readHeader, readLead, TYPE, type RpmHeader } from '../helpers/decoders/rpm.js';

const hex = (...parts: string[]) => parts.join('');

test('a header with INT64, STRING and INT16, byte for byte: sorted index, aligned store, region trailer', () => {
  const bytes = encodeHeader(62, [h.int16(1030, [0o100644]), h.string(1000, 'a'), h.int64(270, [2 ** 33])]);
  assert.equal(
    bytes.toString('hex'),
    hex(
      '8eade801',
      '00000000',
      '00000004',
      '0000001c', // magic, reserved, il 4, dl 28
      '0000003e',
      '00000007',
      '0000000c',
      '00000010', // region 62: BIN at dl-16, 16 bytes
      '0000010e',
      '00000005',
      '00000000',
      '00000001', // 270 INT64 at 0
      '000003e8',
      '00000006',
      '00000008',
      '00000001', // 1000 STRING at 8
      '00000406',
      '00000003',
      '0000000a',
      '00000001', // 1030 INT16 at 10 (2-aligned, no pad)
      '0000000200000000',
      '6100',
      '81a4', // store: 2^33, "a\0", 0100644
      '0000003e',
      '00000007',
      'ffffffc0',
      '00000010', // trailer: offset -4*16
    ),
  );
});

test('alignment: INT16 at 2, INT32 at 4, INT64 at 8, with zero padding after odd-sized strings and BIN', () => {
  const bytes = encodeHeader(63, [
    h.string(1000, 'ab'),
    h.int64(1001, [1]),
    h.bin(1002, Buffer.from([1, 2, 3])),
    h.int32(1003, [2]),
    h.string(1004, 'x'),
    h.int16(1005, [3]),
  ]);
  const header = readHeader(bytes, 0);
  assert.deepEqual(
    header.index.map((e) => [e.tag, e.offset]),
    [
      [63, header.dl - 16],
      [1000, 0],
      [1001, 8],
      [1002, 16],
      [1003, 20],
      [1004, 24],
      [1005, 26],
    ],
  );
  assert.equal(bytes.subarray(16 + 7 * 16 + 3, 16 + 7 * 16 + 8).toString('hex'), '00'.repeat(5)); // "ab\0" then 5 bytes to 8
});

const EVERY_TYPE: HeaderEntry[] = [
  h.strings(100, ['C']),
  h.string(1000, 'acme-hello'),
  h.i18n(1004, 'Tiny greeting ünïcode'),
  h.int32(1006, [1795651200]),
  h.int64(5009, [2 ** 40 + 7, 0, Number.MAX_SAFE_INTEGER]),
  h.int16(1030, [0o100644, 0o40755, 0o120777, 0xffff]),
  h.bin(1004 + 4000, Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x01])),
  h.strings(1117, ['', 'server.js', 'ü', '']),
  h.encoded(1028, 'INT32', Buffer.from('00000001fffffffe', 'hex'), 2),
  h.encoded(1035, 'STRING_ARRAY', Buffer.from('ab\0\0cd\0', 'latin1'), 3),
  h.encoded(1033, 'INT16', Buffer.from('0102', 'hex'), 1),
];

function values(header: RpmHeader): Map<number, unknown> {
  return new Map(header.index.slice(1).map((e) => [e.tag, e.value]));
}

test('every value type reads back with the strict reader, tags sorted, region covering all entries', () => {
  const bytes = encodeHeader(63, EVERY_TYPE);
  const header = readHeader(bytes, 0);
  assert.equal(header.length, bytes.length);
  assert.equal(header.regionTag, 63);
  assert.equal(header.il, EVERY_TYPE.length + 1);
  assert.deepEqual(
    header.index.map((e) => e.tag),
    [63, ...EVERY_TYPE.map((e) => e.tag).sort((a, b) => a - b)],
  );
  const v = values(header);
  assert.deepEqual(v.get(100), ['C']);
  assert.equal(v.get(1000), 'acme-hello');
  assert.deepEqual(v.get(1004), ['Tiny greeting ünïcode']); // I18NSTRING: a string per locale
  assert.deepEqual(v.get(1006), [1795651200]);
  assert.deepEqual(v.get(5009), [2n ** 40n + 7n, 0n, BigInt(Number.MAX_SAFE_INTEGER)]);
  assert.deepEqual(v.get(1030), [0o100644, 0o40755, 0o120777, 0xffff]);
  assert.deepEqual(v.get(5004), Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x01]));
  assert.deepEqual(v.get(1117), ['', 'server.js', 'ü', '']);
  assert.deepEqual(v.get(1028), [1, 0xfffffffe]);
  assert.deepEqual(v.get(1035), ['ab', '', 'cd']);
  assert.deepEqual(v.get(1033), [0x0102]);
  const types = new Map(header.index.map((e) => [e.tag, e.type]));
  assert.deepEqual(
    [100, 1000, 1004, 1006, 5009, 1030, 5004].map((t) => types.get(t)),
    [TYPE.STRING_ARRAY, TYPE.STRING, TYPE.I18NSTRING, TYPE.INT32, TYPE.INT64, TYPE.INT16, TYPE.BIN],
  );
});

test('the signature header (region 62) reads back too, and the entry order given does not matter', () => {
  const entries = [
    h.string(269, 'a'.repeat(40)),
    h.int32(1000, [12345]),
    h.bin(1004, Buffer.alloc(16, 7)),
    h.bin(1008, Buffer.alloc(4128)),
  ];
  const bytes = encodeHeader(62, entries);
  assert.equal(readHeader(bytes, 0).regionTag, 62);
  assert.ok(encodeHeader(62, entries.slice().reverse()).equals(bytes));
});

test('encodeHeaderPieces joined is encodeHeader, and its pieces are not joined (the store is handed over as is)', () => {
  const big = Buffer.alloc(1 << 20, 1);
  const pieces = encodeHeaderPieces(63, [
    ...EVERY_TYPE,
    h.encoded(1118, 'STRING_ARRAY', Buffer.concat([big, Buffer.alloc(1)]), 1),
  ]);
  assert.ok(
    Buffer.concat(pieces).equals(
      encodeHeader(63, [...EVERY_TYPE, h.encoded(1118, 'STRING_ARRAY', Buffer.concat([big, Buffer.alloc(1)]), 1)]),
    ),
  );
  assert.ok(pieces.length > 2);
  assert.ok(pieces.every((p) => p.length < big.length + 16 + 1 + 1));
});

test('values rpm cannot store are refused with the reason', () => {
  assert.throws(() => encodeHeader(63, [h.string(1000, 'a'), h.string(1000, 'b')]), /rpm header: tag 1000 twice/);
  assert.throws(() => encodeHeader(63, [h.strings(1117, [])]), /empty string array/);
  assert.throws(() => encodeHeader(63, [h.int32(1028, [])]), /empty integer array/);
  assert.throws(() => encodeHeader(63, [h.encoded(1028, 'INT32', Buffer.alloc(0), 0)]), /empty array/);
  assert.throws(() => encodeHeader(63, [h.int32(1028, [-1])]), /invalid integer -1/);
  assert.throws(() => encodeHeader(63, [h.int64(5009, [2 ** 53])]), /invalid integer/);
  assert.throws(() => encodeHeader(63, [h.int32(1028, [0.5])]), /invalid integer 0.5/);
  assert.throws(() => encodeHeader(63, [h.int32(1028, [2 ** 32])]), RangeError);
  assert.throws(() => encodeHeader(63, [h.int16(1030, [0x10000])]), RangeError);
  assert.throws(() => encodeHeader(63, [h.string(1000, 'a\0b')]), /NUL inside a string/);
  assert.throws(() => encodeHeader(63, [h.strings(1117, ['ok', 'a\0b'])]), /NUL inside a string/);
});

test('the lead, byte for byte: magic, v3.0, binary, archnum, NUL-padded name, Linux, header-style signature', () => {
  const lead = encodeLead('acme-hello-1.0.0-1', 19);
  const expected = Buffer.alloc(96);
  expected.write('edabeedb' + '0300' + '0000' + '0013', 0, 'hex');
  expected.write('acme-hello-1.0.0-1', 10, 'latin1');
  expected.write('0001' + '0005', 76, 'hex');
  assert.equal(lead.toString('hex'), expected.toString('hex'));
  assert.deepEqual(readLead(lead), {
    major: 3,
    minor: 0,
    type: 0,
    archnum: 19,
    name: 'acme-hello-1.0.0-1',
    osnum: 1,
    signatureType: 5,
  });
});

test('a name longer than the lead holds is cut to 65 bytes, leaving its NUL', () => {
  const lead = encodeLead(`${'n'.repeat(80)}-1.0.0-1`, 1);
  assert.equal(lead.length, 96);
  assert.equal(readLead(lead).name, 'n'.repeat(65));
  assert.equal(lead[75], 0);
});

test('signature padding brings the main header to a multiple of 8', () => {
  assert.deepEqual(
    [0, 1, 7, 8, 9, 4404].map((n) => signaturePadding(n).length),
    [0, 7, 1, 0, 7, 4],
  );
  for (const entries of [[h.string(269, 'x')], [h.string(269, 'xy'), h.bin(1004, Buffer.alloc(3))]]) {
    const sig = encodeHeader(62, entries);
    assert.equal((96 + sig.length + signaturePadding(sig.length).length) % 8, 0);
  }
});
