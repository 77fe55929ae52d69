// Runs programs for the benchmark: setup steps (stdout captured) and measurements under GNU time.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export const GNU_TIME = '/usr/bin/time';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Keep stdout (default true); measurements discard it. */
  captureStdout?: boolean;
  /** Called with each stderr line as it arrives (pkgapp's progress lines). */
  onStderrLine?: (line: string) => void;
}

/** One measured run: wall time, CPU time, and the largest process's peak resident set. */
export interface TimedRun {
  seconds: number;
  cpuSeconds: number;
  peakRssKiB: number;
}

const running = new Set<ChildProcess>();
let stopping = false;

/** True once stopAll() was called: no new command starts. */
export function isStopping(): boolean {
  return stopping;
}

/** Kills every process group still running and refuses new ones (on SIGINT or a fatal error). */
export function stopAll(): void {
  stopping = true;
  for (const child of running) {
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }
}

/** Runs argv to completion; resolves with stdout, rejects with the command and the end of stderr. */
export function run(argv: string[], options: RunOptions = {}): Promise<string> {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('run: empty command');
  if (stopping) return Promise.reject(new Error('bench: stopping'));
  return new Promise((resolve, reject) => {
    // Its own process group, so a pipeline under bash is killed whole on interrupt.
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', options.captureStdout === false ? 'ignore' : 'pipe', 'pipe'],
      detached: true,
    });
    running.add(child);
    const out: Buffer[] = [];
    let err = '';
    let partial = '';
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-4000);
      if (options.onStderrLine) {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) options.onStderrLine(line);
      }
    });
    child.on('error', (error) => {
      running.delete(child);
      reject(new Error(`${argv.join(' ')}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      if (partial && options.onStderrLine) options.onStderrLine(partial);
      if (code === 0) resolve(Buffer.concat(out).toString());
      else
        reject(
          new Error(
            `${describe(argv)} failed (${signal ?? `exit ${code}`})${err.trim() ? `:\n${indent(err.trim())}` : ''}`,
          ),
        );
    });
  });
}

/** Runs argv under GNU time; the wall clock is Node's, user+sys and max RSS come from time(1). */
export async function runTimed(argv: string[], timeFile: string, options: RunOptions = {}): Promise<TimedRun> {
  const start = process.hrtime.bigint();
  await run([GNU_TIME, '-f', '%U %S %M', '-o', timeFile, ...argv], { ...options, captureStdout: false });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const last = (await readFile(timeFile, 'utf8')).trim().split('\n').pop() ?? '';
  const [user, sys, rss] = last.split(' ').map(Number);
  if (user === undefined || sys === undefined || rss === undefined || [user, sys, rss].some(Number.isNaN)) {
    throw new Error(`cannot read GNU time output "${last}" for ${describe(argv)}`);
  }
  return { seconds, cpuSeconds: user + sys, peakRssKiB: rss };
}

/** True when `name` is an executable in PATH (or an absolute path that exists). */
export async function haveTool(name: string): Promise<boolean> {
  return run(['sh', '-c', `command -v ${shellQuote(name)}`]).then(
    () => true,
    () => false,
  );
}

/** Quotes one word for sh. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function describe(argv: string[]): string {
  const shown = argv[0] === 'bash' && argv[1] === '-c' ? ['bash', '-c', `'${argv[2] ?? ''}'`] : argv;
  const text = shown.join(' ');
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
