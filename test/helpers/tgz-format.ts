// A third package format, defined entirely here to prove that formats plug in through
// registerFormat() alone: "tgz", a plain gzip-compressed tar of the installed tree, with a
// layout of its own (units in /etc/systemd/system, the environment file in /etc/NAME/,
// documents in /usr/local/share/doc/NAME) and no maintainer scripts. It has no repository,
// so publish refuses it. Simple on purpose: files are read whole, which suits test apps only.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import type { FileEntry } from '../../src/contents/content-entry.js';
import { generatedFiles } from '../../src/contents/generated-files.js';
import { UserError } from '../../src/errors.js';
import { summarizeFiles, type InspectedFile, type Inspection } from '../../src/inspect/inspection.js';
import { listTar } from '../../src/inspect/tar-listing.js';
import { archName, type ArchNames } from '../../src/manifest/arch.js';
import type { TargetLayout } from '../../src/manifest/layout.js';
import { upstreamVersion } from '../../src/manifest/versions.js';
import type { PackageFormat, PackageJob, WrittenPackage } from '../../src/package-format.js';
import { atomicFile } from '../../src/util/atomic-output.js';

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);
const TGZ_ARCH: ArchNames = {
  label: 'tgz',
  all: 'any',
  names: { x64: 'x64', arm64: 'arm64', arm: 'arm', ia32: 'ia32', ppc64: 'ppc64', s390x: 's390x', riscv64: 'riscv64' },
};

function tgzLayout(name: string): TargetLayout {
  return {
    target: 'tgz',
    envFile: `/etc/${name}/${name}.env`,
    unitPath: `etc/systemd/system/${name}.service`,
    templateUnitPath: `etc/systemd/system/${name}@.service`,
    docDir: `/usr/local/share/doc/${name}`,
  };
}

/** NAME_VERSION_ARCH.tar.gz: the reader takes name, version and architecture back from it. */
function fileName(name: string, version: string, arch: string): string {
  return `${name}_${version}_${arch}.tar.gz`;
}

async function write(job: PackageJob): Promise<WrittenPackage> {
  const { manifest } = job;
  const version = upstreamVersion(manifest.version) + (manifest.release === undefined ? '' : `-${manifest.release}`);
  const architecture = archName(TGZ_ARCH, job.arch);
  const out = atomicFile(path.join(job.outDir, fileName(manifest.name, version, architecture)));
  const pack = tar.pack();
  const written = pipeline(pack, createGzip({ level: job.level }), createWriteStream(out.tmpPath));
  let files = 0;
  try {
    const all = [
      ...job.contents.ordered(generatedFiles(manifest, tgzLayout(manifest.name), job.bundled), 'slash-first'),
    ];
    job.progress?.start(
      all.filter((e) => e.kind === 'file').length,
      all.reduce((n, e) => n + (e.kind === 'file' ? e.size : 0), 0),
    );
    for (const entry of all) {
      const header = {
        name: entry.path,
        mtime: new Date(manifest.buildTime * 1000),
        uid: 0,
        gid: 0,
        uname: 'root',
        gname: 'root',
      };
      if (entry.kind === 'dir') pack.entry({ ...header, type: 'directory', mode: entry.mode });
      else if (entry.kind === 'symlink')
        pack.entry({ ...header, type: 'symlink', mode: 0o777, linkname: entry.target });
      else {
        const body = await fileBody(entry);
        await new Promise<void>((resolve, reject) =>
          pack.entry({ ...header, type: 'file', mode: entry.mode, size: body.length }, body, (error) =>
            error ? reject(error) : resolve(),
          ),
        );
        files++;
        job.progress?.file(body.length);
      }
    }
    pack.finalize();
    await written;
  } catch (error) {
    pack.destroy(error as Error);
    await written.catch(() => {});
    await out.abort();
    throw error;
  }
  const bytes = await readFile(out.tmpPath);
  return {
    commit: () => out.commit(),
    abort: () => out.abort(),
    commitReversibly: () => out.commitReversibly(),
    path: path.join(job.outDir, fileName(manifest.name, version, architecture)),
    version,
    architecture,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    files,
  };
}

async function fileBody(entry: FileEntry): Promise<Buffer> {
  if ('body' in entry.source) return entry.source.body;
  const raw = await readFile(entry.source.file);
  return entry.rewriteHead ? Buffer.concat([entry.rewriteHead.insert, raw.subarray(entry.rewriteHead.skip)]) : raw;
}

/** What inspect() reports: the file list from the archive, name, version and architecture from the file name. */
async function inspectTgz(file: string): Promise<Inspection> {
  const files: InspectedFile[] = [];
  await listTar(createReadStream(file), 'gzip', (h) => {
    const type =
      h.type === 'directory' ? 'directory' : h.type === 'symlink' ? 'symlink' : h.type === 'file' ? 'file' : 'other';
    files.push({
      path: `/${h.name.replace(/\/$/, '')}`,
      type,
      mode: h.mode ?? 0,
      size: h.size ?? 0,
      user: h.uname ?? '',
      group: h.gname ?? '',
      ...(h.linkname ? { linkTo: h.linkname } : {}),
    });
  });
  const [name = '', version = '', architecture = ''] = path.basename(file, '.tar.gz').split('_');
  return {
    file,
    format: 'tgz',
    size: (await stat(file)).size,
    name,
    version,
    architecture,
    scripts: [],
    conffiles: [],
    files,
    fileSummary: summarizeFiles(files),
    signature: { signed: false, signatures: [], digests: [] },
  };
}

export const tgzFormat: PackageFormat = {
  target: 'tgz',
  article: 'a .tar.gz',
  layout: tgzLayout,
  arch: TGZ_ARCH,
  detect: (head) => head.length >= GZIP_MAGIC.length && head.subarray(0, GZIP_MAGIC.length).equals(GZIP_MAGIC),
  check: (manifest) => {
    // No maintainer scripts run from a tarball: hooks would be silently lost.
    if (Object.keys(manifest.hooks).length)
      throw new UserError('pkgapp.hooks: a tgz package runs no scripts', {
        code: 'PKGAPP_HOOK_INVALID',
        hint: 'Build a deb or rpm for an app with hooks',
      });
  },
  write,
  reader: {
    inspect: inspectTgz,
    renderDetails: (inspection, out) => {
      out.push('  gzip-compressed tar of the installed tree (no metadata, no scripts)');
    },
    // A tarball carries no signature: verify() reports it as not signed.
    verify: async (file) => ({ file, format: 'tgz', signatures: [], digests: [] }),
  },
};
