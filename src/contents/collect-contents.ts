// Walks the staged app into an EntryStore under /opt/NAME: normalized modes, no secrets, no noise.
// Blocking fs calls on purpose: one lstat per entry is unavoidable, and 40k thread-pool round
// trips cost more than the calls themselves (see util/file-chunks.ts).
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import path from 'node:path';
import type { PinnedPackage } from '../app/lockfile.js';
import { noPrebuildForTarget } from '../app/target-platform.js';
import { UserError } from '../errors.js';
import { EntryStore } from './entry-store.js';
import type { KnownFile, KnownFiles } from './known-files.js';
import { appFileFilter, isNodeGypIntermediate, isNodeModulesNoise, type ExcludeRules } from './exclude.js';
import {
  dropForeignPackages,
  isForeignPrebuildDir,
  isMuslPrebuild,
  noneDropped,
  treeSize,
  type DroppedBinaries,
  type TargetPlatform,
} from './platform-filter.js';
import { TopLevelTally } from './package-summary.js';
import { mayBeElfLibrary, readPayloadElf, type ElfCandidate, type PayloadElf } from './payload-elf.js';
import { rewriteShebang } from './shebang.js';

export interface CollectedContents {
  /** The entries: no object per file is kept (build() adds the bundled node, the formats read it). */
  entries: EntryStore;
  /** Paths of native addons (`.node` files) found: they make the package architecture-specific. */
  nativeAddons: string[];
  /** Prebuilt binaries and optional packages for other platforms, left out. */
  dropped: DroppedBinaries;
  /** Files and bytes per top-level path under the install directory, for the build log. */
  tally: TopLevelTally;
  /** The packages collected (those given, minus other platforms' optional packages). */
  packages: PinnedPackage[];
  /** Every ELF object of the payload (addons, shipped programs and libraries), read. */
  elfObjects: PayloadElf[];
  /** Names of the payload's symlinks that look like libraries (libfoo.so.1): they serve a soname too. */
  librarySymlinks: string[];
  /** Scripts whose interpreter the server may lack, by interpreter: they lost their execute bit. */
  undeclaredInterpreters: Map<string, string[]>;
}

/** Collects the app files and the given production packages from `root` into `installDir`. */
export async function collectContents(options: {
  root: string;
  appFiles: readonly string[];
  packages: readonly PinnedPackage[];
  installDir: string;
  rules: ExcludeRules;
  /** The Node.js binary the package runs with, for `#!/usr/bin/env node` lines. */
  nodePath: string;
  /** Interpreters the app depends on (pkgapp.depends): their scripts stay executable. */
  declaredInterpreters?: ReadonlySet<string>;
  /** The platform packaged for: other platforms' prebuilt binaries are left out. */
  target: TargetPlatform;
  /** Sizes and modes known without an lstat (an installed tree from the build cache). */
  known?: KnownFiles;
}): Promise<CollectedContents> {
  const { root, installDir, target } = options;
  const dropped = noneDropped();
  const tally = new TopLevelTally();
  const packages = dropForeignPackages(root, options.packages, target, dropped);
  const prefix = installDir.replace(/^\//, '');
  const tree = new EntryStore(root.endsWith('/') ? root.slice(0, -1) : root, prefix.length);
  const nativeAddons: string[] = [];
  const keep = appFileFilter(options.rules);

  const elfCandidates: ElfCandidate[] = [];
  const librarySymlinks: string[] = [];
  const undeclaredInterpreters = new Map<string, string[]>();
  const declared = options.declaredInterpreters ?? new Set<string>();
  const addFile = (dir: number, name: string, rel: string, abs: string, st: { mode: number; size: number }) => {
    const { mode, rewriteHead, elf, interpreter } = inspectFile(abs, st.mode, st.size, options.nodePath, declared);
    const size = rewriteHead ? st.size - rewriteHead.skip + rewriteHead.insert.length : st.size;
    tree.addFile(dir, name, mode, size, rewriteHead);
    tally.add(rel, size);
    if (name.endsWith('.node')) nativeAddons.push(`${prefix}/${rel}`);
    if (elf || mayBeElfLibrary(name)) elfCandidates.push({ path: `${prefix}/${rel}`, file: abs, mode });
    if (interpreter !== undefined) {
      const scripts = undeclaredInterpreters.get(interpreter) ?? [];
      scripts.push(`/${prefix}/${rel}`);
      undeclaredInterpreters.set(interpreter, scripts);
    }
  };
  const addSymlink = (dir: number, name: string, abs: string) => {
    if (mayBeElfLibrary(name)) librarySymlinks.push(name);
    tree.addSymlink(dir, name, relocateLink(readlinkSync(abs), root, installDir));
  };
  // Any path, its type from lstat: app files, package roots, .bin links. Returns the stats and,
  // for a directory, its node.
  const addPath = (rel: string) => {
    const abs = path.join(root, rel);
    const st = lstatSync(abs);
    const slash = rel.lastIndexOf('/');
    const name = rel.slice(slash + 1);
    const dir = () => tree.directory(slash === -1 ? prefix : `${prefix}/${rel.slice(0, slash)}`);
    let node: number | undefined;
    if (st.isSymbolicLink()) addSymlink(dir(), name, abs);
    else if (st.isDirectory()) node = tree.addDir(dir(), name);
    else if (st.isFile()) addFile(dir(), name, rel, abs, st);
    // sockets, fifos and devices never belong in a package: skipped
    return { st, node };
  };

  for (const rel of options.appFiles) {
    if (keep(rel)) addPath(rel);
  }

  const packageDirs = new Set(packages.map((p) => p.location));
  const unbuilt: string[] = [];
  // Walks one package directory, skipping its nested node_modules (other packages) and noise.
  // Children come sorted, so the entries arrive nearly in package order; the directory entry's
  // type says what each child is, so only regular files need an lstat (size and mode). In a tree
  // the build cache has just checked, the listing, sizes and modes come from its manifest (`known`).
  // `gypRoot`: the package's location when it has a binding.gyp (node-gyp output to prune).
  // `prebuilds`: 1 in a prebuilds/ directory (children name platforms), 2 below a kept platform's.
  const walk = (dir: number, rel: string, abs: string, gypRoot: string | undefined, prebuilds: 0 | 1 | 2 = 0) => {
    const listing = options.known?.listingOf(abs);
    const { names, types } = listing ?? readListing(abs);
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const type = types[i];
      if (isNodeModulesNoise(name)) continue;
      if (name === 'node_modules' && type === 'dir') continue; // nested packages are walked as their own locations
      const childRel = `${rel}/${name}`;
      if (packageDirs.has(childRel)) continue;
      if (gypRoot !== undefined && isNodeGypIntermediate(childRel.slice(gypRoot.length + 1))) continue;
      const childAbs = `${abs}/${name}`;
      if (type === 'dir') {
        if (prebuilds === 1 && isForeignPrebuildDir(name, target)) {
          const size = treeSize(childAbs);
          dropped.prebuildDirs.push(childRel);
          dropped.files += size.files;
          dropped.bytes += size.bytes;
          continue;
        }
        const inPrebuilds = prebuilds !== 0 ? 2 : name === 'prebuilds' ? 1 : 0;
        walk(tree.addDir(dir, name), childRel, childAbs, gypRoot, inPrebuilds);
      } else if (type === 'symlink') {
        addSymlink(dir, name, childAbs);
      } else if (type === 'file') {
        const st =
          (listing ? options.known!.statIn(listing, i) : options.known?.statOf(childAbs)) ?? lstatSync(childAbs);
        // Anywhere, not only under prebuilds/: platform packages such as
        // @msgpackr-extract/msgpackr-extract-linux-x64 ship node.napi.musl.node beside the glibc one.
        if (isMuslPrebuild(name)) {
          dropped.prebuildDirs.push(childRel);
          dropped.files++;
          dropped.bytes += st.size;
          continue;
        }
        addFile(dir, name, childRel, childAbs, st);
      }
    }
  };
  for (const pkg of packages) {
    const abs = path.join(root, pkg.location);
    const { st, node } = addPath(pkg.location);
    if (!st.isDirectory() || node === undefined) continue; // a link (pnpm): its target is walked as a package of its own
    const gyp = existsSync(`${abs}/binding.gyp`);
    const addonsBefore = nativeAddons.length;
    walk(node, pkg.location, abs, gyp ? pkg.location : undefined);
    // A binding.gyp with no compiled addon: its install script did not run (ignore-scripts, npm's
    // allowScripts), and the package would be "all" and crash on require. Optional ones may
    // have a JavaScript fallback.
    if (gyp && nativeAddons.length === addonsBefore && !pkg.optional) unbuilt.push(pkg.location);
  }
  for (const binDir of binDirs(packages)) {
    for (const link of listBinLinks(root, binDir, packageDirs)) addPath(link);
  }
  if (unbuilt.length && target.foreign) throw noPrebuildForTarget(unbuilt, target.cpu);
  if (unbuilt.length) {
    throw new UserError(
      `${unbuilt.join(', ')}: native package${unbuilt.length > 1 ? 's' : ''} (binding.gyp) with no compiled addon (.node) in ${root}`,
      {
        code: 'PKGAPP_NATIVE_NOT_BUILT',
        hint: 'Its install script did not run: allow it (npm_config_ignore_scripts unset; npm\'s "allowScripts" in package.json, pnpm\'s onlyBuiltDependencies) and build again; with --no-install, reinstall node_modules with scripts enabled',
      },
    );
  }
  tree.trim();
  const elfObjects = await readPayloadElf(elfCandidates);
  return { entries: tree, nativeAddons, dropped, tally, packages, elfObjects, librarySymlinks, undeclaredInterpreters };
}

/**
 * A directory's children sorted by name (code units), typed by their directory entries; anything
 * but a directory, file or symlink (a socket, a FIFO) has no type and is skipped.
 */
function readListing(dir: string): { names: string[]; types: (KnownFile['type'] | undefined)[] } {
  const children = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  return {
    names: children.map((c) => c.name),
    types: children.map((c) =>
      c.isDirectory() ? 'dir' : c.isFile() ? 'file' : c.isSymbolicLink() ? 'symlink' : undefined,
    ),
  };
}

/** The node_modules directories that hold production packages; each may have a .bin. */
function binDirs(packages: readonly PinnedPackage[]): string[] {
  const dirs = new Set<string>();
  for (const p of packages)
    dirs.add(`${p.location.slice(0, p.location.lastIndexOf('node_modules/'))}node_modules/.bin`);
  return [...dirs].sort();
}

/** `.bin` symlinks whose target lies inside a packaged production package. */
function listBinLinks(root: string, binDir: string, packageDirs: Set<string>): string[] {
  let names: string[];
  try {
    names = readdirSync(path.join(root, binDir));
  } catch {
    return [];
  }
  const links: string[] = [];
  for (const name of names.sort()) {
    const rel = `${binDir}/${name}`;
    const st = lstatSync(path.join(root, rel));
    if (!st.isSymbolicLink()) continue;
    const target = path.posix.normalize(path.posix.join(binDir, readlinkSync(path.join(root, rel))));
    const owner = target.split('/').findIndex((_, i, parts) => packageDirs.has(parts.slice(0, i + 1).join('/')));
    if (owner !== -1) links.push(rel);
  }
  return links;
}

/** The kernel reads at most this much of a #! line (BINPRM_BUF_SIZE): longer ones are left alone. */
const SHEBANG_MAX = 256;

interface FileFacts {
  mode: number;
  rewriteHead?: { skip: number; insert: Buffer };
  /** An executable whose first bytes are ELF's magic. */
  elf?: boolean;
  /** The script's interpreter when the server may lack it and the app does not depend on it. */
  interpreter?: string;
}

/**
 * Directories 0755; files 0755 only when executable *and* a script (`#!`) or an ELF program,
 * else 0644: npm tarballs carry stray exec bits and group-writable modes that lintian flags.
 * Shared objects (`.node`, `.so`) are loaded, not run: 0644, as dh_fixperms does.
 * An executable script's #! line names an interpreter that exists on the server
 * (contents/shebang.ts): `env node` becomes the package's node, as distro packagers patch it
 * (rpmlint env-script-interpreter: env would pick whatever node is first in PATH), `env bash`
 * /bin/bash; a script for another interpreter (python3, perl) stays executable only when the app
 * depends on it (pkgapp.depends), else it loses its execute bit and the build says so.
 */
function inspectFile(
  file: string,
  mode: number,
  size: number,
  nodePath: string,
  declared: ReadonlySet<string>,
): FileFacts {
  if ((mode & 0o111) === 0) return { mode: 0o644 };
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(Math.min(SHEBANG_MAX, size));
    const bytesRead = head.length ? readSync(fd, head, 0, head.length, 0) : 0;
    if (bytesRead >= 2 && head[0] === 0x23 && head[1] === 0x21) {
      const newline = head.indexOf(0x0a);
      // A line longer than the kernel reads is not rewritten (nor is it a working #! line).
      if (newline === -1 && size > bytesRead) return { mode: 0o755 };
      // latin1: one character per byte, so lengths are byte counts and bytes survive unchanged.
      const first = head.subarray(0, newline === -1 ? bytesRead : newline + 1).toString('latin1');
      const rewrite = rewriteShebang(first, nodePath);
      const rewriteHead = rewrite.changed
        ? { skip: first.length, insert: Buffer.from(rewrite.line, 'latin1') }
        : undefined;
      if (rewrite.role === 'other' && rewrite.needs !== undefined && !declared.has(rewrite.needs)) {
        return { mode: 0o644, ...(rewriteHead ? { rewriteHead } : {}), interpreter: rewrite.needs };
      }
      return { mode: 0o755, ...(rewriteHead ? { rewriteHead } : {}) };
    }
    const elf = bytesRead >= 4 && head.subarray(0, 4).equals(ELF_MAGIC);
    return { mode: elf && !/\.(node|so(\.\d+)*)$/.test(file) ? 0o755 : 0o644, elf };
  } finally {
    closeSync(fd);
  }
}

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** Absolute link targets inside the staging root are rewritten to point into the install dir. */
function relocateLink(target: string, root: string, installDir: string): string {
  if (path.isAbsolute(target) && (target === root || target.startsWith(`${root}/`))) {
    return path.posix.join(installDir, target.slice(root.length));
  }
  return target;
}
