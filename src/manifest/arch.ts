// Architectures: Node's process.arch names ↔ Debian and rpm names (dpkg-architecture -L, rpmrc). Pure.
import { UserError } from '../errors.js';

/** Architecture-independent, or one of Node's process.arch values. */
export type Arch = 'all' | string;

const TABLE: { node: string; deb: string; rpm: string }[] = [
  { node: 'x64', deb: 'amd64', rpm: 'x86_64' },
  { node: 'arm64', deb: 'arm64', rpm: 'aarch64' },
  { node: 'arm', deb: 'armhf', rpm: 'armv7hl' },
  { node: 'ia32', deb: 'i386', rpm: 'i686' },
  { node: 'ppc64', deb: 'ppc64el', rpm: 'ppc64le' },
  { node: 's390x', deb: 's390x', rpm: 's390x' },
  { node: 'riscv64', deb: 'riscv64', rpm: 'riscv64' },
];

/** The build machine's architecture. */
export function hostArch(nodeArch: string = process.arch): Arch {
  if (!TABLE.some((row) => row.node === nodeArch)) {
    throw new UserError(`this machine's architecture (Node.js "${nodeArch}") has no deb/rpm name pkgapp knows, and the app ships native code`, {
      code: 'PKGAPP_HOST_ARCH_UNKNOWN',
      hint: `Build on ${TABLE.map((r) => r.deb).join(', ')} hardware, or name the target with --arch and --force-arch if the binaries are for it`,
    });
  }
  return nodeArch;
}

/** Reads --arch in any naming (amd64, x86_64, x64; all, noarch). */
export function parseArch(value: string): Arch {
  if (value === 'all' || value === 'noarch') return 'all';
  const row = TABLE.find((r) => r.node === value || r.deb === value || r.rpm === value);
  if (!row) {
    throw new UserError(`--arch "${value}" is not an architecture pkgapp knows`, {
      code: 'PKGAPP_ARCH_INVALID',
      hint: `Use all, ${TABLE.map((r) => r.deb).join(', ')} (Debian names) or ${TABLE.map((r) => r.rpm).join(', ')} (rpm names)`,
    });
  }
  return row.node;
}

/** Debian's name: "all" or e.g. "amd64". */
export function debArch(arch: Arch): string {
  return arch === 'all' ? 'all' : TABLE.find((r) => r.node === arch)!.deb;
}

/** rpm's name: "noarch" or e.g. "x86_64". */
export function rpmArch(arch: Arch): string {
  return arch === 'all' ? 'noarch' : TABLE.find((r) => r.node === arch)!.rpm;
}
