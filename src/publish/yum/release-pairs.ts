// pkgapp.releases in a yum channel (docs/internals/releases.md#repositories): an rpm NAME built
// with releases requires exactly one NAME-release-ID = its own [EPOCH:]VERSION-RELEASE, and that
// release package requires NAME (unversioned). publish refuses NAME without its release, promote
// brings the release along, and keep counts NAME's versions only: a release package goes when no
// kept NAME requires it. Both sides are read from each entry's primary.xml <rpm:requires> (the
// rpm's Requires tags), never from file names. Pure.
import { unescapeXml, type ChannelEntry } from './yum-state.js';

/** One <rpm:entry> of a package's requires, attributes as repodata writes them. */
interface Requirement {
  name: string;
  flags?: string;
  epoch?: string;
  ver?: string;
  rel?: string;
}

function requirements(entry: Pick<ChannelEntry, 'primary'>): Requirement[] {
  const block = /<rpm:requires>([\s\S]*?)<\/rpm:requires>/.exec(entry.primary)?.[1] ?? '';
  return [...block.matchAll(/<rpm:entry\s([^>]*?)\/>/g)].map(
    (m) =>
      Object.fromEntries(
        [...m[1]!.matchAll(/([a-z]+)="([^"]*)"/g)].map((a) => [a[1]!, unescapeXml(a[2]!)]),
      ) as unknown as Requirement,
  );
}

/** The name of the release package NAME requires (NAME-release-ID = NAME's own EVR), if it was built with releases. */
export function requiredRelease(entry: ChannelEntry): string | undefined {
  return requirements(entry).find(
    (r) =>
      r.name.startsWith(`${entry.name}-release-`) &&
      r.flags === 'EQ' &&
      Number(r.epoch ?? 0) === entry.epoch &&
      r.ver === entry.version &&
      (r.rel ?? '') === entry.release,
  )?.name;
}

/** NAME, when `entry` is a release package: NAME-release-ID requiring NAME without a version. */
export function releaseOf(entry: ChannelEntry): string | undefined {
  return requirements(entry).find((r) => r.flags === undefined && entry.name.startsWith(`${r.name}-release-`))?.name;
}

/** The release packages in `pool` that the NAME entries of `wanted` require (same EVR; same arch or noarch). */
export function releasePackages(wanted: readonly ChannelEntry[], pool: readonly ChannelEntry[]): ChannelEntry[] {
  const found = new Map<string, ChannelEntry>();
  for (const e of wanted) {
    const name = requiredRelease(e);
    if (name === undefined) continue;
    for (const p of pool)
      if (
        p.name === name &&
        p.epoch === e.epoch &&
        p.version === e.version &&
        p.release === e.release &&
        (p.arch === e.arch || p.arch === 'noarch')
      )
        found.set(p.file, p);
  }
  return [...found.values()];
}

/** Entries of `incoming` that require a release package found neither in `incoming` nor in `listed`. */
export function withoutRelease(
  incoming: readonly ChannelEntry[],
  listed: readonly ChannelEntry[],
): { entry: ChannelEntry; release: string }[] {
  const missing: { entry: ChannelEntry; release: string }[] = [];
  for (const entry of incoming) {
    const release = requiredRelease(entry);
    if (release !== undefined && releasePackages([entry], [...incoming, ...listed]).length === 0)
      missing.push({ entry, release });
  }
  return missing;
}

/**
 * The release packages keep drops once the files in `dropped` are gone: those no remaining entry
 * requires, except `protect`ed ones (this run's).
 */
export function releasesBeyondKeep(
  entries: readonly ChannelEntry[],
  dropped: ReadonlySet<string>,
  protect: ReadonlySet<string>,
): ChannelEntry[] {
  const kept = entries.filter((e) => !dropped.has(e.file));
  const required = new Set(releasePackages(kept, entries).map((e) => e.file));
  return kept.filter((e) => releaseOf(e) !== undefined && !required.has(e.file) && !protect.has(e.file));
}
