// What a package format is, as shared code sees it: the types every format implements and the
// registry (src/formats.ts) holds. A leaf module: it imports types only, and no format module
// imports the registry, so no import cycle runs through the formats.
import type { ReadonlyEntryStore } from './contents/entry-store.js';
import type { BundledLicense } from './contents/generated-files.js';
import type { Inspection } from './inspect/inspection.js';
import type { Arch, ArchNames } from './manifest/arch.js';
import type { TargetLayout } from './manifest/layout.js';
import type { Manifest } from './manifest/manifest.js';
import type { Signer } from './sign/signer.js';
import type { readPublicKeys } from './sign/verify-signature.js';
import type { PendingFile } from './util/atomic-output.js';
import type { Compression } from './util/compression.js';
import type { SegmentCache } from './util/payload-segments.js';
import type { VerifyResult } from './verify/verify-result.js';

/** A registered format's name, as --target and BuiltPackage.format spell it ("deb", "rpm"). */
export type Target = string;

/** What every format gets: the resolved metadata and the collected app and node_modules. */
export interface PackageJob {
  manifest: Manifest;
  /** App files and node_modules under the install directory (generated files are the format's). */
  contents: ReadonlyEntryStore;
  bundled: readonly BundledLicense[];
  arch: Arch;
  outDir: string;
  compression: Compression;
  level: number;
  /** Signs the package (deb: _gpgorigin; rpm: header and header+payload signatures). */
  signer?: Signer;
  /** Told the totals when writing starts, then each file as it goes into the archive. */
  progress?: WriteProgress;
  /** Compressed payload segments of earlier builds to reuse (util/payload-segments.ts); same bytes without. */
  segmentCache?: SegmentCache;
}

/** Progress of one package writer: totals first, then one call per regular file. */
export interface WriteProgress {
  start(files: number, bytes: number): void;
  file(bytes: number): void;
}

/** A package written under a temporary name, until build() commits every package at once. */
export interface WrittenPackage extends PendingFile {
  path: string;
  version: string;
  architecture: string;
  size: number;
  sha256: string;
  files: number;
  /** The package's name when it is not the app's (a release's payload package, NAME-release-ID). */
  name?: string;
  /** More packages of this format written for the same build (pkgapp.releases: the payload package). */
  extra?: WrittenPackage[];
}

/** Reads packages of this format for `pkgapp inspect` and `pkgapp verify`. */
export interface PackageReader {
  inspect(file: string): Promise<Inspection>;
  /**
   * The format's own sections of the human report (summary line, metadata, dependencies,
   * scripts), pushed onto `out`. May be async so that a format loads its renderer only for inspect.
   */
  renderDetails(inspection: Inspection, out: string[]): void | Promise<void>;
  /** The package's signatures (and digests) checked against `keys`; `valid` and `problem` are added by verify(). */
  verify(
    file: string,
    keys: Awaited<ReturnType<typeof readPublicKeys>>,
  ): Promise<Omit<VerifyResult, 'valid' | 'problem'>>;
}

export interface PackageFormat {
  target: Target;
  /** The file as messages name it: "a .deb", "an .rpm". */
  article: string;
  /** Where this format's systems keep the unit, the environment file and the docs. */
  layout(name: string): TargetLayout;
  arch: ArchNames;
  /** True when the first bytes of a file (up to 8; fewer when the file is shorter) are this format's magic. */
  detect(head: Buffer): boolean;
  /**
   * Throws (or rejects with) UserError for metadata this format cannot express, before anything
   * is installed. May be async so that a format loads its writer only when a build asks for it.
   */
  check(manifest: Manifest): void | Promise<void>;
  /** Throws (or rejects with) UserError for collected contents this format cannot hold, before anything is written. */
  checkContents?(contents: ReadonlyEntryStore): void | Promise<void>;
  write(job: PackageJob): Promise<WrittenPackage>;
  /** inspect and verify. */
  reader: PackageReader;
  /** The kind of repository `pkgapp publish` adds it to ("apt", "yum"); without one publish refuses the file. */
  repository?: string;
}
