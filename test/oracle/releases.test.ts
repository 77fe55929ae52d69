// pkgapp.releases (docs/internals/releases.md) with systemd running, through apt: releases side
// by side (keep 2), a crashing upgrade that switches back by itself, an offline rollback with
// the documented command, apt autoremove dropping releases beyond keep, and purge leaving nothing.
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { apt, createAptRepo } from '../helpers/apt-repo.js';
import { fetchApp, NAME, sh, waitActive } from '../helpers/booted-app.js';
import { createRoot, type Root } from '../helpers/chroot.js';
import { buildExampleVersion } from '../helpers/example-builds.js';
import { cleanupTestDirs } from '../helpers/testdir.js';
import { E2E_TOOLS, isRoot, requireTools, which } from '../helpers/tools.js';

after(cleanupTestDirs);

const HEALTHY = `app.get('/healthz', (req, res) => res.send('ok'));`;
/** 1.2.0 exits a second after it starts. */
const VERSIONS: [string, string][] = [
  ['1.0.0', HEALTHY],
  ['1.1.0', HEALTHY],
  ['1.2.0', `${HEALTHY}\nsetTimeout(() => process.exit(1), 1000);`],
  ['1.3.0', HEALTHY],
];
const ROLLBACK = `/opt/${NAME}/.pkgapp/rollback`;

/** Every version's two .deb files (NAME and NAME-release-VERSION). */
let builds: Record<string, string[]> | undefined;
before(async () => {
  if (!isRoot() || E2E_TOOLS.some((tool) => which(tool) === undefined) || !which('apt-ftparchive')) return;
  builds = {};
  for (const [version, code] of VERSIONS) {
    const dir = await buildExampleVersion(
      version,
      ['deb'],
      [],
      (pkgapp) => {
        pkgapp['releases'] = { keep: 2 };
        pkgapp['service'] = { health: { url: 'http://127.0.0.1:${PORT}/healthz', timeout: 10 } };
      },
      code,
    );
    // Both files are in the same output directory (--json lists them both, NAME first).
    const out = path.dirname(dir['deb']!);
    builds[version] = [`${NAME}_${version}_all.deb`, `${NAME}-release-${version}_${version}_all.deb`].map((f) =>
      path.join(out, f),
    );
  }
});

test('deb: releases side by side (keep 2), switch back on a failed gate, offline rollback, autoremove, purge', async (t) => {
  if (!requireTools(t, ['root', ...E2E_TOOLS, 'apt-ftparchive'])) return;
  assert.ok(builds, 'the versions were built');
  let root: Root | undefined;
  try {
    root = await createRoot();
    const b = await root.boot();
    const repo = await createAptRepo(root, builds['1.0.0']);
    const install = async (version: string) => {
      const started = Date.now();
      const r = await apt(root!, ['install', '-y', '--allow-downgrades', `${NAME}=${version}`], { check: false });
      const seconds = (Date.now() - started) / 1000;
      t.diagnostic(`apt-get install ${NAME}=${version}: exit ${r.exitCode} after ${seconds.toFixed(1)} s`);
      return { ...r, output: r.stdout + r.stderr, seconds };
    };
    const releases = async () =>
      (
        await sh(
          b,
          `dpkg-query -W -f='\${db:Status-Abbrev}\${Package} \${Version}\\n' '${NAME}-release-*' | awk '$1 == "ii" {print $2}' | sort`,
        )
      ).split('\n');
    const current = () => sh(b, `readlink /opt/${NAME}/current`);
    const installed = () => sh(b, `dpkg-query -W -f='\${Version} \${Status}' ${NAME}`);

    // 1.0.0: installs (not configured yet: the gate only reports), then configured and serving.
    const first = await install('1.0.0');
    assert.equal(first.exitCode, 0, first.output);
    await sh(b, `echo 'GREETING=hello releases' >> /etc/default/${NAME} && systemctl restart ${NAME}`);
    await waitActive(b);
    assert.equal((await fetchApp(b)).version, '1.0.0');
    assert.equal(await current(), 'releases/1.0.0');

    // 1.1.0: both releases installed, 1.1.0 serves, and apt records which is which.
    await repo.add(...builds['1.1.0']!);
    const second = await install('1.1.0');
    assert.equal(second.exitCode, 0, second.output);
    assert.match(second.output, /healthy after [\d.]+ s/);
    assert.deepEqual(await releases(), [`${NAME}-release-1.0.0`, `${NAME}-release-1.1.0`]);
    assert.equal(await current(), 'releases/1.1.0');
    assert.equal((await fetchApp(b)).version, '1.1.0');
    assert.match(await installed(), /^1\.1\.0 install ok installed$/);

    // 1.2.0 crashes: apt fails, the postinst switched back to 1.1.0, which serves again. A poller
    // inside the root records every failed request, to measure the gap the two restarts leave.
    await repo.add(...builds['1.2.0']!);
    await sh(
      b,
      `rm -f /run/poll.log; (while [ ! -e /run/poll.stop ]; do if curl -sf -m 1 http://127.0.0.1:3000/ >/dev/null; then echo "ok $(date +%s%N)"; else echo "fail $(date +%s%N)"; fi; sleep 0.1; done >/run/poll.log 2>&1 &) ; true`,
    );
    const crash = await install('1.2.0');
    await sh(b, 'touch /run/poll.stop; sleep 0.5; rm -f /run/poll.stop');
    for (const line of crash.output.split('\n').filter((l) => /acme-hello:|dpkg: error|^E:/.test(l)))
      t.diagnostic(line);
    assert.notEqual(crash.exitCode, 0, crash.output);
    assert.match(crash.output, /health gate FAILED: the service (restarted|exited|is not running)/);
    assert.match(crash.output, /release 1\.2\.0 is not healthy \(see above\): switching back to release 1\.1\.0/);
    assert.match(crash.output, /release 1\.1\.0 runs again and is healthy/);
    assert.match(crash.output, new RegExp(`Make the switch back permanent: ${ROLLBACK} 1\\.1\\.0`));
    assert.equal(await current(), 'releases/1.1.0');
    assert.equal((await fetchApp(b)).version, '1.1.0');
    const poll = (await sh(b, 'cat /run/poll.log')).split('\n').map((l) => l.split(' '));
    let gap = 0;
    let since: number | undefined;
    for (const [state, ns] of poll) {
      const at = Number(ns) / 1e6;
      if (state === 'fail') since ??= at;
      else if (since !== undefined) {
        gap = Math.max(gap, at - since);
        since = undefined;
      }
    }
    assert.equal(since, undefined, 'the service answers again at the end');
    t.diagnostic(
      `failed upgrade: ${crash.seconds.toFixed(1)} s for apt; longest run of failed requests ${(gap / 1000).toFixed(1)} s over ${poll.length} requests`,
    );

    // The repository goes away: the rollback to 1.0.0 needs nothing but what is installed.
    await rm(path.join(root.path, 'etc/apt/sources.list.d/pkgapp-local.list'));
    await rm(repo.hostDir, { recursive: true });
    const list = await sh(b, ROLLBACK);
    assert.match(list, /\* 1\.1\.0/);
    assert.match(list, / {2}1\.0\.0/);
    const started = Date.now();
    const rollback = await b.exec(['sh', '-c', `${ROLLBACK} 1.0.0 2>&1`]);
    const switchSeconds = (Date.now() - started) / 1000;
    assert.equal(rollback.exitCode, 0, rollback.stdout + rollback.stderr);
    const gate = /healthy after ([\d.]+) s/.exec(rollback.stdout);
    assert.ok(gate, rollback.stdout);
    t.diagnostic(`rollback to 1.0.0 offline: ${switchSeconds.toFixed(1)} s in all, of which the gate ${gate[1]} s`);
    assert.ok(switchSeconds < 5 + 10, `rollback took ${switchSeconds} s`);
    assert.equal((await fetchApp(b)).version, '1.0.0');
    assert.equal(await current(), 'releases/1.0.0');
    assert.match(await installed(), /^1\.0\.0 install ok installed$/);
    assert.match(await sh(b, `apt-cache policy ${NAME}`), /Installed: 1\.0\.0/);
    assert.deepEqual(await releases(), [`${NAME}-release-1.0.0`, `${NAME}-release-1.1.0`, `${NAME}-release-1.2.0`]);

    // 1.3.0 from a repository again: apt autoremove then drops the releases beyond keep 2.
    const again = await createAptRepo(root, builds['1.3.0']);
    const fourth = await install('1.3.0');
    assert.equal(fourth.exitCode, 0, fourth.output);
    assert.equal((await fetchApp(b)).version, '1.3.0');
    const autoremove = await apt(root, ['autoremove', '-y']);
    t.diagnostic(autoremove.stdout.split('\n').find((l) => /^Removing/.test(l)) ?? 'nothing removed');
    const kept = await releases();
    assert.equal(kept.length, 2, kept.join(' '));
    assert.ok(kept.includes(`${NAME}-release-1.3.0`), kept.join(' '));
    assert.ok(!kept.includes(`${NAME}-release-1.0.0`), kept.join(' '));
    assert.equal(await current(), 'releases/1.3.0');
    void again;

    // Purge: nothing left of the app, its releases, the switch or apt's list.
    await apt(root, ['purge', '-y', NAME]);
    assert.equal(await sh(b, `dpkg -l | grep ' ${NAME}' || true`), '');
    assert.equal(
      await sh(
        b,
        `ls -d /opt/${NAME} /var/lib/${NAME} /etc/default/${NAME} /etc/apt/apt.conf.d/60${NAME}-releases 2>/dev/null || true`,
      ),
      '',
    );
    await b.shutdown();
  } finally {
    await root?.destroy();
  }
});
