// The build cache's store (src/cache/cache-store.ts) and where it lives (src/cache/cache-dir.ts):
// round trips, damaged entries caught and rebuilt, racing writers, eviction to the size bound
// (also under a reader), and a writer killed with SIGKILL halfway through a tree.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readSync } from 'node:fs';
import {
  chmod,
  cp,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { resolveCacheLocation, parseCacheSize, DEFAULT_CACHE_MAX_BYTES } from '../../src/cache/cache-dir.js';
import { CacheKey } from '../../src/cache/cache-key.js';
import { openCacheStore, type TreeFile } from '../../src/cache/cache-store.js';
import { REPO_ROOT, cleanupTestDirs, tempDir } from '../helpers/testdir.js';

after(cleanupTestDirs);

const key = (text: string) => new CacheKey('test').add('text', text).digest();

/** A small tree: nested dirs, an executable, a symlink, an empty dir, a read-only dir. */
async function sampleTree(): Promise<string> {
  const dir = path.join(await tempDir('pkgapp-cache-tree-'), 'node_modules');
  await mkdir(path.join(dir, 'a/lib'), { recursive: true });
  await mkdir(path.join(dir, 'empty'));
  await mkdir(path.join(dir, '.bin'));
  await writeFile(path.join(dir, 'a/package.json'), '{"name":"a","version":"1.0.0"}');
  await writeFile(path.join(dir, 'a/lib/index.js'), 'module.exports = 1;\n'.repeat(1000));
  await writeFile(path.join(dir, 'a/cli.js'), '#!/usr/bin/env node\n', { mode: 0o755 });
  await symlink('../a/cli.js', path.join(dir, '.bin/a'));
  await mkdir(path.join(dir, 'ro'));
  await writeFile(path.join(dir, 'ro/file'), 'x');
  await chmod(path.join(dir, 'ro'), 0o555);
  return dir;
}

test('cache dir: --cache, PKGAPP_CACHE_DIR, $XDG_CACHE_HOME/pkgapp, ~/.cache/pkgapp; --no-cache; sizes', () => {
  const home = '/home/u';
  assert.equal(resolveCacheLocation({ cache: false, env: { PKGAPP_CACHE_DIR: '/c' } }), undefined);
  assert.deepEqual(resolveCacheLocation({ cache: '/x', env: { PKGAPP_CACHE_DIR: '/c' }, home }), {
    dir: '/x',
    explicit: true,
    maxBytes: DEFAULT_CACHE_MAX_BYTES,
  });
  assert.equal(resolveCacheLocation({ env: { PKGAPP_CACHE_DIR: '/c', XDG_CACHE_HOME: '/xdg' }, home })?.dir, '/c');
  assert.equal(resolveCacheLocation({ env: { XDG_CACHE_HOME: '/xdg' }, home })?.dir, '/xdg/pkgapp');
  // A relative XDG_CACHE_HOME is invalid by the spec: ignored.
  assert.equal(resolveCacheLocation({ env: { XDG_CACHE_HOME: 'rel' }, home })?.dir, '/home/u/.cache/pkgapp');
  assert.equal(resolveCacheLocation({ env: {}, home })?.explicit, false);
  assert.equal(resolveCacheLocation({ env: { PKGAPP_CACHE_MAX_SIZE: '512M' }, home })?.maxBytes, 512 * 1024 ** 2);
  assert.equal(parseCacheSize('4G'), 4 * 1024 ** 3);
  assert.equal(parseCacheSize('1.5k'), 1536);
  assert.equal(parseCacheSize('100'), 100);
  assert.throws(() => parseCacheSize('lots'), { code: 'PKGAPP_CACHE_SIZE_INVALID' });
});

test('cache keys: labelled, length-prefixed parts', () => {
  assert.notEqual(new CacheKey('k').add('a', 'bc').digest(), new CacheKey('k').add('ab', 'c').digest());
  assert.notEqual(new CacheKey('k').add('a', '').digest(), new CacheKey('k').add('a', undefined).digest());
  assert.equal(
    new CacheKey('k').addJson('j', { b: 1, a: [2] }).digest(),
    new CacheKey('k').addJson('j', { a: [2], b: 1 }).digest(),
  );
  assert.match(key('x'), /^[0-9a-f]{64}$/);
});

test('blobs: stored, found verified with their info; a changed or truncated blob is discarded and can be stored again', async () => {
  const store = await openCacheStore(await tempDir('pkgapp-cache-'), 1 << 30);
  const k = key('blob');
  assert.equal(await store.getBlob('seg', k), undefined);
  assert.equal(await store.putBlob('seg', k, (file) => writeFile(file, 'compressed bytes'), { md5: 'abc' }), true);
  assert.equal(await store.putBlob('seg', k, (file) => writeFile(file, 'compressed bytes')), false);
  const blob = await store.getBlob('seg', k);
  assert.ok(blob);
  assert.deepEqual(blob.info, { md5: 'abc' });
  assert.equal((await readFile(blob.path, 'utf8')).toString(), 'compressed bytes');
  await blob.close();

  const [entry] = await store.listEntries();
  await writeFile(path.join(entry!.dir, 'data'), 'compressed bytez'); // same size, one byte changed
  assert.equal(await store.getBlob('seg', k), undefined);
  assert.deepEqual(await store.listEntries(), [], 'the damaged entry is gone');
  assert.equal(await store.putBlob('seg', k, (file) => writeFile(file, 'compressed bytes')), true);
  const [again] = await store.listEntries();
  await truncate(path.join(again!.dir, 'data'), 3);
  assert.equal(await store.getBlob('seg', k), undefined);
  // A damaged meta.json (its info changed) is caught by its own digest.
  await store.putBlob('seg', k, (file) => writeFile(file, 'compressed bytes'), { md5: 'abc' });
  const [third] = await store.listEntries();
  const metaFile = path.join(third!.dir, 'meta.json');
  await writeFile(metaFile, (await readFile(metaFile, 'utf8')).replace('abc', 'abd'));
  let rejected = 0;
  assert.equal(await store.getBlob('seg', k, () => rejected++), undefined);
  assert.equal(rejected, 1, 'the damaged meta.json was reported');
  // ... and discarded, so the entry can be stored again rather than blocking its own rebuild.
  assert.deepEqual(await store.listEntries(), []);
  assert.equal(await store.putBlob('seg', k, (file) => writeFile(file, 'compressed bytes'), { md5: 'abc' }), true);
  const rebuilt = await store.getBlob('seg', k, () => rejected++);
  assert.deepEqual(rebuilt?.info, { md5: 'abc' });
  await rebuilt?.close();
  assert.equal(rejected, 1);
});

test('blobs: one still the stored inode with its mtime is trusted unread; a replaced one is read and checked', async () => {
  const store = await openCacheStore(await tempDir('pkgapp-cache-'), 1 << 30);
  const k = key('trusted');
  await store.putBlob('seg', k, (file) => writeFile(file, 'compressed bytes'));
  const [entry] = await store.listEntries();
  const data = path.join(entry!.dir, 'data');
  const stored = await stat(data);
  // Another inode with the recorded mtime and size (a cache copied back from CI storage): read.
  for (const [content, found] of [
    ['compressed bytes', true],
    ['compressed bytez', false],
  ] as const) {
    await writeFile(`${data}.new`, content);
    await utimes(`${data}.new`, stored.atime, stored.mtime);
    await rename(`${data}.new`, data);
    assert.equal((await stat(data)).mtimeMs, stored.mtimeMs);
    const blob = await store.getBlob('seg', k);
    assert.equal(blob !== undefined, found, content);
    await blob?.close();
  }
});

test('blobs with replace: a pointer moves to new bytes and info under the same key; without replace the first stays', async () => {
  const store = await openCacheStore(await tempDir('pkgapp-cache-'), 1 << 30);
  const k = key('pointer');
  const put = (text: string, info: unknown, replace: boolean) =>
    store.putBlob('ptr', k, (file) => writeFile(file, text), info, { replace });
  assert.equal(await put('first', { n: 1 }, true), true, 'replace with nothing there stores');
  assert.equal(await put('second', { n: 2 }, false), false);
  assert.equal(await put('second', { n: 2 }, true), true);
  const blob = await store.getBlob('ptr', k);
  assert.ok(blob);
  assert.deepEqual(blob.info, { n: 2 });
  assert.equal(await readFile(blob.path, 'utf8'), 'second');
  await blob.close();
  assert.equal((await store.listEntries()).length, 1, 'the old entry is gone, not left beside the new one');
});

test('trees: restored with modes, symlinks and empty dirs, as hard links; a damaged file makes a miss and the entry is rebuilt', async () => {
  const source = await sampleTree();
  const store = await openCacheStore(await tempDir('pkgapp-cache-'), 1 << 30);
  const k = key('tree');
  assert.equal(await store.putTree('install', k, source, { packages: 1 }), true);
  const dest = path.join(await tempDir('pkgapp-cache-dest-'), 'node_modules');
  const restored = await store.getTree('install', k, dest);
  assert.ok(restored);
  assert.equal(restored.linked, true);
  assert.deepEqual(restored.info, { packages: 1 });
  const paths = restored.files.map((f) => `${f.type}:${f.path}`);
  assert.deepEqual(paths, [
    'dir:.bin',
    'symlink:.bin/a',
    'dir:a',
    'file:a/cli.js',
    'dir:a/lib',
    'file:a/lib/index.js',
    'file:a/package.json',
    'dir:empty',
    'dir:ro',
    'file:ro/file',
  ]);
  assert.equal((await stat(path.join(dest, 'a/cli.js'))).mode & 0o777, 0o755);
  assert.equal((await stat(path.join(dest, 'ro'))).mode & 0o777, 0o555);
  assert.equal(await readFile(path.join(dest, '.bin/a'), 'utf8'), '#!/usr/bin/env node\n');
  const file = restored.files.find((f) => f.path === 'a/lib/index.js') as Extract<TreeFile, { type: 'file' }>;
  assert.match(file.sha256, /^[0-9a-f]{64}$/);

  // Damage the entry (through the source's hard link: the same inode) and restore again.
  await writeFile(path.join(source, 'a/lib/index.js'), 'module.exports = 2;\n'.repeat(1000));
  const dest2 = path.join(await tempDir('pkgapp-cache-dest-'), 'node_modules');
  assert.equal(await store.getTree('install', k, dest2), undefined);
  await assert.rejects(stat(dest2), { code: 'ENOENT' }, 'a failed restore leaves nothing');
  assert.deepEqual(await store.listEntries(), []);
  // A truncated file, a removed file: misses too.
  const fresh = await sampleTree();
  assert.equal(await store.putTree('install', k, fresh), true);
  await truncate(path.join(fresh, 'a/package.json'), 5);
  assert.equal(await store.getTree('install', k, path.join(await tempDir(), 'nm')), undefined);
});

test('trees: a kept tree is taken whole by the next restore, checked against the manifest and repaired; eviction removes it with its entry', async () => {
  const source = await sampleTree();
  const store = await openCacheStore(await tempDir('pkgapp-cache-'), 1 << 30);
  const k = key('parked');
  assert.equal(await store.putTree('install', k, source), true);
  const [entry] = await store.listEntries();
  const stored = (rel: string) => stat(path.join(entry!.dir, 'tree', rel));
  const first = path.join(await tempDir('pkgapp-cache-dest-'), 'node_modules');
  assert.equal((await store.getTree('install', k, first))?.reused, false);
  assert.equal(store.parkTree('install', k, first), true);
  await assert.rejects(stat(first), { code: 'ENOENT' }, 'kept by one rename');

  // Taken unchanged: the same inodes as the entry's files, nothing linked again.
  const second = path.join(await tempDir('pkgapp-cache-dest-'), 'node_modules');
  const taken = await store.getTree('install', k, second);
  assert.equal(taken?.reused, true);
  assert.equal((await stat(path.join(second, 'a/lib/index.js'))).ino, (await stored('a/lib/index.js')).ino);
  assert.equal((await stat(path.join(second, 'ro'))).mode & 0o777, 0o555);

  // What a build may leave in it: a file given its own inode with other bytes (as strip does), an
  // extra file and directory, a removed file, a retargeted link, a directory where a file was.
  await rm(path.join(second, 'a/cli.js'));
  await writeFile(path.join(second, 'a/cli.js'), '#!/usr/bin/env node\nstripped\n', { mode: 0o755 });
  await writeFile(path.join(second, 'a/extra.js'), 'not in the manifest\n');
  await mkdir(path.join(second, 'a/lib/extra-dir'));
  await writeFile(path.join(second, 'a/lib/extra-dir/x'), 'x');
  await rm(path.join(second, 'a/package.json'));
  await rm(path.join(second, '.bin/a'));
  await symlink('../elsewhere', path.join(second, '.bin/a'));
  await chmod(path.join(second, 'ro'), 0o755);
  await rm(path.join(second, 'ro/file'));
  await mkdir(path.join(second, 'ro/file'));
  await chmod(path.join(second, 'ro'), 0o555);
  assert.equal(store.parkTree('install', k, second), true);
  const other = path.join(await tempDir('pkgapp-cache-dest-'), 'node_modules');
  await mkdir(path.join(other, 'x'), { recursive: true });
  assert.equal(store.parkTree('install', k, other), false, 'one kept tree per entry: the second is not taken');

  const third = path.join(await tempDir('pkgapp-cache-dest-'), 'node_modules');
  const repaired = await store.getTree('install', k, third);
  assert.equal(repaired?.reused, true);
  const fresh = path.join(await tempDir('pkgapp-cache-dest-'), 'node_modules');
  const listing = async (dir: string) => {
    const names = (await readdir(dir, { recursive: true })).sort();
    return Promise.all(
      names.map(async (name) => {
        const st = await lstat(path.join(dir, name));
        const body = st.isFile()
          ? await readFile(path.join(dir, name), 'utf8')
          : st.isSymbolicLink()
            ? await readlink(path.join(dir, name))
            : '';
        return `${name} ${st.mode.toString(8)} ${body}`;
      }),
    );
  };
  // The same tree as a fresh restore would give (taken from the entry again: no kept one left).
  assert.equal((await store.getTree('install', k, fresh))?.reused, false);
  assert.deepEqual(await listing(third), await listing(fresh));
  assert.equal((await stat(path.join(third, 'a/cli.js'))).ino, (await stored('a/cli.js')).ino, 'relinked');

  // Evicting the entry takes a kept tree with it.
  assert.equal(store.parkTree('install', k, third), true);
  const evicting = await openCacheStore(store.dir, 0);
  await evicting.prune();
  assert.deepEqual(await store.listEntries(), []);
  assert.equal(await store.getTree('install', k, path.join(await tempDir(), 'nm')), undefined);
});

test('trees: a hit trusts only unchanged hard links (same inode and mtime); a same-size write right after the put, or in a moved cache, is caught', async () => {
  const store = await openCacheStore(await tempDir('pkgapp-cache-'), 1 << 30);
  const k = key('stat-checked');
  const source = await sampleTree();
  assert.equal(await store.putTree('install', k, source), true);
  const [entry] = await store.listEntries();
  const manifest = JSON.parse(await readFile(path.join(entry!.dir, 'files.json'), 'utf8')) as TreeFile[];
  const index = manifest.find((f) => f.path === 'a/lib/index.js') as Extract<TreeFile, { type: 'file' }>;
  const stored = await stat(path.join(entry!.dir, 'tree/a/lib/index.js'));
  assert.equal(index.ino, stored.ino);
  assert.equal(index.mtimeMs, stored.mtimeMs);
  // Written a moment ago, so its mtime was set back at the put: a rewrite now moves it.
  assert.ok(stored.mtimeMs < Date.now() - 3000, 'a fresh file gets an mtime in the past');
  assert.ok(await store.getTree('install', k, path.join(await tempDir(), 'nm')));

  // The same number of bytes written in place right away (same size, mtime moved): a miss.
  await writeFile(path.join(source, 'a/lib/index.js'), 'module.exports = 3;\n'.repeat(1000));
  assert.equal(await store.getTree('install', k, path.join(await tempDir(), 'nm')), undefined);

  // A cache copied elsewhere (CI storage): other inodes, so every file is read and checked, and a
  // same-size change with its old mtime put back is still caught.
  const fresh = await sampleTree();
  const dir = await tempDir('pkgapp-cache-moved-');
  const first = await openCacheStore(dir, 1 << 30);
  assert.equal(await first.putTree('install', k, fresh), true);
  const moved = path.join(await tempDir('pkgapp-cache-moved-'), 'c');
  await cp(dir, moved, { recursive: true, preserveTimestamps: true });
  const copy = await openCacheStore(moved, 1 << 30);
  assert.ok(await copy.getTree('install', k, path.join(await tempDir(), 'nm')), 'a moved cache still hits');
  const [movedEntry] = await copy.listEntries();
  const file = path.join(movedEntry!.dir, 'tree/a/lib/index.js');
  const before = await stat(file);
  await writeFile(file, 'module.exports = 4;\n'.repeat(1000));
  await utimes(file, before.atime, before.mtime);
  assert.equal(await copy.getTree('install', k, path.join(await tempDir(), 'nm')), undefined);
});

test('two writers of one key: both succeed, one entry, readable', async () => {
  const store = await openCacheStore(await tempDir('pkgapp-cache-'), 1 << 30);
  const k = key('race');
  const [a, b] = await Promise.all([
    store.putTree('install', k, await sampleTree()),
    store.putTree('install', k, await sampleTree()),
  ]);
  assert.ok(a || b, 'one of them stored it');
  assert.equal((await store.listEntries()).length, 1);
  assert.ok(await store.getTree('install', k, path.join(await tempDir(), 'nm')));
  assert.deepEqual(await readdir(path.join(store.dir, 'v1', 'tmp')), [], 'no temporary left');
});

test('eviction: least recently used first, down to the bound; a blob being read survives its eviction', async () => {
  const dir = await tempDir('pkgapp-cache-');
  const store = await openCacheStore(dir, 2500);
  for (const name of ['one', 'two', 'three', 'four']) {
    await store.putBlob('seg', key(name), (file) => writeFile(file, Buffer.alloc(1000, name)));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // A hit makes "one" the most recently used.
  const reading = await store.getBlob('seg', key('one'));
  assert.ok(reading);
  const report = await store.prune();
  assert.equal(report.ran, true);
  assert.equal(report.evicted, 2);
  assert.ok(report.bytes <= 2500);
  const left = new Set((await store.listEntries()).map((e) => e.key));
  assert.deepEqual(left, new Set([key('one'), key('four')]));
  // Evict everything while "one" is open: its reader still reads all of it.
  const all = await openCacheStore(dir, 0);
  await all.prune();
  assert.deepEqual(await all.listEntries(), []);
  const buffer = Buffer.alloc(1000);
  const bytesRead = readSync(reading.fd, buffer, 0, 1000, 0);
  assert.equal(bytesRead, 1000);
  assert.deepEqual(buffer, Buffer.alloc(1000, 'one'));
  await reading.close();
});

test('prune: a usage record spares the full scan while the cache is within its bound; storing past it scans and evicts', async () => {
  const dir = await tempDir('pkgapp-cache-');
  const put = async (name: string) => {
    const store = await openCacheStore(dir, 2500);
    await store.putBlob('seg', key(name), (file) => writeFile(file, Buffer.alloc(1000, name)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    return store.prune();
  };
  const first = await put('a');
  assert.equal(first.scanned, true, 'no usage record yet: a full scan');
  assert.equal(first.bytes, 1000);
  const second = await put('b');
  assert.equal(second.scanned, false, 'within the bound: the record is enough');
  assert.deepEqual([second.bytes, second.entries], [2000, 2]);
  const third = await put('c');
  assert.equal(third.scanned, true, 'past the bound: every entry listed');
  assert.deepEqual([third.evicted, third.bytes], [1, 2000]);
  const store = await openCacheStore(dir, 2500);
  assert.deepEqual(new Set((await store.listEntries()).map((e) => e.key)), new Set([key('b'), key('c')]));
});

test('a writer killed with SIGKILL mid-put leaves the cache usable; its leftover is swept', async () => {
  const dir = await tempDir('pkgapp-cache-');
  // A tree big enough that the put is still running when it is killed.
  const source = path.join(await tempDir('pkgapp-cache-big-'), 'nm');
  for (let i = 0; i < 30; i++) {
    await mkdir(path.join(source, `p${i}`), { recursive: true });
    await Promise.all(
      Array.from({ length: 40 }, (_, j) =>
        writeFile(path.join(source, `p${i}`, `f${j}.js`), `// ${i} ${j}\n`.repeat(200)),
      ),
    );
  }
  const k = key('killed');
  const script = `
    import { openCacheStore } from './src/cache/cache-store.ts';
    const store = await openCacheStore(${JSON.stringify(dir)}, 1 << 30);
    await store.putTree('install', ${JSON.stringify(k)}, ${JSON.stringify(source)});
    process.stdout.write('stored');`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const tmp = path.join(dir, 'v1', 'tmp');
  // Kill it as soon as its temporary entry has files in it.
  for (let i = 0; i < 600; i++) {
    const names = await readdir(tmp).catch(() => []);
    const tree = names[0] && (await readdir(path.join(tmp, names[0], 'tree')).catch(() => []));
    if (tree && tree.length > 5) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(out, '', 'killed before it finished');
  assert.equal((await readdir(tmp)).length, 1, 'the killed put left its temporary entry');
  const store = await openCacheStore(dir, 1 << 30);
  assert.equal(await store.getTree('install', k, path.join(await tempDir(), 'nm')), undefined, 'no half entry');
  const report = await store.prune();
  assert.equal(report.leftovers, 1);
  assert.deepEqual(await readdir(tmp), []);
  assert.equal(await store.putTree('install', k, source), true);
  assert.ok(await store.getTree('install', k, path.join(await tempDir(), 'nm')));
});
