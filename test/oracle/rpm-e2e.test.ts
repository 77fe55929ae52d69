// The example app's rpm on a running system: rpm (Debian's rpm 4.18, with its own database)
// installs, upgrades, downgrades and erases it inside a booted test root, so the scriptlets
// meet a real systemd: user created, service enabled, restarted, stopped; %config kept.
import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { fetchApp, NAME, sh, waitActive } from '../helpers/booted-app.js';
import { createRoot, type Booted, type Root } from '../helpers/chroot.js';
import { buildExampleVersion, HOOK_LOG } from '../helpers/example-builds.js';
import { cleanupTestDirs } from '../helpers/testdir.js';
import { E2E_TOOLS, requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

const ENV_FILE = `/etc/sysconfig/${NAME}`;

/** rpm with a database of its own; --nodeps because Debian's nodejs is not in that database. */
async function rpm(b: Booted, args: string): Promise<string> {
  return sh(b, `rpm --dbpath /var/lib/rpm --nodeps ${args} 2>&1`);
}

test('rpm install, configure, upgrade, downgrade and erase with systemd running', async (t) => {
  if (!requireTools(t, ['root', ...E2E_TOOLS])) return;
  const v100 = (await buildExampleVersion('1.0.0', ['rpm'])).rpm!;
  const v110 = (await buildExampleVersion('1.1.0', ['rpm'])).rpm!;
  let root: Root | undefined;
  try {
    root = await createRoot();
    await mkdir(path.join(root.path, 'srv/rpms'), { recursive: true });
    for (const file of [v100, v110]) await copyFile(file, path.join(root.path, 'srv/rpms', path.basename(file)));
    const b = await root.boot();
    await sh(b, 'mkdir -p /var/lib/rpm && rpm --dbpath /var/lib/rpm --initdb');

    // Install: %pre creates the user before the state directory it owns is unpacked.
    await rpm(b, '-Uvh /srv/rpms/acme-hello-1.0.0-1.noarch.rpm');
    assert.equal(await sh(b, `rpm --dbpath /var/lib/rpm -q ${NAME}`), 'acme-hello-1.0.0-1.noarch');
    assert.match(
      await sh(b, `getent passwd ${NAME}`),
      /^acme-hello:x:\d+:\d+::\/var\/lib\/acme-hello:\/sbin\/nologin$/,
    );
    assert.equal(await sh(b, `stat -c '%U:%G %a' /var/lib/${NAME}`), `${NAME}:${NAME} 750`);
    assert.equal(await sh(b, `systemctl is-enabled ${NAME}`), 'enabled');
    const verify = await b.exec(['rpm', '--dbpath', '/var/lib/rpm', '--nodeps', '-V', NAME]);
    assert.equal(
      verify.exitCode,
      0,
      `rpm -V: every installed file matches the package\n${verify.stdout}${verify.stderr}`,
    );

    // It refuses to start without the required variable, naming the file to set it in.
    await sh(b, `systemctl start ${NAME} || true`);
    assert.match(
      await b.journal(NAME),
      /required variable GREETING is not set: set it in \/etc\/sysconfig\/acme-hello/,
    );

    await sh(b, `echo 'GREETING=hello from rpm' >> ${ENV_FILE} && systemctl restart ${NAME}`);
    const pid1 = await waitActive(b);
    const first = await fetchApp(b);
    assert.deepEqual([first.greeting, first.version, first.user], ['hello from rpm', '1.0.0', NAME]);

    // Upgrade: the edited %config(noreplace) file stays, the new one lands as .rpmnew; restarted.
    await rpm(b, '-Uvh /srv/rpms/acme-hello-1.1.0-1.noarch.rpm');
    assert.match(await sh(b, `cat ${ENV_FILE}`), /^GREETING=hello from rpm$/m);
    assert.match(await sh(b, `cat ${ENV_FILE}.rpmnew`), /LOG_LEVEL/);
    const pid2 = await waitActive(b, pid1);
    assert.equal((await fetchApp(b)).version, '1.1.0');

    // Downgrade (rollback): --oldpackage; the edit stays and the old version runs.
    await rpm(b, '-Uvh --oldpackage /srv/rpms/acme-hello-1.0.0-1.noarch.rpm');
    assert.equal(await sh(b, `rpm --dbpath /var/lib/rpm -q ${NAME}`), 'acme-hello-1.0.0-1.noarch');
    assert.match(await sh(b, `cat ${ENV_FILE}`), /^GREETING=hello from rpm$/m);
    await waitActive(b, pid2);
    const rolledBack = await fetchApp(b);
    assert.equal(rolledBack.version, '1.0.0');

    // Erase: stopped and disabled; the edited file is saved as .rpmsave; state and user stay.
    await rpm(b, `-e ${NAME}`);
    assert.notEqual((await b.exec(['systemctl', 'is-active', NAME])).stdout.trim(), 'active');
    assert.equal(
      await sh(b, `test ! -e /usr/lib/systemd/system/${NAME}.service && test ! -e /opt/${NAME}/server.js && echo gone`),
      'gone',
    );
    assert.match(await sh(b, `cat ${ENV_FILE}.rpmsave`), /^GREETING=hello from rpm$/m);
    assert.equal(await sh(b, `cat /var/lib/${NAME}/visits`), String(rolledBack.visits));
    assert.match(await sh(b, `getent passwd ${NAME}`), /^acme-hello:/);

    // The hooks saw rpm's $1 in each phase (docs/internals/maintainer-scripts.md#rpm); the old package's %preun and
    // %postun run after the new %post.
    assert.deepEqual((await sh(b, `cat ${HOOK_LOG}`)).split('\n'), [
      '1.0.0 preinst 1: 1',
      '1.0.0 postinst 1: 1',
      '1.1.0 preinst 1: 2',
      '1.1.0 postinst 1: 2',
      '1.0.0 prerm 1: 1',
      '1.0.0 postrm 1: 1',
      '1.0.0 preinst 1: 2',
      '1.0.0 postinst 1: 2',
      '1.1.0 prerm 1: 1',
      '1.1.0 postrm 1: 1',
      '1.0.0 prerm 1: 0',
      '1.0.0 postrm 1: 0',
    ]);
    await b.shutdown();
  } finally {
    await root?.destroy();
  }
});
