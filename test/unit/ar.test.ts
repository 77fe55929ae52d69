// src/deb/ar.ts against inline golden bytes and test/helpers/decoders/ar.ts, an ar reader that
// shares no code with it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AR_MAGIC, arPadding, encodeArHeader } from '../../src/deb/ar.js';
import { readAr } from '../helpers/decoders/ar.js';

function arArchive(members: [string, Buffer][], mtime: number): Buffer {
  const parts: Buffer[] = [AR_MAGIC];
  for (const [name, data] of members)
    parts.push(encodeArHeader(name, data.length, mtime), data, arPadding(data.length));
  return Buffer.concat(parts);
}

test('magic and a member header, byte for byte (deb(5): root, mode 100644, decimal fields padded with spaces)', () => {
  assert.equal(AR_MAGIC.toString('latin1'), '!<arch>\n');
  const header = encodeArHeader('control.tar.gz', 1234, 1795651200);
  //                                 name(16)          mtime(12)     uid(6) gid(6) mode(8)   size(10)    end
  assert.equal(
    header.toString('latin1'),
    'control.tar.gz  ' + '1795651200  ' + '0     ' + '0     ' + '100644  ' + '1234      ' + '`\n',
  );
  assert.equal(
    encodeArHeader('x', 0, 0).toString('latin1'),
    'x               0           0     0     100644  0         `\n',
  );
  assert.equal(encodeArHeader('data.tar.xz', 9999999999, 0).subarray(48, 58).toString('latin1'), '9999999999');
});

test('members of odd and even sizes read back in order, each at an even offset, with its data intact', () => {
  const members: [string, Buffer][] = [
    ['debian-binary', Buffer.from('2.0\n')],
    ['control.tar.gz', Buffer.from('odd-size-control')],
    ['data.tar.xz', Buffer.from('odd')],
    ['empty', Buffer.alloc(0)],
    ['_gpgorigin', Buffer.from([0, 1, 2, 0x0a, 0x60])],
  ];
  const read = readAr(arArchive(members, 1795651200));
  assert.deepEqual(
    read.map((m) => [m.name, m.size, m.mtime, m.uid, m.gid, m.mode]),
    members.map(([name, data]) => [name, data.length, 1795651200, 0, 0, 0o100644]),
  );
  for (const [i, m] of read.entries()) {
    assert.ok(m.data.equals(members[i]![1]), m.name);
    assert.equal(m.offset % 2, 0, `${m.name} at ${m.offset}`);
  }
});

test('padding: one newline after odd-sized data, nothing after even', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4097].map((n) => arPadding(n).toString('latin1')),
    ['', '\n', '', '\n', '\n'],
  );
});

test('names and sizes the format cannot hold are refused', () => {
  assert.throws(() => encodeArHeader('a-name-of-16-chr', 1, 0), /invalid ar member name "a-name-of-16-chr"/);
  assert.equal(encodeArHeader('name-of-15-chrs', 1, 0).subarray(0, 16).toString('latin1'), 'name-of-15-chrs ');
  assert.throws(() => encodeArHeader('with space', 1, 0), /invalid ar member name/);
  assert.throws(() => encodeArHeader('', 1, 0), /invalid ar member name/);
  assert.throws(() => encodeArHeader('dätä', 1, 0), /invalid ar member name/);
  assert.throws(
    () => encodeArHeader('data.tar', 10000000000, 0),
    /data.tar is 10000000000 bytes; the format holds at most 9999999999/,
  );
  assert.throws(() => encodeArHeader('data.tar', -1, 0), /at most 9999999999/);
  assert.throws(() => encodeArHeader('data.tar', 1.5, 0), /at most 9999999999/);
  assert.throws(() => encodeArHeader('data.tar', 1, 1e12), /wider than 12/);
});
