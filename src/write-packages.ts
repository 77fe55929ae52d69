// Writes every requested format and the SBOM side by side (compression on every core for each),
// each under a temporary name, and renames them into place together only when all succeeded
// (commitAll: all or nothing): one failing format, or an abort, leaves the output directory as it was.
import { writeFile } from 'node:fs/promises';
import type { PackageFormat, PackageJob, WriteProgress, WrittenPackage } from './package-format.js';
import { atomicFile, checkAborted, commitAll, type PendingFile } from './util/atomic-output.js';

type Counts = { files: number; bytes: number };

export interface WriteRequest {
  formats: readonly PackageFormat[];
  job: Omit<PackageJob, 'progress'>;
  sbom: { path: string; text: string };
  /** Files and bytes written so far over the totals, all formats together. */
  progress?: (done: Counts, total: Counts) => void;
}

/** The packages, committed, in `formats` order. Throws the first failure after aborting the rest. */
export async function writePackages(request: WriteRequest): Promise<WrittenPackage[]> {
  const progress = request.progress && sharedProgress(request.progress);
  const job: PackageJob = { ...request.job, ...(progress ? { progress } : {}) };
  const settled = await Promise.allSettled([
    ...request.formats.map((format) => format.write(job)),
    writePending(request.sbom.path, request.sbom.text),
  ]);
  // A format may write more than one package (pkgapp.releases): each is committed or aborted too.
  const done = settled.flatMap((s) =>
    s.status === 'fulfilled' ? [s.value, ...((s.value as Partial<WrittenPackage>).extra ?? [])] : [],
  );
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  try {
    if (failure) throw failure.reason;
    checkAborted(); // the last point where stopping leaves nothing changed
  } catch (error) {
    await Promise.all(done.map((file) => file.abort()));
    throw error;
  }
  await commitAll(done);
  return settled.slice(0, request.formats.length).map((s) => (s as PromiseFulfilledResult<WrittenPackage>).value);
}

/** One progress for all formats: each adds its totals when it starts. */
function sharedProgress(report: (done: Counts, total: Counts) => void): WriteProgress {
  const total = { files: 0, bytes: 0 };
  const done = { files: 0, bytes: 0 };
  return {
    start(files, bytes) {
      total.files += files;
      total.bytes += bytes;
    },
    file(bytes) {
      done.files += 1;
      done.bytes += bytes;
      report(done, total);
    },
  };
}

/** A small file (the SBOM) written under a temporary name, committed with the packages. */
async function writePending(file: string, text: string): Promise<PendingFile> {
  const out = atomicFile(file);
  try {
    await writeFile(out.tmpPath, text);
  } catch (error) {
    await out.abort();
    throw error;
  }
  return out;
}
