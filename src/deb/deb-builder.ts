// What building a deb takes (check the metadata, write the package): loaded by deb-format.ts only
// when a build asks for a deb, so inspect, verify, publish and rpm-only builds never load it.
import path from 'node:path';
import { generatedFiles } from '../contents/generated-files.js';
import { archName } from '../manifest/arch.js';
import type { Manifest } from '../manifest/manifest.js';
import type { PackageJob, WrittenPackage } from '../package-format.js';
import { checkReleases } from '../releases/check-releases.js';
import { debDepends, renderControl } from './control.js';
import { DEB_ARCH } from './deb-arch.js';
import { debLayout } from './deb-layout.js';
import { debVersion } from './deb-version.js';
import { debianDocFiles } from './debian-docs.js';
import { renderDebScripts } from './maintainer-scripts.js';
import { debJobSettings, writeDeb } from './write-deb.js';

/** Throws UserError for metadata a deb cannot express, before anything is installed. */
export function checkDeb(manifest: Manifest): void {
  checkReleases(manifest, 'deb');
  debDepends(manifest);
  renderDebScripts(manifest);
}

/** Generated files + contents → control, scripts → writeDeb. */
export async function writeDebPackage(job: PackageJob): Promise<WrittenPackage> {
  const { manifest } = job;
  // pkgapp.releases: the release's payload package beside a small NAME package (loaded only then).
  if (manifest.releases) return (await import('./deb-releases.js')).writeDebRelease(job);
  const generated = [...generatedFiles(manifest, debLayout(manifest.name), job.bundled), ...debianDocFiles(manifest)];
  // dpkg needs each directory before its contents: a depth-first walk (docs/internals/deb-archive.md).
  const entries = job.contents.ordered(generated, 'slash-first');
  const version = debVersion(manifest.version, manifest.release);
  const architecture = archName(DEB_ARCH, job.arch);
  const written = await writeDeb({
    outFile: path.join(job.outDir, `${manifest.name}_${version}_${architecture}.deb`),
    entries,
    control: (installedSize) => renderControl(manifest, architecture, installedSize),
    scripts: renderDebScripts(manifest),
    ...debJobSettings(job, manifest.buildTime),
  });
  const { tmpPath: _t, members: files, ...done } = written;
  return { ...done, version, architecture, files };
}
