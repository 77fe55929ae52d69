// CRC-32 (gzip's) of two pieces joined, from the pieces' CRCs and the second one's length, without
// the bytes: a cached payload segment (payload-segments.ts) carries its own CRC, and the gzip
// trailer's CRC of the whole payload is continued over it. The arithmetic is zlib's
// crc32_combine: CRC-32 is linear over GF(2), so crc(A‖B) = crc(A)·x^(8·|B|) mod P ⊕ crc(B),
// with polynomials in the reflected bit order zlib uses.

const POLY = 0xedb88320;

/** a·b modulo the CRC polynomial (reflected: bit 31 is x^0). */
function multiplyModP(a: number, b: number): number {
  let m = 0x80000000;
  let product = 0;
  for (;;) {
    if (a & m) {
      product ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return product >>> 0;
}

/** x^(2^k) mod P for k = 0..31. */
const X_POW_2K: number[] = [];
for (let k = 0, p = 0x40000000 /* x^1 */; k < 32; k++) {
  X_POW_2K.push(p);
  p = multiplyModP(p, p);
}

/** x^(8·bytes) mod P: the factor that shifts a CRC past `bytes` bytes. */
function shiftFactor(bytes: number): number {
  let p = 0x80000000; // x^0
  let n = bytes;
  for (let k = 3; n > 0; k++, n = Math.floor(n / 2)) if (n % 2) p = multiplyModP(X_POW_2K[k & 31]!, p);
  return p;
}

/** CRC-32 of A‖B given crc(A), crc(B) (each from 0) and B's length. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multiplyModP(shiftFactor(lengthB), crcA >>> 0) ^ crcB) >>> 0;
}

/** crc(B) from crc(A) and crc(A‖B): the CRC a segment has on its own, from the running CRCs around it. */
export function crc32OfSuffix(crcA: number, crcAB: number, lengthB: number): number {
  return (multiplyModP(shiftFactor(lengthB), crcA >>> 0) ^ crcAB) >>> 0;
}
