// /opt/NAME/.pkgapp/rollback (templates/rollback.sh): switches to an installed release by
// installing again the NAME package that release keeps (docs/internals/releases.md); and, for
// rpm, /opt/NAME/.pkgapp/after-rpm-transaction (templates/rpm/after-rpm-transaction.sh), what
// the %posttrans leaves for after the transaction.
import type { TargetLayout } from '../manifest/layout.js';
import type { Manifest } from '../manifest/manifest.js';
import { renderTemplate } from '../render/render-template.js';
import { shellQuote } from '../util/shell-quote.js';

/** Where, inside a release's directory, the copy of the NAME package that goes with it lies. */
export function keptPackagePath(manifest: Manifest, target: string): string {
  return `.pkgapp/${manifest.name}.${target}`;
}

/** /opt/NAME/.pkgapp/after-rpm-transaction, beside the rollback command (the %posttrans derives it the same way). */
export function afterRpmTransactionPath(manifest: Manifest): string {
  const rollback = manifest.releases!.rollback;
  return `${rollback.slice(0, rollback.lastIndexOf('/'))}/after-rpm-transaction`;
}

/**
 * How each format installs the kept package: dpkg takes an older version as a downgrade, and
 * keeps the admin's environment file (--force-confold: a changed conffile never prompts); rpm
 * needs --oldpackage, and exits 0 when %posttrans (the health gate) fails, so its warning is
 * looked for (templates/rpm/rollback-install).
 */
const INSTALL: Record<string, () => string> = {
  deb: () => 'exec dpkg --force-confdef --force-confold -i "$package"',
  rpm: () => renderTemplate('rpm/rollback-install', {}).trimEnd(),
};

interface RollbackValues extends Record<string, string> {
  name: string;
  quotedName: string;
  quotedReleasesDir: string;
  quotedCurrent: string;
  quotedPackageFile: string;
}

function templateValues(manifest: Manifest, target: string): RollbackValues {
  const releases = manifest.releases!;
  const releasesDir = releases.payloadDir.slice(0, releases.payloadDir.lastIndexOf('/'));
  return {
    name: manifest.name,
    packageFile: keptPackagePath(manifest, target),
    current: releases.currentLink,
    releasesDir,
    quotedName: shellQuote(manifest.name),
    quotedReleasesDir: shellQuote(releasesDir),
    quotedCurrent: shellQuote(releases.currentLink),
    quotedPackageFile: shellQuote(keptPackagePath(manifest, target)),
  };
}

export function renderRollback(manifest: Manifest, layout: TargetLayout): string {
  const install = INSTALL[layout.target];
  if (install === undefined) throw new Error(`no rollback command for ${layout.target} packages`);
  return renderTemplate('rollback.sh', { ...templateValues(manifest, layout.target), install: install() });
}

export function renderAfterRpmTransaction(manifest: Manifest): string {
  const { name, quotedName, quotedReleasesDir, quotedCurrent, quotedPackageFile } = templateValues(manifest, 'rpm');
  return renderTemplate('rpm/after-rpm-transaction.sh', {
    name,
    quotedName,
    quotedReleasesDir,
    quotedCurrent,
    quotedPackageFile,
    keep: String(manifest.releases!.keep),
  });
}
