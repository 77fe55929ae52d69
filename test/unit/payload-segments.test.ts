// Payload segments (src/util/payload-segments.ts, src/util/cached-segments.ts) through writeDeb and
// writeRpm: the same sha256 without a cache, with a cold one, a warm one, a partly evicted one
// and a corrupted one, for gzip, xz and zstd, signed and unsigned; a warm build really copies
// segments; and any change to a file's bytes, mode, name or a new symlink changes the package.
// Two builds sharing one cache directory at once (two stores in one process) write the same bytes.
// The archives are checked with dpkg-deb and rpm in test/oracle/segments.test.ts.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { crc32, gunzipSync } from 'node:zlib';
import type { ContentEntry } from '../../src/contents/content-entry.js';
import { writeDeb } from '../../src/deb/write-deb.js';
import { rpmFiles } from '../../src/rpm/rpm-files.js';
import { writeRpm } from '../../src/rpm/write-rpm.js';
import { keygen } from '../../src/sign/keygen.js';
import { loadSigner } from '../../src/sign/openpgp-signer.js';
import type { Signer } from '../../src/sign/signer.js';
import type { Compression } from '../../src/util/compression.js';
import { segmentId } from '../../src/util/payload-segments.js';
import { crc32Combine, crc32OfSuffix } from '../../src/util/crc32-combine.js';
import { openCacheStore } from '../../src/cache/cache-store.js';
import { StoreSegmentCache } from '../../src/util/cached-segments.js';
import { KnownFiles } from '../../src/contents/known-files.js';
import type { SegmentCache } from '../../src/util/payload-segments.js';
import { BUILD_TIME, exampleManifest } from '../helpers/manifests.js';
import { cleanupTestDirs, tempDir } from '../helpers/testdir.js';
import { requireTools } from '../helpers/tools.js';

after(cleanupTestDirs);

const manifest = exampleManifest();
const APP = 'opt/acme-hello';
let root: string;
let signer: Signer;

/** A small app: its own files, and node_modules with scoped, nested and multi-chunk packages. */
before(async () => {
  root = await tempDir('pkgapp-segments-');
  const files: Record<string, string | Buffer> = {
    'server.js': 'require("left")\n',
    'lib/util.js': 'module.exports = 1\n',
    'node_modules/left/package.json': '{"name":"left","version":"1.0.0"}\n',
    'node_modules/left/index.js': 'module.exports = "left"\n',
    'node_modules/left/node_modules/deep/lib/deep.js': 'module.exports = "deep"\n'.repeat(50),
    'node_modules/@scope/pkg/index.js': 'exports.x = 1\n',
    'node_modules/@scope/pkg/data.bin': Buffer.from(
      Array.from({ length: (3 << 20) + 77 }, (_, i) => (i * 7 + (i >> 12)) % 251),
    ),
    'node_modules/right/index.js': 'module.exports = "right"\n'.repeat(1000),
  };
  for (const [name, body] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), body);
  }
  const keyDir = await tempDir();
  const key = await keygen({
    name: 'Seg Test',
    email: 'seg@example.com',
    out: path.join(keyDir, 'key'),
    type: 'ed25519',
  });
  signer = await loadSigner({ file: key.secretKeyFile, date: new Date(BUILD_TIME * 1000) });
});

/** The tree as entries, read from disk now (sizes and modes), with the directories each format needs. */
function entries(order: 'deb' | 'rpm', extra: ContentEntry[] = []): ContentEntry[] {
  const list: ContentEntry[] = [
    { kind: 'dir', path: 'opt', mode: 0o755 },
    { kind: 'dir', path: APP, mode: 0o755 },
  ];
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const child = rel ? `${rel}/${name}` : name;
      const full = path.join(root, child);
      const st = statSync(full);
      if (st.isDirectory()) {
        list.push({ kind: 'dir', path: `${APP}/${child}`, mode: 0o755 });
        walk(child);
      } else
        list.push({
          kind: 'file',
          path: `${APP}/${child}`,
          mode: st.mode & 0o777,
          size: st.size,
          source: { file: full },
        });
    }
  };
  walk('');
  list.push(...extra);
  const key = (e: ContentEntry) => (order === 'deb' ? e.path.replaceAll('/', '\0') : e.path);
  return list.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

interface Built {
  deb: string;
  rpm: string;
}

let outCount = 0;

/** deb and rpm of the tree as it is now; their sha256. */
async function buildBoth(
  compression: Compression,
  options: { cache?: SegmentCache; sign?: boolean; extra?: ContentEntry[] } = {},
): Promise<Built> {
  const out = await tempDir('pkgapp-segments-out-');
  const common = {
    compression,
    level: compression === 'zstd' ? 3 : 6,
    ...(options.sign ? { signer } : {}),
    ...(options.cache ? { segmentCache: options.cache } : {}),
  };
  const deb = await writeDeb({
    ...common,
    outFile: path.join(out, `p${outCount++}.deb`),
    entries: entries('deb', options.extra),
    control: 'Package: acme-hello\nVersion: 1.0.0\n',
    scripts: {},
    mtime: BUILD_TIME,
  });
  await deb.commit();
  const rpm = await writeRpm({
    ...common,
    outFile: path.join(out, `p${outCount++}.rpm`),
    manifest,
    arch: 'x86_64',
    files: rpmFiles(entries('rpm', options.extra), manifest),
    scripts: {},
  });
  await rpm.commit();
  return { deb: sha256(deb.path), rpm: sha256(rpm.path) };
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** A segment cache in the build cache (src/cache/cache-store.ts) in a fresh directory. */
async function newCache(): Promise<{ cache: StoreSegmentCache; dir: string }> {
  const dir = await tempDir('pkgapp-segcache-');
  return { cache: new StoreSegmentCache(await openCacheStore(dir)), dir };
}

/** The blob file of every stored segment. */
function entryFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name === 'data')
    .map((d) => path.join(d.parentPath, d.name))
    .sort();
}

test('segment ids: one per npm package directory, nested node_modules included; other paths by their first three components', () => {
  assert.equal(segmentId('opt/a/node_modules/left/index.js'), 'opt/a/node_modules/left');
  assert.equal(segmentId('opt/a/node_modules/left/node_modules/deep/x.js'), 'opt/a/node_modules/left');
  assert.equal(segmentId('opt/a/node_modules/@scope/pkg/index.js'), 'opt/a/node_modules/@scope/pkg');
  assert.equal(segmentId('opt/a/node_modules/left'), 'opt/a/node_modules/left');
  assert.equal(segmentId('opt/a/node_modules'), 'opt/a/node_modules');
  assert.equal(segmentId('opt/a/lib/util.js'), 'opt/a/lib');
  assert.equal(segmentId('opt/a/server.js'), 'opt/a/server.js');
  assert.equal(segmentId('opt'), 'opt');
  assert.equal(segmentId('opt/a/my_node_modules/x/y'), 'opt/a/my_node_modules');
});

for (const compression of ['gzip', 'xz', 'zstd'] as const) {
  for (const sign of [false, true]) {
    test(`${compression}${sign ? ', signed' : ''}: identical bytes without a cache, cold, warm, partly evicted and corrupted`, async (t) => {
      if (compression !== 'gzip' && !requireTools(t, [compression])) return;
      const reference = await buildBoth(compression, { sign });
      const { cache: store, dir } = await newCache();
      assert.deepEqual(await buildBoth(compression, { sign, cache: store }), reference, 'cold cache');
      const stored = entryFiles(dir);
      if (compression === 'gzip') assert.ok(stored.length >= 10, `segments stored: ${stored.length}`);
      const hitsBefore = store.stats.hits;
      assert.deepEqual(await buildBoth(compression, { sign, cache: store }), reference, 'warm cache');
      if (compression === 'gzip')
        assert.ok(store.stats.hits - hitsBefore >= stored.length, 'every stored segment was reused');
      if (!stored.length) return; // xz and zstd are not segmented: nothing is stored or reused
      // Evict every other entry; corrupt one byte of one, truncate another.
      stored.forEach((file, i) => i % 2 === 0 && rmSync(path.dirname(file), { recursive: true }));
      const kept = stored.filter((_, i) => i % 2 === 1);
      const flip = kept.reduce((a, b) => (statSync(a).size >= statSync(b).size ? a : b));
      const bytes = readFileSync(flip);
      bytes[bytes.length - 5]! ^= 0x40;
      writeFileSync(flip, bytes);
      const cut = kept.find((f) => f !== flip)!;
      truncateSync(cut, statSync(cut).size - 3);
      const rejectedBefore = store.stats.rejected;
      assert.deepEqual(await buildBoth(compression, { sign, cache: store }), reference, 'evicted and corrupted');
      assert.ok(store.stats.rejected - rejectedBefore >= 2, 'the corrupted and truncated entries were rejected');
      assert.deepEqual(await buildBoth(compression, { sign, cache: store }), reference, 'rebuilt cache');
    });
  }
}

test('gzip: a warm build recompresses only the changed segment; the data.tar is one valid gzip member', async () => {
  const { cache: store } = await newCache();
  await buildBoth('gzip', { cache: store });
  const file = path.join(root, 'node_modules/right/index.js');
  const before = readFileSync(file);
  try {
    writeFileSync(file, Buffer.concat([before, Buffer.from('// more\n')]));
    const stored = store.stats.stored;
    const misses = store.stats.misses;
    const hits = store.stats.hits;
    const warm = await buildBoth('gzip', { cache: store });
    // One segment (node_modules/right) missed and was stored, once per format.
    assert.equal(store.stats.misses - misses, 2);
    assert.equal(store.stats.stored - stored, 2);
    assert.ok(store.stats.hits - hits >= 10);
    assert.deepEqual(warm, await buildBoth('gzip'));
  } finally {
    writeFileSync(file, before);
  }
});

test('gzip: a file added to an early package leaves the later segments reused, rpm too (cpio inode numbers count per segment)', async () => {
  const { cache: store } = await newCache();
  await buildBoth('gzip', { cache: store });
  // node_modules/@scope/pkg sorts before left and right in both orders: a new entry there used
  // to shift every later cpio inode number.
  const added = path.join(root, 'node_modules/@scope/pkg/added.js');
  try {
    writeFileSync(added, 'exports.y = 2\n');
    const misses = store.stats.misses;
    const warm = await buildBoth('gzip', { cache: store });
    assert.equal(store.stats.misses - misses, 2, 'only node_modules/@scope/pkg missed, once per format');
    assert.deepEqual(warm, await buildBoth('gzip'));
  } finally {
    rmSync(added);
  }
});

test('changes reach the package through a warm cache: a byte deep in node_modules, a mode, a rename, a new symlink', async () => {
  const { cache: store } = await newCache();
  const original = await buildBoth('gzip', { cache: store });
  const seen = new Set([original.deb, original.rpm]);
  const expectChanged = async (what: string, extra?: ContentEntry[]) => {
    const warm = await buildBoth('gzip', { cache: store, ...(extra ? { extra } : {}) });
    const cold = await buildBoth('gzip', extra ? { extra } : {});
    assert.deepEqual(warm, cold, `${what}: warm build equals a build without cache`);
    assert.ok(!seen.has(warm.deb) && !seen.has(warm.rpm), `${what}: the packages changed`);
    seen.add(warm.deb).add(warm.rpm);
  };
  // Same size and mtime: only the bytes differ.
  const deep = path.join(root, 'node_modules/left/node_modules/deep/lib/deep.js');
  const bytes = readFileSync(deep);
  const { atime, mtime } = statSync(deep);
  bytes[bytes.length - 3]! ^= 1;
  writeFileSync(deep, bytes);
  utimesSync(deep, atime, mtime);
  await expectChanged('one byte');
  chmodSync(path.join(root, 'node_modules/@scope/pkg/index.js'), 0o755);
  await expectChanged('a mode');
  renameSync(path.join(root, 'node_modules/right/index.js'), path.join(root, 'node_modules/right/main.js'));
  await expectChanged('a rename');
  await expectChanged('a new symlink', [
    { kind: 'symlink', path: `${APP}/node_modules/left/alias.js`, target: 'index.js' },
  ]);
});

test('gzip: the segmented data.tar.gz and rpm payload decompress as one member to the whole archive', async () => {
  const { cache: store } = await newCache();
  await buildBoth('gzip', { cache: store });
  const out = await tempDir('pkgapp-segments-out-');
  const deb = await writeDeb({
    outFile: path.join(out, 'x.deb'),
    entries: entries('deb'),
    control: 'Package: acme-hello\nVersion: 1.0.0\n',
    scripts: {},
    compression: 'gzip',
    level: 6,
    mtime: BUILD_TIME,
    segmentCache: store,
  });
  await deb.commit();
  const ar = readFileSync(deb.path);
  const at = ar.indexOf('data.tar.gz');
  const size = Number(
    ar
      .subarray(at + 48, at + 58)
      .toString()
      .trim(),
  );
  const member = ar.subarray(at + 60, at + 60 + size);
  const tar = gunzipSync(member);
  assert.equal(tar.length % 512, 0);
  assert.ok(tar.includes(Buffer.from('./opt/acme-hello/node_modules/@scope/pkg/data.bin')));
  // A single member: the gzip trailer's length is the whole tar's.
  assert.equal(member.readUInt32LE(member.length - 4), tar.length % 2 ** 32);
});

test('through the build cache (src/cache/cache-store.ts): same bytes cold, warm and with a damaged blob; warm copies every segment', async () => {
  const reference = await buildBoth('gzip');
  const dir = await tempDir('pkgapp-buildcache-');
  const cache = new StoreSegmentCache(await openCacheStore(dir));
  assert.deepEqual(await buildBoth('gzip', { cache }), reference, 'cold');
  assert.ok(cache.stats.stored >= 10, `stored ${cache.stats.stored}`);
  const { hits } = cache.stats;
  assert.deepEqual(await buildBoth('gzip', { cache }), reference, 'warm');
  assert.equal(cache.stats.hits - hits, cache.stats.stored);
  const blobs = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name === 'data')
    .map((d) => path.join(d.parentPath, d.name));
  const bytes = readFileSync(blobs[0]!);
  bytes[0]! ^= 0xff;
  writeFileSync(blobs[0]!, bytes);
  assert.deepEqual(await buildBoth('gzip', { cache }), reference, 'damaged');
});

test('two builds sharing one cache directory at once: both write the reference bytes, and a third build reuses what they stored', async () => {
  const reference = await buildBoth('gzip');
  const dir = await tempDir('pkgapp-buildcache-');
  // Two stores over one directory, as two processes would have.
  const first = new StoreSegmentCache(await openCacheStore(dir));
  const second = new StoreSegmentCache(await openCacheStore(dir));
  const [a, b] = await Promise.all([buildBoth('gzip', { cache: first }), buildBoth('gzip', { cache: second })]);
  assert.deepEqual(a, reference);
  assert.deepEqual(b, reference);
  const third = new StoreSegmentCache(await openCacheStore(dir));
  assert.deepEqual(await buildBoth('gzip', { cache: third }), reference);
  assert.equal(third.stats.misses, 0, 'every segment was found');
  assert.equal(third.stats.rejected, 0, 'no entry was damaged by the race');
  assert.ok(third.stats.hits >= 10, `hits ${third.stats.hits}`);
});

test('CRC-32 combined from the pieces equals zlib crc32 over the whole (the gzip trailer of reused segments)', () => {
  const pieces = [0, 1, 5, 511, 4096, (1 << 20) + 3].map((n, i) =>
    Buffer.from(Array.from({ length: n }, (_, j) => (j * 31 + i) % 256)),
  );
  for (const a of pieces)
    for (const b of pieces) {
      const whole = crc32(Buffer.concat([a, b]));
      assert.equal(crc32Combine(crc32(a), crc32(b), b.length), whole, `${a.length} + ${b.length}`);
      assert.equal(crc32OfSuffix(crc32(a), whole, b.length), crc32(b), `suffix of ${a.length} + ${b.length}`);
    }
});

test('known digests (an installed tree from the build cache): a warm build keys segments by them without reading; a forgotten (stripped) file is read again', async () => {
  const reference = await buildBoth('gzip');
  const known = new KnownFiles();
  const cache = new StoreSegmentCache(await openCacheStore(await tempDir('pkgapp-segcache-')), known);
  // What the install cache's manifest says of node_modules (src/contents/install-cache.ts).
  const manifestOf = () =>
    readdirSync(path.join(root, 'node_modules'), { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => {
        const file = path.join(d.parentPath, d.name);
        const rel = path.relative(path.join(root, 'node_modules'), file);
        const st = statSync(file);
        return { path: rel, type: 'file' as const, mode: st.mode & 0o7777, size: st.size, sha256: sha256(file) };
      });
  known.learnTree(path.join(root, 'node_modules'), manifestOf());
  assert.deepEqual(await buildBoth('gzip', { cache }), reference, 'cold, keyed by the known digests');
  const file = path.join(root, 'node_modules/left/index.js');
  const before = readFileSync(file);
  const { atime, mtime } = statSync(file);
  try {
    // Same size and mtime, other bytes: with the digest still "known", the old segment is the
    // one the key names (the contract: learned files do not change)...
    const changed = Buffer.from(before);
    changed[10]! ^= 1;
    writeFileSync(file, changed);
    utimesSync(file, atime, mtime);
    const hits = cache.stats.hits;
    assert.deepEqual(await buildBoth('gzip', { cache }), reference, 'the file was not read');
    assert.ok(cache.stats.hits - hits >= 10);
    // ... and once forgotten (strip rewrote it), it is read and hashed again: the new bytes.
    known.forget(file);
    const misses = cache.stats.misses;
    const warm = await buildBoth('gzip', { cache });
    assert.notDeepEqual(warm, reference);
    assert.deepEqual(warm, await buildBoth('gzip'), 'the same bytes as without a cache');
    assert.equal(cache.stats.misses - misses, 2, 'node_modules/left missed once per format');
  } finally {
    writeFileSync(file, before);
    utimesSync(file, atime, mtime);
  }
});
