// rpm's architecture names (rpmrc) for Node.js's.
import type { ArchNames } from '../manifest/arch.js';

export const RPM_ARCH: ArchNames = {
  label: 'rpm',
  all: 'noarch',
  names: {
    x64: 'x86_64',
    arm64: 'aarch64',
    arm: 'armv7hl',
    ia32: 'i686',
    ppc64: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
  },
};
