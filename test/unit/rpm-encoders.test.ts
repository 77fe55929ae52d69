import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeCpioHeader, encodeCpioTrailer } from '../../src/rpm/cpio.js';
import { encodeHeader, encodeLead, h, signaturePadding } from '../../src/rpm/header.js';
import { renderRpmScriptlets } from '../../src/rpm/scriptlets.js';
import { assertGolden } from '../helpers/golden.js';
import { exampleManifest } from '../helpers/manifests.js';
import { execa } from 'execa';

test('header: region entry first, aligned store, trailer pointing back over the index (docs/internals/rpm-package.md)', () => {
  const bytes = encodeHeader(63, [h.int32(1006, [7]), h.string(1000, 'ab')]);
  // magic, il = 3 (region + 2), dl = 3 ("ab\0") + 1 pad + 4 (int32) + 16 (trailer) = 24
  assert.equal(bytes.subarray(0, 16).toString('hex'), '8eade80100000000' + '00000003' + '00000018');
  const index = bytes
    .subarray(16, 16 + 3 * 16)
    .toString('hex')
    .match(/.{32}/g);
  assert.deepEqual(index, [
    '0000003f' + '00000007' + '00000008' + '00000010', // region: tag 63, BIN, offset dl-16, count 16
    '000003e8' + '00000006' + '00000000' + '00000001', // NAME, STRING at 0
    '000003ee' + '00000004' + '00000004' + '00000001', // BUILDTIME, INT32 at 4 (aligned)
  ]);
  const store = bytes.subarray(64);
  assert.equal(store.subarray(0, 8).toString('hex'), '61620000' + '00000007');
  assert.equal(store.subarray(8).toString('hex'), '0000003f' + '00000007' + 'ffffffd0' + '00000010'); // -(3*16)
});

test('header: tags sorted, duplicates refused, 64-bit and 16-bit arrays', () => {
  const bytes = encodeHeader(62, [h.int64(270, [2 ** 33]), h.int16(1030, [0o100644, 0o40755])]);
  const tags = [0, 1, 2].map((i) => bytes.readInt32BE(16 + i * 16));
  assert.deepEqual(tags, [62, 270, 1030]);
  assert.throws(() => encodeHeader(63, [h.string(1000, 'a'), h.string(1000, 'b')]), /tag 1000 twice/);
});

test('lead: magic, binary, header-style signature, name', () => {
  const lead = encodeLead('acme-hello-1.0.0-1', 1);
  assert.equal(lead.length, 96);
  assert.equal(lead.subarray(0, 10).toString('hex'), 'edabeedb030000000001');
  assert.equal(lead.subarray(10, 28).toString(), 'acme-hello-1.0.0-1');
  assert.equal(lead.readUInt16BE(78), 5);
  assert.equal(signaturePadding(4500 - 96).length, 4); // an rpmbuild package's signature header ends at 4500
});

test('cpio newc header and trailer, padded to 4 from the archive start', () => {
  const header = encodeCpioHeader({ ino: 1, mode: 0o40755, size: 0, mtime: 0, name: './etc/myapp' }, 0);
  assert.equal(header.subarray(0, 30).toString(), '070701000000010000' + '41ed00000000');
  assert.equal((110 + './etc/myapp'.length + 1 + (header.length - 122)) % 4, 0);
  assert.equal(header.length % 4, 0);
  const trailer = encodeCpioTrailer(2);
  assert.ok(trailer.includes(Buffer.from('TRAILER!!!\0')));
  assert.equal((2 + trailer.length) % 4, 0);
  assert.throws(
    () => encodeCpioHeader({ ino: 1, mode: 0o100644, size: 2 ** 32, mtime: 0, name: './big' }, 0),
    /cannot hold/,
  );
});

test('rpm scriptlets of the example app, and sh -n accepts them', async () => {
  const scripts = renderRpmScriptlets(exampleManifest({}, { postinst: 'echo "post $1"\n' }));
  assert.deepEqual(Object.keys(scripts).sort(), ['post', 'posttrans', 'postun', 'pre', 'preun']);
  for (const [name, text] of Object.entries(scripts)) {
    assertGolden(`rpm/${name}`, text);
    await execa('sh', ['-n'], { input: text });
  }
});
