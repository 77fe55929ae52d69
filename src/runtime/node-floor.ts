// The lowest Node.js version every engines.node range allows: the app's and each installed
// package's. The versions satisfying a range are a union of intervals, so the lowest version
// satisfying all of them is the lower end of one of those intervals: each comparator set's
// minimum is a candidate, and the first candidate every range accepts is the floor.
import * as semver from '../util/semver.js';
import { UserError } from '../errors.js';

/** One engines.node declaration: who declares it ("the app", "next@16.0.1") and the range. */
export interface EnginesRange {
  who: string;
  range: string;
}

export interface NodeFloor {
  /** The lowest version, e.g. "20.9.0". */
  version: string;
  /** Who set it, with the range: "next@16.0.1 (>=20.9.0)". */
  setBy: string[];
  /** Ranges that are not semver and were left out (a dependency's metadata, not the app's). */
  ignored: EnginesRange[];
}

const OPTIONS = { loose: true } as const;

/**
 * The floor of all ranges; undefined when none sets one (no engines, or all allow 0.0.0).
 * Ranges that are not semver are left out and added to `ignored`. An impossible combination is a PKGAPP_NODE_ENGINES_CONFLICT naming the ranges that exclude each other.
 */
export function lowestNodeVersion(
  declared: readonly EnginesRange[],
  where: string,
  ignored: EnginesRange[] = [],
): NodeFloor | undefined {
  // Many packages share a range (">=12"): each distinct range is parsed and checked once.
  const byRange = new Map<string, { range: semver.Range; who: string[] }>();
  for (const d of declared) {
    const text = d.range.trim();
    const seen = byRange.get(text);
    if (seen) {
      seen.who.push(d.who);
      continue;
    }
    let range: semver.Range;
    try {
      range = new semver.Range(text, OPTIONS);
    } catch {
      ignored.push(d);
      continue;
    }
    byRange.set(text, { range, who: [d.who] });
  }
  const ranges = [...byRange.values()];
  const candidates = new Map<string, semver.SemVer>([['0.0.0', new semver.SemVer('0.0.0')]]);
  const starts = new Map<string, Set<(typeof ranges)[number]>>();
  for (const r of ranges) {
    for (const set of r.range.set) {
      const low = semver.minVersion(new semver.Range(set.map((c) => c.value || '*').join(' '), OPTIONS));
      if (!low) continue;
      candidates.set(low.version, low);
      if (!starts.has(low.version)) starts.set(low.version, new Set());
      starts.get(low.version)!.add(r);
    }
  }
  // Ranges with the highest minimum first: a low candidate fails on them at once.
  const minimum = new Map(ranges.map((r) => [r, semver.minVersion(r.range) ?? new semver.SemVer('0.0.0')]));
  const order = [...ranges].sort((a, b) => semver.compare(minimum.get(b)!, minimum.get(a)!));
  const sorted = [...candidates.values()].sort(semver.compare);
  const floor = sorted.find((v) => order.every((r) => r.range.test(v)));
  if (!floor) throw conflict(ranges, where);
  if (floor.version === '0.0.0') return undefined;
  // Who set it: the strictest declarations (highest minimum), and when the floor is above those
  // (a gap such as "^18.17.0 || ^20.3.0" above a ">=20"), the ranges whose interval starts there.
  const strictest = order.filter((r) => semver.eq(minimum.get(r)!, minimum.get(order[0]!)!));
  const setters = new Set(strictest);
  if (!semver.eq(minimum.get(order[0]!)!, floor)) for (const r of starts.get(floor.version) ?? []) setters.add(r);
  const setBy = [...setters].map((r) => `${someOf(r.who, 2)} (${r.range.raw})`);
  return { version: floor.version, setBy, ignored };
}

/** "18.0.0" → "18", "20.9.0" → "20.9.0": the short form for package relations. */
export function relationVersion(version: string): string {
  return version.endsWith('.0.0') ? version.slice(0, -4) : version;
}

/** The higher of two versions (undefined counts as no floor). */
export function higherVersion(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return semver.gte(a, b) ? a : b;
}

/** Names a list compactly: "a, b, c and 4 more". */
export function someOf(names: readonly string[], max = 3): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

function conflict(ranges: { range: semver.Range; who: string[] }[], where: string): UserError {
  const pairs: string[] = [];
  for (let i = 0; i < ranges.length && pairs.length < 5; i++) {
    for (let j = i + 1; j < ranges.length && pairs.length < 5; j++) {
      if (!semver.intersects(ranges[i]!.range, ranges[j]!.range, OPTIONS))
        pairs.push(`${describe(ranges[i]!)} excludes ${describe(ranges[j]!)}`);
    }
  }
  const lines = pairs.length ? pairs : ranges.filter((r) => r.range.range !== '').map(describe);
  return new UserError(
    `${where}: no Node.js version satisfies every engines.node of the app and its production dependencies:\n  ${lines.join('\n  ')}`,
    {
      code: 'PKGAPP_NODE_ENGINES_CONFLICT',
      hint: 'Update the packages named to versions that agree, or set "pkgapp": { "nodeVersion": ">=N" } to the Node.js versions the app really runs on (it replaces the floor engines.node sets)',
    },
  );
}

function describe(r: { range: semver.Range; who: string[] }): string {
  return `node ${JSON.stringify(r.range.raw)} (${someOf(r.who)})`;
}
