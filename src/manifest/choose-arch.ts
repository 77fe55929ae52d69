// Which architecture a package is for: "all" for pure JavaScript, the build host's when native
// addons are inside, and never a foreign one that the addons were not built for.
import { UserError } from '../errors.js';
import { debArch, hostArch, rpmArch, type Arch } from './arch.js';

/**
 * Resolves --arch against the native addons found in the contents. Native code built here only
 * runs on this machine's architecture: asking for another one (or for "all") is refused unless
 * `force` says the binaries really are for it (cross-compiled or prebuilt for the target).
 */
export function chooseArch(requested: Arch | undefined, nativeAddons: readonly string[], force = false, hostOverride?: Arch): Arch {
  if (nativeAddons.length === 0) return requested ?? 'all';
  if (requested !== undefined && force) return requested;
  // Only native code needs the host's architecture: pure JavaScript builds anywhere.
  const host = hostOverride ?? hostArch();
  if (requested === undefined || requested === host) return requested ?? host;
  const examples = nativeAddons.slice(0, 3).map((p) => `/${p}`).join(', ');
  const more = nativeAddons.length > 3 ? ` and ${nativeAddons.length - 3} more` : '';
  throw new UserError(`--arch ${requested === 'all' ? 'all' : archName(requested)}: the app ships native addons built for this machine (${archName(host)}): ${examples}${more}`, {
    code: 'PKGAPP_ARCH_NATIVE_MISMATCH',
    hint: requested === 'all'
      ? 'Packages with native code are architecture-specific: leave out --arch'
      : `Build on ${archName(requested)} hardware or a CI runner of that architecture, leave out --arch, or add --force-arch if these binaries really are for ${archName(requested)}`,
  });
}

/** Both spellings when Debian and rpm name the architecture differently: "arm64/aarch64". */
function archName(arch: Exclude<Arch, 'all'>): string {
  return debArch(arch) === rpmArch(arch) ? debArch(arch) : `${debArch(arch)}/${rpmArch(arch)}`;
}
