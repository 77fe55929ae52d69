// What pkgapp.releases supports yet: refused with a clear error before anything is installed.
import { UserError } from '../errors.js';
import type { Manifest } from '../manifest/manifest.js';

export function checkReleases(manifest: Manifest, target: string): void {
  if (!manifest.releases) return;
  if (target !== 'deb' && target !== 'rpm') {
    throw new UserError(`pkgapp.releases: releases side by side are not supported for ${target} packages yet`, {
      code: 'PKGAPP_RELEASES_UNSUPPORTED',
      hint: 'Build the deb and rpm with pkgapp.releases, and the other formats from a configuration without it (docs/operations.md#releases-and-rollback)',
    });
  }
  if (manifest.runtime.bundled) {
    throw new UserError(
      'pkgapp.releases: a bundled Node.js runtime ("node": "bundled" or --node bundled) is not supported with releases yet',
      {
        code: 'PKGAPP_RELEASES_UNSUPPORTED',
        hint: 'Use the distribution\'s nodejs ("node": "system"), or remove pkgapp.releases',
      },
    );
  }
}
