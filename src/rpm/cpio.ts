// cpio "newc" entries for the rpm payload (formats.md §2.8). Pure encoders.

/** The newc header, name and padding of one entry; its data follows, padded by cpioPadding. */
export function encodeCpioHeader(fields: { ino: number; mode: number; size: number; mtime: number; name: string; nlink?: number }, offset: number): Buffer {
  const name = Buffer.from(`${fields.name}\0`);
  if (fields.size > 0xffffffff) throw new Error(`cpio newc cannot hold ${fields.name}: ${fields.size} bytes`);
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  const header = `070701${hex(fields.ino)}${hex(fields.mode)}${hex(0)}${hex(0)}${hex(fields.nlink ?? 1)}${hex(fields.mtime)}${hex(fields.size)}${hex(0)}${hex(0)}${hex(0)}${hex(0)}${hex(name.length)}${hex(0)}`;
  const unpadded = 110 + name.length;
  return Buffer.concat([Buffer.from(header, 'latin1'), name, Buffer.alloc(pad4(offset + unpadded))]);
}

/** Zero bytes that bring the archive offset to a multiple of 4. */
export function cpioPadding(offset: number): Buffer {
  return Buffer.alloc(pad4(offset));
}

/** The closing TRAILER!!! entry. */
export function encodeCpioTrailer(offset: number): Buffer {
  return encodeCpioHeader({ ino: 0, mode: 0, size: 0, mtime: 0, name: 'TRAILER!!!', nlink: 1 }, offset);
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}
