// Copies a collected file's bytes into an archive, refusing files that changed size since they
// were collected. Blocking calls on purpose: open, read straight into the archive's chunk, close.
// Each asynchronous fs call is a thread-pool round trip, and for 40k small files those round
// trips, not the disk, were the cost (half the wall time idle in a profile).
import type { Hash } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import type { FileEntry } from '../contents/content-entry.js';
import { EXIT_FAILURE, UserError } from '../errors.js';
import type { ChunkWriter } from './chunk-writer.js';

/** Writes the file's bytes (`entry.size` of them) into the archive, through `hash`. */
export async function copyEntry(writer: ChunkWriter, entry: FileEntry, hash: Hash | undefined): Promise<void> {
  if (writer.contentToken) return writer.standIn(writer.contentToken(entry), entry.size);
  const source = entry.source;
  if ('body' in source) {
    hash?.update(source.body);
    writer.write(source.body);
    return;
  }
  const insert = entry.rewriteHead?.insert;
  const skip = entry.rewriteHead?.skip ?? 0;
  if (insert) {
    hash?.update(insert);
    writer.write(insert);
  }
  const expected = entry.size - (insert?.length ?? 0);
  const fd = openSync(source.file, 'r');
  let read: number;
  try {
    read = await writer.readFrom(fd, expected, skip, hash);
  } finally {
    closeSync(fd);
  }
  if (read !== expected) {
    throw new UserError(
      `${source.file} changed while the package was being built (${expected + skip} bytes when collected, ${read + skip} when read)`,
      {
        code: 'PKGAPP_FILE_CHANGED',
        exitCode: EXIT_FAILURE,
        hint: 'Do not modify the app directory during a build, then retry',
      },
    );
  }
}
