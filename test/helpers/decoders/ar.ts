// An independent reader for the common ar format of .deb files (deb(5), ar(5); the rules pkgapp
// follows are in docs/internals/deb-archive.md#container-ar): "!<arch>\n", then per member a
// 60-byte header of space-padded decimal fields ending in "`\n", the data, and a "\n" after
// odd-sized data. Written for tests, not from src/. Strict: throws on anything dpkg-deb would
// not write.

export interface ArMember {
  /** Offset of the member's header. */
  offset: number;
  name: string;
  mtime: number;
  uid: number;
  gid: number;
  /** The mode field, as octal text read into a number (0o100644). */
  mode: number;
  size: number;
  data: Buffer;
  /** The header as stored (60 bytes). */
  header: Buffer;
}

export function readAr(archive: Buffer): ArMember[] {
  if (archive.subarray(0, 8).toString('latin1') !== '!<arch>\n') throw new Error('ar: no !<arch> magic');
  const members: ArMember[] = [];
  let pos = 8;
  while (pos < archive.length) {
    const header = archive.subarray(pos, pos + 60);
    if (header.length !== 60) throw new Error(`ar: truncated header at ${pos}`);
    if (header.subarray(58, 60).toString('latin1') !== '`\n')
      throw new Error(`ar: header at ${pos} does not end in "\`\\n"`);
    const text = (from: number, to: number) => header.subarray(from, to).toString('latin1');
    const decimal = (from: number, to: number) => {
      const value = text(from, to);
      if (!/^\d+ *$/.test(value)) throw new Error(`ar: field "${value}" at ${pos + from} is not space-padded decimal`);
      return parseInt(value, 10);
    };
    const rawName = text(0, 16);
    if (!/^[^ ]+ *$/.test(rawName)) throw new Error(`ar: name "${rawName}" at ${pos}`);
    const name = rawName.trimEnd();
    const size = decimal(48, 58);
    const modeText = text(40, 48);
    if (!/^[0-7]+ *$/.test(modeText)) throw new Error(`ar: mode "${modeText}" is not octal`);
    const data = archive.subarray(pos + 60, pos + 60 + size);
    if (data.length !== size) throw new Error(`ar: member ${name} runs past the end`);
    members.push({
      offset: pos,
      name,
      mtime: decimal(16, 28),
      uid: decimal(28, 34),
      gid: decimal(34, 40),
      mode: parseInt(modeText, 8),
      size,
      data: Buffer.from(data),
      header: Buffer.from(header),
    });
    pos += 60 + size;
    if (size % 2 === 1) {
      if (archive[pos] !== 0x0a) throw new Error(`ar: member ${name} of odd size is not followed by "\\n"`);
      pos++;
    }
  }
  if (pos !== archive.length) throw new Error('ar: trailing bytes');
  return members;
}
