// The package formats: each turns the shared contents into one package file. Listed explicitly
// (no self-registration) so build() sees every format in one place.
import type { ReadonlyEntryStore } from './contents/entry-store.js';
import type { BundledLicense } from './contents/generated-files.js';
import type { Arch } from './manifest/arch.js';
import type { Target } from './manifest/layout.js';
import type { Manifest } from './manifest/manifest.js';
import type { Signer } from './sign/signer.js';
import type { PendingFile } from './util/atomic-output.js';
import type { Compression } from './util/compression.js';
import { debFormat } from './deb/deb-format.js';
import { rpmFormat } from './rpm/rpm-format.js';

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
}

export interface PackageFormat {
  target: Target;
  /** Throws UserError for metadata this format cannot express, before anything is installed. */
  check(manifest: Manifest): void;
  /** Throws UserError for collected contents this format cannot hold, before anything is written. */
  checkContents?(contents: ReadonlyEntryStore): void;
  write(job: PackageJob): Promise<WrittenPackage>;
}

export const FORMATS: Record<Target, PackageFormat> = { deb: debFormat, rpm: rpmFormat };
