// The Node.js versions a build needs, and whether the chosen runtime has them: the lowest version
// engines.node of the app and of every installed production package allows (or pkgapp.nodeVersion
// instead), raised to the N-API version the addons use; addons compiled against V8 pin the Node.js
// major they were built with. The build log says what set each part. docs/node-runtime.md.
import * as semver from '../util/semver.js';
import type { InstalledPackage } from '../contents/installed-tree.js';
import { UserError } from '../errors.js';
import type { Arch } from '../manifest/arch.js';
import type { Manifest } from '../manifest/manifest.js';
import { classifyAddon, napiFloor, nodeHasNapi } from './node-api.js';
import { higherVersion, lowestNodeVersion, relationVersion, someOf, type EnginesRange } from './node-floor.js';

/** Debian 12's nodejs (18.20.4+dfsg-1~deb12u1): the oldest distribution runtime pkgapp's docs target. */
export const DEBIAN_12_NODE = '18.20.4';

export interface NodeRequirementInput {
  manifest: Manifest;
  /** The app's own engines.node, as written. */
  appEngine: string | undefined;
  /** The installed production packages, with their engines.node. */
  packages: readonly InstalledPackage[];
  /** The native addons: path in the package, and the file to read. */
  addons: readonly { path: string; file: string }[];
  /** The package's architecture ("all" when there is no native code). */
  arch: Arch;
  /** With --node bundled: the version of the node shipped, when it runs here ("v22.11.0"). */
  bundledVersion?: string | undefined;
  /** The Node.js that installed (and so compiled or downloaded) the addons: this process's. */
  buildNodeVersion: string;
  log: (line: string) => void;
}

/** The manifest fields the requirement sets. */
export type NodeRequirement = Pick<Manifest, 'nodeFloor' | 'nodeAbiMajor'>;

/** Computes the requirement, logs why, and refuses a runtime that cannot satisfy it. */
export async function resolveNodeRequirement(input: NodeRequirementInput): Promise<NodeRequirement> {
  const { manifest, log } = input;
  const where = `${manifest.npmName} ${manifest.version.npm}`;

  // 1. engines.node of the app and of every installed package (platform packages that are not
  //    installed for this machine are not in the list, so they do not count).
  const declared: EnginesRange[] = [];
  if (input.appEngine !== undefined) declared.push({ who: `the app (${manifest.npmName})`, range: input.appEngine });
  for (const p of input.packages)
    if (p.nodeEngine !== undefined) declared.push({ who: `${p.name}@${p.version}`, range: p.nodeEngine });
  let floor: string | undefined;
  let reason: string;
  if (manifest.nodeVersionSetting !== undefined) {
    floor = manifest.nodeFloor;
    let engines: string;
    try {
      const computed = lowestNodeVersion(declared, where);
      engines = computed ? `>= ${computed.version}, set by ${computed.setBy.join(' and ')}` : 'none';
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      engines = 'none: they conflict';
    }
    reason = `pkgapp.nodeVersion ${JSON.stringify(manifest.nodeVersionSetting)}, which replaces the engines.node floor (${engines})`;
  } else {
    const ignored: EnginesRange[] = [];
    const computed = lowestNodeVersion(declared, where, ignored);
    for (const d of ignored)
      log(`warning: ${d.who}: engines.node ${JSON.stringify(d.range)} is not a semver range, left out`);
    floor = computed?.version;
    reason = computed ? `set by engines.node of ${computed.setBy.join(' and ')}` : 'no engines.node sets one';
  }

  // 2. The addons: N-API (any major that has the N-API version) or built against V8 (one major).
  // The ELF reader loads only for a payload with addons.
  const elf = input.addons.length ? await import('../elf/dynamic-symbols.js') : undefined;
  const machine = input.arch === 'all' || !elf ? undefined : elf.ELF_MACHINE[input.arch];
  let napi: { version: number; path: string } | undefined;
  const pinned: string[] = [];
  const foreign: string[] = [];
  for (const addon of input.addons) {
    let symbols;
    try {
      symbols = await elf!.readDynamicSymbols(addon.file);
    } catch (error) {
      if (!(error instanceof elf!.ElfFormatError)) throw error;
      log(
        `warning: native addon /${addon.path}: ${error.message}; treated as built for Node.js ${semver.major(input.buildNodeVersion)} only`,
      );
      pinned.push(addon.path);
      continue;
    }
    // Another platform's prebuild (Mach-O, PE, FreeBSD, another CPU) never loads here: it sets nothing.
    if (
      symbols === undefined ||
      (machine !== undefined && symbols.machine !== machine) ||
      (symbols.osabi !== 0 && symbols.osabi !== 3)
    ) {
      foreign.push(addon.path);
      continue;
    }
    const kind = classifyAddon(symbols.imports);
    if (kind.kind === 'abi') {
      pinned.push(addon.path);
      log(
        `native addon /${addon.path}: compiled against V8/Node.js C++ (imports ${kind.because.join(', ')}): loads on Node.js ${semver.major(input.buildNodeVersion)} only`,
      );
    } else if (kind.kind === 'napi') {
      log(
        `native addon /${addon.path}: N-API ${kind.version}${kind.because.length ? ` (uses ${kind.because.join(', ')})` : ''}: any Node.js >= ${napiFloor(kind.version)}, not pinned to a major`,
      );
      if (!napi || kind.version > napi.version) napi = { version: kind.version, path: addon.path };
    } else {
      log(`native addon /${addon.path}: imports no Node.js API, not pinned`);
    }
  }
  if (foreign.length)
    log(
      `${foreign.length} native addon(s) built for other platforms, which set no requirement: ${someOf(
        foreign.map((p) => `/${p}`),
        2,
      )}`,
    );
  if (napi && (floor === undefined || semver.lt(floor, napiFloor(napi.version)))) {
    floor = napiFloor(napi.version);
    reason = `set by N-API ${napi.version} of /${napi.path}`;
  }
  // An ABI-pinned addon also needs its major: the effective floor is at least N.0.0.
  const abiMajor = pinned.length ? semver.major(input.buildNodeVersion) : undefined;
  log(
    `Node.js requirement: ${floor !== undefined ? `>= ${relationVersion(floor)} (${reason})` : `any version (${reason})`}${
      abiMajor !== undefined
        ? `, and major ${abiMajor} for ${someOf(
            pinned.map((p) => `/${p}`),
            2,
          )}`
        : ''
    }`,
  );

  // 3. The chosen runtime.
  if (abiMajor !== undefined && floor !== undefined && semver.major(floor) > abiMajor) {
    throw new UserError(
      `${where}: ${someOf(
        pinned.map((p) => `/${p}`),
        2,
      )} was compiled for Node.js ${abiMajor} (not N-API), but the app needs Node.js >= ${floor} (${reason})`,
      {
        code: 'PKGAPP_NODE_ABI_FLOOR',
        hint: `Build with Node.js ${semver.major(floor)} or newer so the addon is compiled for it (or use an N-API version of the package), or lower the floor with "pkgapp": { "nodeVersion": ">=${abiMajor}" } if the app runs on Node.js ${abiMajor}`,
      },
    );
  }
  if (manifest.runtime.bundled) {
    const bundled = semver.coerce(input.bundledVersion ?? '')?.version;
    if (bundled === undefined) {
      log('warning: the bundled node does not run here, so its version cannot be checked against the requirement');
    } else {
      if (floor !== undefined && semver.lt(bundled, floor)) {
        throw new UserError(
          `${where}: the bundled Node.js ${bundled} is older than the app needs: >= ${floor} (${reason})`,
          {
            code: 'PKGAPP_NODE_TOO_OLD',
            hint: `Bundle Node.js ${relationVersion(floor)} or newer with --node-binary (or run pkgapp with it), or lower the floor with "pkgapp": { "nodeVersion": ">=${semver.major(bundled)}" } if the app really runs on ${bundled}`,
          },
        );
      }
      if (napi && !nodeHasNapi(bundled, napi.version)) {
        throw new UserError(
          `${where}: the bundled Node.js ${bundled} lacks N-API ${napi.version}, which /${napi.path} uses`,
          {
            code: 'PKGAPP_NODE_TOO_OLD',
            hint: `Bundle a Node.js with N-API ${napi.version} (${napiFloor(napi.version)} or a newer line) with --node-binary`,
          },
        );
      }
      if (abiMajor !== undefined && semver.major(bundled) !== abiMajor) {
        throw new UserError(
          `${where}: ${someOf(
            pinned.map((p) => `/${p}`),
            2,
          )} was compiled for Node.js ${abiMajor} (not N-API) and does not load in the bundled Node.js ${bundled}`,
          {
            code: 'PKGAPP_NODE_ABI_FLOOR',
            hint: `Run pkgapp (and so the install) with the Node.js you bundle, or bundle Node.js ${abiMajor}`,
          },
        );
      }
    }
    return { nodeFloor: floor };
  }
  const effective = abiMajor !== undefined ? higherVersion(floor, `${abiMajor}.0.0`) : floor;
  if (effective !== undefined && semver.gt(effective, DEBIAN_12_NODE)) {
    log(
      `warning: the package needs nodejs >= ${relationVersion(effective)}: it will not install on Debian 12 (nodejs ${DEBIAN_12_NODE}) or RHEL 9 with the distribution's nodejs; ship Node.js inside the package with --node bundled (or "pkgapp": { "node": "bundled" })`,
    );
  }
  return { nodeFloor: floor, ...(abiMajor !== undefined ? { nodeAbiMajor: abiMajor } : {}) };
}
