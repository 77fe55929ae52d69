// Where Debian systems keep what pkgapp generates.
import type { TargetLayout } from '../manifest/layout.js';

/**
 * Debian 12 keeps units in /lib/systemd/system (where dh_installsystemd puts them,
 * docs/internals/deb-archive.md) and environment files in /etc/default.
 */
export function debLayout(name: string): TargetLayout {
  return {
    target: 'deb',
    envFile: `/etc/default/${name}`,
    unitPath: `lib/systemd/system/${name}.service`,
    templateUnitPath: `lib/systemd/system/${name}@.service`,
    docDir: `/usr/share/doc/${name}`,
  };
}
