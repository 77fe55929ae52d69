// cpio "newc" entries for the rpm payload (docs/internals/rpm-package.md#payload). Pure encoders.

/** The newc header, name and padding of one entry; its data follows, padded by cpioPadding. */
export function encodeCpioHeader(
  fields: { ino: number; mode: number; size: number; mtime: number; name: string; nlink?: number },
  offset: number,
): Buffer {
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

/**
 * encodeCpioHeader without allocating: into a buffer reused from call to call (the view returned
 * is valid until the next call). One per entry of the payload.
 */
export class CpioHeaderEncoder {
  private buffer = Buffer.alloc(512);

  encode(fields: { ino: number; mode: number; size: number; mtime: number; name: string }, offset: number): Buffer {
    if (fields.size > 0xffffffff || fields.mtime > 0xffffffff || fields.ino > 0xffffffff)
      return encodeCpioHeader({ ...fields, nlink: 1 }, offset);
    const nameLength = Buffer.byteLength(fields.name) + 1;
    const length = 110 + nameLength + pad4(offset + 110 + nameLength);
    if (this.buffer.length < length) this.buffer = Buffer.alloc(2 * length);
    const b = this.buffer;
    b.write('070701', 0, 'latin1');
    const values = [fields.ino, fields.mode, 0, 0, 1, fields.mtime, fields.size, 0, 0, 0, 0, nameLength, 0];
    for (let f = 0; f < 13; f++) {
      let v = values[f]!;
      for (let d = 6 + 8 * f + 7; d >= 6 + 8 * f; d--) {
        b[d] = HEX_DIGITS[v & 15]!;
        v >>>= 4;
      }
    }
    b.write(fields.name, 110, 'utf8');
    b.fill(0, 110 + nameLength - 1, length);
    return b.subarray(0, length);
  }
}

const HEX_DIGITS = Buffer.from('0123456789abcdef');
