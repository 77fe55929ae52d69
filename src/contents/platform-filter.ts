// Native binaries for other platforms than the target's (linux, glibc, the package's CPU) are
// never packaged: prebuilds/<platform>-<arch> directories (prebuildify / node-gyp-build layout,
// e.g. bufferutil, utf-8-validate, classic-level) and installed optional packages whose
// package.json "os"/"cpu"/"libc" exclude the target (@img/sharp-darwin-arm64, @esbuild/*,
// @next/swc-*). Debian and RPM-based systems use glibc, so musl builds are dropped too.
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { PinnedPackage } from '../app/lockfile.js';
import { allowsValue } from '../app/target-platform.js';

/** The platform packaged for: always linux with glibc; the CPU in Node's naming (x64, arm64, ...). */
export interface TargetPlatform {
  cpu: string;
  /** Another architecture than the build machine's (--arch): nothing was compiled for it here. */
  foreign?: boolean;
}

/** What was left out, for the build log. */
export interface DroppedBinaries {
  /** prebuilds directories of other platforms, "node_modules/x/prebuilds/darwin-x64". */
  prebuildDirs: string[];
  /** Optional packages for other platforms, "@esbuild/darwin-arm64@0.25.0". */
  packages: string[];
  files: number;
  bytes: number;
}

export function noneDropped(): DroppedBinaries {
  return { prebuildDirs: [], packages: [], files: 0, bytes: 0 };
}

/** node-gyp-build's platform names; "linuxmusl" is an older spelling of linux + musl. */
const PLATFORMS = new Set([
  'linux',
  'linuxmusl',
  'darwin',
  'win32',
  'freebsd',
  'openbsd',
  'netbsd',
  'android',
  'sunos',
  'aix',
  'cygwin',
]);

/**
 * For a directory directly in a prebuilds/ directory: true when its name is a platform-arch pair
 * (archs may be joined with "+": darwin-x64+arm64) that is not the target's. Unknown names are kept.
 */
export function isForeignPrebuildDir(name: string, target: TargetPlatform): boolean {
  const m = /^([a-z0-9]+)-([a-z0-9+]+)$/.exec(name);
  if (!m || !PLATFORMS.has(m[1]!)) return false;
  return m[1] !== 'linux' || !m[2]!.split('+').includes(target.cpu);
}

/** A prebuilt file tagged for musl (prebuildify: node.napi.musl.node) on a glibc target. */
export function isMuslPrebuild(fileName: string): boolean {
  return fileName.endsWith('.node') && fileName.split('.').slice(1, -1).includes('musl');
}

/** True when a package.json's "os", "cpu" and "libc" admit linux, the target CPU and glibc. */
export function fitsTarget(
  packageJson: { os?: unknown; cpu?: unknown; libc?: unknown },
  target: TargetPlatform,
): boolean {
  return (
    allowsValue(packageJson.os, 'linux') &&
    allowsValue(packageJson.cpu, target.cpu) &&
    allowsValue(packageJson.libc, 'glibc')
  );
}

/**
 * Splits the installed packages into those to package and the optional ones built for another
 * platform (only optional packages are read: platform packages are always optional dependencies).
 */
export function dropForeignPackages<P extends PinnedPackage>(
  root: string,
  packages: readonly P[],
  target: TargetPlatform,
  dropped: DroppedBinaries,
): P[] {
  const kept: P[] = [];
  for (const pkg of packages) {
    if (pkg.optional && pkg.version !== '') {
      let manifest: { os?: unknown; cpu?: unknown; libc?: unknown } = {};
      try {
        manifest = JSON.parse(readFileSync(path.join(root, pkg.location, 'package.json'), 'utf8')) as typeof manifest;
      } catch {
        // unreadable: keep it, the collector reports real problems
      }
      if (!fitsTarget(manifest, target)) {
        const size = treeSize(path.join(root, pkg.location), true);
        dropped.packages.push(`${pkg.name}@${pkg.version}`);
        dropped.files += size.files;
        dropped.bytes += size.bytes;
        continue;
      }
    }
    kept.push(pkg);
  }
  return kept;
}

/** Files and bytes below a directory (not into nested node_modules when `skipNodeModules`). */
export function treeSize(dir: string, skipNodeModules = false): { files: number; bytes: number } {
  const total = { files: 0, bytes: 0 };
  const walk = (abs: string) => {
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!(skipNodeModules && e.name === 'node_modules')) walk(`${abs}/${e.name}`);
      } else if (e.isFile()) {
        total.files++;
        total.bytes += lstatSync(`${abs}/${e.name}`).size;
      }
    }
  };
  walk(dir);
  return total;
}
