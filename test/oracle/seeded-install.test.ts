// The build cache's seeded install (src/contents/install-cache.ts, seed-npm-tree.ts): after one
// dependency's version changed in package.json and package-lock.json, the cached tree of the
// previous lockfile is restored and npm reconciles it, instead of a full npm ci. Checked with real
// npm and the npm registry: the package has the same sha256 as a --no-cache build (fresh npm ci),
// dpkg-deb shows the new version inside, the seed's own entry is untouched by npm (the previous
// lockfile is a plain hit after), and a package.json that no longer matches the lockfile (npm
// install would resolve it anew, npm ci refuses) falls back to npm ci and fails as --no-cache does.
import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { execa } from 'execa';
import { build } from '../../src/build.js';
import { cleanupTestDirs, REPO_ROOT, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'seeded-install');
const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };

/** Copies package.json and package-lock.json of `which` (before: dotenv 16.4.5, after: 16.4.7) into `app`. */
async function useLockfile(app: string, which: 'before' | 'after'): Promise<void> {
  for (const name of ['package.json', 'package-lock.json'])
    await copyFile(path.join(FIXTURE, which, name), path.join(app, name));
}

async function buildDeb(app: string, cache: string | false): Promise<{ sha256: string; path: string; log: string }> {
  const lines: string[] = [];
  const [deb] = await build({
    dir: app,
    targets: ['deb'],
    outDir: await tempDir('pkgapp-seeded-out-'),
    env,
    cache,
    log: (line) => lines.push(line),
  });
  return { sha256: deb!.sha256, path: deb!.path, log: lines.join('\n') };
}

/** The version of dotenv inside the package, read by dpkg-deb and tar. */
async function packagedDotenv(deb: string): Promise<string> {
  const { stdout } = await execa('bash', [
    '-c',
    `dpkg-deb --fsys-tarfile "$1" | tar -xO --wildcards '*/node_modules/dotenv/package.json'`,
    '_',
    deb,
  ]);
  return (JSON.parse(stdout) as { version: string }).version;
}

test('one dependency changed: seeded from the cached tree, npm install reconciles it, same sha256 as --no-cache', async (t) => {
  if (!requireTools(t, ['npm', 'dpkg-deb', 'tar'])) return;
  const app = await tempDir('pkgapp-seeded-app-');
  await copyFile(path.join(FIXTURE, 'before', 'server.js'), path.join(app, 'server.js'));
  await useLockfile(app, 'before');
  const cache = await tempDir('pkgapp-seeded-cache-');

  const cold = await buildDeb(app, cache);
  assert.match(cold.log, /build cache: miss, installed tree \w+: running npm$/m, cold.log);
  assert.equal(await packagedDotenv(cold.path), '16.4.5');

  await useLockfile(app, 'after');
  const seeded = await buildDeb(app, cache);
  assert.match(seeded.log, /seeded from \w+ \(1 lockfile entry differs\), reconciling with npm install/, seeded.log);
  assert.match(seeded.log, /build cache: seeded install done/, seeded.log);
  assert.doesNotMatch(seeded.log, /running npm$|did not work out/m, seeded.log);
  assert.equal(await packagedDotenv(seeded.path), '16.4.7');
  const fresh = await buildDeb(app, false);
  assert.equal(seeded.sha256, fresh.sha256, 'seeded build = --no-cache build (fresh npm ci)');

  // npm replaced dotenv by unlinking: the seed's files (hard links into its entry) were not
  // written, or the restore would find their mtime moved, hash them and discard the entry.
  await useLockfile(app, 'before');
  const back = await buildDeb(app, cache);
  assert.match(back.log, /build cache: hit, installed tree/, back.log);
  assert.equal(back.sha256, cold.sha256);
});

test('a seeded install where npm fails falls back to npm ci, which fails as the build without the cache does', async (t) => {
  if (!requireTools(t, ['npm'])) return;
  const app = await tempDir('pkgapp-seeded-app-');
  await copyFile(path.join(FIXTURE, 'before', 'server.js'), path.join(app, 'server.js'));
  await useLockfile(app, 'before');
  const cache = await tempDir('pkgapp-seeded-cache-');
  await buildDeb(app, cache);
  // The new dotenv pinned with an integrity no tarball has: npm install and npm ci both refuse it.
  await useLockfile(app, 'after');
  const lockPath = path.join(app, 'package-lock.json');
  const lock = JSON.parse(await readFile(lockPath, 'utf8')) as { packages: Record<string, { integrity?: string }> };
  lock.packages['node_modules/dotenv']!.integrity = `sha512-${Buffer.alloc(64).toString('base64')}`;
  await writeFile(lockPath, `${JSON.stringify(lock, null, 2)}\n`);

  const lines: string[] = [];
  const outDir = await tempDir('pkgapp-seeded-out-');
  await assert.rejects(build({ dir: app, targets: ['deb'], outDir, env, cache, log: (l) => lines.push(l) }), {
    code: 'PKGAPP_NPM_CI',
  });
  const log = lines.join('\n');
  assert.match(log, /seeded from \w+ \(1 lockfile entry differs\)/, log);
  assert.match(log, /the seeded install did not work out \(.*\): running npm ci from scratch/, log);
  await assert.rejects(build({ dir: app, targets: ['deb'], outDir, env, cache: false, log: () => {} }), {
    code: 'PKGAPP_NPM_CI',
  });
});
