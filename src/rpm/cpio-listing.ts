// Reads an rpm's decompressed cpio payload as a stream, entry by entry: the "newc" headers
// (magic 070701, and 070702 which adds a checksum field pkgapp does not check) that rpm writes
// (docs/internals/rpm-package.md#payload), each entry's data handed to a sink or skipped as it
// passes. Memory stays flat: only the current header and one chunk are held.
import type { Readable } from 'node:stream';

export interface CpioHeader {
  /** The entry's name as stored ("./opt/app/x" in rpm payloads). */
  name: string;
  mode: number;
  size: number;
  nlink: number;
}

/** Where an entry's data goes: chunks in order, then end(); both may wait (backpressure). */
export interface EntrySink {
  write(chunk: Buffer): Promise<void> | void;
  end(): Promise<void> | void;
}

const HEADER = 110;
/** Names longer than this are not in any real payload: the archive is corrupt. */
const MAX_NAME = 64 * 1024;

export class CpioFormatError extends Error {}

/**
 * Calls `onEntry` for every entry of the newc archive `source` (up to TRAILER!!!, reading the source to its end); a returned
 * sink receives the entry's data. Rejects with a CpioFormatError on a malformed archive.
 */
export async function listCpio(
  source: Readable | AsyncIterable<Buffer>,
  onEntry: (header: CpioHeader) => EntrySink | undefined,
): Promise<void> {
  let pending: Buffer = Buffer.alloc(0);
  let offset = 0; // archive offset of pending[0]
  let state: { kind: 'header' } | { kind: 'data'; left: number; pad: number; sink: EntrySink | undefined } = {
    kind: 'header',
  };
  let trailer = false;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    if (trailer) continue; // the padding after TRAILER!!!, read so the stages before end normally
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      if (state.kind === 'data') {
        const take = Math.min(state.left, pending.length);
        if (take > 0 && state.sink) await state.sink.write(pending.subarray(0, take));
        state.left -= take;
        const skip = state.left === 0 ? Math.min(state.pad, pending.length - take) : 0;
        if (state.left === 0) state.pad -= skip;
        pending = pending.subarray(take + skip);
        offset += take + skip;
        if (state.left > 0 || state.pad > 0) break;
        if (state.sink) await state.sink.end();
        state = { kind: 'header' };
        continue;
      }
      if (pending.length < HEADER) break;
      const magic = pending.toString('latin1', 0, 6);
      if (magic !== '070701' && magic !== '070702')
        throw new CpioFormatError(
          `not a cpio "newc" entry at payload offset ${offset} (magic ${JSON.stringify(magic)})`,
        );
      const hex = (index: number) => {
        const text = pending.toString('latin1', 6 + index * 8, 14 + index * 8);
        if (!/^[0-9a-fA-F]{8}$/.test(text))
          throw new CpioFormatError(`a cpio header field at payload offset ${offset} is not hexadecimal`);
        return parseInt(text, 16);
      };
      const mode = hex(1);
      const nlink = hex(4);
      const size = hex(6);
      const nameSize = hex(11);
      if (nameSize === 0 || nameSize > MAX_NAME)
        throw new CpioFormatError(`a cpio header at payload offset ${offset} names a ${nameSize}-byte name`);
      const nameEnd = HEADER + nameSize;
      const dataStart = nameEnd + pad4(offset + nameEnd);
      if (pending.length < dataStart) break;
      const name = pending.toString('utf8', HEADER, nameEnd - 1);
      pending = pending.subarray(dataStart);
      offset += dataStart;
      if (name === 'TRAILER!!!') {
        trailer = true;
        break;
      }
      const sink = onEntry({ name, mode, size, nlink });
      state = { kind: 'data', left: size, pad: pad4(offset + size), sink };
    }
  }
  if (!trailer) throw new CpioFormatError('the cpio payload ends before its TRAILER!!! entry: truncated');
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}
