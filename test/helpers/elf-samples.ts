// Real ELF files for the oracle tests of the ELF reader and the dependency generators: the
// node binary, a spread of /usr/bin executables and of the system's shared libraries, the
// prebuilt native code under this repository's node_modules, and objects compiled here with
// gcc to hit the cases the system's files may not (32-bit, SONAME + version script + $ORIGIN
// RUNPATH, SysV hash, an executable without its execute bit).
import { constants } from 'node:fs';
import { access, chmod, copyFile, lstat, open, readdir, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { compileAddon, NAPI_ADDON_IMPORTS } from './native-addons.js';
import { which } from './tools.js';

async function isElf(file: string): Promise<boolean> {
  try {
    const stat = await lstat(file);
    if (!stat.isFile() || stat.size < 64) return false;
    const handle = await open(file, 'r');
    try {
      const magic = Buffer.alloc(4);
      await handle.read(magic, 0, 4, 0);
      return magic.toString('latin1') === '\x7fELF';
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}

/** Every `step`-th ELF file of a sorted directory listing matching `pattern`, at most `limit`. */
async function spread(dir: string, pattern: RegExp, limit: number): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => pattern.test(n)).sort();
  } catch {
    return [];
  }
  const elf: string[] = [];
  for (const name of names) if (await isElf(path.join(dir, name))) elf.push(path.join(dir, name));
  const step = Math.max(1, Math.floor(elf.length / limit));
  return elf.filter((_, i) => i % step === 0).slice(0, limit);
}

async function findFiles(
  dir: string,
  test: (name: string) => boolean,
  out: string[] = [],
  depth = 0,
): Promise<string[]> {
  if (depth > 12) return out;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) await findFiles(full, test, out, depth + 1);
    else if (e.isFile() && test(e.name) && (await isElf(full))) out.push(full);
  }
  return out;
}

/** The system library directory of this machine (Debian multiarch or Fedora lib64). */
export async function systemLibDir(): Promise<string | undefined> {
  const triplet =
    process.arch === 'arm64' ? 'aarch64-linux-gnu' : process.arch === 'x64' ? 'x86_64-linux-gnu' : undefined;
  for (const dir of [triplet && `/usr/lib/${triplet}`, '/usr/lib64'].filter(Boolean) as string[]) {
    try {
      await access(dir, constants.R_OK);
      return dir;
    } catch {
      // next
    }
  }
  return undefined;
}

/** Real ELF files of this machine, deduplicated by real path: about `bins` executables and `libs` libraries. */
export async function systemElfSamples(repoRoot: string, { bins = 25, libs = 30 } = {}): Promise<string[]> {
  const files: string[] = [process.execPath];
  const node = which('node');
  if (node) files.push(node);
  files.push(...(await spread('/usr/bin', /^[a-z]/, bins)));
  const lib = await systemLibDir();
  if (lib) files.push(...(await spread(lib, /\.so\.\d/, libs)));
  files.push(...(await findFiles(path.join(repoRoot, 'node_modules'), (n) => n.endsWith('.node') || n === 'esbuild')));
  const seen = new Set<string>();
  const out: string[] = [];
  for (const file of files) {
    const real = await realpath(file);
    if (seen.has(real)) continue;
    seen.add(real);
    out.push(real);
  }
  return out;
}

/**
 * Objects compiled here with gcc: an N-API addon, a shared library with SONAME, a version
 * script and an $ORIGIN RUNPATH that needs it, a C++ library (libstdc++, libgcc_s version
 * needs), a SysV+GNU hash library, a 32-bit object (x64 only), and a copy of an executable
 * without its execute bits. Returns the paths; `names` gives each a role.
 */
export async function compiledElfSamples(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  out.napi = await compileAddon(path.join(dir, 'napi.node'), NAPI_ADDON_IMPORTS);
  const libSource = path.join(dir, 'bundled.c');
  await writeFile(
    libSource,
    '#include <math.h>\ndouble bundled_hypot(double a, double b) { return hypot(a, b); }\ndouble bundled_old(double a) { return a; }\n',
  );
  const script = path.join(dir, 'bundled.map');
  await writeFile(
    script,
    'BUNDLED_1.0 { global: bundled_old; local: *; };\nBUNDLED_2.0 { global: bundled_hypot; } BUNDLED_1.0;\n',
  );
  out.bundled = path.join(dir, 'libbundled.so.1');
  await execa('gcc', [
    '-shared',
    '-fPIC',
    '-o',
    out.bundled,
    libSource,
    '-lm',
    '-Wl,-soname,libbundled.so.1',
    `-Wl,--version-script,${script}`,
  ]);
  const userSource = path.join(dir, 'user.c');
  await writeFile(
    userSource,
    '#include <stdio.h>\nextern double bundled_hypot(double, double);\nvoid pkgapp_use(void) { printf("%f\\n", bundled_hypot(3, 4)); }\n',
  );
  out.user = path.join(dir, 'user.node');
  await execa('gcc', [
    '-shared',
    '-fPIC',
    '-o',
    out.user,
    userSource,
    `-L${dir}`,
    '-l:libbundled.so.1',
    '-Wl,-rpath,$ORIGIN/lib:/opt/x',
    '-Wl,--enable-new-dtags',
  ]);
  out.rpath = path.join(dir, 'rpath.node');
  await execa('gcc', [
    '-shared',
    '-fPIC',
    '-o',
    out.rpath,
    userSource,
    `-L${dir}`,
    '-l:libbundled.so.1',
    '-Wl,-rpath,$ORIGIN',
    '-Wl,--disable-new-dtags',
  ]);
  if (which('g++')) {
    const cxx = path.join(dir, 'cxx.cc');
    await writeFile(
      cxx,
      '#include <string>\n#include <stdexcept>\nextern "C" int pkgapp_cxx(const char *s) { std::string x(s); if (x.empty()) throw std::runtime_error("e"); return (int)x.size(); }\n',
    );
    out.cxx = path.join(dir, 'cxx.node');
    await execa('g++', ['-shared', '-fPIC', '-g', '-o', out.cxx, cxx]);
  }
  const hashSource = path.join(dir, 'hash.c');
  await writeFile(hashSource, '#include <string.h>\nsize_t pkgapp_len(const char *s) { return strlen(s); }\n');
  out.sysvHash = path.join(dir, 'sysvhash.node');
  await execa('gcc', ['-shared', '-fPIC', '-s', '-Wl,--hash-style=both', '-o', out.sysvHash, hashSource]);
  if (process.arch === 'x64')
    out.m32 = await compileAddon(path.join(dir, 'm32.node'), ['napi_create_function'], ['-m32', '-nostdlib']);
  const ls = which('ls');
  if (ls) {
    out.noExec = path.join(dir, 'ls-not-executable');
    await copyFile(await realpath(ls), out.noExec);
    await chmod(out.noExec, 0o644);
  }
  return out;
}
