// What `pkgapp inspect` reports about an .rpm beyond what every format reports.
import type { InspectionBase } from '../inspect/inspection.js';
import type { RpmDependencyKind } from './read-rpm.js';

/** An rpm dependency: the raw triple and rpm's rendering of it ("nodejs >= 18"). */
export interface InspectedRpmDependency {
  name: string;
  flags: number;
  version: string;
  text: string;
}

export interface RpmMetadata {
  name: string;
  epoch?: number;
  version: string;
  release: string;
  arch: string;
  summary?: string;
  description?: string;
  license?: string;
  url?: string;
  packager?: string;
  vendor?: string;
  group?: string;
  /** Seconds since the epoch. */
  buildTime?: number;
  buildHost?: string;
  os?: string;
  sourceRpm?: string;
  /** SIZE / LONGSIZE: installed bytes. */
  installedSize: number;
  /** Uncompressed payload (cpio) bytes, from the signature header. */
  archiveSize: number;
  /** Bytes of the compressed payload in the file. */
  payloadSize: number;
  payloadFormat?: string;
  payloadCompressor?: string;
}

export interface RpmInspection extends InspectionBase {
  format: 'rpm';
  metadata: RpmMetadata;
  dependencies: Record<RpmDependencyKind, InspectedRpmDependency[]>;
}
