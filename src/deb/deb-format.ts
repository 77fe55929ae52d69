// The deb format: generated files + contents → control, scripts → writeDeb.
import path from 'node:path';
import { generatedFiles } from '../contents/generated-files.js';
import type { PackageFormat, PackageJob, WrittenPackage } from '../formats.js';
import { debArch } from '../manifest/arch.js';
import { targetLayout } from '../manifest/layout.js';
import { debVersion } from '../manifest/versions.js';
import { debDepends, installedSizeKiB, renderControl } from './control.js';
import { debianDocFiles } from './debian-docs.js';
import { renderDebScripts } from './maintainer-scripts.js';
import { writeDeb } from './write-deb.js';

async function write(job: PackageJob): Promise<WrittenPackage> {
  const { manifest } = job;
  const generated = [...generatedFiles(manifest, targetLayout('deb', manifest.name), job.bundled), ...debianDocFiles(manifest)];
  // dpkg needs each directory before its contents: a depth-first walk (docs/internals/deb-archive.md).
  const entries = job.contents.ordered(generated, 'slash-first');
  const version = debVersion(manifest.version, manifest.release);
  const architecture = debArch(job.arch);
  const written = await writeDeb({
    outFile: path.join(job.outDir, `${manifest.name}_${version}_${architecture}.deb`),
    entries,
    control: renderControl(manifest, architecture, installedSizeKiB(entries)),
    scripts: renderDebScripts(manifest),
    compression: job.compression,
    level: job.level,
    ...(job.signer ? { signer: job.signer } : {}),
    ...(job.progress ? { progress: job.progress } : {}),
    mtime: manifest.buildTime,
  });
  let files = 0;
  for (const e of entries) if (e.kind !== 'dir') files++;
  return { ...written, version, architecture, files };
}

export const debFormat: PackageFormat = {
  target: 'deb',
  check: (manifest) => {
    debDepends(manifest);
    renderDebScripts(manifest);
  },
  write,
};
