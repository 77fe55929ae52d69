// Output files appear whole or not at all: written under a temporary name, renamed at the end,
// removed on failure and on SIGINT/SIGTERM.
import { randomBytes } from 'node:crypto';
import { open, rm, rename } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import path from 'node:path';

const pending = new Set<string>();
let signalsHooked = false;

/** A file written under a temporary name: `commit` renames it into place, `abort` removes it. */
export interface PendingFile {
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** A temporary sibling of a final path. */
export interface AtomicFile extends PendingFile {
  tmpPath: string;
}

/** Reserves a temporary path next to `finalPath` (same file system, so rename is atomic). */
export function atomicFile(finalPath: string): AtomicFile {
  hookSignals();
  const tmpPath = path.join(path.dirname(finalPath), `.${path.basename(finalPath)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  pending.add(tmpPath);
  return {
    tmpPath,
    async commit() {
      await rename(tmpPath, finalPath);
      pending.delete(tmpPath);
    },
    async abort() {
      pending.delete(tmpPath);
      await rm(tmpPath, { force: true });
    },
  };
}

/** A temporary scratch file in `dir` that is never renamed, only removed. */
export function scratchFile(dir: string, label: string): AtomicFile {
  return atomicFile(path.join(dir, label));
}

/** On Ctrl-C or a CI cancel, remove every temporary file before exiting with the usual code. */
function hookSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      for (const file of pending) rmSync(file, { force: true });
      process.exit(code);
    });
  }
}

/** Writes a small file whole: a temporary sibling, fsync'd, then renamed over `file`. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const out = atomicFile(file);
  try {
    const handle = await open(out.tmpPath, 'w', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await out.commit();
  } catch (error) {
    await out.abort();
    throw error;
  }
}
