// Where rpm systems (Fedora, RHEL and their rebuilds) keep what pkgapp generates.
import type { TargetLayout } from '../manifest/layout.js';

/** rpm systems use /usr/lib/systemd/system and /etc/sysconfig. */
export function rpmLayout(name: string): TargetLayout {
  return {
    target: 'rpm',
    envFile: `/etc/sysconfig/${name}`,
    unitPath: `usr/lib/systemd/system/${name}.service`,
    templateUnitPath: `usr/lib/systemd/system/${name}@.service`,
    docDir: `/usr/share/doc/${name}`,
  };
}
