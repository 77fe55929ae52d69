// Reads a collected file's bytes for an archive writer, refusing files that changed size since.
// Small files (nearly all of node_modules) are read with blocking calls: open, one read, close.
// Each asynchronous fs call is a thread-pool round trip, and for 40k small files those round
// trips, not the disk, were the cost (half the wall time idle in a profile). Large files stream.
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileEntry } from '../contents/content-entry.js';
import { EXIT_FAILURE, UserError } from '../errors.js';

/** Files at most this big are read in one call; larger ones are streamed. */
export const SMALL_FILE = 1 << 20;

/** A file's bytes; the size must match what was collected, or the archive would be corrupt. */
export async function* fileChunks(entry: FileEntry): AsyncGenerator<Buffer> {
  if ('body' in entry.source) {
    yield entry.source.body;
    return;
  }
  const file = entry.source.file;
  const skip = entry.rewriteHead?.skip ?? 0;
  let read = 0;
  if (entry.rewriteHead) {
    yield entry.rewriteHead.insert;
    read = entry.rewriteHead.insert.length;
  }
  if (entry.size <= SMALL_FILE) {
    const body = readSmallFile(file, skip, entry.size - read);
    read += body.length;
    if (read === entry.size) yield body;
  } else {
    const handle = await open(file, 'r');
    try {
      for await (const chunk of handle.createReadStream({ start: skip, highWaterMark: SMALL_FILE, autoClose: false })) {
        read += (chunk as Buffer).length;
        if (read > entry.size) break;
        yield chunk as Buffer;
      }
    } finally {
      await handle.close();
    }
  }
  if (read !== entry.size) {
    throw new UserError(`${file} changed while the package was being built (${entry.size - (entry.rewriteHead?.insert.length ?? 0) + skip} bytes when collected, ${read - (entry.rewriteHead?.insert.length ?? 0) + skip} when read)`, {
      code: 'PKGAPP_FILE_CHANGED',
      exitCode: EXIT_FAILURE,
      hint: 'Do not modify the app directory during a build, then retry',
    });
  }
}

/**
 * Reads up to `expected` bytes from `offset`, plus one more to notice a file that grew: the
 * caller compares the length with what it expected.
 */
function readSmallFile(file: string, offset: number, expected: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(expected + 1);
    let filled = 0;
    for (;;) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, offset + filled);
      if (n === 0) break;
      filled += n;
      if (filled === buffer.length) break;
    }
    return buffer.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}
