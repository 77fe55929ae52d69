// The format registry (src/formats.ts): formats found by magic bytes, --target and --arch read
// against every registered format, and registration refusing names it cannot take.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { allFormats, findFormat, formatFor, formatOfFile, registerFormat } from '../../src/formats.js';
import { parseArch } from '../../src/manifest/choose-arch.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';
import { tgzFormat } from '../helpers/tgz-format.js';

after(cleanupTestDirs);

test('deb and rpm are built in, in that order, and each names every architecture', () => {
  assert.deepEqual(
    allFormats().map((f) => f.target),
    ['deb', 'rpm'],
  );
  assert.equal(parseArch('amd64'), 'x64');
  assert.equal(parseArch('x86_64'), 'x64');
  assert.equal(parseArch('noarch'), 'all');
  assert.throws(
    () => parseArch('mips'),
    (error: Error & { hint?: string }) => /\(Debian names\) or .*\(rpm names\)/.test(error.hint ?? ''),
  );
  assert.throws(() => formatFor('zip'), { code: 'PKGAPP_TARGET_UNKNOWN' });
});

test("a file's format comes from its magic bytes, never its name; short and foreign files are refused", async () => {
  const dir = await tempDir();
  const file = async (name: string, bytes: Buffer) => {
    await writeFile(path.join(dir, name), bytes);
    return path.join(dir, name);
  };
  assert.equal((await formatOfFile(await file('x.rpm', Buffer.from('!<arch>\ndebian-binary')))).target, 'deb');
  assert.equal((await formatOfFile(await file('x.deb', Buffer.from([0xed, 0xab, 0xee, 0xdb, 3, 0])))).target, 'rpm');
  await assert.rejects(formatOfFile(await file('short', Buffer.from('!<ar'))), {
    code: 'PKGAPP_NOT_A_PACKAGE',
    message: /neither a \.deb nor an \.rpm package/,
  });
  await assert.rejects(formatOfFile(await file('empty', Buffer.alloc(0))), { code: 'PKGAPP_NOT_A_PACKAGE' });
  await assert.rejects(formatOfFile(path.join(dir, 'missing')), { code: 'PKGAPP_FILE_UNREADABLE' });
});

test('registerFormat refuses a taken or malformed name, and its remover removes only that format', async () => {
  assert.throws(() => registerFormat({ ...tgzFormat, target: 'deb' }), /already registered/);
  assert.throws(() => registerFormat({ ...tgzFormat, target: 'Tar GZ' }), /lowercase/);
  const remove = registerFormat(tgzFormat);
  try {
    assert.equal(findFormat('tgz'), tgzFormat);
    const gz = path.join(await tempDir(), 'a.bin');
    await writeFile(gz, Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0]));
    assert.equal((await formatOfFile(gz)).target, 'tgz');
    assert.match(formatFor('tgz').article, /tar\.gz/);
  } finally {
    remove();
  }
  remove();
  assert.equal(findFormat('tgz'), undefined);
  assert.equal(findFormat('deb')?.target, 'deb');
});
