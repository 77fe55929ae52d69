// Writes a stream of buffers to a file while measuring it: the size and sha256 a package
// reports (--json, publishing) come from the bytes as written, not from a second read.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

/** Streams `source` into `file` (created or truncated); returns its size and sha256 hex. */
export async function writeHashed(file: string, source: AsyncIterable<Buffer>): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    source,
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        hash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    },
    createWriteStream(file),
  );
  return { size, sha256: hash.digest('hex') };
}
