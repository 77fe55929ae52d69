// Architectures as Node.js names them (process.arch): the names pkgapp works with. Each format
// maps them to its own (src/deb/deb-arch.ts, src/rpm/rpm-arch.ts); --arch is read against every
// format's names in choose-arch.ts. Pure.
import { UserError } from '../errors.js';

/** The process.arch values pkgapp packages for: every format names each of them. */
export const NODE_ARCHES = ['x64', 'arm64', 'arm', 'ia32', 'ppc64', 's390x', 'riscv64'] as const;
export type NodeArch = (typeof NODE_ARCHES)[number];

/** 'all' (architecture-independent) or one of NODE_ARCHES. */
export type Arch = string;

/** How a format names architectures: Node.js's names (process.arch) → the format's. */
export interface ArchNames {
  /** Who uses these names, for messages: "Debian", "rpm". */
  label: string;
  /** The name of an architecture-independent package: "all", "noarch". */
  all: string;
  names: Readonly<Record<NodeArch, string>>;
}

/** `arch` in a format's names: e.g. "all" or "amd64" for Debian, "noarch" or "x86_64" for rpm. */
export function archName(naming: ArchNames, arch: Arch): string {
  return arch === 'all' ? naming.all : naming.names[arch as NodeArch];
}

/** The build machine's architecture. */
export function hostArch(nodeArch: string = process.arch): Arch {
  if (!(NODE_ARCHES as readonly string[]).includes(nodeArch)) {
    throw new UserError(
      `this machine's architecture (Node.js "${nodeArch}") has no deb/rpm name pkgapp knows, and the app ships native code`,
      {
        code: 'PKGAPP_HOST_ARCH_UNKNOWN',
        hint: `Build on hardware Node.js calls ${NODE_ARCHES.join(', ')}, or name the target with --arch and --force-arch if the binaries are for it`,
      },
    );
  }
  return nodeArch;
}
