// Which of the app's own files are packaged (docs/file-selection.md):
//   1. what `npm pack` selects (package.json "files", .npmignore, else .gitignore; npm's defaults);
//   2. plus build output that only a .gitignore hides: files the build script wrote and the known
//      framework output directories (.next, .output, build, dist, out) when they exist;
//   3. plus whatever `pkgapp.include` names;
//   4. minus what is never packaged (exclude.ts): pkgapp.exclude, secrets, pkgapp's own products
//      and config, package-manager settings, build caches.
// "files" and .npmignore are explicit declarations and stay authoritative: build output they
// leave out is reported as a warning, not added.
import { existsSync, lstatSync } from 'node:fs';
import path from 'node:path';
import packlist from 'npm-packlist';
import type { PackageJson } from '../app/read-app.js';
import { KNOWN_OUTPUT_DIRS, knownOutputDir, snapshotTree } from './build-outputs.js';
import { appFileRule, matchesPattern, type ExcludeRules, type LeftOut } from './exclude.js';

export interface SelectionRequest {
  /** Where the app's files are: the app directory, or its staging copy after the build. */
  dir: string;
  packageJson: PackageJson;
  rules: ExcludeRules;
  /** Files (relative to dir) the build script wrote; undefined without a build script. */
  buildOutputs?: readonly string[];
}

/** Files added beyond npm pack's selection, grouped by top-level path. */
export interface AddedGroup {
  /** Top-level directory ("dist/") or file. */
  top: string;
  files: number;
  bytes: number;
  /** Why: "written by the build script, hidden by .gitignore", "pkgapp.include", ... */
  why: string;
}

export interface AppSelection {
  /** The app files to package, relative to dir, sorted. */
  files: string[];
  added: AddedGroup[];
  /** Build output left out by an explicit declaration ("files", .npmignore): worth a look. */
  warnings: string[];
  /** Why a file (relative to dir) is not among `files`, for error messages. */
  explain(relPath: string): string;
}

/** See the top of this file. */
export async function selectAppFiles(request: SelectionRequest): Promise<AppSelection> {
  const { dir, packageJson, rules } = request;
  const packed = new Set(await listAppFiles(dir, packageJson));
  const unhidden = new Set(await listAppFiles(dir, packageJson, { ignoreGitignore: true }));
  const written = new Set(request.buildOutputs ?? []);
  const rule = appFileRule(rules, existsSync(path.join(dir, 'binding.gyp')));
  const includes = (rel: string) => rules.include.some((p) => matchesPattern(rel, p));
  const tree = rules.include.length ? [...snapshotTree(dir).keys()] : [];

  const why = new Map<string, string>(); // file added beyond npm pack → why
  for (const rel of unhidden) {
    if (packed.has(rel)) continue;
    if (written.has(rel)) why.set(rel, 'written by the build script, hidden by .gitignore');
    else if (knownOutputDir(rel)) why.set(rel, 'framework output directory, hidden by .gitignore');
  }
  for (const rel of tree) if (!packed.has(rel) && includes(rel)) why.set(rel, 'named by pkgapp.include');

  const files = [...new Set([...packed, ...why.keys()])].filter((rel) => rule(rel) === undefined).sort();
  const selected = new Set(files);
  const explain = (rel: string) =>
    explainLeftOut(rel, { dir, packageJson, rule, packed, unhidden, afterBuild: request.buildOutputs !== undefined });

  const groups = new Map<string, AddedGroup>();
  for (const rel of files) {
    const reason = why.get(rel);
    if (reason === undefined) continue;
    const top = topOf(rel);
    const group = groups.get(`${top}\0${reason}`) ?? { top, files: 0, bytes: 0, why: reason };
    group.files++;
    group.bytes += lstatSync(path.join(dir, rel)).size;
    groups.set(`${top}\0${reason}`, group);
  }

  // Build output that an explicit declaration leaves out entirely: the known output directories,
  // and each top-level path the build script wrote into.
  const outputs = new Map<string, string[]>();
  const knownOnDisk = KNOWN_OUTPUT_DIRS.flatMap((d) =>
    [...snapshotTree(path.join(dir, d)).keys()].map((rel) => `${d}/${rel}`),
  );
  for (const rel of [...knownOnDisk, ...written]) {
    const top = knownOutputDir(rel) ?? (written.has(rel) ? topOf(rel) : undefined);
    if (top === undefined) continue;
    const key = top.replace(/\/$/, '');
    const list = outputs.get(key);
    if (list) list.push(rel);
    else outputs.set(key, [rel]);
  }
  const warnings: string[] = [];
  for (const [top, list] of outputs) {
    // what a pkgapp rule leaves out (exclude, caches, ...) is deliberate: not worth a warning
    const candidates = [...new Set(list)].filter((rel) => rule(rel) === undefined);
    if (candidates.length === 0 || candidates.some((rel) => selected.has(rel))) continue;
    const label =
      KNOWN_OUTPUT_DIRS.includes(top as (typeof KNOWN_OUTPUT_DIRS)[number]) || list[0] !== top ? `${top}/` : top;
    warnings.push(
      `${label} (${candidates.length} file${candidates.length > 1 ? 's' : ''} of build output) is not packaged: ${explain(candidates[0]!)}`,
    );
  }
  return { files, added: [...groups.values()], warnings, explain };
}

/** "dist/" for a file in a directory, the name for a top-level file. */
function topOf(rel: string): string {
  const slash = rel.indexOf('/');
  return slash === -1 ? rel : `${rel.slice(0, slash + 1)}`;
}

function explainLeftOut(
  rel: string,
  s: {
    dir: string;
    packageJson: PackageJson;
    rule: (rel: string) => LeftOut | undefined;
    packed: Set<string>;
    unhidden: Set<string>;
    afterBuild: boolean;
  },
): string {
  let st;
  try {
    st = lstatSync(path.join(s.dir, rel));
  } catch {
    return `it does not exist${s.afterBuild ? ' after the build script ran' : ''}`;
  }
  if (!st.isFile()) return `it is ${st.isDirectory() ? 'a directory' : 'not a regular file'}`;
  const ruled = s.rule(rel);
  if (ruled !== undefined) return ruled.message;
  if (s.unhidden.has(rel) && !s.packed.has(rel))
    return '.gitignore hides it and it is not build output (list it in pkgapp.include or package.json "files")';
  if (Array.isArray(s.packageJson['files'])) return 'package.json "files" does not list it';
  const parts = rel.split('/');
  for (let i = parts.length - 1; i >= 0; i--) {
    const ignore = [...parts.slice(0, i), '.npmignore'].join('/');
    if (existsSync(path.join(s.dir, ignore))) return `${ignore} leaves it out`;
  }
  return "npm never packs it (npm's built-in ignore list: .DS_Store, *.orig, npm-debug.log, ...)";
}

/**
 * The files `npm pack` would put in the tarball of the app in `dir` ("files", .npmignore,
 * defaults). With ignoreGitignore: as if no .gitignore existed, which tells the files that only
 * a .gitignore hides.
 */
export async function listAppFiles(
  dir: string,
  packageJson: PackageJson,
  options: { ignoreGitignore?: boolean } = {},
): Promise<string[]> {
  // npm-packlist only reads these fields of an Arborist node; a full tree load would walk
  // node_modules, which pkgapp reads itself from the lockfile.
  const tree = { path: dir, package: packageJson, isProjectRoot: true, workspaces: null, edgesOut: new Map() };
  const files = options.ignoreGitignore
    ? await new Promise<string[]>((resolve, reject) => {
        new GitignoreBlindWalker(tree, { isPackage: true }).on('done', resolve).on('error', reject).start();
      })
    : await packlist(tree as unknown as Parameters<typeof packlist>[0]);
  return files.map((f) => f.split(path.sep).join('/')).sort();
}

/** npm-packlist's walker (not in its typings) and the two methods overridden below. */
interface PackWalker {
  on(event: 'done', listener: (files: string[]) => void): PackWalker;
  on(event: 'error', listener: (error: Error) => void): PackWalker;
  start(): PackWalker;
}
type PackWalkerClass = new (
  tree: unknown,
  options: Record<string, unknown>,
) => PackWalker & {
  addIgnoreFile(file: string, then: () => void): void;
  walkerOpt(entry: string, opts: unknown): Record<string, unknown>;
  stat(opts: { entry: string }, then: () => void): void;
  tree: unknown;
};
const Walker = (packlist as unknown as { Walker: PackWalkerClass }).Walker;

/** npm-packlist's walk with every .gitignore unread (the .npmignore files and "files" still apply). */
class GitignoreBlindWalker extends Walker {
  override addIgnoreFile(file: string, then: () => void): void {
    if (file === '.gitignore') then();
    else super.addIgnoreFile(file, then);
  }

  // node_modules at any depth is never app output (and may be huge): not walked
  override stat(opts: { entry: string }, then: () => void): void {
    if (opts.entry === 'node_modules') then();
    else super.stat(opts, then);
  }

  // npm-packlist makes child walkers of its own class: keep them blind too
  walker(entry: string, opts: unknown, then: (files: string[]) => void): void {
    new GitignoreBlindWalker(this.tree, this.walkerOpt(entry, opts)).on('done', then).start();
  }
}
