// Which architecture a package is for: "all" for pure JavaScript, the build host's when native
// addons are inside, and never a foreign one that the addons were not built for. --arch is read
// in any registered format's names.
import { UserError } from '../errors.js';
import { allFormats } from '../formats.js';
import { archName, hostArch, NODE_ARCHES, type Arch } from './arch.js';

/** Reads --arch in any format's naming (amd64, x86_64, x64; all, noarch). */
export function parseArch(value: string): Arch {
  const namings = allFormats().map((f) => f.arch);
  if (value === 'all' || namings.some((n) => n.all === value)) return 'all';
  const arch = NODE_ARCHES.find((a) => a === value || namings.some((n) => n.names[a] === value));
  if (!arch) {
    throw new UserError(`--arch "${value}" is not an architecture pkgapp knows`, {
      code: 'PKGAPP_ARCH_INVALID',
      hint: `Use all, ${distinctNamings()
        .map((n) => `${NODE_ARCHES.map((a) => n.names[a]).join(', ')} (${n.label} names)`)
        .join(' or ')}`,
    });
  }
  return arch;
}

/**
 * Resolves --arch against the native addons found in the contents. Native code built here only
 * runs on this machine's architecture: asking for another one (or for "all") is refused unless
 * `force` says the binaries really are for it (cross-compiled or prebuilt for the target).
 */
export function chooseArch(
  requested: Arch | undefined,
  nativeAddons: readonly string[],
  force = false,
  hostOverride?: Arch,
): Arch {
  if (nativeAddons.length === 0) return requested ?? 'all';
  if (requested !== undefined && force) return requested;
  // Only native code needs the host's architecture: pure JavaScript builds anywhere.
  const host = hostOverride ?? hostArch();
  if (requested === undefined || requested === host) return requested ?? host;
  const examples = nativeAddons
    .slice(0, 3)
    .map((p) => `/${p}`)
    .join(', ');
  const more = nativeAddons.length > 3 ? ` and ${nativeAddons.length - 3} more` : '';
  throw new UserError(
    `--arch ${requested === 'all' ? 'all' : spellings(requested)}: the app ships native addons built for this machine (${spellings(host)}): ${examples}${more}`,
    {
      code: 'PKGAPP_ARCH_NATIVE_MISMATCH',
      hint:
        requested === 'all'
          ? 'Packages with native code are architecture-specific: leave out --arch'
          : `Build on ${spellings(requested)} hardware or a CI runner of that architecture, leave out --arch, or add --force-arch if these binaries really are for ${spellings(requested)}`,
    },
  );
}

/** Every spelling the formats use for `arch`, once each: "arm64/aarch64", "s390x". */
function spellings(arch: Exclude<Arch, 'all'>): string {
  return [...new Set(allFormats().map((f) => archName(f.arch, arch)))].join('/');
}

/** The formats' namings, leaving out one that spells every architecture as an earlier one does. */
function distinctNamings() {
  const seen = new Set<string>();
  return allFormats()
    .map((f) => f.arch)
    .filter((n) => {
      const key = NODE_ARCHES.map((a) => n.names[a]).join(',');
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
