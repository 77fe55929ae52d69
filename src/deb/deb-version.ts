// Debian's versions (deb-version(7)): the Version field pkgapp writes, and compareDebVersions, as
// dpkg --compare-versions, used to order Packages indexes and apply keep. Pure.
import { upstreamVersion, type AppVersion } from '../manifest/versions.js';

/**
 * The Debian Version field: the upstream version (manifest/versions.ts), and a revision only
 * when --release asks for one, so `apt-get install NAME=1.2.3` names exactly the package.json
 * version. docs/internals/versions.md.
 */
export function debVersion(version: AppVersion, release?: string): string {
  return release === undefined ? upstreamVersion(version) : `${upstreamVersion(version)}-${release}`;
}

/**
 * dpkg's version comparison (deb-version(7), dpkg lib/dpkg/version.c): epoch numerically, then
 * upstream version and revision alternately comparing non-digit runs (~ before everything, even
 * the end; letters before other characters) and digit runs numerically. -1, 0 or 1.
 */
export function compareDebVersions(a: string, b: string): number {
  const va = splitVersion(a);
  const vb = splitVersion(b);
  if (va.epoch !== vb.epoch) return va.epoch < vb.epoch ? -1 : 1;
  return Math.sign(compareFragment(va.upstream, vb.upstream) || compareFragment(va.revision, vb.revision));
}

function splitVersion(version: string): { epoch: number; upstream: string; revision: string } {
  const colon = version.indexOf(':');
  const epoch = colon >= 0 ? Number(version.slice(0, colon)) : 0;
  const rest = colon >= 0 ? version.slice(colon + 1) : version;
  const hyphen = rest.lastIndexOf('-');
  return {
    epoch: Number.isFinite(epoch) ? epoch : 0,
    upstream: hyphen >= 0 ? rest.slice(0, hyphen) : rest,
    revision: hyphen >= 0 ? rest.slice(hyphen + 1) : '',
  };
}

/** dpkg's verrevcmp. */
function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const diff = charOrder(a[i]) - charOrder(b[j]);
      if (diff !== 0) return diff;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    let firstDiff = 0;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/** dpkg's order(): digits and the end 0, "~" -1, letters their code, anything else after letters. */
function charOrder(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}
