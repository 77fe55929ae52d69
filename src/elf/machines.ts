// e_machine values (System V gABI, and the registry in binutils' include/elf/common.h) named the
// way Debian and Fedora name the architectures, with the class and byte order where the same
// e_machine covers several (EM_PPC64 is ppc64le or ppc64, EM_RISCV is riscv64 or riscv32).

const NAMES: Readonly<Record<number, string | ((bits: 32 | 64, little: boolean) => string)>> = {
  2: (bits) => (bits === 64 ? 'sparc64' : 'sparc'),
  3: 'i386',
  8: (bits, little) => `mips${bits === 64 ? '64' : ''}${little ? 'el' : ''}`,
  20: 'ppc',
  21: (_bits, little) => (little ? 'ppc64le' : 'ppc64'),
  22: (bits) => (bits === 64 ? 's390x' : 's390'),
  40: (_bits, little) => (little ? 'arm' : 'armeb'),
  43: 'sparc64',
  50: 'ia64',
  62: 'x86_64',
  183: 'aarch64',
  243: (bits) => (bits === 64 ? 'riscv64' : 'riscv32'),
  258: 'loongarch64',
};

/** The architecture name of an ELF machine; `EM_<n>` for one pkgapp does not know. */
export function machineName(machine: number, bits: 32 | 64, little: boolean): string {
  const name = NAMES[machine];
  if (name === undefined) return `EM_${machine}`;
  return typeof name === 'string' ? name : name(bits, little);
}

/** The machine (as machineName() spells it) that runs each Node.js architecture's (process.arch) programs. */
export const NODE_ARCH_MACHINE: Readonly<Record<string, string>> = {
  x64: 'x86_64',
  arm64: 'aarch64',
  arm: 'arm',
  ia32: 'i386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};
