// The entry store (contents/entry-store.ts) and the collision rules it applies
// (contents/path-collisions.ts): order, implicit directories, collisions, re-iteration.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContentEntry } from '../../src/contents/content-entry.js';
import { EntryStore } from '../../src/contents/entry-store.js';
import { DIR, FILE, IMPLICIT, resolveCollision, SYMLINK, type EntryKind } from '../../src/contents/path-collisions.js';
import type { PathOrder } from '../../src/contents/path-order.js';
import { seededRandom } from '../helpers/seeded-random.js';

const ORDERS: PathOrder[] = ['slash-first', 'code-point'];

/** The orders by definition, sharing no code with the store: segment by segment (depth-first), and UTF-8 bytes. */
const NAIVE: Record<PathOrder, (a: string, b: string) => number> = {
  'slash-first': (a, b) => {
    const x = a.split('/');
    const y = b.split('/');
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
    return x.length - y.length;
  },
  'code-point': (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)),
};

const dir = (path: string, mode = 0o755, owner?: string): ContentEntry => ({
  kind: 'dir',
  path,
  mode,
  ...(owner ? { owner } : {}),
});
const file = (path: string, size = 1): ContentEntry => ({
  kind: 'file',
  path,
  mode: 0o644,
  size,
  source: { body: Buffer.alloc(size) },
});
const symlink = (path: string, target = 'x'): ContentEntry => ({ kind: 'symlink', path, target });
const paths = (entries: Iterable<ContentEntry>) => [...entries].map((e) => e.path);

/** Throws PKGAPP_PATH_CONFLICT with a message matching `message`. */
function assertConflict(run: () => unknown, message: RegExp): void {
  assert.throws(run, (error: Error & { code?: string }) => {
    assert.equal(error.code, 'PKGAPP_PATH_CONFLICT');
    assert.match(error.message, message);
    return true;
  });
}

/**
 * A random tree: `count` explicit paths (files, symlinks and directories, with parents not always
 * named), and what a store of them must give: every path plus the unnamed parents, sorted.
 */
function randomTree(
  seed: number,
  count: number,
): { entries: ContentEntry[]; expected: Map<string, ContentEntry | 'implicit'> } {
  const next = seededRandom(seed);
  const names = [
    'a',
    'b',
    'a-b',
    'a.b',
    'a_b',
    'B',
    'é',
    '€',
    '\uFFFD',
    '\u{1F600}',
    'index.js',
    'lib',
    'node_modules',
    '-',
    'z~',
  ];
  const chosen = new Set<string>();
  while (chosen.size < count) {
    const depth = 1 + Math.floor(next() * 5);
    chosen.add(Array.from({ length: depth }, () => names[Math.floor(next() * names.length)]).join('/'));
  }
  const parents = new Set<string>();
  for (const p of chosen) for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) parents.add(p.slice(0, i));
  const entries: ContentEntry[] = [];
  const expected = new Map<string, ContentEntry | 'implicit'>();
  for (const p of chosen) {
    const r = next();
    const entry =
      parents.has(p) || r < 0.2
        ? dir(p, 0o700 + Math.floor(next() * 0o77))
        : r < 0.9
          ? file(p, Math.floor(next() * 1000))
          : symlink(p, `../${p}`);
    entries.push(entry);
    expected.set(p, entry);
  }
  for (const p of parents) if (!expected.has(p)) expected.set(p, 'implicit');
  // Shuffled: the store does not rely on the order entries arrive in.
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return { entries, expected };
}

function assertOrderedLike(
  actual: Iterable<ContentEntry>,
  expected: Map<string, ContentEntry | 'implicit'>,
  order: PathOrder,
): void {
  const want = [...expected.keys()].sort(NAIVE[order]);
  const got = [...actual];
  assert.deepEqual(
    got.map((e) => e.path),
    want,
    order,
  );
  for (const entry of got) {
    const named = expected.get(entry.path)!;
    if (named === 'implicit')
      assert.deepEqual(entry, dir(entry.path), `${entry.path}: an unnamed parent is a 0755 directory`);
    else assert.equal(entry, named, `${entry.path}: the added object, as it is`);
  }
}

test('both orders match a naive sort of every path and its parents, with extras merged in', () => {
  for (const seed of [1, 2, 3]) {
    const { entries, expected } = randomTree(seed, 1500);
    // A few entries come as the format's extras instead; a directory may be in both.
    const extras = entries.filter((_, i) => i % 10 === 0);
    const store = EntryStore.from(entries.filter((e, i) => i % 10 !== 0 || (e.kind === 'dir' && i % 20 === 0)));
    for (const order of ORDERS) assertOrderedLike(store.ordered(extras, order), expected, order);
  }
});

test('a large node_modules-like tree, added as collectContents adds it, in both orders', () => {
  const store = new EntryStore('/stage', 'opt/app'.length);
  const expected = new Map<string, ContentEntry | 'implicit'>();
  const collected = (path: string, size: number): ContentEntry => ({
    kind: 'file',
    path,
    mode: 0o644,
    size,
    source: { file: `/stage${path.slice('opt/app'.length)}` },
  });
  const modules = store.directory('opt/app/node_modules');
  for (const p of ['opt', 'opt/app', 'opt/app/node_modules']) expected.set(p, 'implicit');
  let files = 0;
  for (let p = 0; files < 30000; p++) {
    const name = `pkg${p % 7 === 0 ? '-' : p % 7 === 1 ? '.' : ''}${(p * 7919).toString(36)}`;
    const pkg = store.addDir(modules, name);
    const base = `opt/app/node_modules/${name}`;
    expected.set(base, dir(base));
    for (const f of ['package.json', 'index.js', 'README.md']) {
      store.addFile(pkg, f, 0o644, f.length);
      expected.set(`${base}/${f}`, collected(`${base}/${f}`, f.length));
      files++;
    }
    for (const sub of ['lib', 'lib-esm', 'lib.d']) {
      const subdir = store.addDir(pkg, sub);
      expected.set(`${base}/${sub}`, dir(`${base}/${sub}`));
      for (let i = 0; i < 3; i++) {
        store.addFile(subdir, `f${i}.js`, 0o644, i);
        expected.set(`${base}/${sub}/f${i}.js`, collected(`${base}/${sub}/f${i}.js`, i));
        files++;
      }
    }
    store.addSymlink(pkg, 'lib-link', 'lib');
    expected.set(`${base}/lib-link`, symlink(`${base}/lib-link`, 'lib'));
  }
  store.trim();
  for (const order of ORDERS) {
    const want = [...expected.keys()].sort(NAIVE[order]);
    const got = [...store.ordered([], order)];
    assert.equal(got.length, want.length, order);
    assert.deepEqual(
      got.map((e) => e.path),
      want,
      order,
    );
    for (const entry of got) {
      const e = expected.get(entry.path)!;
      assert.deepEqual(entry, e === 'implicit' ? dir(entry.path) : e, entry.path);
    }
  }
});

test('collected files are read from the staging root, with their rewritten #! line', () => {
  const store = new EntryStore('/tmp/stage', 'opt/app'.length);
  const head = { skip: 19, insert: Buffer.from('#!/usr/bin/node') };
  store.addFile(store.directory('opt/app/bin'), 'cli.js', 0o755, 100, head);
  store.addFile(store.directory('opt/app'), 'server.js', 0o644, 2000);
  const files = [...store.ordered([], 'slash-first')].filter((e) => e.kind === 'file');
  assert.deepEqual(files, [
    {
      kind: 'file',
      path: 'opt/app/bin/cli.js',
      mode: 0o755,
      size: 100,
      source: { file: '/tmp/stage/bin/cli.js' },
      rewriteHead: head,
    },
    { kind: 'file', path: 'opt/app/server.js', mode: 0o644, size: 2000, source: { file: '/tmp/stage/server.js' } },
  ]);
  assert.equal(store.largestFile()?.path, 'opt/app/server.js');
  assert.equal(new EntryStore().largestFile(), undefined);
  assert.equal(
    EntryStore.from([dir('a'), symlink('b')]).largestFile(),
    undefined,
    'directories and symlinks are not files',
  );
});

test('every parent directory is made, once, before its contents, for collected and generated entries', () => {
  const store = EntryStore.from([
    file('opt/app/lib/x.js'),
    file('opt/app/lib/y.js'),
    symlink('usr/bin/app', '/opt/app/lib/x.js'),
  ]);
  const extras = [file('usr/share/doc/app/copyright'), file('opt/app/.pkgapp/release.json')];
  assert.deepEqual(paths(store.ordered(extras, 'slash-first')), [
    'opt',
    'opt/app',
    'opt/app/.pkgapp',
    'opt/app/.pkgapp/release.json',
    'opt/app/lib',
    'opt/app/lib/x.js',
    'opt/app/lib/y.js',
    'usr',
    'usr/bin',
    'usr/bin/app',
    'usr/share',
    'usr/share/doc',
    'usr/share/doc/app',
    'usr/share/doc/app/copyright',
  ]);
  for (const entry of store.ordered(extras, 'code-point'))
    if (entry.kind === 'dir') assert.deepEqual(entry, dir(entry.path), entry.path);
});

test('the collision rules, pair by pair', () => {
  const kinds: [EntryKind, string][] = [
    [IMPLICIT, 'implicit'],
    [DIR, 'dir'],
    [FILE, 'file'],
    [SYMLINK, 'symlink'],
  ];
  const outcome = (existing: EntryKind, incoming: EntryKind) => {
    try {
      return resolveCollision('p', existing, incoming);
    } catch (error) {
      assert.equal((error as { code?: string }).code, 'PKGAPP_PATH_CONFLICT');
      return /is both a (file|symlink) and a directory/.test((error as Error).message)
        ? 'both'
        : /twice/.test((error as Error).message)
          ? 'twice'
          : (error as Error).message;
    }
  };
  const table = kinds.map(([existing, name]) => [name, ...kinds.map(([incoming]) => outcome(existing, incoming))]);
  assert.deepEqual(table, [
    // existing ↓, incoming: implicit, dir,       file,    symlink
    ['implicit', 'keep', 'replace', 'both', 'both'],
    ['dir', 'keep', 'replace', 'twice', 'twice'],
    ['file', 'both', 'twice', 'twice', 'twice'],
    ['symlink', 'both', 'twice', 'twice', 'twice'],
  ]);
});

test('collisions among collected entries: refused as they are added, directories merged', () => {
  assertConflict(() => EntryStore.from([file('a/x'), file('a/x')]), /^\/a\/x would be in the package twice/);
  assertConflict(() => EntryStore.from([file('a/x'), dir('a/x')]), /twice/);
  assertConflict(() => EntryStore.from([dir('a/x'), file('a/x')]), /twice/);
  assertConflict(() => EntryStore.from([symlink('a/x'), file('a/x')]), /twice/);
  assertConflict(() => EntryStore.from([file('a/x'), symlink('a/x')]), /twice/);
  assertConflict(() => EntryStore.from([file('a/x'), file('a/x/y')]), /^\/a\/x is both a file and a directory/);
  assertConflict(() => EntryStore.from([symlink('a/x'), dir('a/x/y/z')]), /^\/a\/x is both a symlink and a directory/);
  assertConflict(() => EntryStore.from([file('a/x/y'), file('a/x')]), /^\/a\/x is both a file and a directory/);
  const store = new EntryStore();
  store.addFile(store.directory('a'), 'x', 0o644, 1);
  assertConflict(() => store.addSymlink(store.directory('a'), 'x', 'y'), /twice/);
  assertConflict(() => store.directory('a/x/y'), /is both a file and a directory/);

  // Two directories are one: a named one replaces an implicit one, and the later one wins.
  const later = dir('a', 0o750, 'svc');
  const merged = EntryStore.from([file('a/b/c'), dir('a', 0o700), later, dir('a/b', 0o711)]);
  const entries = [...merged.ordered([], 'slash-first')];
  assert.deepEqual(paths(entries), ['a', 'a/b', 'a/b/c']);
  assert.equal(entries[0], later);
  assert.deepEqual(entries[1], dir('a/b', 0o711));
  // A directory the collector adds after a directory object: the collector's (0755, root) wins.
  const collected = EntryStore.from([dir('d', 0o700, 'svc')]);
  collected.addDir(0, 'd');
  assert.deepEqual([...collected.ordered([], 'code-point')], [dir('d')]);
});

test("collisions between the collected entries and a format's files: refused before anything is read", () => {
  const store = EntryStore.from([
    file('opt/app/.pkgapp/release.json'),
    file('opt/app/x'),
    symlink('usr/lib/app'),
    dir('var/lib/app', 0o755),
  ]);
  for (const order of ORDERS) {
    assertConflict(
      () => store.ordered([file('opt/app/.pkgapp/release.json')], order),
      /^\/opt\/app\/.pkgapp\/release.json would be in the package twice/,
    );
    assertConflict(() => store.ordered([file('opt/app/x/y')], order), /^\/opt\/app\/x is both a file and a directory/);
    assertConflict(() => store.ordered([dir('opt/app/x')], order), /twice/);
    assertConflict(
      () => store.ordered([file('usr/lib/app/z')], order),
      /^\/usr\/lib\/app is both a symlink and a directory/,
    );
    assertConflict(() => store.ordered([file('opt/app')], order), /^\/opt\/app is both a file and a directory/);
    assertConflict(() => store.ordered([file('opt/app/.pkgapp')], order), /is both a file and a directory/);
    // Among the format's own files, the same rules.
    assertConflict(() => store.ordered([file('usr/share/doc/a'), symlink('usr/share/doc/a')], order), /twice/);
    assertConflict(
      () => store.ordered([file('usr/share/doc/a'), file('usr/share/doc/a/b')], order),
      /is both a file and a directory/,
    );
    // A named directory of the format replaces the collected one (rpm's state directory and its owner).
    const state = dir('var/lib/app', 0o750, 'app');
    const entries = [...store.ordered([state, dir('usr/share', 0o700), dir('usr/share', 0o701)], order)];
    assert.equal(
      entries.find((e) => e.path === 'var/lib/app'),
      state,
      order,
    );
    assert.deepEqual(
      entries.find((e) => e.path === 'usr/share'),
      dir('usr/share', 0o701),
      `${order}: the later of two`,
    );
    // An implicit parent of the format's files keeps the collected directory.
    assert.deepEqual(
      entries.filter((e) => e.path === 'var/lib' || e.path === 'var'),
      [dir('var'), dir('var/lib')],
      order,
    );
    assert.equal(entries.filter((e) => e.path === 'usr').length, 1, `${order}: one /usr`);
  }
});

test("an ordered view can be read again and again, and another format's files never reach it", () => {
  const { entries } = randomTree(7, 500);
  const store = EntryStore.from(entries);
  const before = paths(store.ordered([], 'slash-first'));
  const deb = store.ordered(
    [file('usr/share/doc/app/copyright'), file('usr/share/doc/app/changelog.Debian.gz')],
    'slash-first',
  );
  const rpm = store.ordered([dir('var/lib/app', 0o750, 'app')], 'code-point');
  const first = paths(deb);
  assert.deepEqual(paths(deb), first, 'the same entries the second time');
  const iterator = deb[Symbol.iterator]();
  iterator.next();
  assert.deepEqual(paths(deb), first, 'a fresh walk while another is halfway through');
  assert.ok(first.includes('usr/share/doc/app/copyright'));
  assert.ok(!first.includes('var/lib/app'), "rpm's state directory is not in the deb");
  const rpmPaths = paths(rpm);
  assert.ok(rpmPaths.includes('var/lib/app') && !rpmPaths.includes('usr/share/doc/app/copyright'));
  assert.deepEqual(paths(store.ordered([], 'slash-first')), before, 'the store itself is unchanged');
});
