// Progress on stderr: a live line under a terminal, plain timestamped lines elsewhere, nothing with --quiet.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { CLI, cleanupTestDirs, makeApp, minimalApp, runCli, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

test('under a pseudo-terminal the writing line is redrawn in place, then the summary', async (t) => {
  if (!requireTools(t, ['script'])) return;
  const app = await makeApp(minimalApp({}, { 'lib/a.js': 'a'.repeat(5000), 'lib/b.js': 'b'.repeat(5000) }));
  const transcript = path.join(await tempDir(), 'typescript');
  const command = `node ${CLI} build -C ${app} -o ${path.join(app, 'out')} --no-install -t deb -t rpm`;
  await execa('script', ['-q', '-e', '-c', command, transcript], { env: { CI: '', TERM: 'xterm' } });
  const screen = await readFile(transcript, 'utf8');
  // eslint-disable-next-line no-control-regex -- the terminal's erase-line sequence
  assert.match(screen, /\r\x1b\[K\[ {0,4}\d+\.\ds\] writing: \d+\/\d+ files/, 'a redrawn progress line');
  assert.match(screen, /\[ {0,4}\d+\.\ds\] collecting \d+ app files/);
  assert.match(
    screen,
    /built .*tiny-app_1\.0\.0_all\.deb\r?\n {2}deb 1\.0\.0 all, \d+ files, \d+ bytes, sha256 [0-9a-f]{64}/,
  );
  assert.match(screen, /SBOM .*tiny-app-1\.0\.0\.cdx\.json/);
});

test('without a terminal: plain timestamped lines, no carriage returns; --quiet prints nothing', async () => {
  const app = await makeApp(minimalApp());
  const plain = await runCli(['build', '-C', app, '-o', path.join(app, 'out'), '--no-install']);
  assert.equal(plain.exitCode, 0, plain.stderr);
  assert.doesNotMatch(plain.stderr, /\r/);
  assert.match(plain.stderr, /^\[ {0,4}\d+\.\ds\] writing: \d+\/\d+ files, [\d.]+\/[\d.]+ MiB \(100%\)$/m);
  assert.match(plain.stderr, /^built /m);
  const quiet = await runCli(['build', '-C', app, '-o', path.join(app, 'out2'), '--no-install', '--quiet']);
  assert.equal(quiet.exitCode, 0);
  assert.equal(quiet.stderr, '');
  assert.equal(quiet.stdout, '');
});
