// Crash safety of `pkgapp publish` (docs/internals/publish-crash-safety.md): publishes killed with
// SIGKILL at points where they change the repository, and at random times, each into its own copy
// of a repository that already holds version 1.0.0 (published over 0.9.0 with --keep 1, so it
// keeps two metadata generations and the publish under test deletes the older one), publishing
// 1.1.0 deb and rpm: into a local directory and into a prefix of an S3 bucket on the Ceph gateway.
// After each kill, apt (`apt-get update` with signed-by) and dnf (`makecache` with repo_gpgcheck)
// accept the repository, it lists the old versions or the new ones (never a mix, never a missing
// file); the same publish run again completes, lists the new versions, and leaves the same files
// an uninterrupted publish leaves (no temp file, lock, pool file or metadata generation too many:
// every by-hash and repodata file is named by the current or the previous InRelease/repomd.xml).
//
// Kill points: PKGAPP_TEST_KILL_AT=N (src/util/crash-point.ts) kills the publish just before or
// just after its Nth change; the test first traces a whole publish (PKGAPP_TEST_KILL_TRACE) and
// kills at POINTS of them per backend, each a different one, picked by a seeded draw that always
// includes the steps the order of docs/internals/publish-crash-safety.md turns on (InRelease, the
// pool delete, repomd.xml and its signature). A few runs per phase also download each listed
// package as apt and dnf would (apt-get download: hash checked against the signed index; dnf's
// locations, rpm -K). The killed publishes are processes of their own (SIGKILL); the references
// and the next publishes, which nobody kills, run in this process through the CLI's main()
// (test/helpers/kill-points.ts publishWhole): no node start-up and module load each.
//
// Needs apt-get, dnf, rpm, dpkg-deb, gpgv and Ceph (skipped without them, a failure on CI).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
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
import { CEPH_TOOLS, startS3TestServer, type S3TestServer } from '../helpers/s3-server.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { cleanupTestDirs, runCli, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

/** Published into the base before OLD, then dropped by --keep 1: the base's previous generation. */
const OLDER = '0.9.0';
const OLD = '1.0.0';
const NEW = '1.1.0';
/**
 * Killed publishes (processes) at once: two into a directory (CI machines have two cores; each
 * publish is mostly one), three into the bucket (each also waits for the gateway's answers).
 */
const PARALLEL = { local: 2, s3: 3 };
/**
 * The next publishes, run in this process (kill-points.ts publishWhole): they wait for fsync and
 * for the gateway more than they compute, so more run at once than killed processes do. Measured
 * 2026-12-02 against the previous main, both runs at once on the loaded 2-core machine: the whole
 * test 497 s against 608 s (local next publishes 57 s against 131 s, S3 93 s against 113 s).
 */
const RECOVERY_PARALLEL = { local: 4, s3: 8 };
/** Timer kills per backend, spread over the length of a whole publish. */
const TIMER_KILLS = 3;
/**
 * Kill points per backend (issue 15 asks for at least 50, each a different point); every point of
 * the trace with PKGAPP_TEST_CRASH_POINTS=all. A whole publish has about 70 (local, deb and rpm)
 * and 55 (S3, deb).
 */
const POINTS = process.env.PKGAPP_TEST_CRASH_POINTS === 'all' ? Infinity : 50;
/** Runs per phase that also download every listed package, as apt and dnf would. */
const DOWNLOADS = 2;
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
  older: Record<string, string>;
  old: Record<string, string>;
  new: Record<string, string>;
  work: string;
}

/** A way of keeping the repository: a directory, or a prefix in an S3 bucket. */
interface Backend {
  name: string;
  /** The sides published there. */
  sides: readonly Side[];
  /** How many killed publishes run at once. */
  parallel: number;
  /** How many next publishes (in this process) run at once. */
  recoveryParallel: number;
  /** Extra publish arguments (--endpoint) and environment (credentials). */
  args: string[];
  env: Record<string, string>;
  /** A new repository holding the base state (OLD published): its --repo argument and its URL for clients. */
  fresh(id: string): Promise<{ repo: string; url: string }>;
  /** After a kill: the next publish comes along after the dead one's locks went stale. */
  ageLocks(repo: string): Promise<number>;
  /** Every file or object in the repository, hidden ones included, '/'-separated and relative. */
  files(repo: string): Promise<string[]>;
  /** A digest of every name and content under `prefix` ('' for all, else ending with '/'). */
  digest(repo: string, prefix: string): Promise<string>;
}

type Side = 'apt' | 'yum';

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
  { timeout: 1_800_000 },
  async (t) => {
    if (!requireTools(t, ['apt-get', 'dnf', 'rpm', 'dpkg-deb', 'gpg', 'gpgv', ...CEPH_TOOLS])) return;
    const [fixture, server] = await Promise.all([setUp(), startS3TestServer()]);
    t.diagnostic(`fixture and Ceph RGW ready in ${seconds(testStarted)} s`);
    try {
      await t.test('a tampered InRelease or repomd.xml is refused: the client checks are real', async () => {
        await tamperChecks(fixture);
      });
      await t.test('local directory', async (t) => {
        await crashRuns(t, fixture, await localBackend(fixture));
      });
      await t.test('S3 bucket (Ceph RGW)', async (t) => {
        await crashRuns(t, fixture, await s3Backend(fixture, server));
      });
    } finally {
      await server.stop();
    }
  },
);

const testStarted = Date.now();

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
  const [older, old, next] = await Promise.all(
    [OLDER, OLD, NEW].map((v) => buildExampleVersion(v, ['deb', 'rpm'], ['--sign-key', secretKeyFile])),
  );
  return { key: secretKeyFile, publicKey: publicKeyFile, older: older!, old: old!, new: next!, work };
}

/**
 * The base repository: OLDER, then OLD with --keep 1, so it lists OLD and keeps two generations of
 * indexes (by-hash) and repodata; the publish under test then deletes OLDER's generation.
 */
async function publishBase(fixture: Fixture, repo: string, extra: string[], env: Record<string, string>) {
  for (const [packages, keep] of [
    [fixture.older, []],
    [fixture.old, ['--keep', '1']],
  ] as const) {
    const published = await publishWhole(
      ['--repo', repo, '--sign-key', fixture.key, ...keep, ...extra, packages.deb!, packages.rpm!],
      env,
    );
    assert.equal(published.exitCode, 0, published.stderr);
  }
}

function publishArgs(fixture: Fixture, backend: Backend, repo: string, keep: boolean): string[] {
  return [
    '--repo',
    repo,
    '--sign-key',
    fixture.key,
    ...(keep ? ['--keep', '1'] : []),
    ...backend.args,
    fixture.new.deb!,
    ...(backend.sides.includes('yum') ? [fixture.new.rpm!] : []),
  ];
}

async function localBackend(fixture: Fixture): Promise<Backend> {
  const base = path.join(fixture.work, 'local-base');
  await publishBase(fixture, base, [], {});
  return {
    name: 'local directory',
    sides: ['apt', 'yum'],
    parallel: PARALLEL.local,
    recoveryParallel: RECOVERY_PARALLEL.local,
    args: [],
    env: {},
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

/**
 * Repositories as prefixes of one public-read bucket on the Ceph gateway, published with
 * `--endpoint` and credentials from the environment, read by apt over HTTP as a CDN would serve
 * them (apt and dnf alike). Each run's repository is a server-side copy of the base (CopyObject
 * keeps Content-Type and Cache-Control).
 */
async function s3Backend(fixture: Fixture, server: S3TestServer): Promise<Backend> {
  const bucket = 'pkgapp-crash';
  const client = new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    credentials: server.credentials,
    forcePathStyle: true,
  });
  after(() => client.destroy());
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] },
      // A missing key is then 404, not 403: apt needs that for the files it may fetch.
      { Effect: 'Allow', Principal: '*', Action: ['s3:ListBucket'], Resource: [`arn:aws:s3:::${bucket}`] },
    ],
  };
  await client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
  const prefixOf = (repo: string) => repo.slice(`s3://${bucket}/`.length);
  const list = async (prefix: string): Promise<{ key: string; etag: string }[]> => {
    const found: { key: string; etag: string }[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
      );
      for (const item of page.Contents ?? []) found.push({ key: item.Key!, etag: item.ETag ?? '' });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found.sort((a, b) => (a.key < b.key ? -1 : 1));
  };
  const backend: Backend = {
    name: 'S3 bucket',
    sides: ['apt', 'yum'],
    parallel: PARALLEL.s3,
    recoveryParallel: RECOVERY_PARALLEL.s3,
    args: ['--endpoint', server.endpoint],
    env: {
      AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
      AWS_REGION: server.region,
    },
    async fresh(id) {
      const prefix = `crash/${id}`;
      await inParallel(await list('crash/base/'), 16, ({ key }) =>
        client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            CopySource: `${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`,
            Key: `${prefix}/${key.slice('crash/base/'.length)}`,
          }),
        ),
      );
      return { repo: `s3://${bucket}/${prefix}`, url: `${server.endpoint}/${bucket}/${prefix}` };
    },
    // The lock object a SIGKILL leaves, made to look as a publisher coming along after its expiry
    // finds it (src/publish/repository-lock.ts): same owner, an expiry in the past.
    async ageLocks(repo) {
      const key = `${prefixOf(repo)}/pkgapp-publish.lock`;
      const lock = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
      if (!lock) return 0;
      const body = JSON.parse(await lock.Body!.transformToString()) as { owner: string; expires: number };
      const expired = `${JSON.stringify({ owner: body.owner, expires: Date.now() - 60_000 })}\n`;
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: expired, ContentType: lock.ContentType }),
      );
      return 1;
    },
    async files(repo) {
      const prefix = `${prefixOf(repo)}/`;
      return (await list(prefix)).map((o) => o.key.slice(prefix.length));
    },
    // ETags of single-part uploads are the MD5 of the content: a digest of every name and content.
    async digest(repo, sub) {
      const prefix = `${prefixOf(repo)}/`;
      const hash = createHash('sha256');
      for (const o of await list(`${prefix}${sub}`)) hash.update(`${o.key.slice(prefix.length)}\0${o.etag}\0`);
      return hash.digest('hex');
    },
  };
  await publishBase(fixture, `s3://${bucket}/crash/base`, backend.args, backend.env);
  return backend;
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
  // What the base's InRelease and repomd.xml name: the generation a publish keeps as the previous one.
  const baseNames = await metadataNames(reference.keep.url, backend.sides);
  const traced = await tracePublish(publishArgs(fixture, backend, reference.keep.repo, true), backend.env);
  const whole = await publishWhole(publishArgs(fixture, backend, reference.add.repo, false), backend.env);
  assert.equal(whole.exitCode, 0, whole.stderr);
  const points = traced.points;
  // The publish changes both repositories, in the order docs/internals/publish-crash-safety.md gives.
  const expectedPoints = [/apt\/pool\/.*\.deb$/, /InRelease$/, /^delete .*1\.0\.0.*\.deb$/];
  if (backend.sides.includes('yum')) expectedPoints.push(/repomd\.xml\.asc$/);
  for (const expected of expectedPoints)
    assert.ok(
      points.some((p) => expected.test(p.what)),
      `no crash point matches ${expected}:\n${points.map((p) => p.what).join('\n')}`,
    );
  t.diagnostic(`${backend.name}: a whole publish --keep 1 has ${points.length} crash points, ${traced.run.ms} ms`);
  assert.ok(points.length >= Math.min(POINTS, 50), `${backend.name}: only ${points.length} crash points`);
  // The AWS SDK's Node-version notice is turned off (src/publish/storage/s3-storage.ts): seen on
  // the traced publish, a process of its own (the reference publishes run in this one).
  assert.doesNotMatch(traced.run.stderr, /NodeVersionSupportWarning/);

  const random = seededRandom(SEED);
  const runs: Run[] = [
    ...pickPoints(points, POINTS, random)
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
  const killStarted = Date.now();
  await inParallel(runs, backend.parallel, async (run) => {
    // Each run's copy of the base is made by its worker: copying (mostly the gateway's work on S3)
    // overlaps with the other workers' publishes (mostly this machine's CPU).
    Object.assign(run, await backend.fresh(run.id));
    const args = publishArgs(fixture, backend, run.repo!, run.keep);
    run.killed =
      run.killAt !== undefined
        ? await publishKilledAt(args, run.killAt, backend.env)
        : await publishKilledAfter(args, run.killAfterMs!, backend.env);
    if (run.killAt !== undefined)
      assert.equal(
        run.killed.signal,
        'SIGKILL',
        `${run.label}: not killed (exit ${run.killed.exitCode}): ${run.killed.stderr}`,
      );
  });
  const killedByTimer = runs.filter((r) => r.killAfterMs !== undefined && r.killed!.signal === 'SIGKILL').length;
  const sideOf = (n: number) => /(?:^|[ /])(apt|yum)\//.exec(points[n - 1]!.what)?.[1] ?? 'lock';
  const perSide = new Map<string, number>();
  for (const run of runs)
    if (run.killAt !== undefined) perSide.set(sideOf(run.killAt), (perSide.get(sideOf(run.killAt)) ?? 0) + 1);
  t.diagnostic(
    `${backend.name}: ${runs.length} publishes killed in ${seconds(killStarted)} s (${points.length} points; ` +
      `killed at a point: ${[...perSide].map(([side, n]) => `${n} ${side}`).join(', ')}; ` +
      `${killedByTimer} of ${TIMER_KILLS} timer runs were still running when killed)`,
  );

  // After the kill: clients accept every repository, which holds the old or the new versions. Runs
  // that left byte-identical trees (a kill before a change and after the one before it; every kill
  // during the apt half leaves the yum tree as it was) are one check for a client.
  const checkStarted = Date.now();
  for (const run of runs) {
    run.aptState = await backend.digest(run.repo!, 'apt/');
    run.yumState = backend.sides.includes('yum') ? await backend.digest(run.repo!, 'yum/') : '';
  }
  const aptStates = representatives(runs, (r) => r.aptState!);
  const yumStates = backend.sides.includes('yum') ? representatives(runs, (r) => r.yumState!) : [];
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
  // Runs that left the same apt and yum trees list the same versions: one check each.
  for (const run of representatives(runs, (r) => `${r.keep}:${r.aptState}:${r.yumState}`)) {
    const state = await repoState(run.url!, backend.sides);
    const allowed = run.keep ? [[OLD], [NEW]] : [[OLD], [OLD, NEW]];
    for (const side of backend.sides)
      assert.ok(
        allowed.some((versions) => versions.join() === state[side].join()),
        `${run.label}: ${side} lists ${state[side].join(', ')} after the kill; expected ${allowed.map((a) => a.join('+')).join(' or ')}`,
      );
  }
  const sample = spread(aptStates, DOWNLOADS);
  for (const run of sample) await downloadAll(fixture, backend, run, 'after the kill');
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
  await inParallel(distinct, backend.recoveryParallel, async (run) => {
    await backend.ageLocks(run.repo!);
    run.recovered = await publishWhole(publishArgs(fixture, backend, run.repo!, run.keep), backend.env);
    assert.equal(run.recovered.exitCode, 0, `${run.label}: the next publish failed: ${run.recovered.stderr}`);
  });
  const expectedFiles = {
    keep: normalized(await backend.files(reference.keep.repo)),
    add: normalized(await backend.files(reference.add.repo)),
  };
  for (const ref of [reference.keep, reference.add])
    await checkGenerations(backend, ref.repo, ref.url, baseNames, `${backend.name} reference`);
  for (const run of distinct) {
    await checkGenerations(backend, run.repo!, run.url!, baseNames, `${run.label}: after the next publish`);
    const state = await repoState(run.url!, backend.sides);
    const versions = run.keep ? [NEW] : [OLD, NEW];
    assert.deepEqual(
      state,
      { apt: versions, yum: backend.sides.includes('yum') ? versions : [] },
      `${run.label}: after the next publish`,
    );
    const files = await backend.files(run.repo!);
    assert.deepEqual(
      normalized(files),
      run.keep ? expectedFiles.keep : expectedFiles.add,
      `${run.label}: the next publish left other files than an uninterrupted publish:\n${files.join('\n')}`,
    );
  }
  const checked = [...new Set([...spread(distinct, DOWNLOADS - 1), ...torn, distinct.at(-1)!])];
  await checkClients(fixture, checked, yumStates.length ? checked : [], 'after the next publish');
  for (const run of checked) await downloadAll(fixture, backend, run, 'after the next publish');
  t.diagnostic(
    `${backend.name}: ${distinct.length} distinct trees published again, all complete with the files of an ` +
      `uninterrupted publish; ${checked.length} checked with apt, dnf and downloads; ${seconds(recoverStarted)} s`,
  );
  t.diagnostic(`${backend.name}: ${runs.length} runs in ${seconds(started)} s`);
}

/**
 * `count` different points of the trace: those the write order turns on (around InRelease, the
 * delete of the dropped .deb, repomd.xml and its signature; a kill just after InRelease or the
 * signature is one before the old generation's by-hash or repodata deletes) always, the rest drawn with `random`
 * (seeded: the same trace gives the same points). Returned in trace order.
 */
function pickPoints(points: readonly CrashPoint[], count: number, random: () => number): CrashPoint[] {
  if (points.length <= count) return [...points];
  const key = (p: CrashPoint) => /\/InRelease$|\.deb$|repomd\.xml(\.asc)?$/.test(p.what);
  const chosen = new Set(points.filter(key).slice(0, count));
  const rest = points.filter((p) => !chosen.has(p));
  while (chosen.size < count) chosen.add(rest.splice(Math.floor(random() * rest.length), 1)[0]!);
  return points.filter((p) => chosen.has(p));
}

/** `count` items spread evenly over `items` (the last one included). */
function spread<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return [
    ...new Set(Array.from({ length: count }, (_, i) => items[Math.floor(((i + 1) * items.length) / count) - 1]!)),
  ];
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
  const [aptResult, dnfResult] = await Promise.all([
    apt.update(sources(forApt)),
    forDnf.length ? dnf.makecache(sources(forDnf)) : { ok: true, output: '' },
  ]);
  assert.ok(aptResult.ok, `apt-get update ${when}:\n${aptResult.output}`);
  assert.ok(dnfResult.ok, `dnf makecache ${when}:\n${dnfResult.output}`);
}

/** Downloads every listed version of the run's repository as apt and dnf would, and checks each package. */
async function downloadAll(fixture: Fixture, backend: Backend, run: Run, when: string): Promise<void> {
  const source: RepoSource = { name: run.id, url: run.url! };
  const state = await repoState(run.url!, backend.sides);
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
  if (!backend.sides.includes('yum')) return;

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
async function repoState(url: string, sides: readonly Side[]): Promise<{ apt: string[]; yum: string[] }> {
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
  if (!sides.includes('yum')) return { apt: [...aptVersions].sort(), yum: [] };
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
 * The by-hash indexes and checksum-named repodata files (relative to the repository root) that the
 * InRelease and repomd.xml at `url` name.
 */
async function metadataNames(url: string, sides: readonly Side[]): Promise<Set<string>> {
  const names = new Set<string>();
  const inRelease = (await fetchBytes(`${url}/apt/dists/stable/InRelease`)).toString().replace(/\r\n/g, '\n');
  for (const line of /^SHA256:\n((?: .*\n)+)/m.exec(inRelease)![1]!.trim().split('\n')) {
    const [hash, , name] = line.trim().split(/\s+/);
    names.add(`apt/dists/stable/${path.posix.dirname(name!)}/by-hash/SHA256/${hash}`);
  }
  if (!sides.includes('yum')) return names;
  const repomd = (await fetchBytes(`${url}/yum/stable/repodata/repomd.xml`)).toString();
  for (const [, href] of repomd.matchAll(/<location href="([^"]+)"/g)) names.add(`yum/stable/${href}`);
  return names;
}

/**
 * Metadata generations after a completed publish: the by-hash and repodata files are exactly those
 * the current InRelease and repomd.xml name plus those the base's named (the previous generation,
 * kept for clients mid-update). One more is a generation a killed publish left behind.
 */
async function checkGenerations(
  backend: Backend,
  repo: string,
  url: string,
  previous: ReadonlySet<string>,
  label: string,
): Promise<void> {
  const expected = new Set([...previous, ...(await metadataNames(url, backend.sides))]);
  const found = (await backend.files(repo)).filter((f) => /\/by-hash\/SHA256\/|\/repodata\/[0-9a-f]{64}-/.test(f));
  assert.deepEqual(
    found.filter((f) => !expected.has(f)),
    [],
    `${label}: metadata files neither the current nor the previous InRelease/repomd.xml names`,
  );
  assert.deepEqual(
    [...expected].filter((f) => !found.includes(f)),
    [],
    `${label}: metadata files the current or the previous InRelease/repomd.xml names are missing`,
  );
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
