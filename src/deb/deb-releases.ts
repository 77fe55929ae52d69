// pkgapp.releases for Debian (docs/internals/releases.md): one build writes two packages.
//   NAME-release-ID  the app and node_modules in /opt/NAME/releases/ID, a copy of the NAME
//                    package below (for an offline rollback), its docs; Depends: the runtime,
//                    the libraries, pkgapp.depends.deb and NAME (so removing NAME removes it).
//   NAME             unit, environment file, commands, health gate, rollback, maintainer
//                    scripts; Depends: NAME-release-ID (= VERSION), the release it switches to.
// Each release is its own package name, so dpkg keeps several side by side as it does kernels.
import path from 'node:path';
import type { ContentEntry } from '../contents/content-entry.js';
import { EntryStore } from '../contents/entry-store.js';
import { generatedFiles, renderCopyright } from '../contents/generated-files.js';
import { archName } from '../manifest/arch.js';
import type { Manifest } from '../manifest/manifest.js';
import type { PackageJob, WrittenPackage } from '../package-format.js';
import { keptPackagePath } from '../releases/rollback.js';
import { debDepends, installedSizeKiB, renderControl } from './control.js';
import { DEB_ARCH } from './deb-arch.js';
import { debLayout } from './deb-layout.js';
import { debVersion } from './deb-version.js';
import { debianDocFiles } from './debian-docs.js';
import { renderDebScripts } from './maintainer-scripts.js';
import { debJobSettings, writeDeb, type DebWriteResult } from './write-deb.js';

export async function writeDebRelease(job: PackageJob): Promise<WrittenPackage> {
  const { manifest } = job;
  const releases = manifest.releases!;
  const version = debVersion(manifest.version, manifest.release);
  const architecture = archName(DEB_ARCH, job.arch);
  const payloadPrefix = `${releases.payloadDir.slice(1)}/`;
  // The generated files that belong to the release's directory (links into /var/cache/NAME) go with it.
  const generated = generatedFiles(manifest, debLayout(manifest.name), job.bundled);
  const inRelease = (e: ContentEntry) => e.path.startsWith(payloadPrefix);
  const common = debJobSettings(job, manifest.buildTime);

  const serviceEntries = new EntryStore().ordered(
    [...generated.filter((e) => !inRelease(e)), ...debianDocFiles(manifest)],
    'slash-first',
  );
  const service = await writeDeb({
    outFile: path.join(job.outDir, `${manifest.name}_${version}_${architecture}.deb`),
    entries: serviceEntries,
    control: renderControl(manifest, architecture, installedSizeKiB(serviceEntries), {
      package: manifest.name,
      depends: [`${releases.packageName} (= ${version})`, ...(manifest.service ? ['adduser'] : [])],
      synopsisSuffix: '',
      description: [
        ...manifest.description,
        `The application itself is in ${releases.packageName} (${releases.payloadDir}); ${releases.currentLink} points at the release that runs, and ${releases.rollback} switches to another installed one.`,
      ],
    }),
    scripts: renderDebScripts(manifest),
    ...common,
  });
  try {
    // The release's own docs, as Debian wants them of every package, named for its package.
    const view: Manifest = {
      ...manifest,
      name: releases.packageName,
      paths: { ...manifest.paths, appDir: releases.payloadDir },
    };
    const copyright = Buffer.from(renderCopyright(view, job.bundled));
    const kept: ContentEntry = {
      kind: 'file',
      path: `${payloadPrefix}${keptPackagePath(manifest, 'deb')}`,
      mode: 0o644,
      size: service.size,
      source: { file: service.tmpPath },
    };
    const extras: ContentEntry[] = [
      ...generated.filter(inRelease),
      kept,
      {
        kind: 'file',
        path: `usr/share/doc/${releases.packageName}/copyright`,
        mode: 0o644,
        size: copyright.length,
        source: { body: copyright },
      },
      ...debianDocFiles(view),
    ];
    const entries = job.contents.ordered(extras, 'slash-first');
    const payload = await writeDeb({
      outFile: path.join(job.outDir, `${releases.packageName}_${version}_${architecture}.deb`),
      entries,
      control: renderControl(manifest, architecture, installedSizeKiB(entries), {
        package: releases.packageName,
        // adduser is the NAME package's (its postinst makes the user); the rest is what the app needs.
        depends: [...debDepends(manifest).filter((d) => d !== 'adduser'), manifest.name],
        synopsisSuffix: ` (release ${releases.id})`,
        description: [
          ...manifest.description,
          `This is release ${releases.id} of ${manifest.name}, installed in ${releases.payloadDir} beside the other kept releases (pkgapp.releases keep ${releases.keep}); the package ${manifest.name} runs it.`,
        ],
      }),
      scripts: {},
      ...common,
    });
    return {
      ...packageOf(service, version, architecture, serviceEntries),
      extra: [{ ...packageOf(payload, version, architecture, entries), name: releases.packageName }],
    };
  } catch (error) {
    await service.abort();
    throw error;
  }
}

function packageOf(
  written: DebWriteResult,
  version: string,
  architecture: string,
  entries: Iterable<ContentEntry>,
): WrittenPackage {
  const { tmpPath: _t, ...done } = written;
  let files = 0;
  for (const e of entries) if (e.kind !== 'dir') files++;
  return { ...done, version, architecture, files };
}
