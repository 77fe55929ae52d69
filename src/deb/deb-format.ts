// The deb format as the registry sees it. What only a build needs (deb-builder.ts), the readers
// and the inspect renderer load on first use: start-up stays light for every command and for
// rpm-only builds.
import { AR_MAGIC } from './ar.js';
import { DEB_ARCH } from './deb-arch.js';
import { debLayout } from './deb-layout.js';
import type { PackageFormat } from '../package-format.js';

const builder = () => import('./deb-builder.js');

export const debFormat: PackageFormat = {
  target: 'deb',
  article: 'a .deb',
  layout: debLayout,
  arch: DEB_ARCH,
  // An ar archive (deb(5)): a plain ar file is told apart only when its members are read.
  detect: (head) => head.length >= AR_MAGIC.length && head.subarray(0, AR_MAGIC.length).equals(AR_MAGIC),
  check: async (manifest) => (await builder()).checkDeb(manifest),
  write: async (job) => (await builder()).writeDebPackage(job),
  // verify brings in openpgp.
  reader: {
    inspect: async (file) => (await import('./inspect-deb.js')).inspectDeb(file),
    renderDetails: async (inspection, out) =>
      (await import('./render-deb-inspection.js')).renderDebDetails(inspection, out),
    verify: async (file, keys) => (await import('./verify-deb.js')).verifyDeb(file, keys),
  },
  repository: 'apt',
};
