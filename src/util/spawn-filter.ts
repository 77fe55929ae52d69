// A program used as a stream filter (xz, zstd): bytes into its stdin, its stdout to a callback.
// node:child_process directly, so that loading the build does not load a process library.
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import { EXIT_FAILURE, UserError } from '../errors.js';

export interface Filter {
  /** Queues bytes for the program; `done` is called once it has taken them. */
  write(data: Buffer, done?: () => void): void;
  /** True while the program's stdin has a full buffer. */
  readonly busy: boolean;
  /** Resolves when the program can take more (rejects when it failed). */
  drain(): Promise<void>;
  /** Closes stdin; resolves once the program exited successfully and all its output was delivered. */
  end(): Promise<void>;
  /** Stops the program (after a failure elsewhere). */
  kill(): void;
}

/** Starts `file args` with its output going to `onOutput`. */
export function spawnFilter(file: string, args: readonly string[], onOutput: (data: Buffer) => void): Filter {
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let failure: Error | undefined;
  const exited = new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => {
      failure ??= error;
      reject(failure);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      fail(
        error.code === 'ENOENT'
          ? new UserError(`"${file}" is not installed: it compresses ${file} payloads`, {
              code: 'PKGAPP_COMPRESSOR_NOT_FOUND',
              exitCode: EXIT_FAILURE,
              hint: `Install ${file}, or choose another --compression`,
              cause: error,
            })
          : error,
      );
    });
    child.once('close', (code, signal) => {
      if (code === 0 && !failure) resolve();
      else
        fail(
          new Error(
            `${[file, ...args].join(' ')} failed (${signal ?? `exit code ${code}`})${stderr.trim() ? `: ${stderr.trim()}` : ''}`,
          ),
        );
    });
  });
  exited.catch(() => {});
  child.stdin.on('error', () => {}); // EPIPE when the program died: reported by `exited`
  child.stderr.on('data', (data: Buffer) => {
    stderr = (stderr + data.toString()).slice(-2000);
  });
  child.stdout.on('data', (data: Buffer) => {
    if (failure) return;
    try {
      onOutput(data);
    } catch (error) {
      // The destination failed (disk full): stop the program and report that error from
      // drain()/end(), instead of an exception thrown out of a stream event.
      failure = error as Error;
      child.kill();
    }
  });

  return {
    write(data, done) {
      child.stdin.write(data, done && (() => done()));
    },
    get busy() {
      return child.stdin.writableNeedDrain;
    },
    drain() {
      if (failure) return Promise.reject(failure);
      if (!child.stdin.writableNeedDrain) return Promise.resolve();
      return Promise.race([
        new Promise<void>((resolve) => child.stdin.once('drain', resolve)),
        exited.then(() => {
          throw new Error(`${file} exited before reading all its input`);
        }),
      ]);
    },
    async end() {
      child.stdin.end();
      await exited;
    },
    kill() {
      child.kill();
    },
  };
}

/** The filter as a Duplex stream (for pipelines). */
export function filterDuplex(file: string, args: readonly string[]): Duplex {
  // Assigned once the Duplex exists (the filter pushes into it); the callbacks run only after that.
  // eslint-disable-next-line prefer-const -- a const cannot be declared before its value exists
  let filter!: Filter;
  const duplex = new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      filter.write(chunk);
      if (filter.busy) filter.drain().then(() => callback(), callback);
      else callback();
    },
    final(callback) {
      filter.end().then(() => {
        duplex.push(null);
        callback();
      }, callback);
    },
    read() {},
    destroy(error, callback) {
      filter.kill();
      callback(error);
    },
  });
  filter = spawnFilter(file, args, (data) => duplex.push(data));
  return duplex;
}
