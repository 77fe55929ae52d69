// Where each target puts the files whose location differs between Debian and rpm systems.

export type Target = 'deb' | 'rpm';

export interface TargetLayout {
  target: Target;
  /** The environment file: a conffile / %config(noreplace). */
  envFile: string;
  /** The systemd unit, without the leading "/". */
  unitPath: string;
  /** The templated unit NAME@.service, without the leading "/". */
  templateUnitPath: string;
}

/**
 * Debian 12 keeps units in /lib/systemd/system (where dh_installsystemd puts them,
 * docs/internals/deb-archive.md) and environment files in /etc/default; rpm systems use
 * /usr/lib/systemd/system and /etc/sysconfig.
 */
export function targetLayout(target: Target, name: string): TargetLayout {
  return target === 'deb'
    ? { target, envFile: `/etc/default/${name}`, unitPath: `lib/systemd/system/${name}.service`, templateUnitPath: `lib/systemd/system/${name}@.service` }
    : { target, envFile: `/etc/sysconfig/${name}`, unitPath: `usr/lib/systemd/system/${name}.service`, templateUnitPath: `usr/lib/systemd/system/${name}@.service` };
}
