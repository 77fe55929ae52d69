// Lists a compressed tar archive from a stream: headers only, each entry's data drained as it
// passes through, so memory stays flat whatever the archive's size (tar-stream's extract,
// wrapped here so its errors, early ends and aborts all settle one promise).
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { EntrySink } from '../rpm/cpio-listing.js';
import type { Compression } from '../util/compression.js';
import { createDecompressor } from '../util/decompress.js';

export type TarHeader = tar.Header;

/**
 * Calls `onEntry` with every header of the tar archive in `source` (compressed with
 * `compression`); when it returns a sink, the entry's data is fed to it (and the next entry
 * waits for the sink); rejects with the first error of any stage, or of `onEntry`, after every
 * stage has stopped (a decompressor process is never left running).
 */
export async function listTar(
  source: Readable,
  compression: Compression,
  onEntry: (header: TarHeader) => EntrySink | void,
): Promise<void> {
  const extract = tar.extract();
  let failure: unknown;
  const fail = (error: unknown) => {
    failure ??= error;
    if (!extract.destroyed) extract.destroy(error as Error);
  };
  const listed = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      let sink: EntrySink | void;
      try {
        sink = onEntry(header);
      } catch (error) {
        fail(error);
        return;
      }
      stream.on('error', () => undefined); // the same error reaches the extractor, handled below
      if (sink) {
        const into = sink;
        void (async () => {
          for await (const chunk of stream as AsyncIterable<Buffer>) await into.write(chunk);
          await into.end();
        })().then(() => next(), fail);
        return;
      }
      stream.on('end', () => next());
      stream.resume();
    });
    extract.on('finish', () => resolve());
    extract.on('error', (error: Error) => {
      failure ??= error;
      reject(asError(failure));
    });
    extract.on('close', () =>
      reject(failure === undefined ? new Error('the tar archive ended early') : asError(failure)),
    );
  });
  const fed = pipeline(source, createDecompressor(compression), async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) {
      if (stopped(extract)) throw new Error('stopped');
      if (!extract.write(chunk)) await drained(extract);
    }
    if (stopped(extract)) throw new Error('stopped');
    extract.end(() => undefined); // streamx: a function argument is a finish listener
  }).catch((error: unknown) => {
    fail(error);
    throw error;
  });
  const [list, feed] = await Promise.allSettled([listed, fed]);
  if (failure !== undefined) throw asError(failure);
  if (list.status === 'rejected') throw list.reason;
  if (feed.status === 'rejected') throw feed.reason;
}

function stopped(extract: tar.Extract): boolean {
  const state = extract as unknown as { destroyed?: boolean; destroying?: boolean };
  return Boolean(state.destroyed || state.destroying);
}

/** Resolves on 'drain', or when the extractor is destroyed (it then never drains). */
function drained(extract: tar.Extract): Promise<void> {
  if (stopped(extract)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      extract.off('drain', done);
      extract.off('close', done);
      resolve();
    };
    extract.on('drain', done);
    extract.on('close', done);
  });
}

/** What a stream reported, as an Error (streams may emit anything). */
function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(typeof value === 'string' ? value : 'the tar listing failed');
}
