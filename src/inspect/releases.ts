// pkgapp.releases as a package's scripts set it, read back from their variables
// (src/render/maintainer-scripts.ts): the release this NAME package switches to, and the keep.
import type { InspectedReleases, InspectedScript } from './inspection.js';

/** undefined for a package built without pkgapp.releases (and for a release's payload package). */
export function releasesOf(scripts: readonly InspectedScript[]): InspectedReleases | undefined {
  const text = scripts.find((s) => /^pkg_release='/m.test(s.text))?.text;
  if (text === undefined) return undefined;
  const release = variable(text, 'pkg_release');
  const current = variable(text, 'pkg_current');
  const dir = variable(text, 'pkg_releases_dir');
  const rollback = variable(text, 'pkg_rollback');
  const keep = Number(variable(text, 'pkg_releases_keep'));
  if (release === undefined || current === undefined || dir === undefined || rollback === undefined) return undefined;
  return { release, directory: `${dir}/${release}`, current, keep, rollback };
}

/** A `name='value'` line of the script, unquoted (shellQuote writes ' as '\''). */
function variable(text: string, name: string): string | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}='`));
  return line?.slice(name.length + 2, -1).replace(/'\\''/g, "'");
}
