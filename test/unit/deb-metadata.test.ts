import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execa } from 'execa';
import { generatedFiles } from '../../src/contents/generated-files.js';
import { debDepends, installedSizeKiB, renderControl } from '../../src/deb/control.js';
import { renderDebScripts } from '../../src/deb/maintainer-scripts.js';
import { debLayout } from '../../src/deb/deb-layout.js';
import { resolveManifest } from '../../src/manifest/resolve-manifest.js';
import { assertGolden } from '../helpers/golden.js';
import { appSource, BUILD_TIME, exampleManifest } from '../helpers/manifests.js';

const layout = debLayout('acme-hello');

function bodyOf(manifest: ReturnType<typeof exampleManifest>, path: string): string {
  const entry = generatedFiles(manifest, debLayout(manifest.name), []).find((e) => e.path === path);
  assert.ok(entry && entry.kind === 'file' && 'body' in entry.source, `generated ${path}`);
  return entry.source.body.toString();
}

test('control file of the example app', () => {
  assertGolden('deb/control', renderControl(exampleManifest(), 'all', 1234));
});

test('rendered unit, environment file and start check of the example app', () => {
  const m = exampleManifest();
  assertGolden('deb/acme-hello.service', bodyOf(m, layout.unitPath));
  assertGolden('deb/etc-default', bodyOf(m, 'etc/default/acme-hello'));
  assertGolden('deb/check-env', bodyOf(m, 'opt/acme-hello/.pkgapp/check-env'));
  assertGolden('deb/bin-wrapper', bodyOf(m, 'usr/bin/hello-greet'));
});

test('health gate: the default gate of the example app, and a configured check kept as inert text', async () => {
  const gate = bodyOf(exampleManifest(), 'opt/acme-hello/.pkgapp/health-gate');
  assertGolden('deb/health-gate', gate);
  await execa('sh', ['-n'], { input: gate });
  // package.json text reaches the script single-quoted: sh gives back exactly that text, runs nothing.
  const hostile = `curl -f "http://127.0.0.1:$PORT/" || exit 1; echo '$(touch /tmp/pwned)' \\`;
  for (const health of [{ command: hostile }, { url: 'http://127.0.0.1:${PORT}/h?a=$(id)&b=`id`' }]) {
    const body = bodyOf(exampleManifest({ pkgapp: { service: { health } } }), 'opt/acme-hello/.pkgapp/health-gate');
    await execa('sh', ['-n'], { input: body });
    const line = body.split('\n').find((l) => l.startsWith('check_value='))!;
    const { stdout } = await execa('sh', ['-c', `${line}\nprintf %s "$check_value"`]);
    assert.equal(stdout, health.command ?? health.url);
    assert.match(body, new RegExp(`^check_kind=${health.command ? 'command' : 'url'}$`, 'm'));
  }
});

test('maintainer scripts of the example app, and sh -n accepts them', async () => {
  const scripts = renderDebScripts(exampleManifest({}, { postinst: 'echo "configured $1"\n' }));
  assert.deepEqual(Object.keys(scripts).sort(), ['postinst', 'postrm', 'prerm']);
  for (const [name, text] of Object.entries(scripts)) {
    assertGolden(`deb/${name}`, text);
    await execa('sh', ['-n'], { input: text });
  }
});

test('instances: a templated unit NAME@.service with PORT from the instance name, and scripts that restart instances', async () => {
  const m = exampleManifest({ pkgapp: { env: { PORT: { default: '3000' } }, service: { instances: 'only' } } });
  const files = generatedFiles(m, layout, []).map((e) => e.path);
  assert.ok(
    files.includes('lib/systemd/system/acme-hello@.service') &&
      !files.includes('lib/systemd/system/acme-hello.service'),
  );
  const unit = bodyOf(m, 'lib/systemd/system/acme-hello@.service');
  assertGolden('deb/acme-hello@.service', unit);
  assert.match(
    unit,
    /^Environment="PORT=3000"\n# Instance NAME@PORT: the instance name is the port\.\nEnvironment=PORT=%i$/m,
  );
  assert.match(unit, /^StateDirectory=acme-hello\/%i$/m);
  const scripts = renderDebScripts(m);
  assert.match(scripts.postinst!, /try-restart "\$pkg_name@\*\.service"/);
  assert.doesNotMatch(scripts.postinst!, /deb-systemd-helper enable/, 'no single unit to enable');
  assert.match(scripts.prerm!, /systemctl stop "\$pkg_name@\*\.service"/);
  for (const text of Object.values(scripts)) await execa('sh', ['-n'], { input: text });
});

test('an app without a service gets no unit, no user and no systemd steps', () => {
  const m = exampleManifest({ pkgapp: { service: false } });
  const paths = generatedFiles(m, layout, []).map((e) => e.path);
  assert.deepEqual(paths.sort(), [
    'opt/acme-hello/.pkgapp/release.json',
    'usr/bin/hello-greet',
    'usr/share/doc/acme-hello/copyright',
    'usr/share/doc/acme-hello/sbom.cdx.json',
  ]);
  assert.deepEqual(renderDebScripts(m), {});
  assert.doesNotMatch(renderControl(m, 'all', 1), /adduser/);
});

test('release.json tells which build runs: version, build time, commit, lockfile hash', () => {
  const m = exampleManifest();
  const release = JSON.parse(bodyOf(m, 'opt/acme-hello/.pkgapp/release.json'));
  assert.deepEqual(
    { ...release, builtWith: undefined },
    {
      name: 'acme-hello',
      npmName: '@acme/hello',
      version: '1.0.0',
      release: null,
      buildTime: '2026-11-26T00:00:00.000Z',
      gitCommit: null,
      gitDirty: null,
      lockfileSha256: '0'.repeat(64),
      builtWith: undefined,
    },
  );
  assert.match(release.builtWith, /^pkgapp \d+\.\d+\.\d+/);
});

test('Installed-Size rounds every file up to whole KiB and counts directories (Policy 5.6.20)', () => {
  const file = (size: number) => ({
    kind: 'file' as const,
    path: `f${size}`,
    mode: 0o644,
    size,
    source: { body: Buffer.alloc(0) },
  });
  assert.equal(installedSizeKiB([file(1025)]), 2);
  assert.equal(installedSizeKiB([file(1024)]), 1);
  assert.equal(installedSizeKiB([file(0)]), 0);
  assert.equal(
    installedSizeKiB([
      { kind: 'dir', path: 'd', mode: 0o755 },
      { kind: 'symlink', path: 's', target: 'x' },
    ]),
    2,
  );
});

test('hostile package.json text cannot escape its quoting', async () => {
  const evil = `x'; touch /tmp/pwned; echo '$(id)\`id\` %n "q" \\`;
  const m = resolveManifest(
    appSource({
      name: 'evil',
      version: '1.0.0',
      description: `${evil}\nInjected=1`,
      author: 'A <a@b.c>',
      main: 'server.js',
      pkgapp: { service: { entry: `dir/${evil}.js`, args: [evil] }, env: { V: { default: evil } } },
    }),
    { buildTime: BUILD_TIME },
  );
  const unit = bodyOf(m, 'lib/systemd/system/evil.service');
  assert.doesNotMatch(unit, /^Injected=/m, 'a newline in the description cannot add a unit setting');
  const execStart = unit.split('\n').find((l) => l.startsWith('ExecStart='))!;
  assert.ok(execStart.includes('%%n') && execStart.includes('$$(id)'), `specifiers and $ escaped: ${execStart}`);
  const scripts = renderDebScripts(m);
  for (const text of Object.values(scripts)) await execa('sh', ['-n'], { input: text });
  // The control file keeps the description on its field: no injected field.
  assert.doesNotMatch(renderControl(m, 'all', 1), /^Injected/m);
});

test('a hook containing the here-document delimiter is refused', () => {
  assert.throws(() => renderDebScripts(exampleManifest({}, { prerm: 'echo hi\nPKGAPP_HOOK_EOF\nrm -rf /\n' })), {
    code: 'PKGAPP_HOOK_INVALID',
  });
});

test('Depends: nodejs from the Node.js floor; addons compiled against V8 pin the major they were built for', () => {
  const manifest = exampleManifest({ engines: { node: '>=18' } });
  assert.equal(debDepends(manifest)[0], 'nodejs (>= 18)');
  assert.equal(debDepends(exampleManifest({ engines: { node: '^18.17.0 || >=20.3.0' } }))[0], 'nodejs (>= 18.17.0)');
  assert.equal(
    debDepends(exampleManifest({ engines: { node: '*' } }))[0],
    'nodejs',
    'a range that allows every version sets no floor',
  );
  assert.equal(debDepends({ ...manifest, nodeFloor: '22.11.0' })[0], 'nodejs (>= 22.11.0)');
  assert.deepEqual(debDepends({ ...manifest, nodeAbiMajor: 20 }).slice(0, 2), ['nodejs (>= 20)', 'nodejs (<< 21)']);
  assert.deepEqual(debDepends({ ...manifest, nodeFloor: '22.3.0', nodeAbiMajor: 22 }).slice(0, 2), [
    'nodejs (>= 22.3.0)',
    'nodejs (<< 23)',
  ]);
  assert.ok(
    !debDepends({ ...manifest, runtime: { ...manifest.runtime, bundled: true }, nodeAbiMajor: 20 }).some((d) =>
      d.startsWith('nodejs'),
    ),
    'a bundled node needs no nodejs',
  );
});
