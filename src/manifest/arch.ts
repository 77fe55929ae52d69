// Node's process.arch ↔ Debian architecture names (dpkg-architecture -L). Pure.

const DEB_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'armhf', ia32: 'i386', ppc64: 'ppc64el', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };

/** The Debian architecture of the machine running pkgapp. */
export function hostDebArch(nodeArch: string = process.arch): string {
  const arch = DEB_ARCH[nodeArch];
  if (arch === undefined) throw new Error(`no Debian architecture known for Node.js arch "${nodeArch}"`);
  return arch;
}

/** Debian architecture names pkgapp accepts for --arch. */
export const DEB_ARCHES = ['all', ...Object.values(DEB_ARCH)];
