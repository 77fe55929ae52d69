// /opt/NAME/.pkgapp/rollback (templates/rollback.sh): switches to an installed release by
// installing again the NAME package that release keeps (docs/internals/releases.md).
import type { TargetLayout } from '../manifest/layout.js';
import type { Manifest } from '../manifest/manifest.js';
import { renderTemplate } from '../render/render-template.js';
import { shellQuote } from '../util/shell-quote.js';

/** Where, inside a release's directory, the copy of the NAME package that goes with it lies. */
export function keptPackagePath(manifest: Manifest, target: string): string {
  return `.pkgapp/${manifest.name}.${target}`;
}

/**
 * How each format installs the kept package: dpkg takes an older version as a downgrade, and
 * keeps the admin's environment file (--force-confold: a changed conffile never prompts). rpm
 * refuses pkgapp.releases for now (src/releases/check-releases.ts).
 */
const INSTALL: Record<string, string> = {
  deb: 'exec dpkg --force-confdef --force-confold -i',
};

export function renderRollback(manifest: Manifest, layout: TargetLayout): string {
  const releases = manifest.releases!;
  const install = INSTALL[layout.target];
  if (install === undefined) throw new Error(`no rollback command for ${layout.target} packages`);
  const releasesDir = releases.payloadDir.slice(0, releases.payloadDir.lastIndexOf('/'));
  return renderTemplate('rollback.sh', {
    name: manifest.name,
    packageFile: keptPackagePath(manifest, layout.target),
    current: releases.currentLink,
    releasesDir,
    quotedName: shellQuote(manifest.name),
    quotedReleasesDir: shellQuote(releasesDir),
    quotedCurrent: shellQuote(releases.currentLink),
    quotedPackageFile: shellQuote(keptPackagePath(manifest, layout.target)),
    installCommand: install,
  });
}
