// Debian's architecture names (dpkg-architecture -L) for Node.js's.
import type { ArchNames } from '../manifest/arch.js';

export const DEB_ARCH: ArchNames = {
  label: 'Debian',
  all: 'all',
  names: {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'armhf',
    ia32: 'i386',
    ppc64: 'ppc64el',
    s390x: 's390x',
    riscv64: 'riscv64',
  },
};
