// The apt archive as it stands (read from the state object, apt-state.ts): every suite's stanzas,
// and the checks a publish must pass against it.
import { UserError } from '../../errors.js';
import { packageKey, type PackageStanza } from './packages-index.js';

/** suite → component → stanzas (one per Package/Version/Architecture). */
export type Archive = Map<string, Map<string, PackageStanza[]>>;

/** A .deb on its way into a suite: where its bytes are now, and its stanza (Filename = pool path). */
export interface Incoming {
  /** A local file, or (inPool) how messages name the pool object. */
  file: string;
  stanza: PackageStanza;
  /** Already in the pool (promote): nothing to upload. */
  inPool?: boolean;
}

const DIR_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/** Refuses a suite or component that is not a plain directory name, and a keep that is not a count. */
export function checkNames(options: { suite: string; component: string; keep?: number }): void {
  for (const [what, value] of [
    ['suite', options.suite],
    ['component', options.component],
  ] as const) {
    if (!DIR_NAME.test(value))
      throw new UserError(`apt ${what} "${value}" must be letters, digits, ".", "_", "+" or "-"`, {
        code: 'PKGAPP_APT_NAME_INVALID',
        hint:
          what === 'component'
            ? 'Give --component a plain name such as main'
            : 'Give --suite (promote: --to) a plain name such as stable',
      });
  }
  if (options.keep !== undefined && (!Number.isInteger(options.keep) || options.keep < 1)) {
    throw new UserError(`keep ${options.keep} must be a whole number of versions, at least 1`, {
      code: 'PKGAPP_KEEP_INVALID',
      hint: 'e.g. keep 5; leave it out to keep every version',
    });
  }
}

/** Refuses a .deb whose name, version and arch (or pool path) are already taken by other bytes. */
export function checkConflicts(incoming: readonly Incoming[], archive: Archive, where: (key: string) => string): void {
  const existing = allStanzas(archive);
  incoming.forEach((item, index) => {
    const { stanza } = item;
    const clash = (s: PackageStanza) =>
      (sameKey(s, stanza) || s.filename === stanza.filename) && s.sha256 !== stanza.sha256;
    const other = incoming.slice(0, index).find((i) => clash(i.stanza));
    const published = existing.find(clash);
    if (!other && !published) return;
    const clashing = other ? other.file : where(`apt/${published!.filename}`);
    throw new UserError(
      `${item.file}: ${stanza.package} ${stanza.version} (${stanza.architecture}) differs from ${clashing}, which has the same name, version and architecture; nothing was published`,
      {
        code: 'PKGAPP_APT_VERSION_EXISTS',
        hint: 'A published version never changes: bump the version in package.json, or rebuild with --release N to add a Debian revision',
      },
    );
  });
}

/** Filenames listed by any suite (the archive as it is after this run's changes). */
export function referenced(archive: Archive): Set<string> {
  return new Set(allStanzas(archive).map((s) => s.filename));
}

/** The components of `suite`, created empty in the archive when it has none yet. */
export function suiteOf(archive: Archive, suite: string): Map<string, PackageStanza[]> {
  let components = archive.get(suite);
  if (!components) archive.set(suite, (components = new Map<string, PackageStanza[]>()));
  return components;
}

/** True when both stanzas are the same package: name, version and architecture. */
export function sameKey(a: PackageStanza, b: PackageStanza): boolean {
  return packageKey(a) === packageKey(b);
}

function allStanzas(archive: Archive): PackageStanza[] {
  return [...archive.values()].flatMap((c) => [...c.values()].flat());
}
