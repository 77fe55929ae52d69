// service.instances: several instances of the service, one per port, from a templated unit;
// upgrades restart every running instance, removal stops them.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { apt, createAptRepo } from '../helpers/apt-repo.js';
import { NAME, sh } from '../helpers/booted-app.js';
import { createRoot, type Booted, type Root } from '../helpers/chroot.js';
import { buildExampleVersion } from '../helpers/example-builds.js';
import { cleanupTestDirs } from '../helpers/testdir.js';
import { E2E_TOOLS, requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

async function answer(b: Booted, port: number): Promise<{ version: string; pid: number }> {
  for (let i = 0; i < 50; i++) {
    const r = await b.exec(['curl', '-sf', `http://127.0.0.1:${port}/`]);
    if (r.exitCode === 0) return JSON.parse(r.stdout);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`no answer on port ${port}:\n${await b.journal(`${NAME}@${port}`)}`);
}

test('NAME@PORT instances run side by side, restart on upgrade and stop on removal', async (t) => {
  if (!requireTools(t, ['root', ...E2E_TOOLS])) return;
  const instances = (pkgapp: Record<string, unknown>) => {
    pkgapp['service'] = { instances: 'only' };
  };
  const v100 = (await buildExampleVersion('1.0.0', ['deb'], [], instances)).deb!;
  const v110 = (await buildExampleVersion('1.1.0', ['deb'], [], instances)).deb!;
  let root: Root | undefined;
  try {
    root = await createRoot();
    const repo = await createAptRepo(root, [v100]);
    const b = await root.boot();
    await apt(root, ['install', '-y', `${NAME}=1.0.0`]);
    assert.notEqual(
      (await b.exec(['systemctl', 'cat', `${NAME}.service`])).exitCode,
      0,
      'no single unit with instances "only"',
    );
    await sh(
      b,
      `echo 'GREETING=hello instances' >> /etc/default/${NAME} && systemctl enable --now ${NAME}@3001 ${NAME}@3002`,
    );
    const [a1, b1] = [await answer(b, 3001), await answer(b, 3002)];
    assert.equal(a1.version, '1.0.0');
    assert.notEqual(a1.pid, b1.pid, 'two processes');
    assert.equal(await sh(b, `stat -c %U /var/lib/${NAME}/3001`), NAME, 'each instance has its own state directory');

    await repo.add(v110);
    await apt(root, ['install', '-y', NAME]);
    const [a2, b2] = [await answer(b, 3001), await answer(b, 3002)];
    assert.deepEqual([a2.version, b2.version], ['1.1.0', '1.1.0'], 'both instances restarted on the new version');
    assert.ok(a2.pid !== a1.pid && b2.pid !== b1.pid);

    await apt(root, ['remove', '-y', NAME]);
    for (const port of [3001, 3002])
      assert.notEqual((await b.exec(['systemctl', 'is-active', `${NAME}@${port}`])).stdout.trim(), 'active');
    await b.shutdown();
  } finally {
    await root?.destroy();
  }
});
