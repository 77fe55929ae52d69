// The ELF reader against real shared objects built here with gcc, cross-checked with readelf;
// and how addons are told apart (N-API or compiled against V8) from what they import.
import assert from 'node:assert/strict';
import { copyFile, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { ElfFormatError, ELF_MACHINE, readDynamicSymbols } from '../../src/elf/dynamic-symbols.js';
import { classifyAddon, napiFloor, nodeHasNapi } from '../../src/runtime/node-api.js';
import {
  addonPath,
  compileAddon,
  NAPI_ADDON_IMPORTS,
  readelfImports,
  V8_ADDON_IMPORTS,
} from '../helpers/native-addons.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

test('reads the undefined dynamic symbols of an N-API and a V8 addon as readelf lists them', async (t) => {
  if (!requireTools(t, ['gcc', 'readelf'])) return;
  const dir = await tempDir();
  const napi = await compileAddon(addonPath(dir, 'napi'), NAPI_ADDON_IMPORTS);
  const v8 = await compileAddon(addonPath(dir, 'v8'), V8_ADDON_IMPORTS);
  for (const file of [napi, v8]) {
    const read = await readDynamicSymbols(file);
    assert.ok(read);
    assert.equal(read.bits, 64);
    assert.equal(read.machine, ELF_MACHINE[process.arch]);
    assert.deepEqual(read.imports, await readelfImports(file), file);
  }
  assert.deepEqual(classifyAddon((await readDynamicSymbols(napi))!.imports), {
    kind: 'napi',
    version: 5,
    because: ['napi_add_finalizer'],
  });
  assert.deepEqual(classifyAddon((await readDynamicSymbols(v8))!.imports), { kind: 'abi', because: V8_ADDON_IMPORTS });
});

test('a 32-bit object, a stripped object and a big object with the tables far in', async (t) => {
  if (!requireTools(t, ['gcc', 'readelf'])) return;
  const dir = await tempDir();
  // -nostdlib: no 32-bit C runtime (gcc-multilib) is needed for an object that only imports.
  if (process.arch === 'x64') {
    const m32 = await compileAddon(
      addonPath(dir, 'm32'),
      ['napi_create_function', 'napi_get_uv_event_loop'],
      ['-m32', '-nostdlib'],
    );
    const read32 = (await readDynamicSymbols(m32))!;
    assert.equal(read32.bits, 32);
    assert.equal(read32.machine, 3);
    assert.deepEqual(read32.imports, await readelfImports(m32));
    assert.deepEqual(read32.imports, ['napi_create_function', 'napi_get_uv_event_loop']);
  }
  const stripped = await compileAddon(addonPath(dir, 'stripped'), ['node_api_symbol_for'], ['-s']);
  assert.deepEqual(classifyAddon((await readDynamicSymbols(stripped))!.imports), {
    kind: 'napi',
    version: 9,
    because: ['node_api_symbol_for'],
  });
  // 20 MiB of data before the section headers: read by ranges, the answer is the same.
  const big = path.join(dir, 'big.c');
  await writeFile(
    big,
    'static const char pad[20 << 20] = { 1 };\nextern void napi_create_function(void);\nconst char *f(void) { napi_create_function(); return pad; }\n',
  );
  const bigOut = addonPath(dir, 'big');
  const { execa } = await import('execa');
  await execa('gcc', ['-shared', '-fPIC', '-o', bigOut, big]);
  assert.deepEqual((await readDynamicSymbols(bigOut))!.imports, await readelfImports(bigOut));
});

test('non-ELF files are not addons; truncated ELF files are an error, never a crash', async (t) => {
  const dir = await tempDir();
  const text = path.join(dir, 'text.node');
  await writeFile(text, 'not an addon\n');
  assert.equal(await readDynamicSymbols(text), undefined);
  const macho = path.join(dir, 'macho.node');
  await writeFile(macho, Buffer.concat([Buffer.from([0xcf, 0xfa, 0xed, 0xfe]), Buffer.alloc(100)]));
  assert.equal(await readDynamicSymbols(macho), undefined);
  if (!requireTools(t, ['gcc'])) return;
  const good = await compileAddon(addonPath(dir, 'good'), ['napi_create_function']);
  const cut = path.join(dir, 'cut.node');
  await copyFile(good, cut);
  const handle = await open(cut, 'r+');
  await handle.truncate(2000);
  await handle.close();
  await assert.rejects(readDynamicSymbols(cut), ElfFormatError);
});

test('N-API versions: the functions an addon imports give the version, and the version the Node.js releases', () => {
  assert.deepEqual(classifyAddon(['napi_create_function', 'malloc']), { kind: 'napi', version: 1, because: [] });
  assert.deepEqual(classifyAddon(['napi_create_function', 'napi_create_threadsafe_function', 'node_api_symbol_for']), {
    kind: 'napi',
    version: 9,
    because: ['node_api_symbol_for'],
  });
  assert.deepEqual(classifyAddon(['node_api_create_property_key_utf8']), {
    kind: 'napi',
    version: 10,
    because: ['node_api_create_property_key_utf8'],
  });
  assert.deepEqual(
    classifyAddon(['node_api_some_future_function']),
    { kind: 'napi', version: 10, because: ['node_api_some_future_function'] },
    'an unknown node_api_ function: the newest version known',
  );
  assert.deepEqual(
    classifyAddon(['napi_create_function', '_ZN4node12AtExitEPFvPvES0_']),
    { kind: 'abi', because: ['_ZN4node12AtExitEPFvPvES0_'] },
    'any V8/node C++ import pins',
  );
  assert.deepEqual(classifyAddon(['malloc', 'uv_loop_init']), { kind: 'none' });
  assert.equal(napiFloor(9), '18.17.0');
  assert.equal(napiFloor(10), '22.14.0');
  assert.equal(napiFloor(5), '10.17.0');
  assert.ok(nodeHasNapi('18.20.4', 9), "Debian 12's node has N-API 9");
  assert.ok(!nodeHasNapi('18.16.1', 9));
  assert.ok(!nodeHasNapi('20.2.0', 9));
  assert.ok(nodeHasNapi('21.0.0', 9));
  assert.ok(!nodeHasNapi('22.13.0', 10));
  assert.ok(nodeHasNapi('24.1.0', 10), 'lines newer than the table have every version');
  assert.ok(!nodeHasNapi('18.20.4', 10));
});
