// The health gate (templates/health-gate.sh) with systemd running, through apt (deb) and rpm:
// a first install without the required variable succeeds and says what to set; an upgrade to a
// version that crashes a second after it starts, or whose health URL answers 500, makes the
// package manager's command fail with the reason and the journal; a healthy version passes.
import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fetchApp, NAME, sh, waitActive } from '../helpers/booted-app.js';
import { createRoot, type Booted, type ExecResult, type Root } from '../helpers/chroot.js';
import { buildExampleVersion } from '../helpers/example-builds.js';
import { cleanupTestDirs } from '../helpers/testdir.js';
import { E2E_TOOLS, isRoot, requireTools, which } from '../helpers/tools.js';

after(cleanupTestDirs);

const HEALTHY = `app.get('/healthz', (req, res) => res.send('ok'));`;
/** Each version's server.js addition: 1.1.0 exits a second after it starts, 1.2.0's check answers 500. */
const VERSIONS: [string, string][] = [
  ['1.0.0', HEALTHY],
  ['1.1.0', `${HEALTHY}\nsetTimeout(() => process.exit(1), 1000);`],
  ['1.2.0', `app.get('/healthz', (req, res) => res.status(500).send('database unreachable'));`],
  ['1.3.0', HEALTHY],
];

let builds: Record<string, Record<string, string>> | undefined;
before(async () => {
  // Built once for both formats; skipped where the e2e tests cannot run (no root, no tools).
  if (!isRoot() || E2E_TOOLS.some((tool) => which(tool) === undefined)) return;
  builds = {};
  for (const [version, code] of VERSIONS) {
    builds[version] = await buildExampleVersion(
      version,
      ['deb', 'rpm'],
      [],
      (pkgapp) => {
        // 10 s instead of the default 30: the 500 case waits the whole limit.
        pkgapp['service'] = { health: { url: 'http://127.0.0.1:${PORT}/healthz', timeout: 10 } };
      },
      code,
    );
  }
});

interface Format {
  name: 'deb' | 'rpm';
  envFile: string;
  setup(b: Booted): Promise<void>;
  /**
   * Installs or upgrades to `file`. `gated`: as an upgrade in a pipeline should run it: for rpm,
   * followed by the gate, because rpm exits 0 when %posttrans fails (docs/operations.md).
   */
  install(b: Booted, file: string, gated: boolean): Promise<ExecResult>;
  installed(b: Booted): Promise<string>;
}

const FORMATS: Format[] = [
  {
    name: 'deb',
    envFile: `/etc/default/${NAME}`,
    async setup() {},
    install: (b, file) =>
      b.exec(
        [
          'sh',
          '-c',
          `apt-get install -y --allow-downgrades -o Dpkg::Options::=--force-confold /srv/pkgs/${path.basename(file)} 2>&1`,
        ],
        {
          env: { DEBIAN_FRONTEND: 'noninteractive' },
        },
      ),
    installed: (b) => sh(b, `dpkg-query -W -f='\${Version} \${Status}' ${NAME}`),
  },
  {
    name: 'rpm',
    envFile: `/etc/sysconfig/${NAME}`,
    // Debian's rpm with a database of its own; --nodeps as nodejs is not in that database.
    setup: async (b) => void (await sh(b, 'mkdir -p /var/lib/rpm && rpm --dbpath /var/lib/rpm --initdb')),
    install: (b, file, gated) =>
      b.exec([
        'sh',
        '-c',
        `rpm --dbpath /var/lib/rpm --nodeps -Uvh /srv/pkgs/${path.basename(file)} 2>&1${gated ? ` && /opt/${NAME}/.pkgapp/health-gate` : ''}`,
      ]),
    installed: (b) => sh(b, `rpm --dbpath /var/lib/rpm -q ${NAME}`),
  },
];

for (const format of FORMATS) {
  test(`${format.name}: the health gate on install and upgrade`, async (t) => {
    if (!requireTools(t, ['root', ...E2E_TOOLS])) return;
    assert.ok(builds, 'the versions were built');
    const file = (version: string) => builds![version]![format.name]!;
    let root: Root | undefined;
    try {
      root = await createRoot();
      await mkdir(path.join(root.path, 'srv/pkgs'), { recursive: true });
      for (const [version] of VERSIONS)
        await copyFile(file(version), path.join(root.path, 'srv/pkgs', path.basename(file(version))));
      const b = await root.boot();
      await format.setup(b);
      const step = async (version: string, gated = true) => {
        const started = Date.now();
        const r = await format.install(b, file(version), gated);
        t.diagnostic(`${version}: exit ${r.exitCode} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        // The package manager's own lines about the gate, as docs/operations.md shows them.
        const said = (r.stdout + r.stderr).split(/\r?\n/).filter((l) => !l.includes('Reading database'));
        for (const line of said.slice(said.findIndex((l) => /^Setting up|^Updating/.test(l)))) t.diagnostic(line);
        return { ...r, output: r.stdout + r.stderr };
      };

      // First install without GREETING: it succeeds, and says why the service does not run and what to set.
      const first = await step('1.0.0', false);
      assert.equal(first.exitCode, 0, first.output);
      assert.match(first.output, /health gate FAILED/);
      assert.match(first.output, /required variable GREETING is not set/);
      assert.match(
        first.output,
        new RegExp(
          `installed, but not running yet; the installation goes on. Set its configuration in ${format.envFile}`,
        ),
      );

      await sh(b, `echo 'GREETING=hello gate' >> ${format.envFile} && systemctl restart ${NAME}`);
      await waitActive(b);
      assert.equal((await fetchApp(b)).version, '1.0.0');

      // 1.1.0 exits a second after it starts: the command fails, naming the crash, with the journal.
      const crash = await step('1.1.0');
      assert.notEqual(crash.exitCode, 0, crash.output);
      assert.match(crash.output, /acme-hello: health gate FAILED: the service (restarted|exited|is not running)/);
      assert.match(crash.output, /last journal lines \(journalctl -u acme-hello.service -n 20 --no-pager\):/);
      assert.match(crash.output, /acme-hello\[\d+\]: hello 1\.1\.0 listening/);
      if (format.name === 'rpm')
        assert.match(
          crash.output,
          /warning: %posttrans\(acme-hello-1\.1\.0-1\.noarch\) scriptlet failed, exit status 1/,
        );

      // 1.2.0 runs, but its health URL answers 500 until the time limit.
      const sick = await step('1.2.0');
      assert.notEqual(sick.exitCode, 0, sick.output);
      assert.match(
        sick.output,
        /health gate FAILED: the health check did not pass within 10 s: GET http:\/\/127\.0\.0\.1:3000\/healthz answered 500/,
      );
      assert.match(sick.output, /acme-hello\[\d+\]: hello 1\.2\.0 listening/);

      // A healthy 1.3.0 passes the gate.
      const healthy = await step('1.3.0');
      assert.equal(healthy.exitCode, 0, healthy.output);
      const gate = /acme-hello: healthy after ([\d.]+) s: acme-hello.service active/.exec(healthy.output);
      assert.ok(gate, healthy.output);
      t.diagnostic(`gate time of the healthy upgrade: ${gate[1]} s`);
      assert.match(await format.installed(b), format.name === 'deb' ? /^1\.3\.0 install ok installed$/ : /1\.3\.0-1/);
      assert.equal((await fetchApp(b)).version, '1.3.0');
      await b.shutdown();
    } finally {
      await root?.destroy();
    }
  });
}
