// Installing the lockfile for the machine a package is built for (--arch), not the one building
// it: the package managers choose optional platform packages (@img/sharp-linux-arm64,
// @esbuild/linux-arm64) by os/cpu/libc, so each is told the target's: npm and pnpm by --cpu/--os/
// --libc, Yarn Berry by supportedArchitectures in the staging copy's .yarnrc.yml (never the
// app's own). Debian and Fedora use glibc, so musl builds are never chosen. Nothing can be
// compiled for another architecture here, so a foreign install runs no install scripts: a
// package that compiles its addon then has none, and the build says it has no prebuilt binary
// for the target.
//
// What a target install runs is all data on the ManagerTool (argv, env, the staging settings):
// installCommand() gives it in one place, for the log and for a build cache's key.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EXIT_FAILURE, EXIT_USAGE, UserError } from '../errors.js';
import type { ManagerTool, StagingSettings } from './lockfiles/package-manager.js';
import type { LockGraph, LockNode, PlatformCondition } from './lockfiles/types.js';

/** The platform an install is for: always linux with glibc; the CPU in Node.js's naming (x64, arm64). */
export interface InstallTarget {
  os: 'linux';
  cpu: string;
  libc: 'glibc';
  /** Another architecture than the build machine's: no install scripts run (they would build for this one). */
  foreign: boolean;
}

/** The target of --arch; undefined without it (or for "all"): the package manager installs for this machine, as always. */
export function installTarget(arch: string | undefined, host: string = process.arch): InstallTarget | undefined {
  if (arch === undefined || arch === 'all') return undefined;
  return { os: 'linux', cpu: arch, libc: 'glibc', foreign: arch !== host };
}

/** npm's os/cpu/libc test: a list of allowed values, or of "!value" exclusions (empty: any). */
export function allowsValue(list: unknown, value: string): boolean {
  if (!Array.isArray(list) || list.length === 0) return true;
  const values = list.filter((v): v is string => typeof v === 'string');
  if (values.includes(`!${value}`)) return false;
  const positive = values.filter((v) => !v.startsWith('!'));
  return positive.length === 0 || positive.includes(value);
}

/** True when os/cpu/libc admit linux, the CPU and glibc. */
export function fitsPlatform(platform: PlatformCondition | undefined, cpu: string): boolean {
  return allowsValue(platform?.os, 'linux') && allowsValue(platform?.cpu, cpu) && allowsValue(platform?.libc, 'glibc');
}

/**
 * `tool` with its install commands for `target`. A foreign target's build (pkgapp.buildScript)
 * still installs everything for this machine, since the build's tools run here; the production
 * install for the target replaces the prune step afterwards.
 */
export function toolForTarget(tool: ManagerTool, target: InstallTarget, projectDir: string): ManagerTool {
  switch (tool.manager) {
    case 'npm':
    case 'pnpm': {
      // npm 9.6+ and pnpm 10.14+ take the target on the command line for every optional package.
      const flags = [`--os=${target.os}`, `--cpu=${target.cpu}`, `--libc=${target.libc}`];
      if (target.foreign) flags.push('--ignore-scripts');
      const production = [...tool.installProduction, ...flags];
      return {
        ...tool,
        installProduction: production,
        installAll: target.foreign ? tool.installAll : [...tool.installAll, ...flags],
        pruneProduction: target.foreign ? production : tool.pruneProduction,
        // A seeded install (src/contents/install-cache.ts) installs for the same target, scripts as ci runs them.
        ...(tool.reconcileProduction ? { reconcileProduction: [...tool.reconcileProduction, ...flags] } : {}),
      };
    }
    case 'yarn-berry': {
      const settings: Record<string, unknown> = {
        supportedArchitectures: { os: [target.os], cpu: [target.cpu], libc: [target.libc] },
        ...(target.foreign ? { enableScripts: false } : {}),
      };
      return {
        ...tool,
        stagingSettings: { file: '.yarnrc.yml', settings },
        pruneProduction: target.foreign ? tool.installProduction : tool.pruneProduction,
      };
    }
    case 'yarn-classic':
      if (!target.foreign) return tool;
      throw new UserError(
        `${path.join(projectDir, 'yarn.lock')}: Yarn classic (1.x) cannot install for another architecture (--arch ${target.cpu}): it has no setting that chooses other platforms' optional packages`,
        {
          code: 'PKGAPP_ARCH_INSTALL_UNSUPPORTED',
          exitCode: EXIT_USAGE,
          hint: `Build on ${target.cpu} hardware (or a CI runner of that architecture), or move the app to Yarn Berry (yarn set version stable, nodeLinker: node-modules), npm or pnpm, which install for a named architecture`,
        },
      );
  }
}

/** Everything a target install runs, in one JSON-able value: the log shows it, and a build cache keys on it. */
export function installCommand(tool: ManagerTool): {
  file: string;
  prefix: string[];
  env: Record<string, string>;
  installProduction: string[];
  installAll: string[];
  pruneProduction: string[] | undefined;
  stagingSettings: StagingSettings | undefined;
} {
  return {
    file: tool.file,
    prefix: tool.prefix,
    env: tool.env,
    installProduction: tool.installProduction,
    installAll: tool.installAll,
    pruneProduction: tool.pruneProduction,
    stagingSettings: tool.stagingSettings,
  };
}

/**
 * Writes the tool's staging settings into the staging copy at `dir` (merged into the copy of the
 * app's file, which stays as it was). A no-op for tools that take the target on the command line.
 */
export async function applyStagingSettings(tool: ManagerTool, dir: string): Promise<void> {
  if (!tool.stagingSettings) return;
  const file = path.join(dir, tool.stagingSettings.file);
  const text = await readFile(file, 'utf8').catch(() => '');
  const { parseDocument } = await import('yaml'); // only Yarn Berry has staging settings
  const doc = parseDocument(text);
  for (const [key, value] of Object.entries(tool.stagingSettings.settings)) doc.set(key, value);
  await writeFile(file, doc.toString());
}

/** A package whose prebuilt binaries come as platform packages, none of them for the target. */
interface NoPrebuild {
  node: LockNode;
  /** Its platform packages for linux on the target CPU but musl only. */
  musl: string[];
  /** Its linux platform packages (for other CPUs). */
  linux: string[];
}

/**
 * Refuses a target build (exit 2) when a package ships its binaries as platform packages, has
 * some for linux, and none in the lockfile for the target (linux, its CPU, glibc): a musl-only
 * build does not load on Debian or Fedora. Packages whose platform packages are for other systems
 * only (fsevents for macOS) are not native code on linux at all and pass.
 */
export function checkPrebuildsInLock(graph: LockGraph, target: InstallTarget, lockfile: string): void {
  const problems: NoPrebuild[] = [];
  for (const node of graph.nodes.values()) {
    if (node.platform !== undefined && !fitsPlatform(node.platform, target.cpu)) continue; // not installed for the target
    const platformDeps = [...node.optionalNames]
      .map((name) => graph.nodes.get(node.dependencies.get(name) ?? ''))
      .filter((d): d is LockNode => d?.platform !== undefined);
    const linux = platformDeps.filter((d) => allowsValue(d.platform!.os, 'linux'));
    if (linux.length === 0 || linux.some((d) => fitsPlatform(d.platform, target.cpu))) continue;
    problems.push({
      node,
      musl: linux.filter((d) => allowsValue(d.platform!.cpu, target.cpu)).map((d) => `${d.name}@${d.version}`),
      linux: linux.map((d) => d.name),
    });
  }
  if (problems.length === 0) return;
  const lines = problems.map(
    (p) =>
      `${p.node.name}@${p.node.version}: ${p.musl.length ? `only a musl build (${p.musl.join(', ')}), which Debian and Fedora cannot load` : `its linux packages are ${p.linux.slice(0, 4).join(', ')}${p.linux.length > 4 ? ', …' : ''}`}`,
  );
  throw new UserError(
    `--arch ${target.cpu}: no prebuilt binary for linux-${target.cpu} (glibc) in ${lockfile} for ${problems.map((p) => p.node.name).join(', ')}:\n  ${lines.join('\n  ')}`,
    {
      code: 'PKGAPP_ARCH_NO_PREBUILD',
      exitCode: EXIT_USAGE,
      hint: `Update the package to a version that publishes a linux-${target.cpu} glibc build and refresh the lockfile on a machine that records every platform (npm install, pnpm install, yarn install), or build on ${target.cpu} hardware`,
    },
  );
}

/** A package compiled at install (binding.gyp) in a foreign-target build: it has no binary for the target. */
export function noPrebuildForTarget(locations: readonly string[], cpu: string): UserError {
  return new UserError(
    `--arch ${cpu}: ${locations.join(', ')} compile${locations.length > 1 ? '' : 's'} ${locations.length > 1 ? 'their' : 'its'} native addon at install (binding.gyp) and ship${locations.length > 1 ? '' : 's'} no prebuilt binary for linux-${cpu}: pkgapp cannot compile it for another architecture`,
    {
      code: 'PKGAPP_ARCH_NO_PREBUILD',
      exitCode: EXIT_USAGE,
      hint: `Build on ${cpu} hardware (or a CI runner of that architecture), or use a package that publishes prebuilt binaries for linux-${cpu} (platform packages or prebuilds/linux-${cpu})`,
    },
  );
}

/**
 * After a target install: every platform package the lockfile pins for the target must be there.
 * npm 10.4 to 10.7 left some out when given --cpu/--os (npm/cli#7406: @img/sharp-*), and a
 * tree installed for this machine (--no-install) has the wrong ones.
 */
export function checkTargetPackagesInstalled(
  graph: LockGraph,
  installed: readonly { name: string; version: string }[],
  target: InstallTarget,
  how: { install: boolean; manager: string; root: string },
): void {
  const present = new Set(installed.map((p) => `${p.name}@${p.version}`));
  const missing = [...graph.nodes.values()]
    .filter((n) => n.platform !== undefined && n.optional && fitsPlatform(n.platform, target.cpu))
    .map((n) => `${n.name}@${n.version}`)
    .filter((id) => !present.has(id));
  if (missing.length === 0) return;
  const list = `${missing.slice(0, 6).join(', ')}${missing.length > 6 ? `, and ${missing.length - 6} more` : ''}`;
  if (!how.install) {
    throw new UserError(
      `--arch ${target.cpu} --no-install: node_modules in ${how.root} lacks the lockfile's packages for linux-${target.cpu}: ${list}`,
      {
        code: 'PKGAPP_ARCH_INSTALL_INCOMPLETE',
        exitCode: EXIT_USAGE,
        hint: `Drop --no-install (pkgapp installs for ${target.cpu} itself), or install node_modules for the target first (npm ci --os=linux --cpu=${target.cpu} --libc=glibc --ignore-scripts)`,
      },
    );
  }
  throw new UserError(`${how.manager} left out packages the lockfile pins for linux-${target.cpu}: ${list}`, {
    code: 'PKGAPP_ARCH_INSTALL_INCOMPLETE',
    exitCode: EXIT_FAILURE,
    hint:
      how.manager === 'npm'
        ? 'npm 10.4 to 10.7 drop platform packages when installing for another platform (npm/cli#7406): use npm 10.8 or newer'
        : `Update ${how.manager}: older releases do not install other platforms' optional packages`,
  });
}
