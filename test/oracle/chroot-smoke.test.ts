// Proves the e2e harness end to end: a hand-made .deb with a systemd unit is installed from a local
// apt repo into a booted bookworm container, its postinst starts the service, it answers HTTP, its
// journal is readable, and remove/purge stop and clean it up.

import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { apt, createAptRepo } from '../helpers/apt-repo.js';
import { createRoot, ensureBaseImage, type Root } from '../helpers/chroot.js';
import { E2E_TOOLS, requireTools } from '../helpers/tools.js';

const PORT = 8099;

const UNIT = `[Unit]
Description=pkgapp harness smoke service

[Service]
DynamicUser=yes
ExecStart=/usr/bin/node -e "require('http').createServer((q,s)=>s.end('hi')).listen(${PORT})"

[Install]
WantedBy=multi-user.target
`;

// Maintainer scripts shaped like debhelper's dh_installsystemd snippets.
const POSTINST = `#!/bin/sh
set -e
if [ "$1" = configure ]; then
	deb-systemd-helper unmask smoke.service
	deb-systemd-helper enable smoke.service
fi
if [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload
	deb-systemd-invoke start smoke.service
fi
`;
const PRERM = `#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then
	deb-systemd-invoke stop smoke.service
fi
`;
const POSTRM = `#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
	systemctl --system daemon-reload
fi
if [ "$1" = remove ]; then
	deb-systemd-helper mask smoke.service
fi
if [ "$1" = purge ]; then
	deb-systemd-helper purge smoke.service
	deb-systemd-helper unmask smoke.service
fi
`;

async function buildSmokeDeb(workDir: string): Promise<string> {
  const pkg = path.join(workDir, 'smoke');
  await mkdir(path.join(pkg, 'DEBIAN'), { recursive: true });
  await mkdir(path.join(pkg, 'lib/systemd/system'), { recursive: true });
  await writeFile(path.join(pkg, 'lib/systemd/system/smoke.service'), UNIT);
  await writeFile(
    path.join(pkg, 'DEBIAN/control'),
    [
      'Package: smoke',
      'Version: 1.0',
      'Architecture: all',
      'Maintainer: pkgapp tests <tests@example.invalid>',
      'Depends: nodejs',
      'Description: pkgapp e2e harness smoke test',
      '',
    ].join('\n'),
  );
  for (const [name, body] of [
    ['postinst', POSTINST],
    ['prerm', PRERM],
    ['postrm', POSTRM],
  ] as const) {
    await writeFile(path.join(pkg, 'DEBIAN', name), body);
    await chmod(path.join(pkg, 'DEBIAN', name), 0o755);
  }
  const deb = path.join(workDir, 'smoke_1.0_all.deb');
  await execa('dpkg-deb', ['--root-owner-group', '--build', pkg, deb]);
  return deb;
}

// Retries because Type=simple is "active" as soon as node is forked, before it listens.
const FETCH = `
const deadline = Date.now() + 15000;
(async () => {
  for (;;) {
    try { const r = await fetch('http://127.0.0.1:${PORT}/'); process.stdout.write(await r.text()); return; }
    catch (e) { if (Date.now() > deadline) { console.error(String(e.cause ?? e)); process.exit(1); } }
    await new Promise((r) => setTimeout(r, 200));
  }
})();
`;

test(
  'harness: install a .deb with a systemd unit into a booted bookworm container',
  { timeout: 20 * 60_000 },
  async (t) => {
    if (!requireTools(t, ['root', ...E2E_TOOLS])) return;

    const timings: Record<string, number> = {};
    const time = async <T>(label: string, f: () => Promise<T>): Promise<T> => {
      const start = Date.now();
      try {
        return await f();
      } finally {
        timings[label] = Date.now() - start;
      }
    };

    const workDir = await mkdtemp(path.join(os.tmpdir(), 'pkgapp-smoke-'));
    let root: Root | undefined;
    try {
      const deb = await buildSmokeDeb(workDir);
      await time('image (build or cache hit)', () => ensureBaseImage());
      root = await time('create root', () => createRoot());
      const r = root;

      // Not booted: a chroot-like exec works and no systemd is running.
      const release = await r.exec(['cat', '/etc/debian_version'], { check: true });
      assert.match(release.stdout, /^12\./);
      assert.equal((await r.exec(['test', '-d', '/run/systemd/system'])).exitCode, 1);

      const repo = await time('repo + apt-get update', () => createAptRepo(r, [deb]));
      assert.equal(repo.dir, '/srv/repo');

      const booted = await time('boot', () => r.boot());
      assert.equal(booted.running, true);
      const state = await booted.exec(['systemctl', 'is-system-running']);
      assert.match(state.stdout, /^(running|degraded)$/m);

      const install = await time('apt-get install', () => apt(r, ['install', '-y', 'smoke']));
      assert.match(install.stdout, /Setting up smoke \(1\.0\)/);

      // postinst enabled and started the unit through deb-systemd-helper / deb-systemd-invoke.
      const active = await booted.exec(['systemctl', 'is-active', 'smoke.service']);
      assert.equal(
        active.stdout.trim(),
        'active',
        `${active.stdout}${active.stderr}\n${await booted.journal('smoke')}`,
      );
      const enabled = await booted.exec(['systemctl', 'is-enabled', 'smoke.service']);
      assert.equal(enabled.stdout.trim(), 'enabled');

      const body = await time('http', () => booted.exec(['node', '--no-warnings', '-e', FETCH]));
      assert.equal(body.exitCode, 0, body.stderr);
      assert.equal(body.stdout, 'hi');

      // DynamicUser=yes really ran it under a transient, non-root uid.
      const mainPid = (
        await booted.exec(['systemctl', 'show', '-P', 'MainPID', 'smoke.service'], { check: true })
      ).stdout.trim();
      assert.notEqual(mainPid, '0');
      const uid = await booted.exec(['stat', '-c', '%u', `/proc/${mainPid}`], { check: true });
      assert.notEqual(uid.stdout.trim(), '0');

      const journal = await booted.journal('smoke.service');
      assert.match(journal, /Started smoke\.service/);

      // remove: prerm stops the service; purge: package gone.
      await apt(r, ['remove', '-y', 'smoke']);
      const afterRemove = await booted.exec(['systemctl', 'is-active', 'smoke.service']);
      assert.notEqual(afterRemove.stdout.trim(), 'active');
      const refused = await booted.exec([
        'node',
        '-e',
        `fetch('http://127.0.0.1:${PORT}/').then(() => process.exit(0), () => process.exit(7))`,
      ]);
      assert.equal(refused.exitCode, 7, 'port should be closed after remove');
      await apt(r, ['purge', '-y', 'smoke']);
      assert.notEqual((await booted.exec(['dpkg', '-s', 'smoke'])).exitCode, 0);

      await time('shutdown', () => booted.shutdown());
      assert.equal(booted.running, false);
      assert.match(await booted.consoleLog(), /Detected virtualization systemd-nspawn/);
    } finally {
      const rootDir = root && path.dirname(root.path);
      await time('destroy', async () => root?.destroy());
      if (rootDir) await assert.rejects(stat(rootDir), 'root dir should be gone');
      await rm(workDir, { recursive: true, force: true });
      t.diagnostic(`timings (ms): ${JSON.stringify(timings)}`);
    }
  },
);
