// The files init reads for environment variables: the app files build packages and, when a
// build script exists, the sources it builds from (src/, app/, … : a build's output is often
// gitignored or not there yet). Dependencies, build outputs, tests, big and minified files are
// skipped, so a scan stays fast on any project.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

const CODE = /\.(?:[cm]?[jt]s|[jt]sx|vue|svelte|astro)$/;
const NOT_RUNTIME =
  /(?:^|\/)(?:__tests__|__mocks__|tests?|spec|e2e|cypress|fixtures?)\/|\.(?:test|spec)\.[^/]+$|\.d\.[cm]?ts$|\.min\.[cm]?js$/;
/** Directories never walked: dependencies, VCS, and the usual build outputs and caches. */
const SKIP_DIRS = new Set(['node_modules', 'dist', 'build', 'out', 'coverage', 'public', 'static', 'vendor', 'tmp']);
const MAX_FILES = 3000;
const MAX_BYTES = 512 * 1024;

/** App-relative paths of the code files worth scanning, `first` (the entry) at the front. */
export async function sourceFilesToScan(
  appDir: string,
  appFiles: string[],
  hasBuild: boolean,
  first?: string,
): Promise<string[]> {
  const picked = new Set<string>();
  if (first !== undefined && CODE.test(first)) picked.add(first);
  for (const file of appFiles) if (CODE.test(file) && !NOT_RUNTIME.test(file)) picked.add(file);
  if (hasBuild) await walk(appDir, '', picked);
  return [...picked].slice(0, MAX_FILES);
}

async function walk(root: string, rel: string, into: Set<string>): Promise<void> {
  const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (into.size >= MAX_FILES) return;
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!entry.name.startsWith('.') && !SKIP_DIRS.has(entry.name) && !NOT_RUNTIME.test(`${child}/`))
        await walk(root, child, into);
    } else if (entry.isFile() && CODE.test(entry.name) && !NOT_RUNTIME.test(child)) {
      into.add(child);
    }
  }
}

/** False for files too big to be hand-written source, or minified (very long lines). */
export async function worthReading(file: string): Promise<boolean> {
  const info = await stat(file).catch(() => undefined);
  return info !== undefined && info.size <= MAX_BYTES;
}

/** Minified or generated code: few, very long lines. */
export function looksMinified(text: string): boolean {
  if (text.length < 4096) return false;
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  return text.length / lines > 300;
}
