// What init can tell, read-only and before any build, about the Node.js runtime the app needs:
// native addons among its dependencies and the engines.node floor they set, with what that
// means on the distribution's nodejs. Sources: the installed node_modules when there is one
// (it has the compiled .node files), else the lockfile (npm's records engines, install
// scripts and os/cpu per package). `pkgapp build` decides for real; init only warns early.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as semver from '../util/semver.js';
import { isUserError } from '../errors.js';
import { lowestNodeVersion, relationVersion, type NodeFloor } from '../runtime/node-floor.js';
import { DEBIAN_12_NODE } from '../runtime/node-requirement.js';

/** Dependencies known to ship or build a native addon, by name or scope. */
const KNOWN_ADDONS =
  /^(?:sharp|argon2|bcrypt|@node-rs\/[^/]+|better-sqlite3|sqlite3|canvas|@napi-rs\/canvas|bufferutil|utf-8-validate|re2|@parcel\/watcher|lightningcss|@swc\/core|cpu-features|isolated-vm|node-pty|usb|serialport|@serialport\/bindings-cpp|msgpackr-extract|farmhash|leveldown|classic-level|zeromq|kerberos|snappy|@mongodb-js\/zstd)$/;
/**
 * Install scripts and platform packages that are not addons: executables (esbuild), WebAssembly
 * builds, and postinstall messages. Only the lockfile route needs this; node_modules has the files.
 */
const NOT_ADDONS = /^(?:esbuild|@esbuild\/.*|core-js|core-js-pure|es5-ext|protobufjs|nodemon|husky|.*wasm.*)$/;

interface PackageFacts {
  /** name@version, or the install location when the name is unknown. */
  label: string;
  engines?: string;
  /** Why it is (or may be) a native addon; undefined when it is not. */
  native?: string;
}

/** Notes about native addons and engines.node for the app in `appDir` (never throws). */
export async function runtimeNotes(appDir: string, ownEngines: unknown): Promise<string[]> {
  const locked = await lockfileFacts(appDir);
  const installed = await installedFacts(appDir);
  const notes: string[] = [];
  // The lockfile knows which packages are production ones; node_modules has the compiled files.
  let addons: PackageFacts[] | undefined;
  let addonSource = '';
  if (installed && locked) {
    const production = new Set(locked.list.map((f) => f.label));
    addons = installed.list.filter((f) => f.native !== undefined && production.has(f.label));
    addonSource = `in node_modules, production dependencies of ${locked.file}`;
  } else if (installed) {
    addons = installed.list.filter((f) => f.native !== undefined);
    addonSource = 'in node_modules, dev dependencies included';
  } else if (locked) {
    addons = locked.list.filter((f) => f.native !== undefined);
    addonSource = `from ${locked.file}`;
  }
  if (addons === undefined)
    notes.push(
      "native addons and the dependencies' engines.node: not known before an install (no node_modules, no package-lock.json); pkgapp build reports both",
    );
  else if (addons.length) notes.push(addonNote(addons, addonSource));
  const own = typeof ownEngines === 'string' ? [{ label: 'the app', engines: ownEngines }] : [];
  const deps = locked
    ? { list: locked.list, source: `from ${locked.file}` }
    : installed
      ? { list: installed.list, source: 'in node_modules, dev dependencies included' }
      : undefined;
  notes.push(...enginesNotes([...own, ...(deps?.list ?? [])], deps?.source));
  return notes;
}

function addonNote(addons: PackageFacts[], source: string): string {
  const names = addons.map((a) => `${a.label} (${a.native})`);
  const shown = names.length > 8 ? [...names.slice(0, 8), `${names.length - 8} more`] : names;
  return `native addons (${source}): ${shown.join(', ')}. The package becomes architecture-specific. pkgapp build reads each .node file: N-API addons (sharp, argon2, bcrypt, @node-rs/*, most prebuilt ones) need only their N-API version, on any Node.js major; addons compiled against V8 pin the major of the Node.js that runs the build, so build with the major the servers run (Debian 12: ${semver.major(DEBIAN_12_NODE)}) or ship that node with "node": "bundled"`;
}

function enginesNotes(list: PackageFacts[], source: string | undefined): string[] {
  const declared = list.filter((f) => f.engines !== undefined).map((f) => ({ who: f.label, range: f.engines! }));
  let floor: NodeFloor | undefined;
  try {
    floor = lowestNodeVersion(declared, 'engines.node');
  } catch (error) {
    if (!isUserError(error)) throw error;
    return [`${error.message}${error.hint ? ` (${error.hint})` : ''}`];
  }
  if (floor === undefined)
    return [
      'no engines.node of the app or its dependencies sets a Node.js floor: the package accepts any nodejs (native addons may still set one)',
    ];
  const notes = [
    `engines.node: the package will need Node.js >= ${relationVersion(floor.version)}, set by ${floor.setBy.join(' and ')}${source ? ` (${source})` : ''}`,
  ];
  if (semver.gt(floor.version, DEBIAN_12_NODE)) {
    const here = process.versions.node;
    const bundledOk = semver.gte(here, floor.version);
    notes.push(
      `that is newer than Debian 12's nodejs ${DEBIAN_12_NODE} (and RHEL 9's default): the package will not install there with the distribution's nodejs. Use "node": "bundled" (--node bundled), which ships this machine's node ${here}${bundledOk ? '' : ' (too old as well: run pkgapp with a newer Node.js or give --node-binary)'}; or, when the ranges are stricter than the code the server runs, "nodeVersion": ">=18" replaces this floor (docs/node-runtime.md)`,
    );
  }
  return notes;
}

/** Packages of the installed node_modules (any depth; pnpm's .pnpm store included), or undefined without one. */
async function installedFacts(appDir: string): Promise<{ list: PackageFacts[] } | undefined> {
  const root = path.join(appDir, 'node_modules');
  const top = await readdir(root).catch(() => undefined);
  if (top === undefined || (top.filter((n) => !n.startsWith('.')).length === 0 && !top.includes('.pnpm')))
    return undefined;
  const list: PackageFacts[] = [];
  await walkPackages(root, list);
  return { list };
}

/** Every package directory under a node_modules directory: its package.json, .node files, binding.gyp. */
async function walkPackages(nodeModules: string, into: PackageFacts[]): Promise<void> {
  for (const entry of await readdir(nodeModules, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(nodeModules, entry.name);
    if (entry.name === '.pnpm') {
      for (const store of await readdir(dir, { withFileTypes: true }).catch(() => []))
        if (store.isDirectory()) await walkPackages(path.join(dir, store.name, 'node_modules'), into);
    } else if (entry.name.startsWith('@')) {
      for (const scoped of await readdir(dir, { withFileTypes: true }).catch(() => []))
        if (scoped.isDirectory()) await readPackage(path.join(dir, scoped.name), into);
    } else if (!entry.name.startsWith('.')) {
      await readPackage(dir, into);
    }
  }
}

async function readPackage(dir: string, into: PackageFacts[]): Promise<void> {
  let pkg: { name?: unknown; version?: unknown; engines?: { node?: unknown }; gypfile?: unknown };
  try {
    pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as typeof pkg;
  } catch {
    return;
  }
  const label = typeof pkg.name === 'string' ? `${pkg.name}@${String(pkg.version)}` : dir;
  const addon = await findAddonFiles(dir);
  const native = addon.node.length
    ? `${addon.node.length} compiled .node file${addon.node.length > 1 ? 's' : ''}`
    : addon.gyp
      ? 'binding.gyp, nothing compiled'
      : undefined;
  into.push({
    label,
    ...(typeof pkg.engines?.node === 'string' ? { engines: pkg.engines.node } : {}),
    ...(native ? { native } : {}),
  });
  await walkPackages(path.join(dir, 'node_modules'), into);
}

/** .node files and binding.gyp inside one package (its own node_modules excluded). */
async function findAddonFiles(dir: string): Promise<{ node: string[]; gyp: boolean }> {
  const found = { node: [] as string[], gyp: false };
  const walk = async (sub: string, depth: number): Promise<void> => {
    for (const entry of await readdir(path.join(dir, sub), { withFileTypes: true }).catch(() => [])) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory() && entry.name !== 'node_modules' && depth < 6) await walk(rel, depth + 1);
      else if (entry.isFile() && entry.name.endsWith('.node')) found.node.push(rel);
      else if (entry.isFile() && rel === 'binding.gyp') found.gyp = true;
    }
  };
  await walk('', 0);
  return found;
}

interface NpmLockEntry {
  name?: string;
  version?: string;
  dev?: boolean;
  link?: boolean;
  engines?: Record<string, string> | string[];
  hasInstallScript?: boolean;
  os?: string[];
  cpu?: string[];
  libc?: string[];
}

/** Production packages of package-lock.json / npm-shrinkwrap.json (v2, v3) for this OS and CPU. */
async function lockfileFacts(appDir: string): Promise<{ list: PackageFacts[]; file: string } | undefined> {
  for (const file of ['npm-shrinkwrap.json', 'package-lock.json']) {
    let lock: { packages?: Record<string, NpmLockEntry> };
    try {
      lock = JSON.parse(await readFile(path.join(appDir, file), 'utf8')) as typeof lock;
    } catch {
      continue;
    }
    if (typeof lock.packages !== 'object' || lock.packages === null) return undefined;
    const list: PackageFacts[] = [];
    for (const [location, entry] of Object.entries(lock.packages)) {
      if (location === '' || entry.dev || entry.link || !forThisPlatform(entry)) continue;
      const name = entry.name ?? location.replace(/^.*node_modules\//, '');
      const engines = Array.isArray(entry.engines) ? undefined : entry.engines?.['node'];
      const native = NOT_ADDONS.test(name)
        ? undefined
        : entry.os || entry.cpu
          ? `prebuilt for ${[...(entry.os ?? []), ...(entry.cpu ?? [])].join('-')}`
          : KNOWN_ADDONS.test(name)
            ? 'known native addon'
            : entry.hasInstallScript
              ? 'install script: may build one'
              : undefined;
      list.push({
        label: `${name}@${entry.version ?? '?'}`,
        ...(engines !== undefined ? { engines } : {}),
        ...(native ? { native } : {}),
      });
    }
    return { list, file };
  }
  return undefined;
}

/** npm's os/cpu/libc fields ("linux", "!win32", "x64", "glibc"): true when npm would install it on this glibc Linux machine. */
function forThisPlatform(entry: NpmLockEntry): boolean {
  const fits = (list: string[] | undefined, value: string) => {
    if (!list || list.length === 0) return true;
    if (list.includes(`!${value}`)) return false;
    const positive = list.filter((v) => !v.startsWith('!'));
    return positive.length === 0 || positive.includes(value);
  };
  return fits(entry.os, 'linux') && fits(entry.cpu, process.arch) && fits(entry.libc, 'glibc');
}
