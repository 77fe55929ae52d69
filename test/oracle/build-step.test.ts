// An app that must be built first (TypeScript): pkgapp installs all dependencies, runs the
// configured npm script, and packages the output with the production dependencies only.
import assert from 'node:assert/strict';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { apt, createAptRepo } from '../helpers/apt-repo.js';
import { sh } from '../helpers/booted-app.js';
import { createRoot, type Root } from '../helpers/chroot.js';
import { cleanupTestDirs, REPO_ROOT, runCli, tempDir } from '../helpers/testdir.js';
import { E2E_TOOLS, requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/apps/ts-build');

test('pkgapp.buildScript: built output and production dependencies only, and the service runs', async (t) => {
  const app = await tempDir('pkgapp-ts-');
  await cp(FIXTURE, app, { recursive: true });
  const out = await tempDir();
  const built = await runCli(['build', '-C', app, '-o', out, '-t', 'deb', '-t', 'rpm', '--json']);
  assert.equal(built.exitCode, 0, built.stderr);
  const packages = JSON.parse(built.stdout).packages as { format: string; path: string }[];
  const deb = packages.find((p) => p.format === 'deb')!.path;
  const contents = (await execa('dpkg-deb', ['--contents', deb])).stdout;
  assert.match(contents, /\.\/opt\/ts-build-app\/dist\/server\.js$/m, 'the build output is packaged');
  assert.match(
    contents,
    /\.\/opt\/ts-build-app\/node_modules\/ms\/index\.js$/m,
    'production dependencies are packaged',
  );
  assert.doesNotMatch(contents, /node_modules\/typescript|node_modules\/@types/, 'dev dependencies are not');
  assert.doesNotMatch(contents, /\/src\/server\.ts|tsconfig\.json/, 'sources outside "files" are not');
  const rpmFiles = (await execa('rpm', ['-qpl', packages.find((p) => p.format === 'rpm')!.path])).stdout;
  assert.match(rpmFiles, /^\/opt\/ts-build-app\/dist\/server\.js$/m);
  assert.doesNotMatch(rpmFiles, /typescript/);

  if (!requireTools(t, ['root', ...E2E_TOOLS])) return;
  let root: Root | undefined;
  try {
    root = await createRoot();
    await createAptRepo(root, [deb]);
    const b = await root.boot();
    await apt(root, ['install', '-y', 'ts-build-app']);
    for (let i = 0; i < 50 && (await b.exec(['curl', '-sf', 'http://127.0.0.1:3000/'])).exitCode !== 0; i++)
      await new Promise((r) => setTimeout(r, 200));
    const answer = JSON.parse(await sh(b, 'curl -sf http://127.0.0.1:3000/'));
    assert.equal(answer.app, 'ts-build');
    assert.equal(answer.typescript, true);
    await b.shutdown();
  } finally {
    await root?.destroy();
  }
});

test('a failing build script fails the build (exit 1) and writes nothing', async () => {
  const app = await tempDir('pkgapp-ts-');
  await cp(FIXTURE, app, { recursive: true });
  await execa('sh', ['-c', `echo 'const x: number = "not a number";' >> ${path.join(app, 'src/server.ts')}`]);
  const out = path.join(await tempDir(), 'dist');
  const r = await runCli(['build', '-C', app, '-o', out]);
  assert.equal(r.exitCode, 1, r.stderr);
  assert.match(r.stderr, /npm run build \(pkgapp\.buildScript\).*failed/);
  assert.match(r.stderr, /error TS2322/);
});
