// rpm's VERSION and RELEASE for an app version. Pure.
import { upstreamVersion, type AppVersion } from '../manifest/versions.js';

/**
 * The rpm VERSION and RELEASE: the same upstream string as Debian (rpm also sorts '~' first and
 * '+build' after), never a '-' (refused by parseAppVersion), and Release "1" unless --release says otherwise.
 */
export function rpmVersion(version: AppVersion, release?: string): { version: string; release: string } {
  return { version: upstreamVersion(version), release: release ?? '1' };
}
