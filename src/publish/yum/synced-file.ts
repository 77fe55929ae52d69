// Files made durable (fsync'd) under a temporary name before they are renamed into place, so a
// crash never leaves a named file with missing bytes.
import { open } from 'node:fs/promises';
import { atomicFile, type AtomicFile } from '../../util/atomic-output.js';

/** Flushes a written file's data to disk. */
export async function syncFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A small file written and fsync'd under a temporary name, waiting for its commit (rename). */
export async function preparedFile(file: string, data: string): Promise<AtomicFile> {
  const out = atomicFile(file);
  try {
    const handle = await open(out.tmpPath, 'w', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await out.abort();
    throw error;
  }
  return out;
}
