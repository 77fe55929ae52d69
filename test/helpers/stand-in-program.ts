// Stand-ins for the compressor programs (xz, zstd) in unit tests: small Node scripts under the
// program's name, put first on PATH, that copy slowly, fail, or hang, so the code that drives
// the programs can be tested for backpressure and failures without the real tools.
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './testdir.js';

/** A directory holding an executable `name` that runs `body` with this Node.js. */
export async function standInProgram(name: string, body: string): Promise<string> {
  const dir = await tempDir(`pkgapp-stand-in-${name}-`);
  const file = path.join(dir, name);
  writeFileSync(file, `#!${process.execPath}\n${body}\n`);
  chmodSync(file, 0o755);
  return dir;
}

/** Runs `fn` with PATH set to `dir` only: programs are looked up on PATH when they are spawned. */
export async function withPath<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = dir;
  try {
    return await fn();
  } finally {
    process.env.PATH = saved;
  }
}

/** Echoes its arguments as a JSON line, then copies stdin to stdout, pausing after each read. */
export const SLOW_COPY = `
process.stdout.write(JSON.stringify(process.argv.slice(2)) + '\\n');
process.stdin.on('data', (data) => {
  process.stdin.pause();
  process.stdout.write(data, () => setTimeout(() => process.stdin.resume(), 3));
});`;

/** Reads about 100 kB, then exits 3 with an xz-like message on stderr. */
export const FAIL_MIDWAY = `
let seen = 0;
process.stdin.on('data', (data) => {
  seen += data.length;
  if (seen > 100000) {
    process.stderr.write('xz: (stdin): Cannot allocate memory\\n');
    process.exit(3);
  }
});`;
