// The workspaces of a monorepo: package.json "workspaces" (npm, Yarn) or pnpm-workspace.yaml
// "packages", expanded to the directories holding a package.json.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { minimatch } from '../util/minimatch.js';
import { UserError } from '../errors.js';
import type { PackageJson } from './package-json.js';

export interface Workspace {
  /** Directory relative to the monorepo root, with "/" separators. */
  dir: string;
  name: string | undefined;
  packageJson: PackageJson;
}

/** The glob patterns naming the workspaces of the project in `root` ([] when it has none). */
export async function workspacePatterns(root: string, rootPkg: PackageJson): Promise<string[]> {
  const field = rootPkg.workspaces;
  const fromPkg: unknown[] = Array.isArray(field)
    ? field
    : Array.isArray((field as { packages?: unknown } | undefined)?.packages)
      ? (field as { packages: unknown[] }).packages
      : [];
  let fromPnpm: unknown[] = [];
  try {
    const text = await readFile(path.join(root, 'pnpm-workspace.yaml'), 'utf8');
    const { parse: parseYaml } = await import('yaml'); // only pnpm workspaces have the file
    const doc = parseYaml(text) as {
      packages?: unknown;
    } | null;
    if (Array.isArray(doc?.packages)) fromPnpm = doc.packages;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new UserError(`${path.join(root, 'pnpm-workspace.yaml')}: ${(error as Error).message}`, {
        code: 'PKGAPP_WORKSPACE_CONFIG',
        hint: 'Fix the YAML syntax',
      });
    }
  }
  return [...fromPkg, ...fromPnpm].filter((p): p is string => typeof p === 'string');
}

/** Every workspace of the project in `root`, sorted by directory. */
export async function listWorkspaces(root: string, rootPkg: PackageJson): Promise<Workspace[]> {
  const patterns = (await workspacePatterns(root, rootPkg)).map((p) => p.replace(/^\.\//, '').replace(/\/$/, ''));
  const include = patterns.filter((p) => !p.startsWith('!'));
  const exclude = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  if (!include.length) return [];
  const result: Workspace[] = [];
  const visit = async (rel: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    if (
      rel !== '' &&
      include.some((p) => minimatch(rel, p)) &&
      !exclude.some((p) => minimatch(rel, p)) &&
      entries.some((e) => e.name === 'package.json' && e.isFile())
    ) {
      const packageJson = JSON.parse(await readFile(path.join(root, rel, 'package.json'), 'utf8')) as PackageJson;
      result.push({ dir: rel, name: typeof packageJson.name === 'string' ? packageJson.name : undefined, packageJson });
    }
    if (depth >= 6) return;
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      await visit(rel === '' ? entry.name : `${rel}/${entry.name}`, depth + 1);
    }
  };
  await visit('', 0);
  return result.sort((a, b) => (a.dir < b.dir ? -1 : 1));
}

/** The workspace named `wanted` (its package name, or its directory). */
export function pickWorkspace(root: string, workspaces: Workspace[], wanted: string): Workspace {
  const dir = wanted.replace(/^\.\//, '').replace(/\/$/, '');
  const found = workspaces.find((w) => w.name === wanted) ?? workspaces.find((w) => w.dir === dir);
  if (found) return found;
  // "api" for @acme/api in packages/api, when only one workspace fits
  const short = workspaces.filter(
    (w) => w.name?.replace(/^@[^/]+\//, '') === wanted || path.posix.basename(w.dir) === wanted,
  );
  if (short.length === 1) return short[0]!;
  const known = workspaces.map((w) => w.name ?? w.dir);
  throw new UserError(
    known.length
      ? `${root}: no workspace "${wanted}" (the workspaces are ${known.join(', ')})`
      : `${root}: no workspace "${wanted}": the project declares no workspaces`,
    {
      code: 'PKGAPP_WORKSPACE_NOT_FOUND',
      hint: known.length
        ? 'Pass --workspace with a package name or a directory from that list'
        : 'Point -C at the monorepo root, whose package.json "workspaces" (or pnpm-workspace.yaml) lists the workspace',
    },
  );
}
