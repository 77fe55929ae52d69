// The native-code steps of a build on real files: node-gyp output stripped with binutils' strip
// (and what is left alone), the library dependencies of compiled objects with pkgapp.libraries,
// and collection's #! rewriting (node, bash, an undeclared python3) with sizes after the rewrite.
import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { collectContents } from '../../src/contents/collect-contents.js';
import { libraryDependencies } from '../../src/contents/library-dependencies.js';
import { readPayloadElf } from '../../src/contents/payload-elf.js';
import { stripCompiledAddons } from '../../src/contents/strip-compiled.js';
import { readElfInfo } from '../../src/elf/elf-info.js';
import { isUserError } from '../../src/errors.js';
import { compileAddon, NAPI_ADDON_IMPORTS } from '../helpers/native-addons.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

/** node_modules/NAME as node-gyp leaves it (config.gypi) or as a prebuild ships it (no config.gypi). */
async function addonPackage(root: string, name: string, compiledHere: boolean): Promise<string> {
  const pkg = path.join(root, 'node_modules', name);
  await mkdir(path.join(pkg, 'build/Release/obj.target'), { recursive: true });
  await writeFile(path.join(pkg, 'binding.gyp'), "{ 'targets': [] }\n");
  if (compiledHere) await writeFile(path.join(pkg, 'build/config.gypi'), '{}\n');
  await compileAddon(path.join(pkg, 'build/Release/addon.node'), NAPI_ADDON_IMPORTS, ['-g']);
  return path.join(pkg, 'build/Release/addon.node');
}

test('node-gyp output is stripped as dh_strip does; prebuilt objects, --keep-symbols and --no-install trees are left alone', async (t) => {
  if (!requireTools(t, ['gcc', 'strip'])) return;
  const root = await tempDir();
  const compiled = await addonPackage(root, 'compiled', true);
  const prebuilt = await addonPackage(root, 'prebuilt', false);
  const before = await readFile(prebuilt);
  const keepRoot = await tempDir();
  const kept = await addonPackage(keepRoot, 'compiled', true);
  const keptBytes = await readFile(kept);

  const neededBefore = (await readElfInfo(compiled))!.needed;
  assert.equal((await readElfInfo(compiled))!.hasSymtab, true, 'compiled with its symbols');
  const lines: string[] = [];
  const outcome = await stripCompiledAddons({
    root,
    locations: ['node_modules/compiled', 'node_modules/prebuilt'],
    ownTree: true,
    keepSymbols: false,
    ci: true,
    log: (l) => lines.push(l),
  });
  assert.deepEqual(outcome.stripped, ['node_modules/compiled/build/Release/addon.node']);
  const info = (await readElfInfo(compiled))!;
  assert.equal(info.hasSymtab, false, 'no .symtab left');
  assert.equal(info.hasDebugInfo, false, 'no .debug_* left');
  assert.deepEqual(info.needed, neededBefore, 'the dynamic section is intact');
  assert.equal(info.dynamicFrom, 'program-headers');
  assert.deepEqual(await readFile(prebuilt), before, 'a prebuilt addon is shipped as its publisher made it');
  assert.match(lines.join('\n'), /stripped 1 compiled addon file/);

  for (const options of [
    { keepSymbols: true, ownTree: true },
    { keepSymbols: false, ownTree: false },
  ]) {
    const log: string[] = [];
    const left = await stripCompiledAddons({
      root: keepRoot,
      locations: ['node_modules/compiled'],
      ci: false,
      log: (l) => log.push(l),
      ...options,
    });
    assert.deepEqual(left.stripped, [], JSON.stringify(options));
    assert.deepEqual(await readFile(kept), keptBytes, JSON.stringify(options));
    assert.match(log.join('\n'), options.keepSymbols ? /keeping the symbols/ : /not stripping .*--no-install/);
  }
  // Without strip and outside CI: a warning, the file unchanged.
  const log: string[] = [];
  await stripCompiledAddons({
    root: keepRoot,
    locations: ['node_modules/compiled'],
    ownTree: true,
    keepSymbols: false,
    ci: false,
    searchPath: '/nonexistent',
    log: (l) => log.push(l),
  });
  assert.match(log.join('\n'), /warning: "strip" is not installed/);
  assert.deepEqual(await readFile(kept), keptBytes);
});

test('node-pre-gyp built from source: the addon copied to binary.module_path (lib/binding) is stripped too', async (t) => {
  if (!requireTools(t, ['gcc', 'strip'])) return;
  const root = await tempDir();
  const pkg = path.join(root, 'node_modules/bcrypt-like');
  // What `node-pre-gyp install --fallback-to-build` leaves for an N-API build (bcrypt 5).
  await mkdir(path.join(pkg, 'build-tmp-napi-v3/Release'), { recursive: true });
  await mkdir(path.join(pkg, 'lib/binding/napi-v3'), { recursive: true });
  await writeFile(path.join(pkg, 'binding.gyp'), "{ 'targets': [] }\n");
  await writeFile(path.join(pkg, 'build-tmp-napi-v3/config.gypi'), '{}\n');
  await writeFile(
    path.join(pkg, 'package.json'),
    JSON.stringify({ name: 'bcrypt-like', binary: { module_path: './lib/binding/napi-v{napi_build_version}' } }),
  );
  const addon = await compileAddon(path.join(pkg, 'lib/binding/napi-v3/bcrypt_lib.node'), NAPI_ADDON_IMPORTS, ['-g']);
  assert.equal((await readElfInfo(addon))!.hasSymtab, true);
  const outcome = await stripCompiledAddons({
    root,
    locations: ['node_modules/bcrypt-like'],
    ownTree: true,
    keepSymbols: false,
    ci: true,
    log: () => undefined,
  });
  assert.deepEqual(outcome.stripped, ['node_modules/bcrypt-like/lib/binding/napi-v3/bcrypt_lib.node']);
  const info = (await readElfInfo(addon))!;
  assert.equal(info.hasSymtab || info.hasDebugInfo, false);
});

test('library dependencies: libc from the machine or the table, pkgapp.libraries declares or accepts a library, unknown ones fail', async (t) => {
  if (!requireTools(t, ['gcc'])) return;
  const dir = await tempDir();
  await compileAddon(path.join(dir, 'libpkgapptest.so'), [], ['-Wl,-soname,libpkgapptest.so.1']);
  const addon = await compileAddon(path.join(dir, 'addon.node'), NAPI_ADDON_IMPORTS, [
    `-L${dir}`,
    '-Wl,--no-as-needed',
    '-lpkgapptest',
  ]);
  const objects = await readPayloadElf([
    { path: 'opt/app/addon.node', file: addon, mode: 0o644 },
    { path: 'opt/app/README', file: path.join(dir, 'addon.node.c'), mode: 0o644 },
  ]);
  assert.equal(objects.length, 1, 'a non-ELF candidate drops out');
  assert.equal(objects[0]!.info.path, '/opt/app/addon.node');
  const base = { objects, symlinkNames: [], librariesKey: 'package.json pkgapp "libraries"', debArch: 'amd64' };

  await assert.rejects(libraryDependencies({ ...base, libraries: {} }), (e: unknown) => {
    assert.ok(isUserError(e));
    assert.equal(e.code, 'PKGAPP_LIBRARY_UNMAPPED');
    assert.match(e.message, /\/opt\/app\/addon\.node needs libpkgapptest\.so\.1/);
    assert.match(e.hint!, /"libpkgapptest\.so\.1": "PACKAGE \(>= VERSION\)"/);
    return true;
  });
  const declared = await libraryDependencies({
    ...base,
    libraries: { 'libpkgapptest.so.1': 'libpkgapptest1 (>= 1.0)' },
  });
  assert.ok(
    declared.deb.some((d) => /^libc6( \(>= [\d.]+\))?$/.test(d)),
    declared.deb.join(', '),
  );
  assert.ok(declared.deb.includes('libpkgapptest1 (>= 1.0)'));
  assert.ok(declared.rpm.includes('libpkgapptest.so.1()(64bit)'), 'the rpm requires the soname itself');
  assert.ok(declared.rpm.includes('libc.so.6()(64bit)'));
  const accepted = await libraryDependencies({ ...base, libraries: { 'libpkgapptest.so.1': false } });
  assert.ok(!accepted.deb.some((d) => d.startsWith('libpkgapptest')));
  assert.ok(!accepted.rpm.some((d) => d.startsWith('libpkgapptest')), 'false: neither package requires it');
  // Shipped beside the addon (a symlink named after the soname): not required from the system.
  const shipped = await libraryDependencies({ ...base, symlinkNames: ['libpkgapptest.so.1'], libraries: {} });
  assert.ok(!shipped.rpm.some((d) => d.startsWith('libpkgapptest')));
  // No deb built: no Debian lookup, so no failure for the unknown library.
  const rpmOnly = await libraryDependencies({ ...base, debArch: undefined, libraries: {} });
  assert.deepEqual(rpmOnly.deb, []);
  assert.ok(rpmOnly.rpm.includes('libpkgapptest.so.1()(64bit)'));
});

test('collection: #! lines point at interpreters the server has; an undeclared python3 script loses its execute bit', async () => {
  const root = await tempDir();
  const scripts: Record<string, string> = {
    'bin/spaced.js': '#! /usr/bin/env node\nconsole.log(1);\n',
    'bin/split.js': '#!/usr/bin/env -S node --no-warnings\nconsole.log(2);\n',
    'bin/run.sh': '#!/usr/bin/env bash\necho 3\n',
    'bin/tool.py': '#!/usr/bin/env python3\nprint(4)\n',
    'bin/kept.pl': '#!/usr/bin/perl\nprint 5;\n',
    'bin/plain.txt': 'not a script\n',
  };
  for (const [rel, text] of Object.entries(scripts)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
    await chmod(path.join(root, rel), 0o755);
  }
  await copyFile(process.execPath, path.join(root, 'bin/prog')); // an ELF program shipped by the app
  const collected = await collectContents({
    root,
    appFiles: [...Object.keys(scripts), 'bin/prog'].sort(),
    packages: [],
    installDir: '/opt/app',
    rules: { include: [], exclude: [] },
    nodePath: '/opt/app/node/bin/node',
    target: { cpu: process.arch },
    declaredInterpreters: new Set(['perl']),
  });
  const files = new Map<string, { mode: number; size: number; head: string }>();
  for (const entry of collected.entries.ordered([], 'slash-first')) {
    if (entry.kind !== 'file') continue;
    const source = await readFile((entry.source as { file: string }).file);
    const head = entry.rewriteHead
      ? Buffer.concat([entry.rewriteHead.insert, source.subarray(entry.rewriteHead.skip)])
      : source;
    assert.equal(head.length, entry.size, `${entry.path}: size is the rewritten file's`);
    files.set(entry.path.replace('opt/app/', ''), {
      mode: entry.mode,
      size: entry.size,
      head: head.toString('latin1').split('\n')[0]!,
    });
  }
  assert.deepEqual(files.get('bin/spaced.js'), {
    mode: 0o755,
    size: files.get('bin/spaced.js')!.size,
    head: '#!/opt/app/node/bin/node',
  });
  assert.equal(files.get('bin/split.js')!.head, '#!/opt/app/node/bin/node --no-warnings');
  assert.equal(files.get('bin/run.sh')!.head, '#!/bin/bash');
  assert.equal(files.get('bin/run.sh')!.mode, 0o755);
  assert.equal(files.get('bin/tool.py')!.mode, 0o644, 'python3 is not a dependency: not executable');
  assert.equal(files.get('bin/tool.py')!.head, '#!/usr/bin/python3');
  assert.equal(files.get('bin/kept.pl')!.mode, 0o755, 'perl is declared: stays executable');
  assert.equal(files.get('bin/plain.txt')!.mode, 0o644);
  assert.deepEqual([...collected.undeclaredInterpreters], [['python3', ['/opt/app/bin/tool.py']]]);
  assert.deepEqual(
    collected.elfObjects.map((o) => o.info.path),
    ['/opt/app/bin/prog'],
    'the shipped program is read as ELF',
  );
});
