// The unit's restart policy on a booted Debian 12: a service that crashes at every start ends
// "failed" within the start limit (StartLimitBurst=5 in StartLimitIntervalSec=60, RestartSec=2s)
// with the reason in the journal, instead of "activating" forever; a healthy service that
// crashes once is restarted; a missing required variable fails at once without using up the
// start limit, so `systemctl restart` works as soon as it is set.
import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { sh } from '../helpers/booted-app.js';
import { createRoot, type Booted, type Root } from '../helpers/chroot.js';
import { cleanupTestDirs, makeApp, minimalApp, runCli } from '../helpers/testdir.js';
import { E2E_TOOLS, requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

/** Builds a one-file app as a deb; `pkgapp` is its configuration. */
async function buildDeb(name: string, server: string, pkgapp: Record<string, unknown> = {}): Promise<string> {
  const dir = await makeApp(minimalApp({ name, pkgapp }, { 'server.js': server }));
  const result = await runCli(['build', '-C', dir, '-t', 'deb', '--json'], { env: { SOURCE_DATE_EPOCH: '1795651200' } });
  assert.equal(result.exitCode, 0, result.stderr);
  return (JSON.parse(result.stdout).packages as { path: string }[])[0]!.path;
}

async function install(root: Root, b: Booted, deb: string): Promise<void> {
  await copyFile(deb, path.join(root.path, 'srv', path.basename(deb)));
  await sh(b, `apt-get install -y -q /srv/${path.basename(deb)}`);
}

const state = async (b: Booted, unit: string) => (await b.exec(['systemctl', 'is-active', unit])).stdout.trim();

/** Polls `systemctl is-active` until it says `want`; returns the seconds it took. */
async function waitState(b: Booted, unit: string, want: string, limitSeconds: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < limitSeconds * 1000) {
    if ((await state(b, unit)) === want) return (Date.now() - start) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.fail(`${unit} is "${await state(b, unit)}", not "${want}", after ${limitSeconds} s; journal:\n${await b.journal(unit)}`);
}

const CRASHER = "console.error('crasher: this app requires at least Node.js v99');\nprocess.exit(1);\n";
const ONCE = `const http = require('http');
http.createServer((q, s) => {
  if (q.url === '/crash') { console.error('once: crashing on request'); process.exit(1); }
  s.end(String(process.pid));
}).listen(3000);
`;
const CONFIGURED = "require('http').createServer((q, s) => s.end(process.env.TOKEN)).listen(3001);\n";

test('a crash loop ends "failed" within the start limit; one crash restarts; a missing variable fails at once', async (t) => {
  if (!requireTools(t, ['root', ...E2E_TOOLS])) return;
  const debs = {
    crasher: await buildDeb('crasher', CRASHER),
    once: await buildDeb('once', ONCE),
    configured: await buildDeb('configured', CONFIGURED, { env: { TOKEN: { required: true, description: 'Answer' } } }),
  };
  let root: Root | undefined;
  try {
    root = await createRoot();
    const b = await root.boot();

    // Crash loop: postinst starts it; 5 starts 2 s apart, then systemd gives up.
    const installed = Date.now();
    await install(root, b, debs.crasher);
    const seconds = await waitState(b, 'crasher', 'failed', 45);
    t.diagnostic(`crasher failed ${((Date.now() - installed) / 1000).toFixed(1)} s after install began (${seconds.toFixed(1)} s after it)`);
    assert.equal(await sh(b, 'systemctl show -p NRestarts --value crasher'), '5', 'five runs; the fifth restart (sixth start) is refused');
    const journal = await b.journal('crasher');
    assert.match(journal, /crasher: this app requires at least Node\.js v99/, 'the app\'s own reason');
    assert.match(journal, /Start request repeated too quickly/);
    // It stays failed: nothing restarts it any more.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    assert.equal(await state(b, 'crasher'), 'failed');

    // One crash of a healthy service: restarted after RestartSec, answering again.
    await install(root, b, debs.once);
    await waitState(b, 'once', 'active', 20);
    const pid = await sh(b, 'for i in $(seq 50); do curl -sf http://127.0.0.1:3000/ && exit 0; sleep 0.2; done; exit 1');
    await b.exec(['curl', '-s', 'http://127.0.0.1:3000/crash']);
    const again = await sh(b, 'for i in $(seq 50); do curl -sf http://127.0.0.1:3000/ && exit 0; sleep 0.2; done; exit 1');
    assert.notEqual(again, pid, 'a new process after the crash');
    assert.equal(await state(b, 'once'), 'active');
    assert.equal(await sh(b, 'systemctl show -p NRestarts --value once'), '1');

    // A required variable unset: failed at once (no restarts), and a restart works right after
    // it is set, whatever the start limit.
    await install(root, b, debs.configured);
    await waitState(b, 'configured', 'failed', 20);
    await new Promise((resolve) => setTimeout(resolve, 3000)); // past RestartSec: still no restart
    assert.equal(await state(b, 'configured'), 'failed');
    assert.equal(await sh(b, 'systemctl show -p NRestarts --value configured'), '0');
    const refused = await b.journal('configured');
    assert.match(refused, /required variable TOKEN is not set: set it in \/etc\/default\/configured/);
    assert.match(refused, /status=78\/CONFIG/);
    for (let i = 0; i < 2; i++) await b.exec(['systemctl', 'restart', 'configured']); // the admin tries again before fixing it
    await sh(b, "echo 'TOKEN=set' >> /etc/default/configured");
    const restart = await b.exec(['systemctl', 'restart', 'configured']);
    assert.equal(restart.exitCode, 0, `${restart.stderr}\n${await b.journal('configured')}\n${await sh(b, 'cat /etc/default/configured')}`);
    assert.equal(await sh(b, 'for i in $(seq 50); do curl -sf http://127.0.0.1:3001/ && exit 0; sleep 0.2; done; exit 1'), 'set');
    await b.shutdown();
  } finally {
    await root?.destroy();
  }
});
