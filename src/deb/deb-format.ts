// The deb format: generated files + contents → control, scripts → writeDeb.
import path from 'node:path';
import { generatedFiles } from '../contents/generated-files.js';
import { archName } from '../manifest/arch.js';
import type { PackageFormat, PackageJob, WrittenPackage } from '../package-format.js';
import { AR_MAGIC } from './ar.js';
import { DEB_ARCH } from './deb-arch.js';
import { debLayout } from './deb-layout.js';
import { debVersion } from './deb-version.js';
import { debDepends, installedSizeKiB, renderControl } from './control.js';
import { debianDocFiles } from './debian-docs.js';
import { renderDebDetails } from './render-deb-inspection.js';
import { renderDebScripts } from './maintainer-scripts.js';
import { debJobSettings, writeDeb } from './write-deb.js';
import { writeDebRelease } from './deb-releases.js';
import { checkReleases } from '../releases/check-releases.js';

async function write(job: PackageJob): Promise<WrittenPackage> {
  const { manifest } = job;
  // pkgapp.releases: the release's payload package beside a small NAME package.
  if (manifest.releases) return writeDebRelease(job);
  const generated = [...generatedFiles(manifest, debLayout(manifest.name), job.bundled), ...debianDocFiles(manifest)];
  // dpkg needs each directory before its contents: a depth-first walk (docs/internals/deb-archive.md).
  const entries = job.contents.ordered(generated, 'slash-first');
  const version = debVersion(manifest.version, manifest.release);
  const architecture = archName(DEB_ARCH, job.arch);
  const written = await writeDeb({
    outFile: path.join(job.outDir, `${manifest.name}_${version}_${architecture}.deb`),
    entries,
    control: renderControl(manifest, architecture, installedSizeKiB(entries)),
    scripts: renderDebScripts(manifest),
    ...debJobSettings(job, manifest.buildTime),
  });
  let files = 0;
  for (const e of entries) if (e.kind !== 'dir') files++;
  const { tmpPath: _t, ...done } = written;
  return { ...done, version, architecture, files };
}

export const debFormat: PackageFormat = {
  target: 'deb',
  article: 'a .deb',
  layout: debLayout,
  arch: DEB_ARCH,
  // An ar archive (deb(5)): a plain ar file is told apart only when its members are read.
  detect: (head) => head.length >= AR_MAGIC.length && head.subarray(0, AR_MAGIC.length).equals(AR_MAGIC),
  check: (manifest) => {
    checkReleases(manifest, 'deb');
    debDepends(manifest);
    renderDebScripts(manifest);
  },
  write,
  // The readers load on first use: build never needs them, and verify brings in openpgp.
  reader: {
    inspect: async (file) => (await import('./inspect-deb.js')).inspectDeb(file),
    renderDetails: renderDebDetails,
    verify: async (file, keys) => (await import('./verify-deb.js')).verifyDeb(file, keys),
  },
  repository: 'apt',
};
