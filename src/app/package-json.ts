// The shape of package.json as pkgapp reads it. A leaf module: the app reader, the workspace
// lister and every lockfile reader need it, and src/app/read-app.ts imports all of those.

/** The npm package.json fields pkgapp reads (everything is optional until checked). */
export interface PackageJson {
  name?: unknown;
  version?: unknown;
  description?: unknown;
  author?: unknown;
  maintainers?: unknown;
  homepage?: unknown;
  license?: unknown;
  main?: unknown;
  bin?: unknown;
  scripts?: Record<string, unknown>;
  engines?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  pkgapp?: unknown;
  [key: string]: unknown;
}
