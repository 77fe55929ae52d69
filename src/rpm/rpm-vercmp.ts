// rpm's version order (rpmio/rpmvercmp.c): rpmvercmp on one version string, compareEvr on
// epoch:version-release. A format rule of rpm, used by the yum publisher's ordering and keep. Pure.

/** Epoch, version and release of a package (epoch 0 when the package has none). */
export interface Evr {
  epoch: number;
  version: string;
  release: string;
}

/** rpm's rpmvercmp (rpmio/rpmvercmp.c, rpm 4.18): -1, 0 or 1, on bytes, ASCII classes only. */
export function rpmvercmp(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  const one = Buffer.from(a);
  const two = Buffer.from(b);
  let i = 0;
  let j = 0;
  const at = (buf: Buffer, k: number) => (k < buf.length ? buf[k]! : 0);
  while (i < one.length || j < two.length) {
    while (i < one.length && !isAlnum(at(one, i)) && at(one, i) !== TILDE && at(one, i) !== CARET) i++;
    while (j < two.length && !isAlnum(at(two, j)) && at(two, j) !== TILDE && at(two, j) !== CARET) j++;
    // '~' sorts before everything, even the end of the string.
    if (at(one, i) === TILDE || at(two, j) === TILDE) {
      if (at(one, i) !== TILDE) return 1;
      if (at(two, j) !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    // '^' sorts after the end of the string but before anything else.
    if (at(one, i) === CARET || at(two, j) === CARET) {
      if (i >= one.length) return -1;
      if (j >= two.length) return 1;
      if (at(one, i) !== CARET) return 1;
      if (at(two, j) !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (!(i < one.length && j < two.length)) break;
    const numeric = isDigit(at(one, i));
    const inSegment = numeric ? isDigit : isAlpha;
    let ie = i;
    let je = j;
    while (ie < one.length && inSegment(at(one, ie))) ie++;
    while (je < two.length && inSegment(at(two, je))) je++;
    // A numeric segment is newer than an alphabetic one.
    if (je === j) return numeric ? 1 : -1;
    let s1: Buffer = one.subarray(i, ie);
    let s2: Buffer = two.subarray(j, je);
    if (numeric) {
      s1 = stripZeros(s1);
      s2 = stripZeros(s2);
      if (s1.length !== s2.length) return s1.length > s2.length ? 1 : -1;
    }
    const cmp = Buffer.compare(s1, s2);
    if (cmp !== 0) return cmp < 0 ? -1 : 1;
    i = ie;
    j = je;
  }
  if (i >= one.length && j >= two.length) return 0;
  return i >= one.length ? -1 : 1;
}

const TILDE = 0x7e;
const CARET = 0x5e;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isAlnum = (c: number) => isDigit(c) || isAlpha(c);

function stripZeros(buf: Buffer): Buffer {
  let k = 0;
  while (k < buf.length && buf[k] === 0x30) k++;
  return buf.subarray(k);
}

/** Epoch, then version, then release, each with rpmvercmp. */
export function compareEvr(a: Evr, b: Evr): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  return rpmvercmp(a.version, b.version) || rpmvercmp(a.release, b.release);
}
