// Output files appear whole or not at all: written under a temporary name, renamed at the end,
// removed on failure.
//
// Every temporary path (a file's temporary sibling, a staging directory) belongs to the operation
// that made it: build() and publish() run as operations (runOperation), and whatever temporary
// path is still registered when the operation ends, failed or aborted through its AbortSignal, is
// removed before the operation's promise settles. The operation is found through AsyncLocalStorage
// so that the writers deep in deb/, rpm/ and publish/ need no extra parameter, and two builds
// running at once in one process keep apart.
//
// The library never touches the process (no signal handlers, no exit hooks): the pkgapp
// executable aborts its operation on SIGINT/SIGTERM and, as a last resort when it exits anyway,
// calls removeTemporariesSync() (src/cli/process-hooks.ts).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdtemp, open, readdir, rm, rename } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crashPoints } from './crash-point.js';
import { removeTree } from './remove-tree.js';

type TempKind = 'file' | 'dir';

/** One build() or publish(): its signal and the temporary paths it has not committed or removed yet. */
class Operation {
  readonly temporaries = new Map<string, TempKind>();

  constructor(readonly signal: AbortSignal | undefined) {}

  /** Removes every temporary path still registered (the operation failed, or was aborted). */
  async removeAll(): Promise<void> {
    for (const [file, kind] of [...this.temporaries].reverse()) await removeTemporary(file, kind, this);
  }
}

const operations = new AsyncLocalStorage<Operation>();
/** Every temporary path of this process not committed or removed yet, of every operation (for the CLI's exit hook). */
const live = new Map<string, TempKind>();

/** Records a temporary path with the current operation; returns that operation (its owner). */
function register(file: string, kind: TempKind): Operation | undefined {
  live.set(file, kind);
  const owner = operations.getStore();
  owner?.temporaries.set(file, kind);
  return owner;
}

function unregister(file: string, owner: Operation | undefined): void {
  live.delete(file);
  owner?.temporaries.delete(file);
}

async function removeTemporary(file: string, kind: TempKind, owner: Operation | undefined): Promise<void> {
  if (kind === 'dir') await removeTree(file);
  else await rm(file, { force: true });
  unregister(file, owner);
}

/**
 * Runs `work` as one operation: temporary paths it leaves registered are removed when it settles,
 * and once `signal` has fired its promise rejects with the signal's reason (also when the abort
 * surfaced as another failure, e.g. a killed child process), after the removal.
 */
export async function runOperation<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  signal?.throwIfAborted();
  const operation = new Operation(signal);
  try {
    return await operations.run(operation, work);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  } finally {
    // After success nothing should be left (every file committed); after a failure, everything goes.
    await operation.removeAll();
  }
}

/** Throws the current operation's abort reason once its signal fired: called between steps that can stop safely. */
export function checkAborted(): void {
  operations.getStore()?.signal?.throwIfAborted();
}

/** The current operation's signal, for child processes (util/run-tool.ts). */
export function operationSignal(): AbortSignal | undefined {
  return operations.getStore()?.signal;
}

/** Temporary paths not committed or removed yet (tests, and the CLI's exit hook). */
export function pendingTemporaries(): string[] {
  return [...live.keys()];
}

/**
 * Removes every temporary path of this process, synchronously: for the pkgapp executable's
 * 'exit' hook, when it exits before an operation could clean up (a second Ctrl-C).
 */
export function removeTemporariesSync(): void {
  for (const [file, kind] of live) rmSync(file, { force: true, recursive: kind === 'dir' });
  live.clear();
}

/** A file written under a temporary name: `commit` renames it into place, `abort` removes it. */
export interface PendingFile {
  commit(): Promise<void>;
  abort(): Promise<void>;
  /** Commits, keeping what the final path held until the returned step settles or undoes it (commitAll). */
  commitReversibly(): Promise<ReversibleCommit>;
}

/** A commit that can still be taken back: the previous file (if any) is kept aside as a hard link. */
export interface ReversibleCommit {
  /** Puts the previous file back, or removes the new one when there was none. */
  undo(): Promise<void>;
  /** Drops the previous file: the commit is final. */
  settle(): Promise<void>;
}

/** A temporary sibling of a final path. */
export interface AtomicFile extends PendingFile {
  tmpPath: string;
}

/**
 * A temporary name beside `finalPath`: hidden, and matching the pattern the app-file selection
 * leaves out (contents/exclude.ts), so an output directory inside the app is never packaged.
 */
function siblingName(finalPath: string): string {
  return path.join(
    path.dirname(finalPath),
    `.${path.basename(finalPath)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
}

/** siblingName's pattern: ".NAME.tmp-PID-RANDOM" (local-storage.ts names its temporaries the same way). */
const SIBLING = /^\..+\.tmp-(\d+)-[0-9a-f]{8}$/;

/**
 * Removes the temporary siblings under `dir` (any depth) whose process is gone: a writer killed
 * between writing a temporary file and renaming it leaves it behind. Call it holding the lock that
 * keeps other writers of `dir` out; a process still running on this machine keeps its files.
 * Returns the paths removed.
 */
export async function removeStaleTemporaries(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const removed: string[] = [];
  for (const entry of entries) {
    const pid = SIBLING.exec(entry.name)?.[1];
    if (pid === undefined || !entry.isFile() || processRuns(Number(pid))) continue;
    const file = path.join(entry.parentPath, entry.name);
    await rm(file, { force: true });
    removed.push(file);
  }
  return removed;
}

/** Whether a process with this id runs on this machine (signal 0 only checks). */
function processRuns(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Reserves a temporary path next to `finalPath` (same file system, so rename is atomic). */
export function atomicFile(finalPath: string): AtomicFile {
  const tmpPath = siblingName(finalPath);
  const owner = register(tmpPath, 'file');
  return {
    tmpPath,
    async commit() {
      await crashPoints(`rename ${finalPath}`, () => rename(tmpPath, finalPath));
      unregister(tmpPath, owner);
    },
    async abort() {
      await removeTemporary(tmpPath, 'file', owner);
    },
    async commitReversibly() {
      const previous = await keepPrevious(finalPath);
      try {
        await crashPoints(`rename ${finalPath}`, () => rename(tmpPath, finalPath));
      } catch (error) {
        await previous?.remove();
        throw error;
      }
      unregister(tmpPath, owner);
      return {
        async undo() {
          if (!previous) return rm(finalPath, { force: true });
          await previous.restore();
        },
        async settle() {
          await previous?.remove();
        },
      };
    },
  };
}

/** A hard link to what `finalPath` holds now (a copy where links are refused), or undefined when it does not exist. */
async function keepPrevious(
  finalPath: string,
): Promise<{ restore(): Promise<void>; remove(): Promise<void> } | undefined> {
  const kept = siblingName(finalPath);
  try {
    await link(finalPath, kept);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code !== 'EPERM' && code !== 'EXDEV' && code !== 'ENOTSUP') throw error;
    await copyFile(finalPath, kept);
  }
  const owner = register(kept, 'file');
  return {
    async restore() {
      try {
        await rename(kept, finalPath);
      } finally {
        // Restored, or left under its temporary name: never removed as a temporary, it is the user's file.
        unregister(kept, owner);
      }
    },
    remove: () => removeTemporary(kept, 'file', owner),
  };
}

/**
 * Commits several pending files all or nothing: if one rename fails, those already renamed are
 * taken back (the files they replaced restored) and the rest aborted; then the failure is thrown.
 * A build's packages and SBOM go into the output directory together this way.
 */
export async function commitAll(files: readonly PendingFile[]): Promise<void> {
  const done: ReversibleCommit[] = [];
  try {
    for (const file of files) done.push(await file.commitReversibly());
  } catch (error) {
    for (const commit of done.reverse()) await commit.undo();
    for (const file of files.slice(done.length)) await file.abort();
    throw error;
  }
  for (const commit of done) await commit.settle();
}

/** A temporary scratch file in `dir` that is never renamed, only removed. */
export function scratchFile(dir: string, label: string): AtomicFile {
  return atomicFile(path.join(dir, label));
}

/** A directory of its own under the system's temporary directory (os.tmpdir()), for staging. */
export interface TemporaryDir {
  path: string;
  /** Removes the directory and everything in it. */
  remove(): Promise<void>;
}

/**
 * Makes a fresh directory `<parent>/<prefix>XXXXXX` (default parent: os.tmpdir()), registered with
 * the current operation. The build cache passes a parent on its own file system (src/cache/).
 */
export async function temporaryDir(prefix: string, parent: string = os.tmpdir()): Promise<TemporaryDir> {
  const dir = await mkdtemp(path.join(parent, prefix));
  const owner = register(dir, 'dir');
  return { path: dir, remove: () => removeTemporary(dir, 'dir', owner) };
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
