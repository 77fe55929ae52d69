// Temporary apps built from an inline map of files, and a way to run the built CLI on them.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
export const EXAMPLE_APP = path.join(REPO_ROOT, 'examples', 'hello');

const dirs: string[] = [];

/** A fresh temporary directory, removed by cleanupTestDirs(). */
export async function tempDir(prefix = 'pkgapp-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Writes `files` (path → content; objects are JSON-encoded) into a new temp dir. */
export async function makeApp(files: Record<string, string | object>): Promise<string> {
  const dir = await tempDir('pkgapp-app-');
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  }
  return dir;
}

/** package.json + a matching v3 lockfile for an app without dependencies. */
export function minimalApp(
  overrides: Record<string, unknown> = {},
  extraFiles: Record<string, string | object> = {},
): Record<string, string | object> {
  const pkg = {
    name: 'tiny-app',
    version: '1.0.0',
    description: 'Tiny test service',
    author: 'Test Person <test@example.com>',
    license: 'MIT',
    main: 'server.js',
    ...overrides,
  };
  return {
    'package.json': pkg,
    'package-lock.json': {
      name: pkg.name,
      version: pkg.version,
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: pkg.name, version: pkg.version } },
    },
    'server.js': "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT || 3000);\n",
    ...extraFiles,
  };
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli.js args` (build first: `npm run build`). */
export async function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const result = await execa('node', [CLI, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? {},
    reject: false,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Names in a directory, or [] when it does not exist. */
export async function listDir(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

export async function cleanupTestDirs(): Promise<void> {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}
