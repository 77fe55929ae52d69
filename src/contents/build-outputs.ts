// What a build produces: the files a build script wrote (a before/after snapshot of the app
// directory), the output directories frameworks write to, and the caches and intermediates
// among them that never run in production. Framework scaffolds list their output in .gitignore,
// so npm pack's selection alone would leave the built app out (docs/file-selection.md).
import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Output directories of frameworks and compilers, relative to the app. `.gitignore` alone never
 * hides them when they exist (their caches, below, are still left out).
 */
export const KNOWN_OUTPUT_DIRS = [
  '.next', // Next.js (`next build`; `next start` reads it)
  '.output', // Nuxt 3 and Nitro (node-server preset: .output/server/index.mjs)
  'build', // Remix / React Router (build/server), SvelteKit adapter-node, Create React App
  'dist', // Vite, NestJS, Astro's node adapter, tsc's usual outDir
  'out', // Next.js static export, tsc outDirs
  'public/build', // Remix 1 (browser assets; the server is in build/)
] as const;

/**
 * Build caches and intermediates: written by builds, read only by the next build (or by dev
 * servers), never by the app in production. Left out even when a build wrote them; `include`
 * overrides. Globs relative to the app.
 */
export const BUILD_CACHES = [
  '.next/cache', // webpack/turbopack and image caches; at run time Next.js writes it (see docs/file-selection.md)
  '.next/trace', // build trace log
  '.svelte-kit', // SvelteKit's generated sources; adapter-node's output is build/
  '.nuxt', // Nuxt's generated sources; the server is in .output/
  '.angular', // Angular CLI cache
  '.turbo', // Turborepo task logs and cache
  '.nx', // Nx cache
  '.parcel-cache',
  '.cache', // Gatsby, Babel loaders, eslint-loader
  '.eslintcache',
  '.swc', // SWC plugin cache
  '.vite', // Vite's dep optimizer (when not in node_modules/.vite)
  '.react-router', // React Router's generated route types
  '**/*.tsbuildinfo', // tsc --incremental / project references state
];

/** The known output directory a path lies in, or undefined. */
export function knownOutputDir(rel: string): string | undefined {
  return KNOWN_OUTPUT_DIRS.find((d) => rel.startsWith(`${d}/`));
}

/** Each regular file below a directory (relative, "/"-separated) with what tells a rewrite: size and mtime. */
export type TreeSnapshot = Map<string, string>;

/**
 * Every regular file under `dir` except in node_modules and .git (at any depth): installs write
 * node_modules, and neither is app output. Sync on purpose: one lstat per file, run twice per build.
 */
export function snapshotTree(dir: string): TreeSnapshot {
  const files: TreeSnapshot = new Map();
  const walk = (abs: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(abs);
    } catch {
      return;
    }
    for (const name of names) {
      if (name === 'node_modules' || name === '.git') continue;
      const childAbs = path.join(abs, name);
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const st = lstatSync(childAbs, { bigint: true });
      if (st.isDirectory()) walk(childAbs, childRel);
      else if (st.isFile()) files.set(childRel, `${st.size}:${st.mtimeNs}:${st.ino}`);
    }
  };
  walk(dir, '');
  return files;
}

/** The files present in `after` that are new or were rewritten since `before`, sorted. */
export function writtenSince(before: TreeSnapshot, after: TreeSnapshot): string[] {
  const written: string[] = [];
  for (const [rel, stamp] of after) if (before.get(rel) !== stamp) written.push(rel);
  return written.sort();
}
