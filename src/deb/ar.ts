// The ar container of a .deb (deb(5), docs/internals/deb-archive.md#container-ar): magic, then 60-byte member headers.
// Written natively rather than with ar-async: that library only archives files already on
// disk and sets real mtimes/owners, while pkgapp needs fixed metadata for reproducible output
// and streams its members.

export const AR_MAGIC = Buffer.from('!<arch>\n', 'latin1');

/** The 60-byte header of one member; owner root, mode 0644, mtime from SOURCE_DATE_EPOCH. */
export function encodeArHeader(name: string, size: number, mtime: number): Buffer {
  if (name.length > 15 || !/^[\x21-\x7e]+$/.test(name)) throw new Error(`invalid ar member name "${name}"`);
  if (!Number.isSafeInteger(size) || size < 0 || String(size).length > 10) {
    throw new Error(`ar member ${name} is ${size} bytes; the format holds at most 9999999999`);
  }
  const header =
    field(name, 16) +
    field(String(mtime), 12) +
    field('0', 6) +
    field('0', 6) +
    field('100644', 8) +
    field(String(size), 10) +
    '`\n';
  return Buffer.from(header, 'latin1');
}

/** Members start at even offsets: odd-sized data is followed by one "\n". */
export function arPadding(size: number): Buffer {
  return size % 2 === 1 ? Buffer.from('\n', 'latin1') : Buffer.alloc(0);
}

function field(value: string, width: number): string {
  if (value.length > width) throw new Error(`ar header field "${value}" is wider than ${width}`);
  return value.padEnd(width, ' ');
}
