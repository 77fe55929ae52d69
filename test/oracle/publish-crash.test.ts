// Crash safety of `pkgapp publish` (docs/internals/publish-crash-safety.md): publishes killed with
// SIGKILL at every point where they change the repository, and at random times, each into its own
// copy of a repository that already holds version 1.0.0 (deb and rpm), publishing 1.1.0. After each
// kill, apt (`apt-get update` with signed-by) and dnf (`makecache` with repo_gpgcheck) accept the
// repository, it lists the old versions or the new ones (never a mix, never a missing file); the
// same publish run again completes, lists the new versions, and leaves the same files an
// uninterrupted publish leaves (no temp file, lock, pool file or metadata generation too many).
//
// Kill points: PKGAPP_TEST_KILL_AT=N (src/util/crash-point.ts) kills the publish just before or
// just after its Nth change; the test first traces a whole publish to count them and then kills at
// every one. Every 10th run, and the last, also downloads each listed package as apt and dnf would
// (apt-get download: hash checked against the signed index; dnf's locations, rpm -K).
//
// Needs apt-get, dnf, rpm, dpkg-deb (skipped without them, a failure on CI).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { after, test, type TestContext } from 'node:test';
import { execa } from 'execa';
import { buildExampleVersion } from '../helpers/example-builds.js';
import {
  ageLocalLocks,
  inParallel,
  publishKilledAfter,
  publishKilledAt,
  publishWhole,
  tracePublish,
  type CrashPoint,
  type PublishRun,
} from '../helpers/kill-points.js';
import { aptClient, dnfClient, type RepoSource } from '../helpers/repo-clients.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { cleanupTestDirs, runCli, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

const OLD = '1.0.0';
const NEW = '1.1.0';
/** Publishes run two at a time (CI machines have two cores; each publish is mostly one). */
const PARALLEL = 2;
/** Timer kills per backend, spread over the length of a whole publish. */
const TIMER_KILLS = 8;
const SEED = 15;
/**
 * Every Nth crash point only (default 1: every point). For a quick local check on a busy
 * machine: PKGAPP_TEST_CRASH_STRIDE=7. CI runs every point.
 */
const STRIDE = Number(process.env.PKGAPP_TEST_CRASH_STRIDE ?? '1');

interface Fixture {
  key: string;
  /** The public key clients trust (signed-by, gpgkey): the test's, not the one in the repository. */
  publicKey: string;
  old: Record<string, string>;
  new: Record<string, string>;
  work: string;
}

/** A way of keeping the repository: a directory (and, once publish takes s3://, a bucket). */
interface Backend {
  name: string;
  /** A new repository holding the base state (OLD published): its --repo argument and its URL for clients. */
  fresh(id: string): Promise<{ repo: string; url: string }>;
  /** After a kill: the next publish comes along after the dead one's locks went stale. */
  ageLocks(repo: string): Promise<number>;
  /** Every file or object in the repository, hidden ones included, '/'-separated and relative. */
  files(repo: string): Promise<string[]>;
  /** A digest of every name and content under `prefix` ('' for all, else ending with '/'). */
  digest(repo: string, prefix: string): Promise<string>;
}

/** One publish into its own repository, killed somewhere. */
interface Run {
  id: string;
  /** "point N (before rename …)" or "timer T ms". */
  label: string;
  /** --keep 1: the publish also removes OLD (deletes pool files and old metadata). */
  keep: boolean;
  killAt?: number;
  killAfterMs?: number;
  repo?: string;
  url?: string;
  killed?: PublishRun;
  recovered?: PublishRun;
  /** Digests of the apt half, the yum half and the whole tree after the kill. */
  aptState?: string;
  yumState?: string;
  treeState?: string;
}

test(
  'a publish killed at any point leaves a repository apt and dnf accept, and the next publish completes it',
  {
    timeout: 1_800_000,
    // The pool and InRelease fixes it needs (docs/internals/publish-crash-safety.md) were written
    // against the directory-only publish and still have to be ported to the storage-backed one.
    todo: 'fixes to port to the storage-backed publish: docs/internals/publish-crash-safety.md',
  },
  async (t) => {
    // Not part of the default run until the fixes above are ported: a run of every kill point takes
    // longer than the whole CI budget allows for a test that cannot fail yet (todo). Opt in with
    // PKGAPP_TEST_CRASH=1 (and PKGAPP_TEST_CRASH_STRIDE=7 for a shorter run).
    if (process.env.PKGAPP_TEST_CRASH !== '1') {
      t.skip('publish crash test not enabled: set PKGAPP_TEST_CRASH=1 (issue 15 item 5, still open)');
      return;
    }
    if (!requireTools(t, ['apt-get', 'dnf', 'rpm', 'dpkg-deb', 'gpg'])) return;
    const fixture = await setUp();
    await t.test('a tampered InRelease or repomd.xml is refused: the client checks are real', async () => {
      await tamperChecks(fixture);
    });
    await t.test('local directory', async (t) => {
      await crashRuns(t, fixture, await localBackend(fixture));
    });
  },
);

async function setUp(): Promise<Fixture> {
  const work = await tempDir('pkgapp-crash-');
  const gen = await runCli([
    'keygen',
    '--name',
    'Crash Test',
    '--email',
    'crash@example.com',
    '--type',
    'ed25519',
    '--out',
    path.join(work, 'key'),
    '--json',
  ]);
  assert.equal(gen.exitCode, 0, gen.stderr);
  const { secretKeyFile, publicKeyFile } = JSON.parse(gen.stdout) as { secretKeyFile: string; publicKeyFile: string };
  const [old, next] = await Promise.all(
    [OLD, NEW].map((v) => buildExampleVersion(v, ['deb', 'rpm'], ['--sign-key', secretKeyFile])),
  );
  return { key: secretKeyFile, publicKey: publicKeyFile, old: old!, new: next!, work };
}

function publishArgs(fixture: Fixture, repo: string, keep: boolean, extra: string[] = []): string[] {
  return [
    '--repo',
    repo,
    '--sign-key',
    fixture.key,
    ...(keep ? ['--keep', '1'] : []),
    ...extra,
    fixture.new.deb!,
    fixture.new.rpm!,
  ];
}

async function localBackend(fixture: Fixture): Promise<Backend> {
  const base = path.join(fixture.work, 'local-base');
  const first = await publishWhole(['--repo', base, '--sign-key', fixture.key, fixture.old.deb!, fixture.old.rpm!]);
  assert.equal(first.exitCode, 0, first.stderr);
  return {
    name: 'local directory',
    async fresh(id) {
      const repo = path.join(fixture.work, 'local', id);
      await cp(base, repo, { recursive: true, preserveTimestamps: true });
      return { repo, url: pathToFileURL(repo).href };
    },
    ageLocks: ageLocalLocks,
    async digest(repo, prefix) {
      const hash = createHash('sha256');
      for (const file of await localFiles(repo)) {
        if (!file.startsWith(prefix)) continue;
        const full = path.join(repo, file);
        hash.update(`${file}\0${(await stat(full)).isDirectory() ? 'dir' : sha256(await readFile(full))}\0`);
      }
      return hash.digest('hex');
    },
    files: localFiles,
  };
}

/** Every file under `repo` (and the lock directories a publish leaves), '/'-separated and relative. */
async function localFiles(repo: string): Promise<string[]> {
  const entries = await readdir(repo, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory() || e.name.endsWith('.lock'))
    .map((e) => path.relative(repo, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

async function crashRuns(t: TestContext, fixture: Fixture, backend: Backend): Promise<void> {
  const started = Date.now();
  // Count the points of a whole publish, with and without --keep; these are also the references.
  const reference = { keep: await backend.fresh('reference-keep'), add: await backend.fresh('reference-add') };
  const traced = await tracePublish(publishArgs(fixture, reference.keep.repo, true));
  const whole = await publishWhole(publishArgs(fixture, reference.add.repo, false));
  assert.equal(whole.exitCode, 0, whole.stderr);
  const points = traced.points;
  // The publish changes both repositories, in the order docs/internals/publish-crash-safety.md gives.
  for (const expected of [/apt\/pool\/.*\.deb$/, /InRelease$/, /^delete .*1\.0\.0.*\.deb$/, /repomd\.xml\.asc$/])
    assert.ok(
      points.some((p) => expected.test(p.what)),
      `no crash point matches ${expected}:\n${points.map((p) => p.what).join('\n')}`,
    );
  t.diagnostic(`${backend.name}: a whole publish --keep 1 has ${points.length} crash points, ${traced.run.ms} ms`);

  const random = seededRandom(SEED);
  const runs: Run[] = [
    ...points
      .filter((p) => (p.n - 1) % STRIDE === 0)
      .map((p) => ({
        id: `point-${p.n}`,
        label: `point ${p.n} (${p.when} ${p.what})`,
        keep: true,
        killAt: p.n,
      })),
    ...Array.from({ length: Math.ceil(TIMER_KILLS / STRIDE) }, (_, i) => {
      const ms = Math.round(100 + random() * whole.ms);
      return { id: `timer-${i}`, label: `timer ${ms} ms`, keep: false, killAfterMs: ms };
    }),
  ];
  for (const run of runs) Object.assign(run, await backend.fresh(run.id));

  const killStarted = Date.now();
  await inParallel(runs, PARALLEL, async (run) => {
    const args = publishArgs(fixture, run.repo!, run.keep);
    run.killed =
      run.killAt !== undefined
        ? await publishKilledAt(args, run.killAt)
        : await publishKilledAfter(args, run.killAfterMs!);
    if (run.killAt !== undefined)
      assert.equal(
        run.killed.signal,
        'SIGKILL',
        `${run.label}: not killed (exit ${run.killed.exitCode}): ${run.killed.stderr}`,
      );
  });
  const killedByTimer = runs.filter((r) => r.killAfterMs !== undefined && r.killed!.signal === 'SIGKILL').length;
  t.diagnostic(
    `${backend.name}: ${runs.length} publishes killed in ${seconds(killStarted)} s (${points.length} points; ` +
      `${killedByTimer} of ${TIMER_KILLS} timer runs were still running when killed)`,
  );

  // After the kill: clients accept every repository, which holds the old or the new versions. Runs
  // that left byte-identical trees (a kill before a change and after the one before it; every kill
  // during the apt half leaves the yum tree as it was) are one check for a client.
  const checkStarted = Date.now();
  for (const run of runs) {
    run.aptState = await backend.digest(run.repo!, 'apt/');
    run.yumState = await backend.digest(run.repo!, 'yum/');
  }
  const aptStates = representatives(runs, (r) => r.aptState!);
  const yumStates = representatives(runs, (r) => r.yumState!);
  // The one step that is not atomic for dnf: repomd.xml and repomd.xml.asc are two files, written
  // back to back; a kill between them leaves a pair that does not verify until the next publish
  // (docs/internals/publish-crash-safety.md). Found by signature, then held to that one point.
  const torn: Run[] = [];
  for (const run of yumStates)
    if (!(await repomdVerifies(fixture, run.url!))) {
      assert.ok(
        run.killAt !== undefined && isBetweenRepomdPair(points, run.killAt),
        `${run.label}: repomd.xml.asc does not verify repomd.xml after the kill`,
      );
      torn.push(run);
    }
  await checkClients(
    fixture,
    aptStates,
    yumStates.filter((r) => !torn.includes(r)),
    'after the kill',
  );
  for (const run of torn) {
    const dnf = await dnfClient(await tempDir('pkgapp-crash-dnf-'), fixture.publicKey);
    const refused = await dnf.makecache([{ name: run.id, url: run.url! }]);
    assert.ok(!refused.ok && /GPG signature/i.test(refused.output), `${run.label}: ${refused.output}`);
  }
  for (const run of runs) {
    const state = await repoState(run.url!);
    const allowed = run.keep ? [[OLD], [NEW]] : [[OLD], [OLD, NEW]];
    for (const side of ['apt', 'yum'] as const)
      assert.ok(
        allowed.some((versions) => versions.join() === state[side].join()),
        `${run.label}: ${side} lists ${state[side].join(', ')} after the kill; expected ${allowed.map((a) => a.join('+')).join(' or ')}`,
      );
  }
  const sample = aptStates.filter((_, i) => i % 10 === 9);
  for (const run of sample) await downloadAll(fixture, run, 'after the kill');
  t.diagnostic(
    `${backend.name}: after the kills, ${aptStates.length} distinct apt trees pass apt-get update, ` +
      `${yumStates.length - torn.length} distinct yum trees pass dnf makecache (${torn.length} torn between ` +
      `repomd.xml and its signature, refused, repaired below); ${sample.length} downloaded; ${seconds(checkStarted)} s`,
  );

  // The same publish again, once the dead publisher's lock went stale: completes and cleans up.
  // One run per distinct tree left by the kills (the same tree is the same test).
  const recoverStarted = Date.now();
  for (const run of runs) run.treeState = `${run.keep}:${await backend.digest(run.repo!, '')}`;
  const distinct = representatives(runs, (r) => r.treeState!);
  await inParallel(distinct, PARALLEL, async (run) => {
    await backend.ageLocks(run.repo!);
    run.recovered = await publishWhole(publishArgs(fixture, run.repo!, run.keep));
    assert.equal(run.recovered.exitCode, 0, `${run.label}: the next publish failed: ${run.recovered.stderr}`);
  });
  const expectedFiles = {
    keep: normalized(await backend.files(reference.keep.repo)),
    add: normalized(await backend.files(reference.add.repo)),
  };
  for (const run of distinct) {
    const state = await repoState(run.url!);
    const versions = run.keep ? [NEW] : [OLD, NEW];
    assert.deepEqual(state, { apt: versions, yum: versions }, `${run.label}: after the next publish`);
    const files = await backend.files(run.repo!);
    assert.deepEqual(
      normalized(files),
      run.keep ? expectedFiles.keep : expectedFiles.add,
      `${run.label}: the next publish left other files than an uninterrupted publish:\n${files.join('\n')}`,
    );
  }
  const checked = [...new Set([...distinct.filter((_, i) => i % 10 === 9), ...torn, distinct.at(-1)!])];
  await checkClients(fixture, checked, checked, 'after the next publish');
  for (const run of checked) await downloadAll(fixture, run, 'after the next publish');
  t.diagnostic(
    `${backend.name}: ${distinct.length} distinct trees published again, all complete with the files of an ` +
      `uninterrupted publish; ${checked.length} checked with apt, dnf and downloads; ${seconds(recoverStarted)} s`,
  );
  t.diagnostic(`${backend.name}: ${runs.length} runs in ${seconds(started)} s`);
}

/** The first run of each group of runs with the same `key`. */
function representatives(runs: readonly Run[], key: (run: Run) => string): Run[] {
  const seen = new Map<string, Run>();
  for (const run of runs) if (!seen.has(key(run))) seen.set(key(run), run);
  return [...seen.values()];
}

/** True when crash point `n` falls after repomd.xml was renamed and before repomd.xml.asc was. */
function isBetweenRepomdPair(points: readonly CrashPoint[], n: number): boolean {
  const repomd = points.find((p) => p.when === 'after' && p.what.endsWith('/repodata/repomd.xml'));
  const asc = points.find((p) => p.when === 'before' && p.what.endsWith('/repodata/repomd.xml.asc'));
  return repomd !== undefined && asc !== undefined && n >= repomd.n && n <= asc.n;
}

/** gpgv with the test's key: does repomd.xml.asc sign repomd.xml? */
async function repomdVerifies(fixture: Fixture, url: string): Promise<boolean> {
  const dir = await tempDir('pkgapp-crash-gpgv-');
  await writeFile(path.join(dir, 'repomd.xml'), await fetchBytes(`${url}/yum/stable/repodata/repomd.xml`));
  await writeFile(path.join(dir, 'repomd.xml.asc'), await fetchBytes(`${url}/yum/stable/repodata/repomd.xml.asc`));
  const keyring = path.join(dir, 'key.gpg');
  await execa('gpg', ['--batch', '--yes', '--dearmor', '-o', keyring, fixture.publicKey]);
  const r = await execa('gpgv', ['--keyring', keyring, 'repomd.xml.asc', 'repomd.xml'], { cwd: dir, reject: false });
  return r.exitCode === 0;
}

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 1000);
}

/** apt-get update over `forApt` and dnf makecache over `forDnf`, all at once (one client each). */
async function checkClients(
  fixture: Fixture,
  forApt: readonly Run[],
  forDnf: readonly Run[],
  when: string,
): Promise<void> {
  const sources = (runs: readonly Run[]): RepoSource[] => runs.map((r) => ({ name: r.id, url: r.url! }));
  const apt = await aptClient(await tempDir('pkgapp-crash-apt-'), fixture.publicKey);
  const dnf = await dnfClient(await tempDir('pkgapp-crash-dnf-'), fixture.publicKey);
  const [aptResult, dnfResult] = await Promise.all([apt.update(sources(forApt)), dnf.makecache(sources(forDnf))]);
  assert.ok(aptResult.ok, `apt-get update ${when}:\n${aptResult.output}`);
  assert.ok(dnfResult.ok, `dnf makecache ${when}:\n${dnfResult.output}`);
}

/** Downloads every listed version of the run's repository as apt and dnf would, and checks each package. */
async function downloadAll(fixture: Fixture, run: Run, when: string): Promise<void> {
  const source: RepoSource = { name: run.id, url: run.url! };
  const state = await repoState(run.url!);
  const apt = await aptClient(await tempDir('pkgapp-crash-apt-'), fixture.publicKey);
  const update = await apt.update([source]);
  assert.ok(update.ok, `${run.label} ${when}: apt-get update:\n${update.output}`);
  const into = await tempDir('pkgapp-crash-get-');
  const got = await apt.download(
    state.apt.map((v) => `acme-hello=${v}`),
    into,
  );
  assert.ok(got.ok, `${run.label} ${when}: apt-get download:\n${got.output}`);
  for (const version of state.apt)
    await execa('dpkg-deb', ['--info', path.join(into, `acme-hello_${version}_all.deb`)]);

  const dnf = await dnfClient(await tempDir('pkgapp-crash-dnf-'), fixture.publicKey);
  const located = await dnf.locations(source, 'acme-hello');
  assert.ok(located.ok, `${run.label} ${when}: dnf repoquery:\n${located.output}`);
  assert.equal(located.urls.length, state.yum.length, `${run.label} ${when}: dnf locations ${located.output}`);
  const rpmdb = await tempDir('pkgapp-crash-rpmdb-');
  await execa('rpm', ['--dbpath', rpmdb, '--import', fixture.publicKey]);
  for (const url of located.urls) {
    const file = path.join(into, path.basename(url));
    await writeFile(file, await fetchBytes(url));
    const checked = await execa('rpm', ['--dbpath', rpmdb, '-K', file], { reject: false, all: true });
    assert.equal(checked.exitCode, 0, `${run.label} ${when}: rpm -K ${url}:\n${String(checked.all)}`);
    assert.match(String(checked.all), /signatures OK/);
  }
}

/**
 * The versions each side lists, following the signed chain as clients do (InRelease → by-hash
 * index, repomd.xml → primary), after checking that every index and every listed package is there
 * with the hash its parent gives. apt-get/dnf already checked the signatures.
 */
async function repoState(url: string): Promise<{ apt: string[]; yum: string[] }> {
  const inRelease = (await fetchBytes(`${url}/apt/dists/stable/InRelease`)).toString().replace(/\r\n/g, '\n');
  const sha256Section = /^SHA256:\n((?: .*\n)+)/m.exec(inRelease)![1]!;
  const aptVersions = new Set<string>();
  for (const line of sha256Section.trim().split('\n')) {
    const [hash, , name] = line.trim().split(/\s+/);
    if (!/\/Packages$/.test(name!)) continue;
    const index = await fetchBytes(`${url}/apt/dists/stable/${path.posix.dirname(name!)}/by-hash/SHA256/${hash}`);
    assert.equal(sha256(index), hash, `${url}: by-hash index ${name}`);
    for (const stanza of index
      .toString()
      .split('\n\n')
      .filter((s) => s.trim())) {
      const field = (f: string) => new RegExp(`^${f}: (.*)$`, 'm').exec(stanza)![1]!;
      const deb = await fetchBytes(`${url}/apt/${field('Filename')}`);
      assert.equal(sha256(deb), field('SHA256'), `${url}: ${field('Filename')}`);
      aptVersions.add(field('Version'));
    }
  }
  const repomd = (await fetchBytes(`${url}/yum/stable/repodata/repomd.xml`)).toString();
  const [, primaryHash, primaryHref] =
    /<data type="primary">[\s\S]*?<checksum type="sha256">([0-9a-f]+)<\/checksum>[\s\S]*?<location href="([^"]+)"/.exec(
      repomd,
    )!;
  const primaryGz = await fetchBytes(`${url}/yum/stable/${primaryHref}`);
  assert.equal(sha256(primaryGz), primaryHash, `${url}: ${primaryHref}`);
  const yumVersions: string[] = [];
  for (const pkg of gunzipSync(primaryGz).toString().split('<package ').slice(1)) {
    const version = /<version [^>]*ver="([^"]+)"/.exec(pkg)![1]!;
    const checksum = /<checksum type="sha256" pkgid="YES">([0-9a-f]+)</.exec(pkg)![1]!;
    const href = /<location href="([^"]+)"/.exec(pkg)![1]!;
    assert.equal(sha256(await fetchBytes(`${url}/yum/stable/${href}`)), checksum, `${url}: ${href}`);
    yumVersions.push(version);
  }
  return { apt: [...aptVersions].sort(), yum: yumVersions.sort() };
}

/**
 * The file list with the parts that differ between two correct publishes (content hashes in
 * by-hash and repodata names, the signing key's id) replaced, so a recovered repository compares
 * with an uninterrupted one: one file too many (a temp file, a lock, an unreferenced pool file or
 * metadata generation) shows.
 */
function normalized(files: readonly string[]): string[] {
  return files.map((f) => f.replace(/[0-9a-f]{64}/g, 'HASH').replace(/debsig\/[0-9A-F]{16}\//, 'debsig/KEYID/')).sort();
}

async function fetchBytes(url: string): Promise<Buffer> {
  if (url.startsWith('file:')) return readFile(fileURLToPath(url));
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The clients refuse a repository whose signed metadata was changed: InRelease for apt, repomd.xml for dnf. */
async function tamperChecks(fixture: Fixture): Promise<void> {
  const repo = path.join(fixture.work, 'tampered');
  await mkdir(repo);
  const published = await publishWhole(['--repo', repo, '--sign-key', fixture.key, fixture.old.deb!, fixture.old.rpm!]);
  assert.equal(published.exitCode, 0, published.stderr);
  const source = { name: 'tampered', url: pathToFileURL(repo).href };
  const apt = await aptClient(await tempDir('pkgapp-crash-apt-'), fixture.publicKey);
  const dnf = await dnfClient(await tempDir('pkgapp-crash-dnf-'), fixture.publicKey);
  assert.ok((await apt.update([source])).ok, 'the untouched repository passes apt');
  assert.ok((await dnf.makecache([source])).ok, 'the untouched repository passes dnf');

  const inRelease = path.join(repo, 'apt/dists/stable/InRelease');
  await writeFile(inRelease, (await readFile(inRelease, 'utf8')).replace(/^Suite: stable$/m, 'Suite: stablE'));
  const aptAfter = await (await aptClient(await tempDir('pkgapp-crash-apt-'), fixture.publicKey)).update([source]);
  assert.ok(!aptAfter.ok, `apt accepted a tampered InRelease:\n${aptAfter.output}`);
  assert.match(aptAfter.output, /NOSPLIT|BADSIG|not signed|invalid/i);

  const repomd = path.join(repo, 'yum/stable/repodata/repomd.xml');
  await writeFile(repomd, (await readFile(repomd, 'utf8')).replace('<revision>', '<revision>1'));
  const dnfAfter = await (await dnfClient(await tempDir('pkgapp-crash-dnf-'), fixture.publicKey)).makecache([source]);
  assert.ok(!dnfAfter.ok, `dnf accepted a tampered repomd.xml:\n${dnfAfter.output}`);
}
