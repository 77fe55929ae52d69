import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { arPadding, encodeArHeader } from '../../src/deb/ar.js';
import { encodeTarHeader, tarPadding, tarTrailer } from '../../src/deb/tar-header.js';

test('ar member header matches the bytes dpkg-deb writes (docs/internals/deb-archive.md)', () => {
  const header = encodeArHeader('debian-binary', 4, 1795695881);
  assert.equal(header.length, 60);
  assert.equal(header.toString('latin1'), 'debian-binary   1795695881  0     0     100644  4         `\n');
  assert.equal(arPadding(3).toString(), '\n');
  assert.equal(arPadding(4).length, 0);
  assert.throws(() => encodeArHeader('control.tar.gzzzz', 1, 0), /invalid ar member name/);
  assert.throws(() => encodeArHeader('data.tar', 1e10, 0), /at most 9999999999/);
});

test('tar header: GNU magic, root owner, checksum, octal fields', () => {
  const h = encodeTarHeader({ name: './opt/app/x.js', type: 'file', mode: 0o644, size: 1234, mtime: 1700000000 });
  assert.equal(h.length, 512);
  assert.equal(h.subarray(0, 14).toString(), './opt/app/x.js');
  assert.equal(h.subarray(100, 108).toString('latin1'), '0000644\0');
  assert.equal(h.subarray(124, 136).toString('latin1'), '00000002322\0');
  assert.equal(h.subarray(156, 157).toString(), '0');
  assert.equal(h.subarray(257, 265).toString('latin1'), 'ustar  \0');
  assert.equal(h.subarray(265, 269).toString(), 'root');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  assert.equal(parseInt(h.subarray(148, 154).toString('latin1'), 8), sum);
  assert.equal(tarPadding(1234).length, 512 - (1234 % 512));
  assert.equal(tarPadding(1024).length, 0);
  assert.equal(tarTrailer().length, 1024);
});

test('long names and link targets use ././@LongLink, never PAX, and read back with tar-stream', async () => {
  const longName = `./opt/app/node_modules/${'deeply-nested-directory/'.repeat(8)}file-with-ünïcode.js`;
  const longTarget = `../${'x'.repeat(150)}/target.js`;
  const body = Buffer.from('hello');
  const archive = Buffer.concat([
    encodeTarHeader({ name: longName, type: 'file', mode: 0o644, size: body.length, mtime: 0 }),
    body,
    tarPadding(body.length),
    encodeTarHeader({ name: './opt/app/link', type: 'symlink', mode: 0o777, size: 0, mtime: 0, linkname: longTarget }),
    encodeTarHeader({ name: './opt/app/dir/', type: 'dir', mode: 0o755, size: 0, mtime: 0 }),
    tarTrailer(),
  ]);
  assert.ok(!archive.includes(Buffer.from('PaxHeader')));
  const seen: { name: string; type: string; linkname?: string | null; body: string }[] = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.on('end', () => {
      seen.push({
        name: header.name,
        type: header.type ?? '',
        linkname: header.linkname,
        body: Buffer.concat(chunks).toString(),
      });
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    Readable.from([archive]).pipe(extract);
  });
  assert.deepEqual(
    seen.map((e) => [e.name, e.type]),
    [
      [longName, 'file'],
      ['./opt/app/link', 'symlink'],
      ['./opt/app/dir/', 'directory'],
    ],
  );
  assert.equal(seen[0]!.body, 'hello');
  assert.equal(seen[1]!.linkname, longTarget);
});

test('entries over 8 GiB get a base-256 size field', () => {
  const h = encodeTarHeader({ name: './big', type: 'file', mode: 0o644, size: 2 ** 33 + 5, mtime: 0 });
  assert.equal(h[124], 0x80);
  assert.equal(h.readUIntBE(130, 6), 2 ** 33 + 5);
});
