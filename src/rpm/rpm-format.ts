// The rpm format: generated files + contents (+ the state directory it owns) → writeRpm.
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ContentEntry } from '../contents/content-entry.js';
import type { ReadonlyEntryStore } from '../contents/entry-store.js';
import { generatedFiles } from '../contents/generated-files.js';
import { archName } from '../manifest/arch.js';
import type { PackageFormat, PackageJob, WrittenPackage } from '../package-format.js';
import type { Manifest } from '../manifest/manifest.js';
import { rpmVersion } from './rpm-version.js';
import { requires } from './header-sections.js';
import { RPM_LEAD_MAGIC } from './read-rpm.js';
import { RPM_ARCH } from './rpm-arch.js';
import { rpmLayout } from './rpm-layout.js';
import { rpmFiles } from './rpm-files.js';
import { renderRpmDetails } from './render-rpm-inspection.js';
import { renderRpmScriptlets } from './scriptlets.js';
import { writeRpm } from './write-rpm.js';
import { checkReleases } from '../releases/check-releases.js';
import { writeRpmRelease } from './rpm-releases.js';

/** rpm owns /var/lib/NAME (mode 0750, the service user's): the user exists from %pre on. */
function stateDirectory(manifest: Manifest): ContentEntry[] {
  return manifest.service
    ? [{ kind: 'dir', path: manifest.paths.stateDir.slice(1), mode: 0o750, owner: manifest.service.user }]
    : [];
}

async function write(job: PackageJob): Promise<WrittenPackage> {
  const { manifest } = job;
  const settings = {
    compression: job.compression,
    level: job.level,
    ...(job.signer ? { signer: job.signer } : {}),
    ...(job.progress ? { progress: job.progress } : {}),
    ...(job.segmentCache ? { segmentCache: job.segmentCache } : {}),
  };
  // pkgapp.releases: the release's payload package beside a small NAME package.
  if (manifest.releases) return writeRpmRelease(job, stateDirectory(manifest), settings);
  const generated = [...generatedFiles(manifest, rpmLayout(manifest.name), job.bundled), ...stateDirectory(manifest)];
  // rpm's file list is in byte order of the paths, for its binary search (docs/internals/rpm-package.md).
  const entries = job.contents.ordered(generated, 'code-point');
  const { version, release } = rpmVersion(manifest.version, manifest.release);
  const architecture = archName(RPM_ARCH, job.arch);
  const files = rpmFiles(entries, manifest);
  const written = await writeRpm({
    outFile: path.join(job.outDir, `${manifest.name}-${version}-${release}.${architecture}.rpm`),
    manifest,
    arch: architecture,
    files,
    scripts: renderRpmScriptlets(manifest),
    ...settings,
  });
  const { tmpPath: _t, ...done } = written;
  return { ...done, version: `${version}-${release}`, architecture, files: files.count - files.dirs };
}

/** cpio newc sizes are 8 hex digits: files of 4 GiB or more need rpm's stripped format, not written yet. */
function checkContents(contents: ReadonlyEntryStore): void {
  const big = contents.largestFile();
  if (big && big.kind === 'file' && big.size >= 2 ** 32) {
    throw new UserError(`/${big.path} is ${big.size} bytes: pkgapp cannot put files of 4 GiB or more in an rpm yet`, {
      code: 'PKGAPP_RPM_FILE_TOO_LARGE',
      hint: 'Build a deb for this app, or keep the file out of the package (pkgapp.exclude) and ship it separately',
    });
  }
}

export const rpmFormat: PackageFormat = {
  target: 'rpm',
  article: 'an .rpm',
  layout: rpmLayout,
  arch: RPM_ARCH,
  // The lead's magic (docs/internals/rpm-package.md).
  detect: (head) => head.length >= 4 && head.readUInt32BE(0) === RPM_LEAD_MAGIC,
  checkContents,
  check: (manifest) => {
    checkReleases(manifest, 'rpm'); // pkgapp.releases: not with a bundled runtime yet
    requires({ manifest, scripts: renderRpmScriptlets(manifest), compression: 'gzip' }, '0', false);
  },
  write,
  // The readers load on first use: build never needs them, and verify brings in openpgp.
  reader: {
    inspect: async (file) => (await import('./inspect-rpm.js')).inspectRpm(file),
    renderDetails: renderRpmDetails,
    verify: async (file, keys) => (await import('./verify-rpm.js')).verifyRpm(file, keys),
  },
  repository: 'yum',
};
