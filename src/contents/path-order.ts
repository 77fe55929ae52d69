// The two orders a package's paths are written in. In both, a directory comes before its
// contents (a prefix sorts first) and its contents form one unbroken run; they differ in where
// that run falls: right after "a", or after "a-b". Each format's folder picks the one its tools
// expect.

/**
 * "slash-first": "/" before every other character, so a directory's entries follow it directly
 * ("a", "a/b", "a-b"); this is a depth-first walk with each directory's children by name.
 * "code-point": Unicode code point order, which is the byte order of the UTF-8 paths
 * ("a", "a-b", "a/b").
 */
export type PathOrder = 'slash-first' | 'code-point';

/** The comparison function of `order`. */
export function comparePathsIn(order: PathOrder): (a: string, b: string) => number {
  return order === 'slash-first' ? compareSlashFirst : compareCodePoints;
}

/**
 * The "slash-first" order. Compares UTF-16 code units (the order of JavaScript's `<` apart from
 * "/") without allocating: 100k+ paths are compared.
 */
export function compareSlashFirst(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return (x === 0x2f ? -1 : x) - (y === 0x2f ? -1 : y);
  }
  return a.length - b.length;
}

/**
 * The "code-point" order, without encoding: UTF-16 code units compare like code points except
 * that surrogates (code points past U+FFFF) must sort after U+E000-U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  return unit < 0xd800 ? unit : unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}
