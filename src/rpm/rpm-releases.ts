// pkgapp.releases for rpm (docs/internals/releases.md): one build writes two packages, as for deb.
//   NAME-release-ID  the app and node_modules in /opt/NAME/releases/ID, a copy of the NAME
//                    package below (for an offline rollback); Requires: the runtime, the
//                    libraries, pkgapp.depends.rpm and NAME (so erasing NAME takes it along).
//   NAME             unit, environment file, commands, health gate, rollback,
//                    after-rpm-transaction, scriptlets; Requires: NAME-release-ID = VERSION-RELEASE.
// Each release is its own package name, so rpm keeps several side by side (rpm -U installs a
// new name beside the others; only a package of the same name is replaced).
import path from 'node:path';
import type { ContentEntry } from '../contents/content-entry.js';
import { EntryStore } from '../contents/entry-store.js';
import { generatedFiles } from '../contents/generated-files.js';
import { archName } from '../manifest/arch.js';
import type { Manifest } from '../manifest/manifest.js';
import type { PackageJob, WrittenPackage } from '../package-format.js';
import { renderTemplate } from '../render/render-template.js';
import { afterRpmTransactionPath, keptPackagePath, renderAfterRpmTransaction } from '../releases/rollback.js';
import { RPM_ARCH } from './rpm-arch.js';
import { rpmFiles } from './rpm-files.js';
import { rpmLayout } from './rpm-layout.js';
import { rpmVersion } from './rpm-version.js';
import { renderRpmScriptlets } from './scriptlets.js';
import { writeRpm, type RpmWriteInput, type RpmWriteResult } from './write-rpm.js';

export async function writeRpmRelease(
  job: PackageJob,
  stateDirectory: ContentEntry[],
  settings: Pick<RpmWriteInput, 'compression' | 'level' | 'signer' | 'progress' | 'segmentCache'>,
): Promise<WrittenPackage> {
  const { manifest } = job;
  const releases = manifest.releases!;
  const { version, release } = rpmVersion(manifest.version, manifest.release);
  const evr = `${version}-${release}`;
  const architecture = archName(RPM_ARCH, job.arch);
  const payloadPrefix = `${releases.payloadDir.slice(1)}/`;
  // The generated files that belong to the release's directory (links into /var/cache/NAME) go with it.
  const generated = generatedFiles(manifest, rpmLayout(manifest.name), job.bundled);
  const inRelease = (e: ContentEntry) => e.path.startsWith(payloadPrefix);
  const afterRpm = Buffer.from(renderAfterRpmTransaction(manifest));

  // The NAME package: what the release needs (runtime, libraries, extra Requires) is the release's.
  const serviceView: Manifest = {
    ...manifest,
    extraDepends: { ...manifest.extraDepends, rpm: [`${releases.packageName} = ${evr}`] },
    libraryDepends: undefined,
    description: [
      ...manifest.description,
      `The application itself is in ${releases.packageName} (${releases.payloadDir}); ${releases.currentLink} points at the release that runs, and ${releases.rollback} switches to another installed one.`,
    ],
  };
  const serviceEntries = new EntryStore().ordered(
    [
      ...generated.filter((e) => !inRelease(e)),
      {
        kind: 'file',
        path: afterRpmTransactionPath(manifest).slice(1),
        mode: 0o755,
        size: afterRpm.length,
        source: { body: afterRpm },
      } satisfies ContentEntry,
      ...stateDirectory,
    ],
    'code-point',
  );
  // Directories owned (rpmFiles): NAME owns /opt/NAME and what it puts there; every release owns
  // /opt/NAME and /opt/NAME/releases too (shared), and its own directory. NAME and its releases
  // require each other, so rpm erases them in either order; whichever goes last removes
  // /opt/NAME, empty by then.
  const owning = (dir: string): Manifest => ({ ...manifest, paths: { ...manifest.paths, appDir: dir } });
  const releasesDir = path.posix.dirname(releases.payloadDir);
  const serviceFiles = rpmFiles(serviceEntries, owning(path.posix.dirname(releases.currentLink)));
  const service = await writeRpm({
    outFile: path.join(job.outDir, `${manifest.name}-${evr}.${architecture}.rpm`),
    manifest: serviceView,
    arch: architecture,
    files: serviceFiles,
    scripts: renderRpmScriptlets(manifest),
    ...settings,
  });
  try {
    const releaseView: Manifest = {
      ...manifest,
      name: releases.packageName,
      extraDepends: { ...manifest.extraDepends, rpm: [...manifest.extraDepends.rpm, manifest.name] },
      description: [
        ...manifest.description,
        `This is release ${releases.id} of ${manifest.name}, installed in ${releases.payloadDir} beside the other kept releases (pkgapp.releases keep ${releases.keep}); the package ${manifest.name} runs it.`,
      ],
    };
    const kept: ContentEntry = {
      kind: 'file',
      path: `${payloadPrefix}${keptPackagePath(manifest, 'rpm')}`,
      mode: 0o644,
      size: service.size,
      source: { file: service.tmpPath },
    };
    // rpm's file list is in byte order of the paths, for its binary search (docs/internals/rpm-package.md).
    const entries = job.contents.ordered([...generated.filter(inRelease), kept], 'code-point');
    const files = rpmFiles(entries, { ...owning(path.posix.dirname(releasesDir)), name: releases.packageName });
    const payload = await writeRpm({
      outFile: path.join(job.outDir, `${releases.packageName}-${evr}.${architecture}.rpm`),
      manifest: releaseView,
      arch: architecture,
      files,
      scripts: { post: renderTemplate('rpm/release-post', { name: manifest.name, packageName: releases.packageName }) },
      ...settings,
    });
    return {
      ...packageOf(service, evr, architecture, serviceFiles),
      extra: [{ ...packageOf(payload, evr, architecture, files), name: releases.packageName }],
    };
  } catch (error) {
    await service.abort();
    throw error;
  }
}

function packageOf(
  written: RpmWriteResult,
  version: string,
  architecture: string,
  files: { count: number; dirs: number },
): WrittenPackage {
  const { tmpPath: _t, ...done } = written;
  return { ...done, version, architecture, files: files.count - files.dirs };
}
