// pkgapp as a library inside another program: a Node.js script that installs its own SIGINT
// handler embeds build() (dist/index.js, as a user's tool would import it), aborts builds through
// an AbortSignal, finds no temporary file or staging directory left, then sends itself SIGINT and
// sees its own handler run (pkgapp neither exits the process nor hooks its signals). And the CLI's
// side: Ctrl-C during the package manager's step kills it, removes the staging copy, exits 130.
//
// Run alone: npm run build && node --import tsx --test test/cli/embed-abort.test.ts
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { CLI, cleanupTestDirs, makeApp, minimalApp, REPO_ROOT, tempDir } from '../helpers/testdir.js';

after(cleanupTestDirs);

const LIBRARY = pathToFileURL(path.join(REPO_ROOT, 'dist', 'index.js')).href;

/** A build script that records its pid in the staging copy, then runs for a minute. */
const SLOW_BUILD =
  "node -e \"require('fs').writeFileSync('build-started', String(process.pid)); setTimeout(() => {}, 60000)\"";

/**
 * The embedding program. argv: the app directory, the output directory, "write" (abort while the
 * package is being written) or "script" (abort while the app's build script runs in a staging
 * copy). Prints one JSON line with what it saw.
 */
const EMBEDDER = `
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [appDir, outDir, phase] = process.argv.slice(2);
const seen = { ownHandlerRan: false };
process.on('SIGINT', () => { seen.ownHandlerRan = true; });
const listeners = () => ({ SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM'), exit: process.listenerCount('exit') });
seen.listenersBefore = listeners();
const { build } = await import(${JSON.stringify(LIBRARY)});
seen.listenersAfterImport = listeners();

const tmp = os.tmpdir();
const staging = () => readdirSync(tmp).filter((n) => n.startsWith('pkgapp-'));
const started = () => phase === 'write'
  ? existsSync(outDir) && readdirSync(outDir).length > 0
  : staging().some((d) => existsSync(path.join(tmp, d, 'build-started')));

const controller = new AbortController();
const reason = new Error('the embedding tool stopped the build');
const building = build({ dir: appDir, outDir, install: phase === 'script', signal: controller.signal, env: { SOURCE_DATE_EPOCH: '1795651200', PATH: process.env.PATH } });
seen.listenersDuringBuild = listeners();
const poll = setInterval(() => {
  if (!started()) return;
  clearInterval(poll);
  if (phase === 'script') seen.scriptPid = Number(readFileSync(path.join(tmp, staging()[0], 'build-started'), 'utf8'));
  seen.abortedAt = Date.now();
  controller.abort(reason);
}, 5);
try {
  await building;
  seen.outcome = 'resolved';
} catch (error) {
  seen.outcome = error === reason ? 'rejected with the abort reason' : 'rejected with ' + String(error);
  seen.msToReject = Date.now() - seen.abortedAt;
}
clearInterval(poll);
seen.outDir = existsSync(outDir) ? readdirSync(outDir) : [];
seen.tmp = readdirSync(tmp);
// Running: its /proc entry exists and it is not a zombie (dead, waiting to be reaped by whoever
// adopted it, which in a container may be nobody). A signal takes a moment to land: up to 2 s.
const running = (pid) => {
  try { return readFileSync('/proc/' + pid + '/stat', 'utf8').split(') ')[1][0] !== 'Z'; } catch { return false; }
};
if (seen.scriptPid) {
  for (let i = 0; i < 200 && running(seen.scriptPid); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  seen.scriptAlive = running(seen.scriptPid);
}
seen.listenersAfterBuild = listeners();
process.kill(process.pid, 'SIGINT');
await new Promise((resolve) => setTimeout(resolve, 200));
console.log(JSON.stringify(seen));
`;

interface Seen {
  ownHandlerRan: boolean;
  /** The embedder's own SIGINT handler (and Node's for a top-level await on exit). */
  listenersBefore: Record<string, number>;
  listenersAfterImport: Record<string, number>;
  listenersDuringBuild: Record<string, number>;
  listenersAfterBuild: Record<string, number>;
  outcome: string;
  msToReject: number;
  outDir: string[];
  tmp: string[];
  scriptPid?: number;
  scriptAlive?: boolean;
}

/** Runs the embedder with its own empty TMPDIR, so every staging directory pkgapp makes is seen. */
async function embed(appDir: string, phase: 'write' | 'script'): Promise<{ seen: Seen; exitCode: number | undefined }> {
  const dir = await tempDir('pkgapp-embedder-');
  const tmp = await tempDir('pkgapp-embedder-tmp-');
  const script = path.join(dir, 'embedder.mjs');
  await writeFile(script, EMBEDDER);
  const out = path.join(dir, 'dist');
  const result = await execa(process.execPath, [script, appDir, out, phase], {
    env: { TMPDIR: tmp },
    reject: false,
    timeout: 120_000,
  });
  assert.equal(
    result.exitCode,
    0,
    `the embedder exits on its own, with its own code\n${result.stderr}\n${result.stdout}`,
  );
  return { seen: JSON.parse(String(result.stdout).trim().split('\n').pop()!) as Seen, exitCode: result.exitCode };
}

test('an embedding program aborts build() while it writes: rejected with its reason, nothing left, its own SIGINT handler in charge', async () => {
  const app = await makeApp(minimalApp({}, { 'big.bin': Buffer.alloc(64 * 1024 * 1024, 7).toString('latin1') }));
  const { seen } = await embed(app, 'write');
  assert.equal(seen.outcome, 'rejected with the abort reason');
  assert.ok(seen.msToReject < 5_000, `the writers stop soon (${seen.msToReject} ms)`);
  assert.deepEqual(seen.outDir, [], 'no package, no temporary or scratch file in the output directory');
  assert.deepEqual(seen.tmp, [], 'nothing left in the temporary directory');
  assert.equal(seen.listenersBefore.SIGINT, 1);
  assert.deepEqual(seen.listenersAfterImport, seen.listenersBefore, 'importing pkgapp hooks nothing');
  assert.deepEqual(seen.listenersDuringBuild, seen.listenersBefore, 'building hooks nothing');
  assert.deepEqual(seen.listenersAfterBuild, seen.listenersBefore);
  assert.equal(seen.ownHandlerRan, true, "SIGINT reached the embedder's handler and did not end the process");
});

test("an embedding program aborts build() during the app's build script: the script is stopped, the staging copy removed", async () => {
  const app = await makeApp(minimalApp({ scripts: { build: SLOW_BUILD }, pkgapp: { buildScript: 'build' } }));
  const { seen } = await embed(app, 'script');
  assert.equal(seen.outcome, 'rejected with the abort reason');
  assert.ok(seen.msToReject < 10_000, `the package manager is stopped, not waited for (${seen.msToReject} ms)`);
  assert.ok(seen.scriptPid, 'the build script ran');
  assert.equal(seen.scriptAlive, false, 'the build script is not left running');
  assert.deepEqual(seen.tmp, [], 'the staging copy is removed');
  assert.deepEqual(seen.outDir, []);
  assert.deepEqual(seen.listenersAfterBuild, seen.listenersBefore);
  assert.equal(seen.ownHandlerRan, true);
});

test('pkgapp build: SIGINT during the build script stops it, removes the staging copy and exits 130', async () => {
  const app = await makeApp(minimalApp({ scripts: { build: SLOW_BUILD }, pkgapp: { buildScript: 'build' } }));
  const tmp = await tempDir('pkgapp-cli-tmp-');
  const out = path.join(await tempDir(), 'dist');
  const child = execa(process.execPath, [CLI, 'build', '-C', app, '-o', out], {
    env: { TMPDIR: tmp, SOURCE_DATE_EPOCH: '1795651200' },
    reject: false,
    timeout: 120_000,
  });
  const started = async () => {
    for (const d of await readdir(tmp))
      if ((await readdir(path.join(tmp, d)).catch(() => [] as string[])).includes('build-started')) return true;
    return false;
  };
  for (let i = 0; i < 3000 && !(await started()); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(await started(), 'the build script started');
  const at = Date.now();
  child.kill('SIGINT');
  const result = await child;
  assert.equal(result.exitCode, 130, String(result.stderr));
  assert.ok(Date.now() - at < 10_000, 'the build script was stopped, not waited for');
  assert.match(String(result.stderr), /pkgapp: error: interrupted by SIGINT/);
  assert.match(String(result.stderr), /code: PKGAPP_INTERRUPTED/);
  assert.deepEqual(await readdir(tmp), [], 'the staging copy is removed');
  assert.deepEqual(await readdir(out).catch(() => []), []);
});

test("publish(): an abort while it waits for another publisher's lock rejects at once, changes nothing and takes no lock", async () => {
  const { build, keygen, publish } = await import('../../src/index.js');
  const { default: lockfile } = await import('proper-lockfile');
  const app = await makeApp(minimalApp());
  const [deb] = await build({
    dir: app,
    outDir: await tempDir(),
    install: false,
    env: { SOURCE_DATE_EPOCH: '1795651200' },
  });
  const key = await keygen({
    name: 'Embed Test',
    email: 'embed@example.com',
    out: path.join(await tempDir(), 'key'),
    type: 'ed25519',
  });
  const repo = await tempDir();
  const lockPath = path.join(repo, '.pkgapp-publish.lock');
  const release = await lockfile.lock(repo, { lockfilePath: lockPath });
  try {
    const controller = new AbortController();
    const reason = new Error('the embedding tool gave up waiting');
    setTimeout(() => controller.abort(reason), 300);
    const started = Date.now();
    await assert.rejects(
      publish([deb!.path], { repoDir: repo, signKey: { file: key.secretKeyFile }, signal: controller.signal }),
      (e) => e === reason,
    );
    assert.ok(Date.now() - started < 5_000, 'not the minutes a publisher waits for a lock');
    assert.deepEqual(
      await readdir(repo),
      ['.pkgapp-publish.lock'],
      "nothing written; the lock is still the other publisher's",
    );
    assert.equal(await lockfile.check(repo, { lockfilePath: lockPath }), true);
  } finally {
    await release();
  }
  // Once the lock is free, an already-aborted signal stops publish() before it touches anything.
  await assert.rejects(
    publish([deb!.path], {
      repoDir: repo,
      signKey: { file: key.secretKeyFile },
      signal: AbortSignal.abort(new Error('too late')),
    }),
    /too late/,
  );
  assert.deepEqual(await readdir(repo), []);
});
