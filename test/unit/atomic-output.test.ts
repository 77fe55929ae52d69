// util/atomic-output.ts with failures injected: output appears whole or not at all, an operation
// (build(), publish()) removes its temporary paths when it fails or is aborted, several files are
// committed all or nothing, and an abort stops a running tool. No external tool needed.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  atomicFile,
  checkAborted,
  commitAll,
  pendingTemporaries,
  removeTemporariesSync,
  runOperation,
  scratchFile,
  temporaryDir,
  writeFileAtomic,
} from '../../src/util/atomic-output.js';
import { runTool } from '../../src/util/run-tool.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function scratch(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pkgapp-atomic-test-'));
  dirs.push(dir);
  return dir;
}

/** The temporary paths still registered under `dir` (other tests' are not this test's business). */
const pendingIn = (dir: string) => pendingTemporaries().filter((p) => p.startsWith(dir));

/** Writes half of `data` to the temporary file, then fails: a write error mid-way. */
async function writeHalfThenFail(file: string, data: string): Promise<never> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(data.slice(0, data.length / 2));
  } finally {
    await handle.close();
  }
  throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

test('a committed file appears whole under its name; nothing temporary is left', async () => {
  const dir = await scratch();
  const final = path.join(dir, 'app.deb');
  const out = atomicFile(final);
  assert.equal(path.dirname(out.tmpPath), dir, 'the temporary name is a sibling: rename stays on one file system');
  assert.match(path.basename(out.tmpPath), /^\.app\.deb\.tmp-\d+-[0-9a-f]{8}$/);
  await writeFile(out.tmpPath, 'package bytes');
  assert.deepEqual(pendingIn(dir), [out.tmpPath]);
  assert.equal(existsSync(final), false, 'not visible before the commit');
  await out.commit();
  assert.equal(await readFile(final, 'utf8'), 'package bytes');
  assert.deepEqual(await readdir(dir), ['app.deb']);
  assert.deepEqual(pendingIn(dir), []);
});

test('a write failing mid-way leaves the previous file as it was and no temporary file', async () => {
  const dir = await scratch();
  const final = path.join(dir, 'Release');
  await writeFile(final, 'previous generation');
  const out = atomicFile(final);
  await assert.rejects(
    (async () => {
      try {
        await writeHalfThenFail(out.tmpPath, 'the new generation, never finished');
      } catch (error) {
        await out.abort();
        throw error;
      }
    })(),
    /ENOSPC/,
  );
  assert.equal(await readFile(final, 'utf8'), 'previous generation');
  assert.deepEqual(await readdir(dir), ['Release']);
  assert.deepEqual(pendingIn(dir), []);
});

test('inside an operation, a failure mid-way removes the temporary files the caller did not abort', async () => {
  const dir = await scratch();
  await writeFile(path.join(dir, 'app.deb'), 'old');
  const error = await runOperation(undefined, async () => {
    const out = atomicFile(path.join(dir, 'app.deb'));
    const data = scratchFile(dir, 'app.deb.data.tar.gz');
    await writeFile(data.tmpPath, 'payload');
    await writeHalfThenFail(out.tmpPath, 'new package');
  }).catch((e: unknown) => e);
  assert.match(String(error), /ENOSPC/, 'the operation rejects with the failure itself');
  assert.deepEqual(await readdir(dir), ['app.deb']);
  assert.equal(await readFile(path.join(dir, 'app.deb'), 'utf8'), 'old');
  assert.deepEqual(pendingIn(dir), []);
});

test('a rename that fails (a directory in the way) leaves the directory alone and, after abort, no temporary file', async () => {
  const dir = await scratch();
  const final = path.join(dir, 'app.deb');
  await mkdir(final);
  await writeFile(path.join(final, 'keep'), 'x');
  const out = atomicFile(final);
  await writeFile(out.tmpPath, 'package');
  await assert.rejects(out.commit(), (e: NodeJS.ErrnoException) =>
    ['EISDIR', 'ENOTEMPTY', 'EEXIST'].includes(e.code ?? ''),
  );
  assert.deepEqual(pendingIn(dir), [out.tmpPath], 'still pending until aborted');
  await out.abort();
  assert.deepEqual((await readdir(dir)).sort(), ['app.deb']);
  assert.deepEqual(await readdir(final), ['keep']);
  assert.deepEqual(pendingIn(dir), []);
});

test('writeFileAtomic: a rename failure throws and leaves no temporary file', async () => {
  const dir = await scratch();
  const final = path.join(dir, 'InRelease');
  await mkdir(final);
  await writeFile(path.join(final, 'x'), 'x');
  await assert.rejects(writeFileAtomic(final, 'signed'), (e: NodeJS.ErrnoException) =>
    ['EISDIR', 'ENOTEMPTY', 'EEXIST'].includes(e.code ?? ''),
  );
  assert.deepEqual(await readdir(dir), ['InRelease']);
  assert.deepEqual(pendingIn(dir), []);
});

test('abort between stages: the next stage rejects with the abort reason, every temporary path is removed, nothing is committed', async () => {
  const dir = await scratch();
  const controller = new AbortController();
  const reason = new Error('stop: the user pressed Ctrl-C');
  const stages: string[] = [];
  let staging = '';
  const result = runOperation(controller.signal, async () => {
    stages.push('stage');
    const stage = await temporaryDir('pkgapp-atomic-test-stage-');
    staging = stage.path;
    await writeFile(path.join(staging, 'package.json'), '{}');
    const out = atomicFile(path.join(dir, 'app.deb'));
    await writeFile(out.tmpPath, 'half a package');
    controller.abort(reason); // as the CLI's SIGINT handler does, from outside
    checkAborted();
    stages.push('write'); // never reached
    await out.commit();
  });
  await assert.rejects(result, (e) => e === reason);
  assert.deepEqual(stages, ['stage']);
  assert.equal(existsSync(staging), false, 'the staging directory is removed');
  assert.deepEqual(await readdir(dir), []);
  assert.deepEqual(pendingIn(dir), []);
  assert.deepEqual(pendingIn(staging), []);
});

test('an abort that surfaces as another failure still rejects with the abort reason', async () => {
  const controller = new AbortController();
  const reason = new Error('interrupted');
  await assert.rejects(
    runOperation(controller.signal, async () => {
      controller.abort(reason);
      throw new Error('npm ci failed: killed by SIGTERM');
    }),
    (e) => e === reason,
  );
});

test('an operation whose signal already fired does not start', async () => {
  let ran = false;
  await assert.rejects(
    runOperation(AbortSignal.abort(new Error('too late')), async () => {
      ran = true;
    }),
    /too late/,
  );
  assert.equal(ran, false);
});

test('an abort stops a running tool (its whole process group) and rejects with the reason', async () => {
  const controller = new AbortController();
  const reason = new Error('interrupted');
  const started = Date.now();
  setTimeout(() => controller.abort(reason), 200);
  await assert.rejects(
    runOperation(controller.signal, () =>
      runTool(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { what: 'a long tool', code: 'PKGAPP_TEST' }),
    ),
    (e) => e === reason,
  );
  assert.ok(Date.now() - started < 10_000, `stopped in ${Date.now() - started} ms, not after the tool's minute`);
});

test('two operations at once keep their temporary paths apart: aborting one leaves the other writing', async () => {
  const dir = await scratch();
  const first = new AbortController();
  let release!: () => void;
  const secondMayCommit = new Promise<void>((resolve) => (release = resolve));
  let secondTmp = '';
  const second = runOperation(undefined, async () => {
    const out = atomicFile(path.join(dir, 'b.rpm'));
    secondTmp = out.tmpPath;
    await writeFile(out.tmpPath, 'b');
    await secondMayCommit;
    await out.commit();
  });
  const firstDone = runOperation(first.signal, async () => {
    const out = atomicFile(path.join(dir, 'a.deb'));
    await writeFile(out.tmpPath, 'a');
    first.abort(new Error('first aborted'));
    checkAborted();
  });
  await assert.rejects(firstDone, /first aborted/);
  assert.ok(existsSync(secondTmp), "the other operation's temporary file is untouched");
  release();
  await second;
  assert.deepEqual(await readdir(dir), ['b.rpm']);
  assert.deepEqual(pendingIn(dir), []);
});

test('commitAll: several pending files go into place together', async () => {
  const dir = await scratch();
  await writeFile(path.join(dir, 'app.deb'), 'old deb');
  const files = ['app.deb', 'app.rpm', 'app.cdx.json'].map((name) => ({ name, out: atomicFile(path.join(dir, name)) }));
  for (const { name, out } of files) await writeFile(out.tmpPath, `new ${name}`);
  await commitAll(files.map((f) => f.out));
  assert.deepEqual((await readdir(dir)).sort(), ['app.cdx.json', 'app.deb', 'app.rpm']);
  for (const { name } of files) assert.equal(await readFile(path.join(dir, name), 'utf8'), `new ${name}`);
  assert.deepEqual(pendingIn(dir), [], 'no kept previous version left behind');
});

test('commitAll: when a later rename fails, the files already renamed are taken back (old ones restored), the rest aborted', async () => {
  const dir = await scratch();
  await writeFile(path.join(dir, 'app.deb'), 'old deb');
  await writeFile(path.join(dir, 'app.cdx.json'), 'old sbom');
  await mkdir(path.join(dir, 'app.rpm')); // in the way of the third rename
  await writeFile(path.join(dir, 'app.rpm', 'x'), 'x');
  const before = (await readdir(dir)).sort();
  const files = ['app.deb', 'app.cdx.json', 'app.rpm', 'later.txt'].map((name) => ({
    name,
    out: atomicFile(path.join(dir, name)),
  }));
  for (const { name, out } of files) await writeFile(out.tmpPath, `new ${name}`);
  await assert.rejects(commitAll(files.map((f) => f.out)), (e: NodeJS.ErrnoException) =>
    ['EISDIR', 'ENOTEMPTY', 'EEXIST'].includes(e.code ?? ''),
  );
  assert.deepEqual((await readdir(dir)).sort(), before, 'the directory is as it was: no new file, no temporary name');
  assert.equal(await readFile(path.join(dir, 'app.deb'), 'utf8'), 'old deb');
  assert.equal(await readFile(path.join(dir, 'app.cdx.json'), 'utf8'), 'old sbom');
  assert.deepEqual(await readdir(path.join(dir, 'app.rpm')), ['x']);
  assert.deepEqual(pendingIn(dir), []);
});

test('commitAll: a first file that did not exist before is removed again when a later one fails', async () => {
  const dir = await scratch();
  await mkdir(path.join(dir, 'b'));
  await writeFile(path.join(dir, 'b', 'x'), 'x');
  const a = atomicFile(path.join(dir, 'a'));
  const b = atomicFile(path.join(dir, 'b'));
  await writeFile(a.tmpPath, 'a');
  await writeFile(b.tmpPath, 'b');
  await assert.rejects(commitAll([a, b]));
  assert.deepEqual(await readdir(dir), ['b']);
  assert.deepEqual(pendingIn(dir), []);
});

test('removeTemporariesSync (the CLI exit hook) removes every pending file and directory', async () => {
  const dir = await scratch();
  const out = atomicFile(path.join(dir, 'app.deb'));
  await writeFile(out.tmpPath, 'x');
  const stage = await temporaryDir('pkgapp-atomic-test-stage-');
  await writeFile(path.join(stage.path, 'f'), 'x');
  removeTemporariesSync();
  assert.deepEqual(await readdir(dir), []);
  assert.equal(existsSync(stage.path), false);
  assert.deepEqual(pendingTemporaries(), []);
});

test('importing the library installs no signal handler and no exit hook', async () => {
  const before = {
    int: process.listenerCount('SIGINT'),
    term: process.listenerCount('SIGTERM'),
    exit: process.listenerCount('exit'),
  };
  await import('../../src/index.js');
  const dir = await scratch();
  await writeFileAtomic(path.join(dir, 'f'), 'x');
  assert.deepEqual(
    {
      int: process.listenerCount('SIGINT'),
      term: process.listenerCount('SIGTERM'),
      exit: process.listenerCount('exit'),
    },
    before,
  );
});
