// The DEBIAN/control stanza (deb-control(5), docs/internals/deb-archive.md#the-control-file), rendered from the manifest. Pure.
import { UserError } from '../errors.js';
import type { ContentEntry } from '../contents/content-entry.js';
import type { Manifest } from '../manifest/manifest.js';
import { debVersion } from './deb-version.js';
import { higherVersion, relationVersion } from '../runtime/node-floor.js';
import { wrapText } from '../util/wrap-text.js';

/** One relation, alternatives allowed: "foo (>= 1.0) | bar". */
const RELATION =
  /^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?( \((<<|<=|=|>=|>>) [A-Za-z0-9.+~:-]+\))?( \| [a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?( \((<<|<=|=|>=|>>) [A-Za-z0-9.+~:-]+\))?)*$/;

/**
 * Depends: the Node.js runtime (unless bundled), the libraries the ELF objects load, adduser for
 * the service user, and the configured extras.
 * (deb-systemd-helper comes from init-system-helpers, which is Essential: no dependency.)
 */
export function debDepends(manifest: Manifest): string[] {
  const node = manifest.runtime.bundled ? [] : nodeRelations(manifest);
  const scripts = manifest.service ? ['adduser'] : [];
  for (const dep of manifest.extraDepends.deb) {
    if (!RELATION.test(dep)) {
      throw new UserError(`pkgapp.depends.deb: "${dep}" is not a Debian relation such as "libfoo1 (>= 1.2)"`, {
        code: 'PKGAPP_DEPENDS_INVALID',
      });
    }
  }
  // Library packages right after the runtime, as ${shlibs:Depends} comes first in debian/control.
  const libraries = manifest.libraryDepends?.deb ?? [];
  for (const dep of libraries) {
    if (!RELATION.test(dep)) {
      throw new UserError(`pkgapp.libraries: "${dep}" is not a Debian relation such as "libfoo1 (>= 1.2)"`, {
        code: 'PKGAPP_DEPENDS_INVALID',
      });
    }
  }
  return [...node, ...libraries, ...scripts, ...manifest.extraDepends.deb];
}

/**
 * nodejs from the Node.js floor (engines.node of the app and its packages, N-API versions);
 * addons compiled against V8 (not N-API) also pin the major they were built for (its ABI).
 * Debian's, Ubuntu's and NodeSource's nodejs carry no epoch, so a plain version compares right.
 */
function nodeRelations({ nodeFloor, nodeAbiMajor }: Manifest): string[] {
  const floor = nodeAbiMajor !== undefined ? higherVersion(nodeFloor, `${nodeAbiMajor}.0.0`)! : nodeFloor;
  const lowest = floor !== undefined ? `nodejs (>= ${relationVersion(floor)})` : 'nodejs';
  return nodeAbiMajor !== undefined ? [lowest, `nodejs (<< ${nodeAbiMajor + 1})`] : [lowest];
}

/**
 * Installed-Size in KiB as dpkg-gencontrol computes it: each file or symlink adds its size
 * rounded up to whole KiB (a symlink's size is its target's length), each directory adds 1.
 */
export function installedSizeKiB(entries: Iterable<ContentEntry>): number {
  let total = 0;
  for (const e of entries) total += installedKiB(e);
  return total;
}

/** One entry's share of Installed-Size (installedSizeKiB). */
export function installedKiB(e: ContentEntry): number {
  if (e.kind === 'file') return Math.ceil(e.size / 1024);
  if (e.kind === 'symlink') return Math.ceil(Buffer.byteLength(e.target) / 1024);
  return 1;
}

/** pkgapp.releases: one of the two packages of a release (src/deb/deb-releases.ts) says what differs. */
export interface ControlPart {
  package: string;
  depends: string[];
  synopsisSuffix: string;
  description: string[];
}

/** The control file text, ending in a newline as dpkg requires. */
export function renderControl(
  manifest: Manifest,
  architecture: string,
  installedSize: number,
  part?: ControlPart,
): string {
  const fields: [string, string | undefined][] = [
    ['Package', part?.package ?? manifest.name],
    ['Version', debVersion(manifest.version, manifest.release)],
    ['Architecture', architecture],
    ['Maintainer', manifest.maintainer],
    ['Installed-Size', String(installedSize)],
    ['Depends', (part?.depends ?? debDepends(manifest)).join(', ')],
    ['Section', manifest.section],
    ['Priority', 'optional'],
    ['Homepage', manifest.homepage],
    [
      'Description',
      `${debianSynopsis(manifest.synopsis)}${part?.synopsisSuffix ?? ''}\n${extendedDescription(part?.description ?? manifest.description)}`,
    ],
  ];
  return (
    fields
      .filter((f): f is [string, string] => f[1] !== undefined && f[1] !== '')
      .map(([k, v]) => `${k}: ${oneLine(k, v)}`)
      .join('\n') + '\n'
  );
}

/** Extended description: lines start with a space, paragraphs are separated by " .". */
/**
 * The Debian synopsis is a noun phrase without a leading article (Developer's Reference 6.2.2;
 * lintian's description-synopsis-starts-with-article): "A small Next.js site" → "Small Next.js
 * site", capitalized so it still reads as written. The unit and the rpm Summary keep the text.
 */
export function debianSynopsis(synopsis: string): string {
  const rest = synopsis.replace(/^(a|an|the)\s+/i, '');
  return rest === '' ? synopsis : rest.charAt(0).toUpperCase() + rest.slice(1);
}

function extendedDescription(paragraphs: readonly string[]): string {
  return paragraphs
    .map((p) =>
      wrapText(p)
        .map((line) => ` ${line}`)
        .join('\n'),
    )
    .join('\n .\n');
}

/** Every field but Description is a single line: a newline would start a new field. */
function oneLine(key: string, value: string): string {
  return key === 'Description' ? value : value.replace(/\s*\n\s*/g, ' ');
}
