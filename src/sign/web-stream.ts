// openpgp 6 streams only web streams: adapters from Node's async iterables, and a drain.

/** A web ReadableStream pulling from an async iterable (backpressure preserved). */
export function webStream(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = (await iterator.next()) as IteratorResult<Uint8Array, unknown>;
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/** Reads a result that may be a value or a web stream of values to its end. */
export async function readAll(
  result: Uint8Array | string | ReadableStream<Uint8Array | string>,
): Promise<Uint8Array | string> {
  if (typeof result === 'string' || result instanceof Uint8Array) return result;
  const parts: (Uint8Array | string)[] = [];
  const reader = result.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return typeof parts[0] === 'string' ? parts.join('') : Buffer.concat(parts as Uint8Array[]);
}

/** Reads a web stream to its end, discarding the data (what drives a streaming verification). */
export async function drain(stream: ReadableStream<unknown>): Promise<void> {
  const reader = stream.getReader();
  while (!(await reader.read()).done) {
    // discard
  }
}
