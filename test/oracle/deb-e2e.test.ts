// The whole life of the example app's package on a real Debian 12 with systemd running:
// install from an apt repository, refuse to start without its required variable, serve HTTP as
// its own user, upgrade, downgrade (edited configuration kept, service restarted), remove, purge.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { apt, createAptRepo } from '../helpers/apt-repo.js';
import { createRoot, type Root } from '../helpers/chroot.js';
import { fetchApp, NAME, sh, waitActive } from '../helpers/booted-app.js';
import { buildExampleVersion, HOOK_LOG } from '../helpers/example-builds.js';
import { cleanupTestDirs } from '../helpers/testdir.js';
import { E2E_TOOLS, requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

const ENV_FILE = `/etc/default/${NAME}`;

test('install, configure, upgrade, downgrade, remove and purge through apt with systemd running', async (t) => {
  if (!requireTools(t, ['root', ...E2E_TOOLS])) return;
  const [v100, v110] = [
    (await buildExampleVersion('1.0.0', ['deb'])).deb!,
    (await buildExampleVersion('1.1.0', ['deb'])).deb!,
  ];
  let root: Root | undefined;
  try {
    root = await createRoot();
    const repo = await createAptRepo(root, [v100]);
    const b = await root.boot();

    // Install 1.0.0: files, user, unit, environment file, state directory.
    await apt(root, ['install', '-y', `${NAME}=1.0.0`]);
    assert.equal(await sh(b, `dpkg-query -W -f='\${Version} \${Status}' ${NAME}`), '1.0.0 install ok installed');
    const passwd = (await sh(b, `getent passwd ${NAME}`)).split(':');
    assert.ok(Number(passwd[2]) < 1000, 'a system user');
    assert.equal(passwd[6], '/usr/sbin/nologin');
    assert.equal(await sh(b, `stat -c '%U %a' /var/lib/${NAME}`), `${NAME} 750`);
    assert.equal(await sh(b, 'hello-greet e2e'), 'hello, e2e');
    assert.equal(await sh(b, `systemctl is-enabled ${NAME}`), 'enabled');
    const envFile = await sh(b, `cat ${ENV_FILE}`);
    assert.match(envFile, /^# GREETING \(required\): Text the service greets visitors with\n#GREETING=$/m);

    // Without the required variable the service refuses to start, and says why.
    await sh(b, `systemctl start ${NAME} || true`);
    const refused = await b.journal(NAME);
    assert.match(refused, /required variable GREETING is not set: set it in \/etc\/default\/acme-hello/);
    assert.notEqual((await b.exec(['systemctl', 'is-active', NAME])).stdout.trim(), 'active');

    // Configure it: the service runs as its own user and answers over HTTP.
    await sh(b, `echo 'GREETING=hello from the e2e test' >> ${ENV_FILE} && systemctl restart ${NAME}`);
    const pid1 = await waitActive(b);
    const answer1 = await fetchApp(b);
    assert.deepEqual([answer1.greeting, answer1.version, answer1.user], ['hello from the e2e test', '1.0.0', NAME]);
    assert.equal(await sh(b, `stat -c %U /proc/${pid1}`), NAME);
    t.diagnostic(`1.0.0 running as ${answer1.user}, pid ${pid1}`);

    // Upgrade to 1.1.0 (whose environment file documents one more variable): edit kept, restarted.
    await repo.add(v110);
    await apt(root, ['install', '-y', NAME]);
    assert.equal(await sh(b, `dpkg-query -W -f='\${Version}' ${NAME}`), '1.1.0');
    assert.match(await sh(b, `cat ${ENV_FILE}`), /^GREETING=hello from the e2e test$/m);
    assert.match(
      await sh(b, `cat ${ENV_FILE}.dpkg-dist`),
      /LOG_LEVEL/,
      'the new version is offered beside the edited file',
    );
    const pid2 = await waitActive(b, pid1);
    const answer2 = await fetchApp(b);
    assert.equal(answer2.version, '1.1.0');
    assert.equal(answer2.visits, answer1.visits + 1, 'state in /var/lib survives the upgrade');

    // Roll back to 1.0.0: edit kept, the old version runs.
    await apt(root, ['install', '-y', '--allow-downgrades', `${NAME}=1.0.0`]);
    assert.match(await sh(b, `cat ${ENV_FILE}`), /^GREETING=hello from the e2e test$/m);
    const pid3 = await waitActive(b, pid2);
    assert.notEqual(pid3, pid2);
    assert.equal((await fetchApp(b)).version, '1.0.0');

    // Remove: stopped; configuration, state and user kept.
    await apt(root, ['remove', '-y', NAME]);
    assert.notEqual((await b.exec(['systemctl', 'is-active', NAME])).stdout.trim(), 'active');
    assert.equal(await sh(b, `dpkg-query -W -f='\${Status}' ${NAME}`), 'deinstall ok config-files');
    assert.match(await sh(b, `cat ${ENV_FILE}`), /^GREETING=/m);
    assert.equal(await sh(b, `cat /var/lib/${NAME}/visits`), String(answer2.visits + 1));
    assert.equal(await sh(b, `test ! -e /opt/${NAME}/server.js && echo gone`), 'gone');

    // Purge: configuration and state gone, the system user stays (Debian Policy 9.2.2).
    await apt(root, ['purge', '-y', NAME]);
    assert.equal(await sh(b, `test ! -e ${ENV_FILE} && test ! -e /var/lib/${NAME} && echo gone`), 'gone');
    assert.match(await sh(b, `getent passwd ${NAME}`), new RegExp(`^${NAME}:`));

    // The app's hooks ran in each phase with exactly dpkg's arguments (docs/internals/maintainer-scripts.md#dpkg).
    assert.deepEqual((await sh(b, `cat ${HOOK_LOG}`)).split('\n'), [
      '1.0.0 preinst 1: install',
      '1.0.0 postinst 2: configure ',
      '1.0.0 prerm 2: upgrade 1.1.0',
      '1.1.0 preinst 3: upgrade 1.0.0 1.1.0',
      '1.0.0 postrm 2: upgrade 1.1.0',
      '1.1.0 postinst 2: configure 1.0.0',
      '1.1.0 prerm 2: upgrade 1.0.0',
      '1.0.0 preinst 3: upgrade 1.1.0 1.0.0',
      '1.1.0 postrm 2: upgrade 1.0.0',
      '1.0.0 postinst 2: configure 1.1.0',
      '1.0.0 prerm 1: remove',
      '1.0.0 postrm 1: remove',
      '1.0.0 postrm 1: purge',
    ]);
    await b.shutdown();
  } finally {
    await root?.destroy();
  }
});
