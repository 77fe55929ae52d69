// Skip-or-fail guards for tests that need host tools or root.
//
// Locally a missing tool skips the test with the apt-get command that would fix it. On CI
// (CI=true) it fails instead, so a broken CI image cannot silently turn e2e tests into skips.

import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';

/** Debian package that provides each tool the e2e harness uses. */
export const TOOL_PACKAGES: Record<string, string> = {
  'systemd-nspawn': 'systemd-container',
  mmdebstrap: 'mmdebstrap',
  'apt-ftparchive': 'apt-utils',
  dpkg: 'dpkg',
  'dpkg-deb': 'dpkg',
  'systemd-analyze': 'systemd',
  ar: 'binutils',
  gpgv: 'gpgv',
  'dpkg-scanpackages': 'dpkg-dev',
  lintian: 'lintian',
  nsenter: 'util-linux',
  mount: 'mount',
  umount: 'mount',
  tar: 'tar',
  xz: 'xz-utils',
  zstd: 'zstd',
  gpg: 'gpg',
  rpm: 'rpm',
  rpmbuild: 'rpm',
  rpmkeys: 'rpm',
  rpm2cpio: 'rpm2cpio',
  cpio: 'cpio',
  rpmlint: 'rpmlint',
  'debsig-verify': 'debsig-verify',
  createrepo_c: 'createrepo-c',
  dnf: 'dnf',
  python3: 'python3',
  script: 'bsdutils',
  // node-gyp, compiling native addons (the native-sqlite fixture)
  make: 'make',
  'g++': 'g++',
  // tiny ELF shared objects standing in for addons (test/helpers/native-addons.ts)
  gcc: 'gcc',
  readelf: 'binutils',
};

/** Tools needed by chroot.ts + apt-repo.ts. */
export const E2E_TOOLS = [
  'mmdebstrap',
  'systemd-nspawn',
  'nsenter',
  'apt-ftparchive',
  'dpkg-deb',
  'tar',
  'mount',
  'umount',
];

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Absolute path of an executable on PATH, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Returns true if `name` is on PATH ('root' = running as root). Otherwise fails the test on CI, or
 * marks it skipped and returns false - the caller must then `return`:
 *
 *   if (!requireTool(t, 'systemd-nspawn')) return;
 */
export function requireTool(t: TestContext, name: string): boolean {
  return requireTools(t, [name]);
}

/** Where rpm keeps its ELF dependency generator (not on PATH), by distribution. */
const ELFDEPS_CANDIDATES = ['/usr/lib/rpm/elfdeps', '/usr/lib64/rpm/elfdeps'];

/** rpm's elfdeps, or undefined after failing (CI) or skipping the test like requireTool. */
export function requireElfdeps(t: TestContext): string | undefined {
  for (const candidate of ELFDEPS_CANDIDATES) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  const why = `needs rpm's elfdeps (${ELFDEPS_CANDIDATES.join(' or ')}): apt-get install rpm`;
  if (process.env.CI === 'true') throw new Error(`${why} (CI=true, so this is a failure, not a skip)`);
  t.skip(why);
  return undefined;
}

/** requireTool for several names; reports all missing ones in one message. */
export function requireTools(t: TestContext, names: string[]): boolean {
  const missing = names.filter((n) => (n === 'root' ? !isRoot() : which(n) === undefined));
  if (missing.length === 0) return true;
  const tools = missing.filter((n) => n !== 'root');
  const pkgs = [...new Set(tools.map((n) => TOOL_PACKAGES[n] ?? n))];
  const why = [
    missing.includes('root') ? 'needs root (mounts, systemd-nspawn)' : '',
    tools.length ? `needs ${tools.join(', ')}: apt-get install ${pkgs.join(' ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
  if (process.env.CI === 'true') throw new Error(`${why} (CI=true, so this is a failure, not a skip)`);
  t.skip(why);
  return false;
}
