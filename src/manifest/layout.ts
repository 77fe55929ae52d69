// Where each target puts the files whose location differs between deb and rpm systems.

export type Target = 'deb';

export interface TargetLayout {
  target: Target;
  /** The environment file: a conffile. */
  envFile: string;
  /** The systemd unit, without the leading "/". */
  unitPath: string;
}

/** Debian 12 keeps units in /lib/systemd/system (where dh_installsystemd puts them, formats.md §1.7). */
export function targetLayout(target: Target, name: string): TargetLayout {
  return { target, envFile: `/etc/default/${name}`, unitPath: `lib/systemd/system/${name}.service` };
}
