// Reads who made an OpenPGP signature without any key: the issuer key ID, the algorithms and the
// creation time of the first signature packet (RFC 4880 §4.2, §5.2; RFC 9580 for v6). Pure and
// bounds-checked, because the bytes come from untrusted packages.

export interface SignaturePacketInfo {
  /** Long key ID, 16 uppercase hex digits (the last 8 bytes of a v4 fingerprint). */
  keyId?: string;
  /** e.g. "RSA/SHA256". */
  algorithm?: string;
  /** Seconds since the epoch. */
  created?: number;
}

const PUBLIC_KEY_ALGORITHMS: Record<number, string> = {
  1: 'RSA',
  2: 'RSA',
  3: 'RSA',
  16: 'ElGamal',
  17: 'DSA',
  19: 'ECDSA',
  22: 'EdDSA',
  27: 'Ed25519',
  28: 'Ed448',
};
const HASH_ALGORITHMS: Record<number, string> = {
  1: 'MD5',
  2: 'SHA1',
  3: 'RIPEMD160',
  8: 'SHA256',
  9: 'SHA384',
  10: 'SHA512',
  11: 'SHA224',
  12: 'SHA3-256',
  14: 'SHA3-512',
};
const SIGNATURE_PACKET = 2;
const SUBPACKET_CREATED = 2;
const SUBPACKET_ISSUER = 16;
const SUBPACKET_ISSUER_FINGERPRINT = 33;

/** Parses the first packet of a binary or ASCII-armored detached signature; throws Error with a reason when it is not one. */
export function readSignaturePacket(bytes: Buffer): SignaturePacketInfo {
  const binary = dearmor(bytes);
  const { tag, body } = firstPacket(binary);
  if (tag !== SIGNATURE_PACKET) throw new Error(`the first OpenPGP packet is type ${tag}, not a signature`);
  const version = byteAt(body, 0);
  if (version === 3) return signatureV3(body);
  if (version === 4 || version === 5 || version === 6) return signatureV4(body, version);
  throw new Error(`unknown signature packet version ${version}`);
}

/** Base64 body of an armored block, or the bytes unchanged when they are not armored. */
function dearmor(bytes: Buffer): Buffer {
  const head = bytes.subarray(0, 64).toString('latin1');
  if (!head.includes('-----BEGIN PGP')) return bytes;
  const lines = bytes.toString('latin1').split(/\r?\n/);
  const begin = lines.findIndex((l) => l.startsWith('-----BEGIN PGP'));
  const blank = lines.findIndex((l, i) => i > begin && l.trim() === '');
  if (blank < 0) throw new Error('armored signature without a body');
  const body: string[] = [];
  for (const line of lines.slice(blank + 1)) {
    if (line.startsWith('-----END') || line.startsWith('=')) break;
    body.push(line.trim());
  }
  return Buffer.from(body.join(''), 'base64');
}

function firstPacket(data: Buffer): { tag: number; body: Buffer } {
  const first = byteAt(data, 0);
  if ((first & 0x80) === 0) throw new Error('not an OpenPGP packet');
  let at = 1;
  let tag: number;
  let length: number;
  if (first & 0x40) {
    tag = first & 0x3f;
    const l0 = byteAt(data, at++);
    if (l0 < 192) length = l0;
    else if (l0 < 224) length = ((l0 - 192) << 8) + byteAt(data, at++) + 192;
    else if (l0 === 255) {
      length = uint32At(data, at);
      at += 4;
    } else throw new Error('partial-length signature packets are not supported');
  } else {
    tag = (first >> 2) & 0x0f;
    const lengthType = first & 0x03;
    if (lengthType === 0) length = byteAt(data, at++);
    else if (lengthType === 1) {
      length = uint16At(data, at);
      at += 2;
    } else if (lengthType === 2) {
      length = uint32At(data, at);
      at += 4;
    } else length = data.length - at;
  }
  if (at + length > data.length) throw new Error('truncated OpenPGP packet');
  return { tag, body: data.subarray(at, at + length) };
}

function signatureV3(body: Buffer): SignaturePacketInfo {
  if (byteAt(body, 1) !== 5) throw new Error('malformed v3 signature packet');
  return {
    keyId: hex(slice(body, 7, 8)),
    algorithm: algorithmName(byteAt(body, 15), byteAt(body, 16)),
    created: uint32At(body, 3),
  };
}

/** v4/v5 have 2-byte subpacket area lengths, v6 4-byte ones. */
function signatureV4(body: Buffer, version: number): SignaturePacketInfo {
  const info: SignaturePacketInfo = { algorithm: algorithmName(byteAt(body, 2), byteAt(body, 3)) };
  const lengthWidth = version === 6 ? 4 : 2;
  let at = 4;
  for (let area = 0; area < 2; area++) {
    const length = lengthWidth === 4 ? uint32At(body, at) : uint16At(body, at);
    at += lengthWidth;
    readSubpackets(slice(body, at, length), info);
    at += length;
  }
  return info;
}

function readSubpackets(area: Buffer, info: SignaturePacketInfo): void {
  let at = 0;
  while (at < area.length) {
    const l0 = byteAt(area, at++);
    let length: number;
    if (l0 < 192) length = l0;
    else if (l0 < 255) length = ((l0 - 192) << 8) + byteAt(area, at++) + 192;
    else {
      length = uint32At(area, at);
      at += 4;
    }
    if (length < 1) throw new Error('empty signature subpacket');
    const data = slice(area, at, length);
    const type = data[0]! & 0x7f;
    if (type === SUBPACKET_CREATED && data.length >= 5) info.created ??= data.readUInt32BE(1);
    if (type === SUBPACKET_ISSUER && data.length >= 9) info.keyId ??= hex(data.subarray(1, 9));
    // v4 fingerprint: key ID = last 8 bytes; v5/v6: first 8 bytes.
    if (type === SUBPACKET_ISSUER_FINGERPRINT && data.length >= 22)
      info.keyId ??= data[1] === 4 ? hex(data.subarray(data.length - 8)) : hex(data.subarray(2, 10));
    at += length;
  }
}

function algorithmName(publicKey: number, hash: number): string {
  return `${PUBLIC_KEY_ALGORITHMS[publicKey] ?? `algorithm ${publicKey}`}/${HASH_ALGORITHMS[hash] ?? `hash ${hash}`}`;
}

function byteAt(data: Buffer, at: number): number {
  const b = data[at];
  if (b === undefined) throw new Error('truncated OpenPGP data');
  return b;
}

function uint16At(data: Buffer, at: number): number {
  if (at + 2 > data.length) throw new Error('truncated OpenPGP data');
  return data.readUInt16BE(at);
}

function uint32At(data: Buffer, at: number): number {
  if (at + 4 > data.length) throw new Error('truncated OpenPGP data');
  return data.readUInt32BE(at);
}

function slice(data: Buffer, at: number, length: number): Buffer {
  if (at + length > data.length) throw new Error('truncated OpenPGP data');
  return data.subarray(at, at + length);
}

function hex(bytes: Buffer): string {
  return bytes.toString('hex').toUpperCase();
}
