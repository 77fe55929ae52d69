// Joins many small buffers (512-byte tar headers, small files) into ~1 MiB pieces, so each
// downstream step (compressor, file write) runs once per MiB instead of once per entry.

/** Re-chunks `source` into buffers of at least `size` bytes (the last one may be smaller). */
export async function* coalesce(source: AsyncIterable<Buffer>, size = 1 << 20): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of source) {
    if (length === 0 && chunk.length >= size) {
      yield chunk;
      continue;
    }
    parts.push(chunk);
    length += chunk.length;
    if (length >= size) {
      yield Buffer.concat(parts, length);
      parts = [];
      length = 0;
    }
  }
  if (length > 0) yield Buffer.concat(parts, length);
}
