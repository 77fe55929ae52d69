// The rpm format as the registry sees it. What only a build needs (rpm-builder.ts), the readers
// and the inspect renderer load on first use: start-up stays light for every command and for
// deb-only builds.
import type { PackageFormat } from '../package-format.js';
import { RPM_LEAD_MAGIC } from './lead-magic.js';
import { RPM_ARCH } from './rpm-arch.js';
import { rpmLayout } from './rpm-layout.js';

const builder = () => import('./rpm-builder.js');

export const rpmFormat: PackageFormat = {
  target: 'rpm',
  article: 'an .rpm',
  layout: rpmLayout,
  arch: RPM_ARCH,
  // The lead's magic (docs/internals/rpm-package.md).
  detect: (head) => head.length >= 4 && head.readUInt32BE(0) === RPM_LEAD_MAGIC,
  check: async (manifest) => (await builder()).checkRpm(manifest),
  checkContents: async (contents) => (await builder()).checkRpmContents(contents),
  write: async (job) => (await builder()).writeRpmPackage(job),
  // verify brings in openpgp.
  reader: {
    inspect: async (file) => (await import('./inspect-rpm.js')).inspectRpm(file),
    renderDetails: async (inspection, out) =>
      (await import('./render-rpm-inspection.js')).renderRpmDetails(inspection, out),
    verify: async (file, keys) => (await import('./verify-rpm.js')).verifyRpm(file, keys),
  },
  repository: 'yum',
};
