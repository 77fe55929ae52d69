// What `pkgapp inspect` reports about a package: the types every format's reader fills and both
// the human view and --json print.
import type { VerifyResult } from '../verify/verify-result.js';

export type InspectedFileType =
  'file' | 'directory' | 'symlink' | 'hardlink' | 'char-device' | 'block-device' | 'fifo' | 'socket' | 'other';

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

/** The health gate the scripts run (read by src/inspect/health-gate.ts). */
export interface InspectedHealthGate {
  /** The gate script, /opt/NAME/.pkgapp/health-gate. */
  path: string;
  /** "none" (settle time only), "url URL" or "command COMMAND", as configured. */
  check: string;
  /** Seconds the gate waits at most. */
  timeout: number;
  /** The scripts that run it: postinst (deb), %posttrans (rpm). */
  scripts: string[];
}

/** pkgapp.releases, as the NAME package's scripts set it (src/inspect/releases.ts). */
export interface InspectedReleases {
  /** The release this package switches to, e.g. "1.2.0". */
  release: string;
  /** Its directory, /opt/NAME/releases/RELEASE (in the package NAME-release-RELEASE). */
  directory: string;
  /** The switch point, /opt/NAME/current. */
  current: string;
  /** Releases apt autoremove keeps. */
  keep: number;
  /** The rollback command. */
  rollback: string;
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

/** Where one library an ELF object needs comes from, as the package's own data shows it. */
export type ElfLibraryProvider =
  /** Another file of this package: found through the object's RUNPATH/RPATH (e.g. $ORIGIN/../lib), or not on its search path at all. */
  | { kind: 'shipped'; file: string; searchPath: string | undefined }
  /** deb: the Debian package that provides it and the floor its symbol versions need, from dpkg's records on this machine or pkgapp's table; inDepends: the package's Depends holds a relation that satisfies it. */
  | {
      kind: 'package';
      package: string;
      floor?: string;
      from: 'dpkg-symbols' | 'dpkg-shlibs' | 'pkgapp-table';
      inDepends: boolean;
    }
  /** deb: known to no library data here; a build only succeeds then when pkgapp.libraries declared it. */
  | { kind: 'declared'; inDepends: false }
  /** rpm: the system provides it; the Requires rpm's elfdeps writes for it, and those the package lacks. */
  | { kind: 'system'; requires: string[]; missing: string[] };

/** One library an ELF object names in DT_NEEDED. */
export interface InspectedElfNeed {
  soname: string;
  /** Symbol versions it needs from that library (.gnu.version_r), in file order; weak ones end in " (weak)". */
  versions: string[];
  provider: ElfLibraryProvider;
}

/** One ELF object of the payload (read while the payload streams past). */
export interface InspectedElfObject {
  path: string;
  /** Architecture as the distributions name it (x86_64, aarch64...), and the ELF class. */
  machine: string;
  bits: 32 | 64;
  type: 'REL' | 'EXEC' | 'DYN' | 'CORE' | 'OTHER';
  interpreter?: string;
  soname?: string;
  rpath: string[];
  runpath: string[];
  /** No .symtab and no debug sections left. */
  stripped: boolean;
  needed: InspectedElfNeed[];
}

export interface InspectedElf {
  objects: InspectedElfObject[];
  /** Members that start like an ELF file but could not be read, or why the payload was not read. */
  problems: string[];
}

export interface InspectionBase {
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
  /** The health gate the scripts run after a start or restart (src/inspect/health-gate.ts). */
  healthGate?: InspectedHealthGate;
  /** pkgapp.releases (src/inspect/releases.ts). */
  releases?: InspectedReleases;
  /** The payload's ELF objects and where each library they need comes from (src/inspect/elf-objects.ts). */
  elf?: InspectedElf;
}

/** What inspect() returns: the fields every format fills, and the format's own (src/deb/deb-inspection.ts, src/rpm/rpm-inspection.ts). */
export interface Inspection extends InspectionBase {
  /** The format's name, as --target spells it. */
  format: string;
}

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
