// The service from package.json and the configuration to the rendered unit: which command wins,
// how the start command's parts land in ExecStart= and Environment=, a dependency's bin found in
// an installed tree, entries inside node_modules, and the Next.js cache link.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { generatedFiles, renderUnit } from '../../src/contents/generated-files.js';
import { checkEntryPoints, resolveServiceEntry } from '../../src/contents/service-entry.js';
import { debianSynopsis, renderControl } from '../../src/deb/control.js';
import { debLayout } from '../../src/deb/deb-layout.js';
import type { Manifest } from '../../src/manifest/manifest.js';
import { exampleManifest } from '../helpers/manifests.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';

after(cleanupTestDirs);

const layout = debLayout('acme-hello');
const withStart = (
  start: string | undefined,
  service: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) =>
  exampleManifest({
    scripts: start === undefined ? {} : { start },
    pkgapp: { service, env: { PORT: { default: '3000' } } },
    ...extra,
  });
const line = (unit: string, key: string) => unit.split('\n').filter((l) => l.startsWith(`${key}=`));

test('the start script becomes ExecStart=: node options, entry, arguments, quoted for systemd', () => {
  const m = withStart("node --enable-source-maps server.js --port 1880 --title '50% off $5'");
  assert.deepEqual(m.service && [m.service.entry, m.service.nodeOptions, m.service.args, m.service.source], [
    'server.js',
    ['--enable-source-maps'],
    ['--port', '1880', '--title', '50% off $5'],
    '/src/app/package.json: "scripts.start"',
  ]);
  assert.deepEqual(line(renderUnit(m, layout), 'ExecStart'), [
    'ExecStart="/opt/acme-hello/.pkgapp/check-env" "/usr/bin/node" "--enable-source-maps" "/opt/acme-hello/server.js" "--port" "1880" "--title" "50%% off $$5"',
  ]);
});

test('start-script variables: Environment= after NODE_ENV, before the defaults and the environment file', () => {
  const unit = renderUnit(
    withStart('NODE_ENV=development TZ=UTC GREETING="a \\"quoted\\" 100%" node server.js'),
    layout,
  );
  const env = unit.split('\n').filter((l) => /^(Environment|EnvironmentFile)=/.test(l));
  assert.deepEqual(env, [
    'Environment=NODE_ENV=production',
    'Environment="NODE_ENV=development"',
    'Environment="TZ=UTC"',
    'Environment="GREETING=a \\"quoted\\" 100%%"',
    'Environment="PORT=3000"',
    'EnvironmentFile=-/etc/default/acme-hello',
  ]);
});

test('which command wins: service.command, service.entry + args, "start", "main"', () => {
  assert.equal(withStart('node other.js', { command: 'node cmd.js -x' }).service?.entry, 'cmd.js');
  const byEntry = withStart('node other.js --a', { entry: './lib/main.js', args: ['--b'] }).service;
  assert.deepEqual(byEntry && [byEntry.entry, byEntry.args], ['lib/main.js', ['--b']]);
  assert.deepEqual(
    withStart('node s.js --a', { args: ['--b'] }).service?.args,
    ['--b'],
    "args replace the start script's",
  );
  assert.equal(withStart(undefined).service?.entry, 'server.js', '"main"');
  assert.equal(withStart('node .').service?.entry, 'server.js', '`node .` runs "main"');
  assert.equal(
    withStart('node node_modules/verdaccio/bin/verdaccio').service?.entry,
    'node_modules/verdaccio/bin/verdaccio',
  );
  assert.throws(
    () => withStart(undefined, { command: 'node a.js', entry: 'b.js' }),
    /"service\.command" and "service\.entry" both say how to start/,
  );
  assert.throws(
    () => withStart(undefined, { command: 'node a.js', args: ['x'] }),
    /"service\.command" and "service\.args"/,
  );
  assert.throws(
    () => withStart('node server.js && echo done'),
    (e: Error & { code?: string }) => e.code === 'PKGAPP_START_COMMAND' && /scripts\.start/.test(e.message),
  );
  assert.throws(
    () => withStart(undefined, { command: 'npm start' }),
    /"pkgapp" "service\.command": cannot run "npm start"/,
  );
  assert.throws(
    () => withStart('node ../elsewhere.js'),
    (e: Error & { code?: string }) => e.code === 'PKGAPP_PATH_OUTSIDE_APP',
  );
  assert.throws(
    () => withStart(undefined, {}, { main: undefined }),
    (e: Error & { code?: string }) => e.code === 'PKGAPP_SERVICE_ENTRY',
  );
});

test("the app's own bin needs no lookup; a dependency's is resolved later", () => {
  const own = withStart('hello-greet serve');
  assert.deepEqual(own.service && [own.service.entry, own.service.bin, own.service.args], [
    'bin/greet.js',
    undefined,
    ['serve'],
  ]);
  const dep = withStart('next start -p 3000');
  assert.deepEqual(dep.service && [dep.service.entry, dep.service.bin, dep.service.args], [
    '',
    'next',
    ['start', '-p', '3000'],
  ]);
  assert.throws(() => renderUnit(dep, layout), /not resolved/);
});

/** An installed tree: node_modules/NAME/package.json with `bin` and its script. */
async function installedTree(packages: Record<string, { bin: unknown; files: string[] }>): Promise<string> {
  const root = await tempDir('pkgapp-tree-');
  for (const [name, { bin, files }] of Object.entries(packages)) {
    await mkdir(path.join(root, 'node_modules', name), { recursive: true });
    await writeFile(
      path.join(root, 'node_modules', name, 'package.json'),
      JSON.stringify({ name, version: '1.0.0', bin }),
    );
    for (const f of files) {
      await mkdir(path.dirname(path.join(root, 'node_modules', name, f)), { recursive: true });
      await writeFile(path.join(root, 'node_modules', name, f), '#!/usr/bin/env node\n');
    }
  }
  return root;
}

const view = (
  root: string,
  m: Manifest,
  deps: Record<string, string>,
  appFiles: string[] = ['server.js'],
  dev: Record<string, string> = {},
) =>
  resolveServiceEntry(m, {
    root,
    appFiles,
    packageLocations: Object.keys({ ...deps, ...dev }).map((d) => `node_modules/${d}`),
    packageJson: { dependencies: deps, devDependencies: dev },
  });

test("a dependency's bin resolves through its package.json in the installed tree", async () => {
  const root = await installedTree({
    next: { bin: { next: './dist/bin/next' }, files: ['dist/bin/next'] },
    '@scope/server': { bin: 'cli.js', files: ['cli.js'] },
    nodemon: { bin: { nodemon: 'bin/nodemon.js' }, files: ['bin/nodemon.js'] },
  });
  const deps = { next: '15.0.0', '@scope/server': '1.0.0' };
  const next = await view(root, withStart('next start -p 3000'), deps);
  assert.deepEqual(next.service && [next.service.entry, next.service.bin], [
    'node_modules/next/dist/bin/next',
    undefined,
  ]);
  assert.deepEqual(line(renderUnit(next, layout), 'ExecStart'), [
    'ExecStart="/opt/acme-hello/.pkgapp/check-env" "/usr/bin/node" "/opt/acme-hello/node_modules/next/dist/bin/next" "start" "-p" "3000"',
  ]);
  // A string "bin" is named after the package, without its scope.
  assert.equal(
    (await view(root, withStart('server --port 1'), deps)).service?.entry,
    'node_modules/@scope/server/cli.js',
  );
  await assert.rejects(
    view(root, withStart('nodemon server.js'), deps, ['server.js'], { nodemon: '3.0.0' }),
    (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, 'PKGAPP_START_BIN');
      assert.match(
        e.message,
        /^\/src\/app\/package\.json: "scripts\.start": "nodemon" comes from nodemon, a devDependency/,
      );
      assert.match(e.hint ?? '', /Move nodemon to "dependencies"/);
      return true;
    },
  );
  await assert.rejects(
    view(root, withStart('verdaccio'), deps),
    /no production dependency provides the command "verdaccio" \(none of @scope\/server, next has it/,
  );
});

test('an entry inside node_modules must be a file of a shipped package', async () => {
  const root = await installedTree({ verdaccio: { bin: { verdaccio: 'bin/verdaccio' }, files: ['bin/verdaccio'] } });
  const m = withStart(undefined, { entry: 'node_modules/verdaccio/bin/verdaccio', args: ['--listen', '4873'] });
  checkEntryPoints(m, ['server.js', 'bin/greet.js'], '/src/app'); // not an app file: checked once installed
  assert.equal((await view(root, m, { verdaccio: '6.0.0' })).service?.entry, 'node_modules/verdaccio/bin/verdaccio');
  await assert.rejects(
    view(root, withStart(undefined, { entry: 'node_modules/verdaccio/bin/missing' }), { verdaccio: '6.0.0' }),
    /the service entry "node_modules\/verdaccio\/bin\/missing" is not a file of verdaccio/,
  );
  await assert.rejects(view(root, m, {}), /is not in any production dependency the package ships/);
});

test('an entry without extension counts when node would find it; a missing one is named', () => {
  checkEntryPoints(withStart('node server'), ['server.js', 'bin/greet.js'], '/src/app');
  checkEntryPoints(withStart('node lib'), ['lib/index.js', 'bin/greet.js'], '/src/app');
  assert.throws(
    () => checkEntryPoints(withStart('node dist/server.js'), ['server.js', 'bin/greet.js'], '/src/app'),
    /the service entry "dist\/server\.js" is not among the app's files/,
  );
});

test('Next.js: .next/cache is a link to /var/cache/NAME/next, created by CacheDirectory=', async () => {
  const root = await installedTree({ next: { bin: { next: 'dist/bin/next' }, files: ['dist/bin/next'] } });
  const m = await view(root, withStart('next start'), { next: '15.0.0' }, [
    '.next/BUILD_ID',
    '.next/server/app/index.html',
    'package.json',
  ]);
  assert.deepEqual(m.service?.cacheLinks, [{ path: '.next/cache', subdir: 'next' }]);
  const unit = renderUnit(m, layout);
  assert.deepEqual(line(unit, 'CacheDirectory'), ['CacheDirectory=acme-hello acme-hello/next']);
  const link = generatedFiles(m, layout, []).find((e) => e.path === 'opt/acme-hello/.next/cache');
  assert.deepEqual(link, { kind: 'symlink', path: 'opt/acme-hello/.next/cache', target: '/var/cache/acme-hello/next' });
  // Without a Next.js build: one cache directory, no link.
  const plain = await view(root, withStart('node server.js'), {});
  assert.deepEqual(line(renderUnit(plain, layout), 'CacheDirectory'), ['CacheDirectory=acme-hello']);
  assert.ok(!generatedFiles(plain, layout, []).some((e) => e.kind === 'symlink'));
});

test('the synopsis keeps its leading article', () => {
  assert.equal(exampleManifest({ description: 'A small Next.js site.' }).synopsis, 'A small Next.js site');
  assert.match(renderUnit(exampleManifest({ description: 'The registry.' }), layout), /^Description=The registry$/m);
});

test('the deb synopsis drops a leading article as Debian asks, capitalized; nothing else changes', () => {
  assert.equal(debianSynopsis('A small Next.js site'), 'Small Next.js site');
  assert.equal(debianSynopsis('an API for things'), 'API for things');
  assert.equal(debianSynopsis('The registry'), 'Registry');
  assert.equal(debianSynopsis('Another site'), 'Another site');
  assert.equal(debianSynopsis('A'), 'A');
  assert.match(
    renderControl(exampleManifest({ description: 'A small Next.js site.' }), 'all', 1),
    /^Description: Small Next\.js site$/m,
  );
});
