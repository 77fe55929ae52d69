// minimatch as its CommonJS build: npm-packlist (contents/select-app-files.ts) loads that copy on
// every build, and importing the package from ESM loads its ESM build too (8 more modules, ~15 ms
// of a small build's start-up). Same package, same version (pkgapp's own dependency), one copy.
import { createRequire } from 'node:module';

const shared = createRequire(import.meta.url)('minimatch') as typeof import('minimatch');

export const minimatch = shared.minimatch;
export const Minimatch = shared.Minimatch;
export type Minimatch = import('minimatch').Minimatch;
