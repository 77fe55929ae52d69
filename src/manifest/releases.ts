// pkgapp.releases → where each version's app lives and what its package is called
// (docs/internals/releases.md): /opt/NAME/releases/ID in the package NAME-release-ID, beside the
// small NAME package whose maintainer scripts point /opt/NAME/current at the release that runs.
import type { AppVersion } from './versions.js';

export interface ReleasesSpec {
  /** Releases kept installed: the one that runs and the newest others. */
  keep: number;
  /** The release's name: directory under /opt/NAME/releases and the payload package's suffix. */
  id: string;
  /** /opt/NAME/releases/ID: where this version's app files are installed. */
  payloadDir: string;
  /** /opt/NAME/current: the switch point the unit and the commands go through. */
  currentLink: string;
  /** NAME-release-ID: the payload package. */
  packageName: string;
  /** /opt/NAME/.pkgapp/rollback: switches to an installed release by reinstalling its NAME package. */
  rollback: string;
}

/**
 * The release's id is the npm version, lowercased (Debian package names have no capitals), with
 * "-REVISION" when --release gives one: what an operator types after `rollback`. Characters
 * stay within Debian's package-name set: semver allows [0-9A-Za-z.+] besides the one '-' before
 * the prerelease.
 */
export function resolveReleases(
  cfg: { keep: number } | undefined,
  name: string,
  version: AppVersion,
  release: string | undefined,
): ReleasesSpec | undefined {
  if (!cfg) return undefined;
  const id = (version.npm + (release !== undefined ? `-${release}` : '')).toLowerCase().replace(/~/g, '.');
  return {
    keep: cfg.keep,
    id,
    payloadDir: `/opt/${name}/releases/${id}`,
    currentLink: `/opt/${name}/current`,
    packageName: `${name}-release-${id}`,
    rollback: `/opt/${name}/.pkgapp/rollback`,
  };
}
