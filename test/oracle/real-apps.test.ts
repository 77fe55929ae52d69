// Real open-source apps and frameworks from the npm registry, packaged as a user would: each
// wrapper in test/fixtures/real-apps built once with `pkgapp build -t deb -t rpm` (plus only
// the options it needs), then, per target, all installed side by side in one booted Debian 12
// (debs with `apt-get install ./x.deb` and Debian's nodejs; rpms with Debian's rpm and its own
// database), configured through the environment file, asked something that proves they work,
// restarted and asked again. Apps whose dependencies need a newer Node.js than Debian 12's also
// get a default build, which must say so, and whose deb apt must refuse.
// The table (app, version, options, build time, size, installed, answered) is printed at the end.
//
// PKGAPP_REAL_APPS_ONLY=nextjs,node-red: only these apps (while working on one).
import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { apt } from '../helpers/apt-repo.js';
import { createRoot, type Booted, type Root } from '../helpers/chroot.js';
import { shIn, TARGETS, type Target } from '../helpers/fixture-matrix.js';
import {
  attemptBuild,
  buildRealApp,
  checkState,
  configure,
  journalErrors,
  lockedVersion,
  REAL_APPS,
  renderRealApps,
  type AppContext,
  type BuildAttempt,
  type BuiltApp,
  type RealApp,
  type RealAppRow,
} from '../helpers/real-apps.js';
import { cleanupTestDirs, listDir } from '../helpers/testdir.js';
import { E2E_TOOLS, requireTools } from '../helpers/tools.js';

const only = process.env.PKGAPP_REAL_APPS_ONLY?.split(',').filter(Boolean);
const selected = (a: RealApp) => !only || only.includes(a.id);
const started = Date.now();
const built = new Map<RealApp, BuiltApp>();
const buildFailed = new Map<RealApp, string>();
/** The default builds of apps that need a newer Node.js (their deb must be refused by apt on Debian 12). */
const defaultBuilds = new Map<RealApp, BuildAttempt>();
const rows: RealAppRow[] = [];

after(async () => {
  if (rows.length) {
    const order = (r: RealAppRow) =>
      REAL_APPS.findIndex((a) => a.id === r.app) * 10 +
      (r.options.includes('default') ? 0 : 1) * 2 +
      TARGETS.indexOf(r.target);
    console.log(
      `\nreal-app matrix (${((Date.now() - started) / 1000).toFixed(0)} s, build machine Node ${process.version}, ${process.arch}):\n\n${renderRealApps([...rows].sort((a, b) => order(a) - order(b)))}\n`,
    );
  }
  await cleanupTestDirs();
});

const optionsOf = (app: RealApp) => (app.args ?? []).join(' ');

// Builds are mostly waiting (npm downloads, file I/O): two at a time keep both cores busy.
// Each build test awaits its own job; all are queued at once, in the apps' order.
const JOBS = Number(process.env.PKGAPP_REAL_APPS_JOBS ?? 2);
let running = 0;
const waiting: (() => void)[] = [];
function queued<T>(job: () => Promise<T>): Promise<T> {
  const run = async (): Promise<T> => {
    running++;
    try {
      return await job();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
  if (running < JOBS) return run();
  return new Promise<void>((resolve) => waiting.push(resolve)).then(run);
}
const builds = new Map<RealApp, Promise<BuiltApp>>();
const defaultAttempts = new Map<RealApp, Promise<BuildAttempt>>();
for (const app of REAL_APPS.filter(selected)) {
  const job = queued(() => buildRealApp(app));
  job.catch(() => undefined); // reported by the app's build test
  builds.set(app, job);
  if (app.needsNewerNode) {
    const attempt = queued(() => attemptBuild(app, []));
    attempt.catch(() => undefined);
    defaultAttempts.set(app, attempt);
  }
}

for (const app of REAL_APPS) {
  test(`build ${app.id} as deb and rpm${app.args?.length ? ` (${optionsOf(app)})` : ''}`, async (t) => {
    if (!selected(app)) return t.skip('not in PKGAPP_REAL_APPS_ONLY');
    try {
      const result = await builds.get(app)!;
      built.set(app, result);
      t.diagnostic(
        `${result.name}: ${TARGETS.map((target) => `${path.basename(result.packages[target].path)} (${(result.packages[target].bytes / 1048576).toFixed(1)} MiB)`).join(', ')} in ${result.seconds.toFixed(0)} s`,
      );
    } catch (error) {
      buildFailed.set(app, (error as Error).message.split('\n').slice(0, 3).join(' '));
      throw error;
    }
  });

  if (app.needsNewerNode) {
    const { major, because } = app.needsNewerNode;
    test(`${app.id}: the default build says Debian's nodejs is too old (${because} needs Node.js >= ${major})`, async (t) => {
      if (!selected(app)) return t.skip('not in PKGAPP_REAL_APPS_ONLY');
      if (!requireTools(t, ['dpkg-deb'])) return;
      const r = await defaultAttempts.get(app)!;
      const row: RealAppRow = {
        app: app.id,
        version: lockedVersion(app.id, app.framework),
        options: 'default',
        target: 'deb',
        buildSeconds: r.seconds,
        bytes: undefined,
        installed: undefined,
        answered: undefined,
        note: '',
      };
      rows.push(row);
      const said = `${r.stdout}\n${r.stderr}`;
      if (r.exitCode !== 0) {
        // Refused: the message names the package that sets the floor and the way out.
        row.note = `build refused (exit ${r.exitCode}): ${r.stderr.split('\n').find((l) => /error/.test(l)) ?? r.stderr.split('\n')[0]}`;
        assert.equal(r.exitCode, 2, r.stderr);
        assert.match(
          said,
          new RegExp(because.replace(/[/.*+?^${}()|[\]\\]/g, '\\$&')),
          'names the package whose engines set the floor',
        );
        assert.match(said, new RegExp(`\\b${major}\\b`), 'names the Node.js it needs');
        assert.match(said, /--node bundled|"node": "bundled"/, 'says how to ship a newer node');
        return;
      }
      // Built: the packages must require that Node.js, and the build must say why.
      defaultBuilds.set(app, r);
      const deb = r.packages.find((p) => p.format === 'deb')!.path;
      const rpm = r.packages.find((p) => p.format === 'rpm')!.path;
      const depends = (await execa('dpkg-deb', ['--field', deb, 'Depends'])).stdout;
      row.note = `built; Depends: ${depends}`;
      assert.match(
        depends,
        new RegExp(`nodejs \\(>= ${major}[.)~]`),
        `the deb's Depends carries the engines floor (Depends: ${depends})`,
      );
      assert.match(
        r.stderr,
        new RegExp(because.replace(/[/.*+?^${}()|[\]\\]/g, '\\$&')),
        `the build output names ${because} as what sets the floor`,
      );
      if (requireTools(t, ['rpm'])) {
        const requires = (await execa('rpm', ['-qp', '--requires', rpm])).stdout;
        // Fedora's and RHEL's nodejs carry Epoch 1: an epoch-less `nodejs >= 20` is satisfied by their 1:18.
        assert.match(
          requires,
          new RegExp(`nodejs >= 1:${major}\\b`),
          `the rpm requires it with Fedora/RHEL's epoch (Requires: ${requires.replace(/\n/g, ', ')})`,
        );
      }
    });
  }
}

/** The lines of a failure that say why (apt's "Depends:"/"E:" lines, an assertion), on one line. */
function briefly(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const why = lines.filter((l) => /Depends:|^E: |unmet|error|Error/.test(l));
  return [lines[0]!.slice(0, 200), ...why.slice(0, 3)].join(' ').slice(0, 500);
}

/** Where the packages are copied inside the root. */
const PACKAGES_DIR = '/srv/packages';

async function install(target: Target, root: Root, b: Booted, file: string): Promise<void> {
  if (target === 'deb') await apt(root, ['install', '-y', file]);
  // --nodeps: the rpms' nodejs is Debian's, which is not in this rpm database.
  else await shIn(b, `rpm --dbpath /var/lib/rpm --nodeps -Uvh ${file} 2>&1`);
}

for (const target of TARGETS) {
  test(`${target}: every real app installs, answers and survives a restart on a booted Debian 12`, async (t) => {
    if (!requireTools(t, ['root', ...E2E_TOOLS])) return;
    let root: Root | undefined;
    try {
      root = await createRoot();
      const copied = new Map<string, string>();
      const copyIn = async (file: string, sub: string) => {
        const inside = `${PACKAGES_DIR}/${sub}/${path.basename(file)}`;
        await mkdir(path.dirname(path.join(root!.path, inside)), { recursive: true });
        await copyFile(file, path.join(root!.path, inside));
        copied.set(file, inside);
        return inside;
      };
      for (const [app, result] of built) await copyIn(result.packages[target].path, app.id);
      for (const [app, r] of defaultBuilds)
        await copyIn(r.packages.find((p) => p.format === target)!.path, `${app.id}-default`);
      const b = await root.boot();
      if (target === 'rpm') await shIn(b, 'mkdir -p /var/lib/rpm && rpm --dbpath /var/lib/rpm --initdb');

      // A deb whose Depends carries a newer Node.js than Debian 12's: apt must refuse it.
      if (target === 'deb') {
        for (const [app, r] of defaultBuilds) {
          await t.test(`${app.id} (default build) is refused by apt`, async () => {
            const file = copied.get(r.packages.find((p) => p.format === 'deb')!.path)!;
            const refused = await apt(root!, ['install', '-y', file], { check: false });
            const row = rows.find((x) => x.app === app.id && x.options === 'default');
            if (row) row.installed = refused.exitCode === 0;
            assert.notEqual(refused.exitCode, 0, `apt installed ${file} on Debian 12 (nodejs 18)`);
            assert.match(
              refused.stdout + refused.stderr,
              /Depends: nodejs \(>= \d+/,
              'apt names the nodejs requirement',
            );
            if (row) row.note += '; apt refuses it on Debian 12';
          });
        }
      }

      for (const app of REAL_APPS) {
        await t.test(app.id, async (st) => {
          const result = built.get(app);
          const row: RealAppRow = {
            app: app.id,
            version: lockedVersion(app.id, app.framework),
            options: optionsOf(app),
            target,
            buildSeconds: result?.seconds,
            bytes: result?.packages[target].bytes,
            installed: undefined,
            answered: undefined,
            note: '',
          };
          rows.push(row);
          if (!result) {
            row.note = buildFailed.has(app)
              ? `build failed: ${buildFailed.get(app)}`
              : selected(app)
                ? 'not built'
                : 'not selected';
            if (buildFailed.has(app)) {
              row.answered = false;
              assert.fail(row.note);
            }
            st.skip(row.note);
            return;
          }
          const ctx: AppContext = { b, target, name: result.name, port: app.port };
          const notes: string[] = [];
          try {
            row.installed = false;
            await install(target, root!, b, copied.get(result.packages[target].path)!);
            row.installed = true;
            row.answered = false;
            await configure(app, ctx);
            notes.push(await app.answer(ctx));
            await shIn(b, `systemctl restart ${result.name}`);
            notes.push(`restarted: ${await app.afterRestart(ctx)}`);
            notes.push(await checkState(app, ctx));
            row.answered = true;
          } catch (error) {
            notes.push(briefly((error as Error).message));
            if (row.installed) notes.push(`journal: ${await journalErrors(b, result.name).catch(() => '?')}`);
            throw error;
          } finally {
            row.note = notes.filter(Boolean).join('; ');
            st.diagnostic(row.note);
          }
        });
      }
      await b.shutdown();
    } finally {
      await root?.destroy();
    }
  });
}

test('every wrapper under test/fixtures/real-apps is in the matrix', async () => {
  const dirs = await listDir(path.join(path.dirname(new URL(import.meta.url).pathname), '../fixtures/real-apps'));
  assert.deepEqual(
    dirs.filter((d) => !REAL_APPS.some((a) => a.id === d)),
    [],
    'add an entry to REAL_APPS in test/helpers/real-apps.ts',
  );
});
