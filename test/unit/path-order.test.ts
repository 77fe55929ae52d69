// The two path orders (contents/path-order.ts) against definitions that share no code with them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareCodePoints, comparePathsIn, compareSlashFirst } from '../../src/contents/path-order.js';
import { seededRandom } from '../helpers/seeded-random.js';

/** "code-point" by definition: the byte order of the UTF-8 encodings (how rpm compares paths). */
const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** "slash-first" by definition: segment by segment, each compared with `<`; a prefix first (a depth-first walk). */
function segmentOrder(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return x.length - y.length;
}

const sign = (n: number) => Math.sign(n) || 0;

// Characters on both sides of "/" (0x2f), in and past the BMP, around the surrogates.
const ALPHABET = ['a', 'b', '-', '.', '0', '_', 'Z', '~', ' ', 'é', '€', '\uE000', '\uFFFD', '\u{1F600}', '\u{10000}'];

function randomPath(next: () => number): string {
  const segments = 1 + Math.floor(next() * 4);
  const parts: string[] = [];
  for (let s = 0; s < segments; s++) {
    let name = '';
    for (let c = 1 + Math.floor(next() * 3); c > 0; c--) name += ALPHABET[Math.floor(next() * ALPHABET.length)];
    parts.push(name);
  }
  return parts.join('/');
}

test('the orders tell "a", "a/b" and "a-b" apart as dpkg and rpm need', () => {
  assert.deepEqual(['a-b', 'a/b', 'a', 'a.x/y', 'a/b/c'].sort(compareSlashFirst), [
    'a',
    'a/b',
    'a/b/c',
    'a-b',
    'a.x/y',
  ]);
  assert.deepEqual(['a-b', 'a/b', 'a', 'a.x/y', 'a/b/c'].sort(compareCodePoints), [
    'a',
    'a-b',
    'a.x/y',
    'a/b',
    'a/b/c',
  ]);
  assert.equal(comparePathsIn('slash-first'), compareSlashFirst);
  assert.equal(comparePathsIn('code-point'), compareCodePoints);
});

test('code-point order is UTF-8 byte order, past U+FFFF too', () => {
  // UTF-16 alone would put the emoji (a surrogate pair, 0xD83D…) before U+E000 and U+FFFD.
  assert.ok(compareCodePoints('\u{1F600}', '\uFFFD') > 0);
  assert.ok(compareCodePoints('\u{1F600}', '\uE000') > 0);
  assert.ok(compareCodePoints('\uD7FF', '\u{10000}') < 0);
  const next = seededRandom(1);
  for (let i = 0; i < 20000; i++) {
    const a = randomPath(next);
    const b = next() < 0.2 ? a.slice(0, Math.floor(next() * a.length)) : randomPath(next);
    if (b.length && b.charCodeAt(b.length - 1) >= 0xd800 && b.charCodeAt(b.length - 1) < 0xdc00) continue; // half a pair is no path
    assert.equal(sign(compareCodePoints(a, b)), sign(utf8Order(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
});

test('slash-first order is the segment-by-segment (depth-first) order', () => {
  const next = seededRandom(2);
  for (let i = 0; i < 20000; i++) {
    const a = randomPath(next);
    const b =
      next() < 0.3 ? `${a.slice(0, Math.floor(next() * a.length))}${next() < 0.5 ? '/' : '-'}x` : randomPath(next);
    assert.equal(
      sign(compareSlashFirst(a, b)),
      sign(segmentOrder(a, b)),
      `${JSON.stringify(a)} vs ${JSON.stringify(b)}`,
    );
  }
});

test('in both orders a directory comes before its contents, which form one unbroken run', () => {
  const next = seededRandom(3);
  const paths = new Set<string>();
  while (paths.size < 1500) {
    const p = randomPath(next);
    paths.add(p);
    for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) paths.add(p.slice(0, i));
  }
  for (const compare of [compareSlashFirst, compareCodePoints]) {
    const sorted = [...paths].sort(compare);
    sorted.forEach((dir, i) => {
      const inside = sorted.flatMap((p, j) => (p.startsWith(`${dir}/`) ? [j] : []));
      if (inside.length === 0) return;
      assert.ok(inside[0]! > i, `${compare.name}: ${JSON.stringify(dir)} before its contents`);
      assert.equal(
        inside[inside.length - 1]! - inside[0]! + 1,
        inside.length,
        `${compare.name}: the contents of ${JSON.stringify(dir)} are one run`,
      );
      // slash-first: the run starts right after the directory; code-point: "a-b" may come between.
      if (compare === compareSlashFirst)
        assert.equal(inside[0], i + 1, `${JSON.stringify(dir)}'s contents follow it directly`);
    });
  }
});
