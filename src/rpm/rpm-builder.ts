// What building an rpm takes (check the metadata and contents, write the package): loaded by
// rpm-format.ts only when a build asks for an rpm, so inspect, verify, publish and deb-only
// builds never load it.
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ContentEntry } from '../contents/content-entry.js';
import type { ReadonlyEntryStore } from '../contents/entry-store.js';
import { generatedFiles } from '../contents/generated-files.js';
import { archName } from '../manifest/arch.js';
import type { PackageJob, WrittenPackage } from '../package-format.js';
import type { Manifest } from '../manifest/manifest.js';
import { checkReleases } from '../releases/check-releases.js';
import { requires } from './header-sections.js';
import { RPM_ARCH } from './rpm-arch.js';
import { rpmFiles } from './rpm-files.js';
import { rpmLayout } from './rpm-layout.js';
import { rpmVersion } from './rpm-version.js';
import { renderRpmScriptlets } from './scriptlets.js';
import { writeRpm } from './write-rpm.js';

/** Throws UserError for metadata an rpm cannot express, before anything is installed. */
export function checkRpm(manifest: Manifest): void {
  checkReleases(manifest, 'rpm'); // pkgapp.releases: not with a bundled runtime yet
  requires({ manifest, scripts: renderRpmScriptlets(manifest), compression: 'gzip' }, '0', false);
}

/** cpio newc sizes are 8 hex digits: files of 4 GiB or more need rpm's stripped format, not written yet. */
export function checkRpmContents(contents: ReadonlyEntryStore): void {
  const big = contents.largestFile();
  if (big && big.kind === 'file' && big.size >= 2 ** 32) {
    throw new UserError(`/${big.path} is ${big.size} bytes: pkgapp cannot put files of 4 GiB or more in an rpm yet`, {
      code: 'PKGAPP_RPM_FILE_TOO_LARGE',
      hint: 'Build a deb for this app, or keep the file out of the package (pkgapp.exclude) and ship it separately',
    });
  }
}

/** rpm owns /var/lib/NAME (mode 0750, the service user's): the user exists from %pre on. */
function stateDirectory(manifest: Manifest): ContentEntry[] {
  return manifest.service
    ? [{ kind: 'dir', path: manifest.paths.stateDir.slice(1), mode: 0o750, owner: manifest.service.user }]
    : [];
}

/** Generated files + contents (+ the state directory it owns) → writeRpm. */
export async function writeRpmPackage(job: PackageJob): Promise<WrittenPackage> {
  const { manifest } = job;
  const settings = {
    compression: job.compression,
    level: job.level,
    ...(job.signer ? { signer: job.signer } : {}),
    ...(job.progress ? { progress: job.progress } : {}),
    ...(job.segmentCache ? { segmentCache: job.segmentCache } : {}),
  };
  // pkgapp.releases: the release's payload package beside a small NAME package (loaded only then).
  if (manifest.releases)
    return (await import('./rpm-releases.js')).writeRpmRelease(job, stateDirectory(manifest), settings);
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
