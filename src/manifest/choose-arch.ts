// Which architecture a package is for: "all" for pure JavaScript, the build host's when native
// addons are inside, and never one that its ELF objects were not built for. --arch is read
// in any registered format's names.
import { UserError } from '../errors.js';
import { allFormats } from '../formats.js';
import { NODE_ARCH_MACHINE } from '../elf/machines.js';
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
 * Resolves --arch against the native code found in the contents. Every ELF object must run on
 * the target's machine (`machines`: each object's machine by path, src/elf/machines.ts names):
 * with --arch the lockfile was installed for the target (app/target-platform.ts), so prebuilt
 * platform packages are the target's, while an addon compiled here is for this machine and is
 * refused, naming it. A native addon whose machine cannot be read counts as this machine's.
 * `force` packages whatever is there (build() warns about each object for another machine).
 */
export function chooseArch(
  requested: Arch | undefined,
  nativeAddons: readonly string[],
  force = false,
  hostOverride?: Arch,
  machines: ReadonlyMap<string, string> = new Map(),
): Arch {
  if (nativeAddons.length === 0) return requested ?? 'all';
  if (requested !== undefined && force) return requested;
  // Only native code needs the host's architecture: pure JavaScript builds anywhere.
  const host = hostOverride ?? hostArch();
  const target = requested === undefined || requested === 'all' ? host : requested;
  const wrong = requested === 'all' ? [...nativeAddons] : wrongMachine(nativeAddons, machines, target, host);
  if (wrong.length === 0) return target;
  if (force) return target;
  const hostMachine = NODE_ARCH_MACHINE[host];
  const machineOf = (p: string) => machines.get(p) ?? hostMachine;
  const builtHere = wrong.every((p) => machineOf(p) === hostMachine);
  const examples = wrong
    .slice(0, 3)
    .map((p) => `/${p}${builtHere ? '' : ` (${machineOf(p) ?? 'unknown machine'})`}`)
    .join(', ');
  const more = wrong.length > 3 ? ` and ${wrong.length - 3} more` : '';
  const asked =
    requested === undefined
      ? `the package for this machine (${spellings(host)})`
      : `--arch ${requested === 'all' ? 'all' : spellings(requested)}`;
  throw new UserError(
    builtHere
      ? `${asked}: the app ships native addons built for this machine (${spellings(host)}): ${examples}${more}`
      : `${asked}: the app ships native code built for another machine than ${NODE_ARCH_MACHINE[target] ?? target}: ${examples}${more}`,
    {
      code: 'PKGAPP_ARCH_NATIVE_MISMATCH',
      hint:
        requested === 'all'
          ? 'Packages with native code are architecture-specific: leave out --arch'
          : builtHere
            ? `Code compiled during the build runs only on ${spellings(host)}: use packages with prebuilt binaries for ${spellings(target)} (pkgapp installs the lockfile for --arch), build on ${spellings(target)} hardware or a CI runner of that architecture, or add --force-arch to package them anyway`
            : 'Exclude them (pkgapp.exclude) if the app never loads them, or add --force-arch to package them anyway',
    },
  );
}

/**
 * The native files not built for `target`'s machine: ELF objects of another machine, and, when
 * `target` is not the build machine's, native addons whose machine cannot be read (they may be
 * this machine's). Without `host`, unread files count as the target's.
 */
export function wrongMachine(
  nativeAddons: readonly string[],
  machines: ReadonlyMap<string, string>,
  target: Arch,
  host?: Arch,
): string[] {
  const want = NODE_ARCH_MACHINE[target];
  return nativeAddons.filter((p) => {
    const machine = machines.get(p);
    return machine === undefined ? host !== undefined && target !== host : machine !== want;
  });
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
