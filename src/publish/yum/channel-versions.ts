// Which packages of a channel a run touches, by rpm version order: the versions `keep` drops, the
// ones `promote NAME VERSION` means, and whether two packages are the same N-E-V-R.A.
import path from 'node:path';
import { parseAppVersion } from '../../manifest/versions.js';
import { rpmVersion } from '../../rpm/rpm-version.js';
import type { RpmNevra } from '../../rpm/read-rpm.js';
import { compareEvr, type Evr } from '../../rpm/rpm-vercmp.js';
import type { Member } from './channel-state.js';

/** Newest `keep` EVRs per name+arch stay; files named in `protect` (this run's) always stay. */
export function applyKeep(all: Member[], keep: number | undefined, protect: Set<string>): Member[] {
  if (keep === undefined) return [];
  const groups = new Map<string, Member[]>();
  for (const p of all) {
    const key = `${p.nevra.name}\0${p.nevra.arch}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const dropped: Member[] = [];
  for (const group of groups.values()) {
    group.sort((a, b) => compareEvr(evrOf(b.nevra), evrOf(a.nevra)));
    for (const p of group.slice(keep)) if (!protect.has(path.basename(p.file))) dropped.push(p);
  }
  return dropped.sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** The packages of one name matching VERSION: exact V-R first, then V (highest release), then the npm version mapped. */
export function selectVersion(candidates: Member[], version: string): Member[] {
  const colon = /^(\d+):(.*)$/.exec(version);
  const epoch = colon ? Number(colon[1]) : undefined;
  const text = colon ? colon[2]! : version;
  const epochOk = (p: Member) => epoch === undefined || (p.nevra.epoch ?? 0) === epoch;
  const dash = text.lastIndexOf('-');
  const tries: ((p: Member) => boolean)[] = [
    (p) => dash > 0 && p.nevra.version === text.slice(0, dash) && p.nevra.release === text.slice(dash + 1),
    (p) => p.nevra.version === text,
  ];
  const mapped = npmVersion(text);
  if (mapped !== undefined) tries.push((p) => p.nevra.version === mapped);
  for (const match of tries) {
    const found = candidates.filter((p) => epochOk(p) && match(p));
    if (found.length === 0) continue;
    const best = found.reduce((a, b) => (compareEvr(evrOf(b.nevra), evrOf(a.nevra)) > 0 ? b : a));
    return found.filter((p) => compareEvr(evrOf(p.nevra), evrOf(best.nevra)) === 0);
  }
  return [];
}

/** True when both are the same package: name, arch, epoch (absent = 0), version and release. */
export function sameNevra(a: RpmNevra, b: RpmNevra): boolean {
  return (
    a.name === b.name &&
    a.arch === b.arch &&
    (a.epoch ?? 0) === (b.epoch ?? 0) &&
    a.version === b.version &&
    a.release === b.release
  );
}

/** The rpm version pkgapp builds for an npm version ("1.2.0-beta.1"), or undefined if it is not one. */
function npmVersion(text: string): string | undefined {
  try {
    return rpmVersion(parseAppVersion(text, 'version')).version;
  } catch {
    return undefined;
  }
}

function evrOf(nevra: RpmNevra): Evr {
  return { epoch: nevra.epoch ?? 0, version: nevra.version, release: nevra.release };
}
