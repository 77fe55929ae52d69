// Strips the addons node-gyp compiled during the build, as Debian's dh_strip and Fedora's
// find-debuginfo do for every package they build: without it the package carries the symbol
// table and DWARF of better-sqlite3 (lintian: unstripped-binary-or-object), several MB each.
//
// What counts as compiled here: the ELF files under build/Release and build/Debug of a package
// with a binding.gyp whose build/ directory has node-gyp's own products (config.gypi, Makefile),
// i.e. `node-gyp rebuild` ran in the staging tree; for node-pre-gyp packages built from source
// (bcrypt 5: build-tmp-napi-v3/ instead of build/), also the directory the built addon is copied
// to, package.json binary.module_path (lib/binding/). A prebuilt addon (in the registry tarball, or
// downloaded by prebuild-install, which writes build/Release without config.gypi) is left as its
// publisher made it: its symbols may be what its crash reports rely on.
//
// The commands are dh_strip's (debhelper 13): shared objects, which .node addons are,
//   strip --remove-section=.comment --remove-section=.note --strip-unneeded
// and executables the same without --strip-unneeded. Objects already without .symtab and debug
// sections are not touched. The files are changed in place, so only in a staging copy pkgapp
// made: with --no-install the tree is the user's own and is left alone (reported).
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { EXIT_FAILURE, UserError } from '../errors.js';
import { isNodeGypIntermediate } from './exclude.js';

export interface StripRequest {
  /** The staged tree and the package locations in it (node_modules/better-sqlite3...). */
  root: string;
  locations: readonly string[];
  /** false when `root` is not pkgapp's staging copy (--no-install): nothing is changed. */
  ownTree: boolean;
  /** --keep-symbols / pkgapp.keepSymbols. */
  keepSymbols: boolean;
  /** In CI a missing strip fails the build rather than shipping unstripped objects. */
  ci: boolean;
  /** The strip program (default: strip found on `searchPath`). */
  strip?: string;
  /** Where to look for strip (default: PATH). */
  searchPath?: string;
  log: (line: string) => void;
}

export interface StripOutcome {
  /** Compiled objects found, relative to root. */
  compiled: string[];
  /** The ones stripped (those that still had symbols). */
  stripped: string[];
}

const SHARED_OBJECT_ARGS = ['--remove-section=.comment', '--remove-section=.note', '--strip-unneeded'];
const EXECUTABLE_ARGS = ['--remove-section=.comment', '--remove-section=.note'];

/** The absolute path of `program` in a PATH directory, if it is there and executable. */
function onPath(program: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, program);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** True when node-gyp configured and built the package in place (its products are there). */
export function ranNodeGyp(packageDir: string): boolean {
  if (!existsSync(path.join(packageDir, 'binding.gyp'))) return false;
  // node-pre-gyp building for an N-API version works in build-tmp-napi-vN/ instead of build/.
  const buildDirs = ['build', ...readdirSync(packageDir).filter((n) => /^build-tmp-napi-v\d+$/.test(n))];
  return buildDirs.some(
    (dir) =>
      existsSync(path.join(packageDir, dir, 'config.gypi')) || existsSync(path.join(packageDir, dir, 'Makefile')),
  );
}

/**
 * Where node-pre-gyp copies the addon it built (package.json binary.module_path, e.g.
 * "./lib/binding/napi-v{napi_build_version}"): the directory before the first placeholder,
 * relative to the package; undefined for a package without node-pre-gyp.
 */
export function nodePreGypModuleDir(packageDir: string): string | undefined {
  let modulePath: unknown;
  try {
    modulePath = (
      JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { binary?: { module_path?: unknown } }
    ).binary?.module_path;
  } catch {
    return undefined;
  }
  if (typeof modulePath !== 'string') return undefined;
  const fixed = path.posix.normalize(modulePath.split('{')[0]!.replace(/\/[^/]*$/, '') || '.');
  // Inside the package, never the package itself or build/ (already searched).
  if (fixed === '.' || fixed.startsWith('..') || path.posix.isAbsolute(fixed) || /^build(\/|$)/.test(fixed))
    return undefined;
  return fixed;
}

/** The ELF files node-gyp left in build/Release and build/Debug (not its intermediates), relative to the package. */
async function compiledObjects(
  packageDir: string,
): Promise<{ rel: string; executable: boolean; unstripped: boolean }[]> {
  const found: { rel: string; executable: boolean; unstripped: boolean }[] = [];
  // Loaded here: only packages that ran node-gyp get this far.
  const { readElfInfo } = await import('../elf/elf-info.js');
  const visit = async (rel: string): Promise<void> => {
    for (const child of readdirSync(path.join(packageDir, rel), { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const childRel = `${rel}/${child.name}`;
      if (isNodeGypIntermediate(childRel)) continue; // never packaged: not worth stripping
      if (child.isDirectory()) await visit(childRel);
      else if (child.isFile()) {
        const info = await readElfInfo(path.join(packageDir, childRel));
        if (!info || (info.type !== 'DYN' && info.type !== 'EXEC')) continue;
        // A PIE executable is ET_DYN with an interpreter: dh_strip strips it as an executable.
        found.push({
          rel: childRel,
          executable: info.interpreter !== undefined,
          unstripped: info.hasSymtab || info.hasDebugInfo,
        });
      }
    }
  };
  const preGyp = nodePreGypModuleDir(packageDir);
  for (const dir of ['build/Release', 'build/Debug', ...(preGyp ? [preGyp] : [])]) {
    if (existsSync(path.join(packageDir, dir))) await visit(dir);
  }
  return found;
}

/**
 * Gives `file` an inode of its own when it has other hard links: strip rewrites a multiply-linked
 * file in place (binutils' smart_rename copies into it), which would change the build cache's entry
 * (src/cache/cache-store.ts) or pnpm's content store it is linked to.
 */
async function ownCopy(file: string): Promise<void> {
  if ((await stat(file)).nlink <= 1) return;
  const copy = `${file}.pkgapp-own`;
  await copyFile(file, copy);
  await rename(copy, file);
}

/** Strips the compiled addons of the packages at `locations` under `root`; see the top of this file. */
export async function stripCompiledAddons(request: StripRequest): Promise<StripOutcome> {
  const compiled: { rel: string; executable: boolean; unstripped: boolean }[] = [];
  for (const location of request.locations) {
    const dir = path.join(request.root, location);
    if (!ranNodeGyp(dir)) continue;
    for (const object of await compiledObjects(dir)) compiled.push({ ...object, rel: `${location}/${object.rel}` });
  }
  const outcome: StripOutcome = { compiled: compiled.map((o) => o.rel), stripped: [] };
  const todo = compiled.filter((o) => o.unstripped);
  if (todo.length === 0) return outcome;
  const list = todo.map((o) => o.rel).join(', ');
  if (request.keepSymbols) {
    request.log(`keeping the symbols of ${todo.length} compiled addon file(s) (--keep-symbols): ${list}`);
    return outcome;
  }
  if (!request.ownTree) {
    request.log(
      `warning: not stripping ${list}: with --no-install pkgapp does not change your node_modules (strip them yourself, or build without --no-install)`,
    );
    return outcome;
  }
  const strip = request.strip ?? onPath('strip', request.searchPath ?? process.env['PATH'] ?? '');
  if (strip === undefined) {
    if (request.ci) {
      throw new UserError(`${list}: compiled during the build, but "strip" is not installed to strip them (CI=true)`, {
        code: 'PKGAPP_STRIP_MISSING',
        exitCode: EXIT_FAILURE,
        hint: 'Install binutils on the build machine (apt-get install binutils, dnf install binutils), or pass --keep-symbols (pkgapp.keepSymbols) to ship the symbols',
      });
    }
    request.log(
      `warning: "strip" is not installed: the compiled addons keep their symbols (${list}); install binutils to strip them`,
    );
    return outcome;
  }
  for (const object of todo) {
    const file = path.join(request.root, object.rel);
    await ownCopy(file);
    const args = [...(object.executable ? EXECUTABLE_ARGS : SHARED_OBJECT_ARGS), file];
    const failure = await new Promise<string | undefined>((resolve) => {
      execFile(strip, args, { encoding: 'utf8' }, (error, _stdout, stderr) =>
        resolve(error ? `${error.message.split('\n')[0]}${stderr.trim() ? `\n${stderr.trim()}` : ''}` : undefined),
      );
    });
    if (failure !== undefined) {
      throw new UserError(`stripping ${object.rel} (${strip}) failed: ${failure}`, {
        code: 'PKGAPP_STRIP_FAILED',
        exitCode: EXIT_FAILURE,
        hint: 'Check the file the message names, or pass --keep-symbols (pkgapp.keepSymbols) to ship it unstripped',
      });
    }
    outcome.stripped.push(object.rel);
  }
  request.log(
    `stripped ${outcome.stripped.length} compiled addon file(s) of their symbols and debug information: ${outcome.stripped.join(', ')}`,
  );
  return outcome;
}
