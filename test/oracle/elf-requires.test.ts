// The ELF reader and the rpm ELF requirements against the tools of record, on real files of this
// machine and on objects compiled here: readelf (binutils) for what the reader returns, rpm's own
// /usr/lib/rpm/elfdeps --requires for the requirement strings (exact equality, per file).
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { readElfInfo } from '../../src/elf/elf-info.js';
import { elfRequires, shippedSonames } from '../../src/rpm/elf-requires.js';
import { compiledElfSamples, systemElfSamples } from '../helpers/elf-samples.js';
import { readelfView } from '../helpers/readelf-view.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';
import { requireElfdeps, requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function samples(): Promise<string[]> {
  const dir = await tempDir();
  return [...(await systemElfSamples(REPO)), ...Object.values(await compiledElfSamples(dir))];
}

async function executable(file: string): Promise<boolean> {
  return ((await stat(file)).mode & 0o111) !== 0;
}

test('rpm ELF requirements equal /usr/lib/rpm/elfdeps --requires, file by file', async (t) => {
  if (!requireTools(t, ['gcc', 'readelf'])) return;
  const elfdeps = requireElfdeps(t);
  if (!elfdeps) return;
  const files = await samples();
  assert.ok(files.length >= 30, `only ${files.length} ELF samples found`);
  let compared = 0;
  for (const file of files) {
    const info = (await readElfInfo(file))!;
    assert.ok(info, file);
    const ours = elfRequires([{ info, executable: await executable(file) }]);
    const { stdout }: { stdout: string } = await execa(elfdeps, ['--requires', file]);
    const theirs: string[] = [...new Set(stdout.split('\n').filter(Boolean))].sort();
    assert.deepEqual(ours, theirs, file);
    compared++;
  }
  t.diagnostic(`${compared} files compared with elfdeps`);
});

test('a library the package ships is not required from the system', async (t) => {
  if (!requireTools(t, ['gcc'])) return;
  const compiled = await compiledElfSamples(await tempDir());
  const user = (await readElfInfo(compiled.user!))!;
  const bundled = (await readElfInfo(compiled.bundled!))!;
  const all = elfRequires([{ info: user, executable: false }]);
  assert.ok(all.includes('libbundled.so.1()(64bit)') || all.includes('libbundled.so.1'), all.join('\n'));
  const shipped = shippedSonames([{ info: user }, { info: bundled }]);
  assert.ok(shipped.has('libbundled.so.1'));
  const filtered = elfRequires(
    [
      { info: user, executable: false },
      { info: bundled, executable: false },
    ],
    shipped,
  );
  assert.deepEqual(
    filtered.filter((r) => r.startsWith('libbundled')),
    [],
  );
  assert.ok(
    filtered.some((r) => r.startsWith('libc.so.6')),
    'the C library stays required',
  );
});

test('the ELF reader agrees with readelf -d -V on real and compiled files', async (t) => {
  if (!requireTools(t, ['gcc', 'readelf'])) return;
  const files = await samples();
  const seen = {
    versionNeeds: 0,
    versionDefinitions: 0,
    runpath: 0,
    rpath: 0,
    soname: 0,
    interpreter: 0,
    hasSymtab: 0,
    stripped: 0,
  };
  for (const file of files) {
    const info = (await readElfInfo(file))!;
    const view = await readelfView(file);
    if (view.versionNeeds.length) seen.versionNeeds++;
    if (view.versionDefinitions.length) seen.versionDefinitions++;
    if (view.runpath.length) seen.runpath++;
    if (view.rpath.length) seen.rpath++;
    if (view.soname) seen.soname++;
    if (view.interpreter) seen.interpreter++;
    if (view.hasSymtab) seen.hasSymtab++;
    else seen.stripped++;
    const ours = {
      bits: info.bits,
      type: info.type,
      interpreter: info.interpreter,
      needed: info.needed,
      soname: info.soname,
      rpath: info.rpath,
      runpath: info.runpath,
      versionNeeds: info.versionNeeds,
      versionDefinitions: info.versionDefinitions,
      hasSymtab: info.hasSymtab,
      hasDebugInfo: info.hasDebugInfo,
    };
    assert.deepEqual(ours, view, file);
  }
  // The comparison is only as good as the samples: each field must have been exercised.
  for (const [field, count] of Object.entries(seen)) assert.ok(count > 0, `no sample has ${field}`);
  t.diagnostic(`${files.length} files compared with readelf: ${JSON.stringify(seen)}`);
});
