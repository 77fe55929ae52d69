// rpm scriptlets: which snippets run in %pre, %post, %preun and %postun (docs/internals/maintainer-scripts.md).
import type { Manifest } from '../manifest/manifest.js';
import { rpmVersion } from './rpm-version.js';
import { renderScripts } from '../render/maintainer-scripts.js';

export type RpmScriptName = 'pre' | 'post' | 'preun' | 'postun' | 'posttrans';

/** The scriptlets this package needs; the same app hooks as deb, run with rpm's $1. */
export function renderRpmScriptlets(manifest: Manifest): Partial<Record<RpmScriptName, string>> {
  const service = (...names: string[]) => (manifest.service ? names : []);
  const single = (...names: string[]) => (manifest.service?.units.single ? names : []);
  const instances = (...names: string[]) => (manifest.service?.units.template ? names : []);
  // pkgapp.releases (docs/internals/releases.md): the switch to this release, where the files of
  // both packages are in place, and a gate that switches back when it fails.
  const releases = (...names: string[]) => (manifest.releases ? names : []);
  const gate = manifest.releases ? 'posttrans-systemd-releases' : 'posttrans-systemd';
  const { version, release } = rpmVersion(manifest.version, manifest.release);
  return renderScripts(manifest, 'rpm', `${version}-${release}`, {
    pre: { hook: 'preinst', steps: [...service('pre-user'), 'hook'] },
    post: { hook: 'postinst', steps: ['hook', ...single('post-systemd'), ...instances('post-instances')] },
    preun: {
      hook: 'prerm',
      steps: [...single('preun-systemd'), ...instances('preun-instances'), ...releases('preun-releases'), 'hook'],
    },
    postun: { hook: 'postrm', steps: [...service('postun-systemd'), 'hook'] },
    // No app hook here: hooks have deb's four phases. The start or restart and the health gate
    // run once the transaction's files are all in place (docs/internals/maintainer-scripts.md).
    posttrans: { hook: 'postinst', steps: [...releases('posttrans-releases'), ...single(gate)] },
  });
}
