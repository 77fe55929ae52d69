// Debian maintainer scripts: which snippets run in which script (deb-postinst(5) and friends).
import type { Manifest } from '../manifest/manifest.js';
import { debVersion } from './deb-version.js';
import { renderScripts } from '../render/maintainer-scripts.js';

export type DebScriptName = 'preinst' | 'postinst' | 'prerm' | 'postrm';

/** The scripts this package needs; the app's hook runs after pkgapp's setup, before the service starts. */
export function renderDebScripts(manifest: Manifest): Partial<Record<DebScriptName, string>> {
  const service = (...names: string[]) => (manifest.service ? names : []);
  const single = (...names: string[]) => (manifest.service?.units.single ? names : []);
  const instances = (...names: string[]) => (manifest.service?.units.template ? names : []);
  // pkgapp.releases: the switch to this release, and a gate that switches back when it fails.
  const releases = (...names: string[]) => (manifest.releases ? names : []);
  const gate = manifest.releases ? 'postinst-systemd-releases' : 'postinst-systemd';
  return renderScripts(manifest, 'deb', debVersion(manifest.version, manifest.release), {
    preinst: { hook: 'preinst', steps: ['hook'] },
    postinst: {
      hook: 'postinst',
      steps: [
        ...service('postinst-user'),
        ...releases('postinst-releases'),
        'hook',
        ...single(gate),
        ...instances('postinst-instances'),
      ],
    },
    prerm: { hook: 'prerm', steps: [...single('prerm-systemd'), ...instances('prerm-instances'), 'hook'] },
    postrm: { hook: 'postrm', steps: [...service('postrm-systemd'), ...releases('postrm-releases'), 'hook'] },
  });
}
