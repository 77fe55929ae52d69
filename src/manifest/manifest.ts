// Manifest: everything the writers need to know about the package, resolved and format-neutral.
import type { HookPhase } from '../app/config-schema.js';
import type { ReleaseInfo } from '../app/release-info.js';
import type { Arch } from './arch.js';
import type { ReleasesSpec } from './releases.js';
import type { AppVersion } from './versions.js';

export interface EnvVar {
  name: string;
  description: string;
  required: boolean;
  default?: string;
}

export interface ServiceSpec {
  /**
   * Script node runs, relative to the app directory; it may lie in node_modules (a published
   * server's bin). Empty while `bin` is unresolved.
   */
  entry: string;
  /**
   * The start command's program when it is a dependency's command (`next start`): the build
   * finds the package that provides it in the installed tree and sets `entry`.
   */
  bin?: string;
  /** Where the start command came from, for messages: `/app/package.json: "scripts.start"`. */
  source: string;
  /** Options for node before the entry (`--enable-source-maps`). */
  nodeOptions: string[];
  /** Arguments after the entry; relative paths are taken from WorkingDirectory=/opt/NAME. */
  args: string[];
  /** Variables the start command set (`NODE_ENV=production node …`): Environment= lines. */
  environment: [string, string][];
  /**
   * App paths that are links into the cache directory, /var/cache/NAME/SUBDIR: a framework's
   * cache inside the read-only app directory (Next.js's .next/cache), set by the build.
   */
  cacheLinks: { path: string; subdir: string }[];
  user: string;
  restart: string;
  /**
   * The health gate (templates/health-gate.sh): a URL or command check, or none (the unit only
   * has to keep running for `settle` seconds); `timeout` bounds the wait, in seconds.
   */
  health: { kind: 'none' | 'url' | 'command'; value: string; timeout: number; settle: number };
  /** Whether NAME.service, NAME@.service (instances by port) or both are shipped. */
  units: { single: boolean; template: boolean };
  /** Extra [Service] settings from the configuration, in key order. */
  settings: [string, string][];
}

export interface BinEntry {
  /** Command name in /usr/bin. */
  name: string;
  /** Script path relative to the app directory. */
  target: string;
}

/** Readonly, resolved metadata; built once by resolveManifest and never changed. */
export interface Manifest {
  readonly name: string;
  readonly npmName: string;
  readonly version: AppVersion;
  /** Packaging revision from --release, if given. */
  readonly release: string | undefined;
  readonly synopsis: string;
  /** Extended description paragraphs. */
  readonly description: string[];
  readonly maintainer: string;
  readonly homepage: string | undefined;
  readonly license: string;
  readonly copyrightHolder: string;
  readonly section: string;
  /** The Node.js runtime: the distribution's (a dependency) or one bundled in the package. */
  readonly runtime: { readonly bundled: boolean; readonly nodePath: string };
  /**
   * Lowest Node.js version the app runs on ("20.9.0"), if anything sets one: resolveManifest
   * takes the app's engines.node (or pkgapp.nodeVersion); the build raises it to what every
   * bundled package's engines.node and the N-API addons need (src/runtime/node-requirement.ts).
   */
  readonly nodeFloor: string | undefined;
  /** pkgapp.nodeVersion: a range that replaces the floor engines.node would set. */
  readonly nodeVersionSetting: string | undefined;
  /**
   * Node.js major whose ABI the app's non-N-API native addons were compiled for (set by the
   * build when it finds such addons and the runtime is the distribution's): they load on that major only.
   */
  readonly nodeAbiMajor?: number;
  readonly extraDepends: { readonly deb: readonly string[]; readonly rpm: readonly string[] };
  /**
   * What the payload's ELF objects load (contents/library-dependencies.ts), set by the build:
   * Debian relations for Depends, and rpm's auto-generated library Requires.
   */
  readonly libraryDepends?: { readonly deb: readonly string[]; readonly rpm: readonly string[] };
  /** --arch, when forced; otherwise decided from the contents. */
  readonly archOverride: Arch | undefined;
  readonly service: ServiceSpec | undefined;
  readonly env: readonly EnvVar[];
  readonly bins: readonly BinEntry[];
  readonly hooks: Readonly<Partial<Record<HookPhase, string>>>;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  /** Git commit and lockfile hash of this build. */
  readonly releaseInfo: ReleaseInfo;
  /** Build time in seconds since 1970 (SOURCE_DATE_EPOCH): every mtime in the package. */
  readonly buildTime: number;
  /** pkgapp.releases: this version's app in its own package and directory (src/manifest/releases.ts). */
  readonly releases?: ReleasesSpec;
  readonly paths: {
    readonly appDir: string;
    readonly stateDir: string;
    readonly checkEnv: string;
    /** The health gate the maintainer scripts run after a start or restart (templates/health-gate.sh). */
    readonly healthGate: string;
    readonly releaseJson: string;
  };
}
