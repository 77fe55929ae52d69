// An independent reader for cpio "newc" archives (magic 070701, cpio(5); the rpm payload, see
// docs/internals/rpm-package.md#payload): 110-byte headers of 8-digit hex fields, then the
// NUL-terminated name padded to 4 bytes from the archive start, then the data padded to 4, until
// "TRAILER!!!". Written for tests, not from src/. Strict: throws on non-zero padding, a wrong
// magic or a name size that does not match.

export interface CpioEntry {
  offset: number;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  size: number;
  devMajor: number;
  devMinor: number;
  rdevMajor: number;
  rdevMinor: number;
  check: number;
  name: string;
  data: Buffer;
}

export interface CpioArchive {
  entries: CpioEntry[];
  /** The TRAILER!!! entry itself. */
  trailer: CpioEntry;
  /** Bytes read, trailer and its padding included. */
  length: number;
}

export function readNewc(archive: Buffer): CpioArchive {
  const entries: CpioEntry[] = [];
  let pos = 0;
  for (;;) {
    const header = archive.subarray(pos, pos + 110).toString('latin1');
    if (header.length !== 110) throw new Error(`cpio: truncated header at ${pos}`);
    if (!header.startsWith('070701'))
      throw new Error(`cpio: magic "${header.slice(0, 6)}" at ${pos}, not 070701 (newc)`);
    const fields: number[] = [];
    for (let f = 0; f < 13; f++) {
      const hex = header.slice(6 + 8 * f, 14 + 8 * f);
      if (!/^[0-9a-fA-F]{8}$/.test(hex)) throw new Error(`cpio: field ${f} "${hex}" at ${pos} is not 8 hex digits`);
      fields.push(parseInt(hex, 16));
    }
    const [ino, mode, uid, gid, nlink, mtime, size, devMajor, devMinor, rdevMajor, rdevMinor, nameSize, check] =
      fields as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ];
    const nameBytes = archive.subarray(pos + 110, pos + 110 + nameSize);
    if (nameSize === 0 || nameBytes[nameSize - 1] !== 0 || nameBytes.subarray(0, nameSize - 1).includes(0))
      throw new Error(`cpio: name size ${nameSize} at ${pos} does not end at the name's NUL`);
    const name = nameBytes.subarray(0, nameSize - 1).toString('utf8');
    const dataStart = align4(pos + 110 + nameSize);
    zeros(archive, pos + 110 + nameSize, dataStart, name);
    const data = archive.subarray(dataStart, dataStart + size);
    if (data.length !== size) throw new Error(`cpio: ${name} runs past the end`);
    const end = align4(dataStart + size);
    zeros(archive, dataStart + size, end, name);
    const entry: CpioEntry = {
      offset: pos,
      ino,
      mode,
      uid,
      gid,
      nlink,
      mtime,
      size,
      devMajor,
      devMinor,
      rdevMajor,
      rdevMinor,
      check,
      name,
      data: Buffer.from(data),
    };
    pos = end;
    if (name === 'TRAILER!!!') return { entries, trailer: entry, length: pos };
    entries.push(entry);
  }
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function zeros(archive: Buffer, from: number, to: number, name: string): void {
  if (to > archive.length) throw new Error(`cpio: ${name}: padding runs past the end`);
  for (let i = from; i < to; i++) if (archive[i] !== 0) throw new Error(`cpio: ${name}: non-zero padding at ${i}`);
}
