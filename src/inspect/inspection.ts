// What `pkgapp inspect` reports about a .deb or an .rpm: the types both readers fill and both
// the human view and --json print.
import type { ControlField } from '../deb/read-deb.js';
import type { RpmDependencyKind } from '../rpm/read-rpm.js';
import type { VerifyResult } from '../verify/verify-package.js';

export type InspectedFileType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'char-device' | 'block-device' | 'fifo' | 'socket' | 'other';

/** One entry of the package's file list (deb: a data.tar header; rpm: the header file list). */
export interface InspectedFile {
  /** Absolute path as installed: "/opt/app/server.js"; "/" for the deb's "./" entry. */
  path: string;
  type: InspectedFileType;
  /** st_mode: file type bits and permissions. */
  mode: number;
  /** Bytes (a symlink's size is 0 in a deb, the target's length in an rpm, as the formats store it). */
  size: number;
  user: string;
  group: string;
  /** Symlink target, or the path a hard link points at. */
  linkTo?: string;
  /** Modification time, seconds since the epoch. */
  mtime?: number;
  /** rpm file flags by name: config, doc, noreplace, missingok, ghost, license, readme, artifact. */
  flags?: string[];
}

/** Counts over the whole file list (complete even when the list itself was cut short). */
export interface FileSummary {
  entries: number;
  directories: number;
  files: number;
  symlinks: number;
  other: number;
  /** Sum of the sizes of regular files. */
  bytes: number;
}

/** One maintainer script (deb) or scriptlet (rpm). */
export interface InspectedScript {
  /** deb: preinst, postinst, prerm, postrm; rpm: %pre, %post, %preun, %postun, %pretrans, %posttrans. */
  name: string;
  /** deb: the #! line's program; rpm: the scriptlet's interpreter (/bin/sh unless it names one). */
  interpreter?: string;
  /** The first line of the script ("" for an rpm scriptlet that is only `-p /program`). */
  firstLine: string;
  /** The whole script. */
  text: string;
  size: number;
}

/** A configuration file: deb conffiles, rpm %config files. */
export interface InspectedConffile {
  path: string;
  /** rpm %config(noreplace). */
  noreplace?: boolean;
  /** rpm %config(missingok). */
  missingok?: boolean;
  /** deb `remove-on-upgrade` line (dpkg >= 1.20.6). */
  removeOnUpgrade?: boolean;
}

/** One signature the package carries, read without any key. */
export interface FoundSignature {
  /** deb: the ar member (_gpgorigin, _gpgbuilder...); rpm: the signature tag name (RSAHEADER...). */
  source: string;
  /** What it signs: "debian-binary + control + data", "header", "header+payload". */
  covers: string;
  /** Long key ID of the issuer, 16 uppercase hex digits, when the packet names one. */
  keyId?: string;
  /** e.g. "RSA/SHA256". */
  algorithm?: string;
  /** Signature creation time, seconds since the epoch. */
  created?: number;
  /** Why the packet could not be read, when it could not. */
  unreadable?: string;
}

export interface SignatureStatus {
  signed: boolean;
  signatures: FoundSignature[];
  /** rpm digests stored in the package (not checked unless --key): "header SHA256", "payload SHA256"... */
  digests: string[];
  /** With --key: the result of verify() (src/verify/verify-package.ts). */
  verification?: VerifyResult;
}

interface InspectionBase {
  file: string;
  /** Bytes of the package file. */
  size: number;
  name: string;
  version: string;
  architecture: string;
  scripts: InspectedScript[];
  conffiles: InspectedConffile[];
  /** Every entry in archive/header order; undefined when the file list cannot be read (see filesUnavailable). */
  files: InspectedFile[] | undefined;
  /** Why there is no file list (e.g. a data.tar compression pkgapp does not read). */
  filesUnavailable?: string;
  /** True when the list stopped at the entry limit (summary still counts every entry). */
  filesIncomplete?: boolean;
  fileSummary: FileSummary;
  signature: SignatureStatus;
}

/** Debian relation fields, in the order dpkg documents them. */
export const DEB_RELATION_FIELDS = ['Pre-Depends', 'Depends', 'Recommends', 'Suggests', 'Enhances', 'Breaks', 'Conflicts', 'Replaces', 'Provides', 'Built-Using'] as const;
export type DebRelationField = (typeof DEB_RELATION_FIELDS)[number];

export interface DebInspection extends InspectionBase {
  format: 'deb';
  /** debian-binary, e.g. "2.0". */
  formatVersion: string;
  members: { name: string; size: number }[];
  /** The control stanza, fields in file order (relation fields included). */
  control: ControlField[];
  /** Relation fields split into their comma-separated clauses ("a (>= 1) | b" stays one clause). */
  dependencies: Partial<Record<DebRelationField, string[]>>;
  /** Regular files of control.tar (control, md5sums, conffiles, postinst...). */
  controlFiles: string[];
}

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

/** What inspect() returns. */
export type Inspection = DebInspection | RpmInspection;

/** Counts `files` into a FileSummary. */
export function summarizeFiles(files: Iterable<Pick<InspectedFile, 'type' | 'size'>>): FileSummary {
  const summary: FileSummary = { entries: 0, directories: 0, files: 0, symlinks: 0, other: 0, bytes: 0 };
  for (const f of files) addToSummary(summary, f);
  return summary;
}

/** Adds one entry to a running summary. */
export function addToSummary(summary: FileSummary, file: Pick<InspectedFile, 'type' | 'size'>): void {
  summary.entries++;
  if (file.type === 'directory') summary.directories++;
  else if (file.type === 'symlink') summary.symlinks++;
  else if (file.type === 'file') {
    summary.files++;
    summary.bytes += file.size;
  } else summary.other++;
}

/** The first line of a script, and the program its #! line names. */
export function scriptHead(text: string): { firstLine: string; interpreter?: string } {
  const newline = text.indexOf('\n');
  const firstLine = (newline < 0 ? text : text.slice(0, newline)).slice(0, 200).trimEnd();
  const shebang = /^#!\s*(\S+)/.exec(firstLine);
  return shebang ? { firstLine, interpreter: shebang[1]! } : { firstLine };
}
