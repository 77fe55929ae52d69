// The service on a booted Debian 12, beyond the example app's life cycle (deb-e2e):
// - started the way package.json "start" says: a dependency's bin with arguments and variables
//   (`GREETING=… tiny-server --port 3002 ./greeting.txt`), Next.js's .next/cache writable through
//   its link into /var/cache/NAME;
// - the restart policy: a service that crashes at every start ends "failed" within the start
//   limit (StartLimitBurst=5 in StartLimitIntervalSec=60, RestartSec=2s) with the reason in the
//   journal, instead of "activating" forever; a healthy service that crashes once is restarted;
//   a missing required variable fails at once without using up the start limit, so
//   `systemctl restart` works as soon as it is set.
import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { sh } from '../helpers/booted-app.js';
import { createRoot, type Booted, type Root } from '../helpers/chroot.js';
import { cleanupTestDirs, makeApp, minimalApp, runCli } from '../helpers/testdir.js';
import { E2E_TOOLS, isRoot, requireTools, which } from '../helpers/tools.js';

let root: Root | undefined;
let booted: Booted | undefined;
before(async () => {
  if (!E2E_TOOLS.every(which) || !isRoot()) return;
  root = await createRoot();
  booted = await root.boot();
});
after(async () => {
  await booted?.shutdown();
  await root?.destroy();
  await cleanupTestDirs();
});

/** The booted root, or undefined when the test is skipped for want of tools. */
function bootedRoot(t: TestContext): { root: Root; b: Booted } | undefined {
  if (!requireTools(t, ['root', ...E2E_TOOLS])) return undefined;
  assert.ok(root && booted, 'the root booted');
  return { root, b: booted };
}

/** Builds an app as a deb (with its node_modules as they are: --no-install). */
async function buildDeb(files: Record<string, string | object>): Promise<string> {
  const dir = await makeApp(files);
  const result = await runCli(['build', '-C', dir, '-t', 'deb', '--no-install', '--json'], {
    env: { SOURCE_DATE_EPOCH: '1795651200' },
  });
  assert.equal(result.exitCode, 0, result.stderr);
  return (JSON.parse(result.stdout).packages as { path: string }[])[0]!.path;
}

/** A one-file app; `pkgapp` is its configuration. */
const oneFile = (name: string, server: string, pkgapp: Record<string, unknown> = {}) =>
  buildDeb(minimalApp({ name, pkgapp }, { 'server.js': server }));

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
  assert.fail(
    `${unit} is "${await state(b, unit)}", not "${want}", after ${limitSeconds} s; journal:\n${await b.journal(unit)}`,
  );
}

const CRASHER = "console.error('crasher: this app requires at least Node.js v99');\nprocess.exit(1);\n";
const ONCE = `const http = require('http');
http.createServer((q, s) => {
  if (q.url === '/crash') { console.error('once: crashing on request'); process.exit(1); }
  s.end(String(process.pid));
}).listen(3000);
`;
const CONFIGURED = "require('http').createServer((q, s) => s.end(process.env.TOKEN)).listen(3001);\n";

/** A dependency with a bin, as npm installs it, and the lockfile entry that pins it. */
const TINY_SERVER = {
  'node_modules/tiny-server/package.json': {
    name: 'tiny-server',
    version: '2.0.0',
    bin: { 'tiny-server': './bin/cli.js' },
  },
  'node_modules/tiny-server/bin/cli.js': `#!/usr/bin/env node
// tiny-server --port N FILE: answers with GREETING, FILE's text (relative to the working
// directory) and what it could write into .next/cache.
const fs = require('fs');
const [, , flag, port, file] = process.argv;
if (flag !== '--port') { console.error('usage: tiny-server --port N FILE'); process.exit(64); }
// As next start does: list the addresses (a netlink socket, which the unit must allow).
console.log('tiny-server: interfaces', Object.keys(require('os').networkInterfaces()).join(' '));
require('http').createServer((q, s) => {
  let cache;
  try {
    fs.mkdirSync('.next/cache/images', { recursive: true });
    fs.writeFileSync('.next/cache/images/probe', 'x');
    cache = fs.realpathSync('.next/cache/images/probe');
  } catch (e) { cache = e.code; }
  s.end(JSON.stringify({ greeting: process.env.GREETING, file: fs.readFileSync(file, 'utf8').trim(), cwd: process.cwd(), cache, argv: process.argv.slice(1) }));
}).listen(Number(port));
`,
};

test("a start script that runs a dependency's bin with variables and arguments; .next/cache is writable", async (t) => {
  const booted = bootedRoot(t);
  if (!booted) return;
  const { root, b } = booted;
  const app = minimalApp(
    {
      name: 'bin-app',
      main: undefined,
      dependencies: { 'tiny-server': '2.0.0' },
      scripts: { start: "GREETING='hello from the start script' tiny-server --port 3002 ./greeting.txt" },
    },
    {
      'greeting.txt': 'a file of the app\n',
      '.next/BUILD_ID': 'build-1\n',
      ...TINY_SERVER,
    },
  );
  app['package-lock.json'] = {
    name: 'bin-app',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'bin-app', version: '1.0.0', dependencies: { 'tiny-server': '2.0.0' } },
      'node_modules/tiny-server': { version: '2.0.0', bin: { 'tiny-server': 'bin/cli.js' } },
    },
  };
  await install(root, b, await buildDeb(app));
  assert.match(
    await sh(b, 'systemctl cat bin-app'),
    /^ExecStart="\/opt\/bin-app\/.pkgapp\/check-env" "\/usr\/bin\/node" "\/opt\/bin-app\/node_modules\/tiny-server\/bin\/cli\.js" "--port" "3002" "\.\/greeting\.txt"$/m,
  );
  const answer = JSON.parse(
    await sh(b, 'for i in $(seq 50); do curl -sf http://127.0.0.1:3002/ && exit 0; sleep 0.2; done; exit 1'),
  );
  assert.deepEqual(answer, {
    greeting: 'hello from the start script',
    file: 'a file of the app',
    cwd: '/opt/bin-app',
    cache: '/var/cache/bin-app/next/images/probe',
    argv: ['/opt/bin-app/node_modules/tiny-server/bin/cli.js', '--port', '3002', './greeting.txt'],
  });
  assert.equal(await sh(b, 'readlink /opt/bin-app/.next/cache'), '/var/cache/bin-app/next');
  // Tagged with the unit's name (SyslogIdentifier=%N), not check-env's.
  assert.match(await b.journal('bin-app'), /bin-app\[\d+\]: tiny-server: interfaces lo/);
  assert.equal(await sh(b, 'stat -c %U /var/cache/bin-app/next/images/probe'), 'bin-app');
  // The environment file still overrides the start script's variable.
  await sh(b, "echo 'GREETING=from the environment file' >> /etc/default/bin-app && systemctl restart bin-app");
  const again = JSON.parse(
    await sh(b, 'for i in $(seq 50); do curl -sf http://127.0.0.1:3002/ && exit 0; sleep 0.2; done; exit 1'),
  );
  assert.equal(again.greeting, 'from the environment file');
});

test('a crash loop ends "failed" within the start limit; one crash restarts; a missing variable fails at once', async (t) => {
  const booted = bootedRoot(t);
  if (!booted) return;
  const { root, b } = booted;
  const debs = {
    crasher: await oneFile('crasher', CRASHER),
    once: await oneFile('once', ONCE),
    configured: await oneFile('configured', CONFIGURED, { env: { TOKEN: { required: true, description: 'Answer' } } }),
  };

  // Crash loop: postinst starts it; 5 starts 2 s apart, then systemd gives up.
  const installed = Date.now();
  await install(root, b, debs.crasher);
  const seconds = await waitState(b, 'crasher', 'failed', 45);
  t.diagnostic(
    `crasher failed ${((Date.now() - installed) / 1000).toFixed(1)} s after install began (${seconds.toFixed(1)} s after it)`,
  );
  assert.equal(
    await sh(b, 'systemctl show -p NRestarts --value crasher'),
    '5',
    'five runs; the fifth restart (sixth start) is refused',
  );
  const journal = await b.journal('crasher');
  assert.match(journal, /crasher: this app requires at least Node\.js v99/, "the app's own reason");
  assert.match(journal, /Start request repeated too quickly/);
  // It stays failed: nothing restarts it any more.
  await new Promise((resolve) => setTimeout(resolve, 5000));
  assert.equal(await state(b, 'crasher'), 'failed');

  // One crash of a healthy service: restarted after RestartSec, answering again.
  await install(root, b, debs.once);
  await waitState(b, 'once', 'active', 20);
  const pid = await sh(b, 'for i in $(seq 50); do curl -sf http://127.0.0.1:3000/ && exit 0; sleep 0.2; done; exit 1');
  await b.exec(['curl', '-s', 'http://127.0.0.1:3000/crash']);
  const again = await sh(
    b,
    'for i in $(seq 50); do curl -sf http://127.0.0.1:3000/ && exit 0; sleep 0.2; done; exit 1',
  );
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
  assert.equal(
    restart.exitCode,
    0,
    `${restart.stderr}\n${await b.journal('configured')}\n${await sh(b, 'cat /etc/default/configured')}`,
  );
  assert.equal(
    await sh(b, 'for i in $(seq 50); do curl -sf http://127.0.0.1:3001/ && exit 0; sleep 0.2; done; exit 1'),
    'set',
  );
});
