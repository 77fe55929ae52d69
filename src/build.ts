// build(): app dir → manifest → contents → .deb, the library entry behind `pkgapp build`.
import { mkdir, readFile, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { findTool, parseLock } from './app/lockfiles/package-manager.js';
import type { Lock, LockGraph, ManagerId } from './app/lockfiles/types.js';
import { readApp, type AppProject } from './app/read-app.js';
import { collectContents } from './contents/collect-contents.js';
import { readPayloadElf } from './contents/payload-elf.js';
import { stripCompiledAddons } from './contents/strip-compiled.js';
import { needsDeploy, projectOf, stageApp, type StagedApp } from './contents/stage-app.js';
import { selectAppFiles, type AppSelection } from './contents/select-app-files.js';
import { formatBytes, formatSummary, summaryItems, type SummaryItem } from './contents/package-summary.js';
import type { DroppedBinaries } from './contents/platform-filter.js';
import { checkEntryPoints, resolveServiceEntry } from './contents/service-entry.js';
import { cacheDir } from './contents/generated-files.js';
import { resolveCacheLocation } from './cache/cache-dir.js';
import type { CacheStore, TreeFile } from './cache/cache-store.js';
import { UserError } from './errors.js';
import { BUILTIN_FORMATS, DEFAULT_TARGET, formatFor, type Target, type WrittenPackage } from './formats.js';
import { writePackages } from './write-packages.js';
import { renderSbom } from './sbom/cyclonedx.js';
import type { SignKeySource } from './sign/openpgp-signer.js';
import type { BundledNode } from './contents/bundled-node.js';
import { chooseArch, parseArch, wrongMachine } from './manifest/choose-arch.js';
import {
  checkPrebuildsInLock,
  checkTargetPackagesInstalled,
  installTarget,
  toolForTarget,
} from './app/target-platform.js';
import { archName } from './manifest/arch.js';
import { DEB_ARCH } from './deb/deb-arch.js';
import type { Manifest } from './manifest/manifest.js';
import { resolveManifest } from './manifest/resolve-manifest.js';
import { resolveNodeRequirement } from './runtime/node-requirement.js';
import { checkAborted, runOperation } from './util/atomic-output.js';
import { checkLevel, COMPRESSIONS, defaultLevel, type Compression } from './util/compression.js';
import type { SegmentCache } from './util/payload-segments.js';
import { StoreSegmentCache } from './util/cached-segments.js';
import { KnownFiles } from './contents/known-files.js';
import { sourceDateEpoch } from './util/source-date.js';

/** The built-in formats' names; registerFormat() adds more (src/formats.ts). */
export const TARGETS: readonly Target[] = BUILTIN_FORMATS.map((f) => f.target);

export interface BuildOptions {
  /** The app directory (default "."). */
  dir?: string;
  /** Where packages are written, relative to `dir` (default "dist"), as with make -C. */
  outDir?: string;
  /** Registered format names (default: the first built-in format, deb). */
  targets?: Target[];
  version?: string;
  release?: string;
  arch?: string;
  /** Node.js runtime: the distribution's (default, or pkgapp.node) or bundled in the package. */
  node?: 'system' | 'bundled';
  /** With node "bundled": the node binary (or Node.js directory) to ship; default the running node. */
  nodeBinary?: string;
  /** Accept --arch for native addons although they were built on another architecture. */
  forceArch?: boolean;
  /** Keep the symbols of addons compiled during the build (default: pkgapp.keepSymbols, else strip them). */
  keepSymbols?: boolean;
  compression?: Compression;
  level?: number;
  /** Compressed payload segments of earlier builds to reuse; the packages are the same bytes without. */
  segmentCache?: SegmentCache;
  /** false: use the existing node_modules after checking it against the lockfile. */
  install?: boolean;
  /**
   * The build cache directory (docs/internals/build-cache.md), or false for none. Default:
   * PKGAPP_CACHE_DIR, else $XDG_CACHE_HOME/pkgapp, else ~/.cache/pkgapp. The output is the same
   * bytes with or without it.
   */
  cache?: string | false;
  /** The cache's size bound: bytes, or "4G"-style text (default PKGAPP_CACHE_MAX_SIZE, else 4 GiB). */
  cacheMaxSize?: number | string;
  /** Package this workspace (package name or directory) of the monorepo in `dir`. */
  workspace?: string;
  /** Sign the packages: a key file, or armored key text (PKGAPP_SIGN_KEY), with its passphrase. */
  signKey?: SignKeySource;
  /** Environment (SOURCE_DATE_EPOCH); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Progress lines for humans. */
  log?: (line: string) => void;
  /** Writing progress: files and bytes written so far, over the totals (all formats together). */
  progress?: (done: { files: number; bytes: number }, total: { files: number; bytes: number }) => void;
  /**
   * Stops the build: the package manager is killed, the writers stop, temporary files and staging
   * directories are removed, the output directory is left as it was, and build() rejects with
   * the signal's reason.
   */
  signal?: AbortSignal;
}

/** One package written by build(): what --json prints and publish consumes. */
export interface BuiltPackage {
  format: Target;
  path: string;
  name: string;
  version: string;
  architecture: string;
  size: number;
  sha256: string;
  files: number;
  /** Long key ID of the key that signed it. */
  signedBy?: string;
  /** The CycloneDX SBOM written beside the packages. */
  sbom: string;
  /** What /opt/NAME holds by top-level path: files and bytes (and packages for node_modules/). */
  contents: SummaryItem[];
}

/**
 * Builds the packages; throws UserError on bad input (before anything is written), or the abort
 * reason once options.signal fired. Touches nothing process-wide: no signal handler, no exit hook.
 */
export function build(options: BuildOptions = {}): Promise<BuiltPackage[]> {
  return runOperation(options.signal, () => buildPackages(options));
}

/** build() inside its operation (util/atomic-output.ts): temporary paths it leaves are removed. */
async function buildPackages(options: BuildOptions): Promise<BuiltPackage[]> {
  const log = options.log ?? (() => {});
  const formats = [...new Set(options.targets ?? [DEFAULT_TARGET])].map(formatFor);
  const compression = checkCompression(options.compression ?? 'gzip');
  const level = checkLevel(compression, options.level ?? defaultLevel(compression));
  const archOverride = options.arch === undefined ? undefined : parseArch(options.arch);

  const app = await readApp(
    options.dir ?? '.',
    options.workspace !== undefined ? { workspace: options.workspace } : {},
  );
  const buildTime = sourceDateEpoch(options.env ?? process.env);
  // A bad key is bad input: found before anything is installed or written.
  // openpgp is loaded only when signing.
  const signer = options.signKey
    ? await (
        await import('./sign/openpgp-signer.js')
      ).loadSigner({ ...options.signKey, date: new Date(buildTime * 1000) })
    : undefined;
  let manifest = resolveManifest(app, {
    buildTime,
    ...(options.version !== undefined ? { version: options.version } : {}),
    ...(options.release !== undefined ? { release: options.release } : {}),
    ...(archOverride !== undefined ? { arch: archOverride } : {}),
    ...(options.node !== undefined ? { node: options.node } : {}),
  });
  const project = projectOf(app);
  const lock = await parseLock(
    project.manager,
    await readFile(app.lockfilePath, 'utf8'),
    app.lockfilePath,
    project.importers,
  );
  const graph = checkLock(lock, project);
  // --arch: the lockfile is installed for that machine (app/target-platform.ts); a package with
  // no prebuilt binary for it fails here, before anything is installed.
  const target = installTarget(manifest.archOverride);
  if (target) checkPrebuildsInLock(graph, target, app.lockfilePath);
  const outDir = path.resolve(options.dir ?? '.', options.outDir ?? 'dist');
  // --node bundled: the runtime to ship (its reader loads only then).
  let runtime: BundledNode | undefined;
  if (manifest.runtime.bundled) {
    const { bundledNode } = await import('./contents/bundled-node.js');
    runtime = await bundledNode(manifest, options.nodeBinary, target?.cpu ?? process.arch);
  }
  for (const format of formats) await format.check(manifest);
  // The app's files (contents/select-app-files.ts): npm pack's selection, plus build output a
  // .gitignore hides and pkgapp.include, minus pkgapp's own products (an output directory inside
  // the app, even the default dist/ beside dist/server.js, is never packaged as such).
  const selectFiles = (root: string, buildOutputs?: string[]) =>
    selectAppFiles({
      dir: root,
      packageJson: app.packageJson,
      rules: manifest,
      ...(buildOutputs ? { buildOutputs } : {}),
    });
  const buildScript = app.config.buildScript;

  const install = options.install !== false;
  // The package manager runs for installs and build scripts; --no-install alone only reads node_modules.
  const hostTool =
    install || buildScript !== undefined
      ? await findTool(
          project.manager,
          project.root,
          project.importers.get('') ?? app.packageJson,
          options.env ?? process.env,
        )
      : undefined;
  const tool = hostTool && install && target ? toolForTarget(hostTool, target, project.root) : hostTool;
  let selection: AppSelection | undefined;
  if (buildScript === undefined) {
    // The files are known before installing anything: a missing entry point fails fast.
    selection = await selectFiles(app.dir);
    checkEntryPoints(manifest, selection.files, app.dir, selection.explain);
  }
  checkAborted();
  const where = needsDeploy(project, graph)
    ? `, deploying workspace ${project.importer || 'root'} of ${project.root}`
    : '';
  if (tool && install) {
    const steps =
      buildScript === undefined
        ? [tool.installProduction]
        : [tool.installAll, tool.runScript(buildScript), ...(tool.pruneProduction ? [tool.pruneProduction] : [])];
    log(
      `${buildScript === undefined ? 'installing production dependencies' : 'installing all dependencies, building, keeping production dependencies'} (${steps.map((a) => `${tool.name} ${a.join(' ')}`).join(', ')})${where}`,
    );
  } else {
    log(
      `${buildScript === undefined ? '' : `building in place (${tool!.name} run ${buildScript}), `}checking node_modules against the lockfile${where}`,
    );
  }
  const cache = await openBuildCache(options, log);
  // Compressed payload segments are reused from the same cache (docs/internals/payload-segments.md);
  // the bytes are the same with or without it.
  // What the install cache knows of the node_modules it restores or stores: the digests key the
  // payload segments, sizes and modes spare the collection an lstat per file (src/contents/known-files.ts).
  const known = new KnownFiles();
  const segmentCache = options.segmentCache ?? (cache && new StoreSegmentCache(cache, known));
  const staged: StagedApp = await stageApp({
    app,
    lock,
    graph,
    tool,
    install,
    buildScript,
    selection,
    selectFiles,
    cache:
      install && cache
        ? { store: cache, log, learnTree: (dir: string, files: readonly TreeFile[]) => known.learnTree(dir, files) }
        : undefined,
  });
  let appFiles = staged.appFiles;
  try {
    checkAborted();
    if (target)
      checkTargetPackagesInstalled(graph, staged.packages, target, {
        install,
        manager: tool?.name ?? project.manager,
        root: staged.root,
      });
    if (buildScript !== undefined) checkEntryPoints(manifest, appFiles, app.dir, staged.selection.explain);
    for (const added of staged.selection.added)
      log(
        `including ${added.top} ${formatBytes(added.bytes)} (${added.files} file${added.files > 1 ? 's' : ''}): ${added.why}`,
      );
    for (const warning of staged.selection.warnings) log(`warning: ${warning}`);
    manifest = await resolveServiceEntry(manifest, {
      root: staged.root,
      appFiles,
      packageLocations: [...staged.packages.map((p) => p.location), ...staged.links],
      packageJson: app.packageJson,
    });
    if (manifest.service) {
      const { nodeOptions, entry, args, cacheLinks } = manifest.service;
      log(
        `service runs: ${[manifest.runtime.nodePath, ...nodeOptions, `${manifest.paths.appDir}/${entry}`, ...args].join(' ')}`,
      );
      // A cache directory ships as a link into /var/cache/NAME: nothing of its build-time contents.
      const linked = (f: string) => cacheLinks.some((l) => f === l.path || f.startsWith(`${l.path}/`));
      if (cacheLinks.length) appFiles = appFiles.filter((f) => !linked(f));
      for (const l of cacheLinks)
        log(`linking ${manifest.paths.appDir}/${l.path} to ${cacheDir(manifest)}/${l.subdir} (writable cache)`);
    }
    const links = staged.links.map((location) => ({ location, name: location, version: '', optional: false }));
    // node-gyp's output is stripped in the staging copy, before its sizes are collected.
    const strip = await stripCompiledAddons({
      root: staged.root,
      locations: staged.packages.map((p) => p.location),
      ownTree: install,
      keepSymbols: options.keepSymbols ?? app.config.keepSymbols ?? false,
      ci: (options.env ?? process.env)['CI'] === 'true',
      log,
    });
    // A stripped file is not the installed one any more: it is stat-ed and read again.
    for (const rel of strip.stripped) known.forget(path.join(staged.root, rel));
    log(`collecting ${appFiles.length} app files and ${staged.packages.length} packages`);
    // Other platforms' binaries are left out; the target CPU is --arch's, else this machine's
    // (what chooseArch below settles on when native code remains).
    const platform = { cpu: target?.cpu ?? process.arch, foreign: target?.foreign ?? false };
    const collected = await collectContents({
      root: staged.root,
      appFiles,
      packages: [...staged.packages, ...links],
      // pkgapp.releases: the app goes to its release's directory; the unit runs it through /opt/NAME/current.
      installDir: manifest.releases?.payloadDir ?? manifest.paths.appDir,
      rules: manifest,
      nodePath: manifest.runtime.nodePath,
      target: platform,
      declaredInterpreters: declaredPackageNames(manifest),
      known,
    });
    const kept = new Set(collected.packages.map((p) => p.location));
    const installed = staged.packages.filter((p) => kept.has(p.location));
    logDropped(log, collected.dropped, platform.cpu);
    const contents = summaryItems(collected.tally, installed.length);
    log(`packaging ${formatSummary(contents)}`);
    for (const [interpreter, scripts] of collected.undeclaredInterpreters) {
      const shown = scripts.slice(0, 5).join(', ') + (scripts.length > 5 ? `, and ${scripts.length - 5} more` : '');
      log(
        `warning: ${scripts.length} script(s) run by ${interpreter}, which the app does not depend on, are packaged without their execute bit: ${shown} (add "${interpreter}" to pkgapp.depends.deb and pkgapp.depends.rpm to keep them executable)`,
      );
    }
    if (runtime) {
      const file = (runtime.entry.source as { file: string }).file;
      collected.elfObjects.push(
        ...(await readPayloadElf([{ path: runtime.entry.path, file, mode: runtime.entry.mode }])),
      );
      collected.entries.add(runtime.entry);
      collected.nativeAddons.push(runtime.entry.path); // a node binary is as architecture-specific as an addon
      log(`bundling Node.js ${runtime.version ?? ''} from ${(runtime.entry.source as { file: string }).file}`);
    }
    for (const format of formats) await format.checkContents?.(collected.entries);
    checkAborted();
    // Any ELF object (a shipped program such as esbuild's) makes the package architecture-specific.
    const nativeCode = [
      ...new Set([...collected.nativeAddons, ...collected.elfObjects.map((o) => o.info.path.slice(1))]),
    ];
    // Every ELF object must run on the target's machine (an addon compiled here for this one
    // does not), unless --force-arch.
    const machines = new Map(collected.elfObjects.map((o) => [o.info.path.slice(1), o.info.machineName]));
    const arch = chooseArch(manifest.archOverride, nativeCode, options.forceArch, undefined, machines);
    if (options.forceArch) {
      const wrong = wrongMachine(nativeCode, machines, arch);
      if (wrong.length)
        log(
          `warning: --force-arch: packaging ${wrong.length} ELF object(s) built for another machine than ${arch}'s: ${wrong.slice(0, 4).join(', ')}${wrong.length > 4 ? ', …' : ''}`,
        );
    }
    if (collected.elfObjects.length) {
      const deb = formats.some((f) => f.target === 'deb');
      // The library tables load only for a payload with ELF objects.
      const { libraryDependencies } = await import('./contents/library-dependencies.js');
      const libraries = await libraryDependencies({
        objects: collected.elfObjects,
        symlinkNames: collected.librarySymlinks,
        libraries: app.config.libraries ?? {},
        librariesKey: `pkgapp.libraries (${app.configSource})`,
        debArch: deb && arch !== 'all' ? archName(DEB_ARCH, arch) : undefined,
      });
      for (const warning of libraries.warnings) log(`warning: ${warning}`);
      log(
        `${collected.elfObjects.length} ELF object(s): ${deb ? `Depends ${libraries.deb.join(', ') || '(none)'}; ` : ''}${libraries.rpm.length} rpm library requirement(s)`,
      );
      manifest = { ...manifest, libraryDepends: { deb: libraries.deb, rpm: libraries.rpm } };
    }
    // The Node.js floor from every engines.node and the addons' N-API versions; addons compiled
    // against V8 load only on this Node.js major (NODE_MODULE_VERSION): the packages say so.
    const prefix = (manifest.releases?.payloadDir ?? manifest.paths.appDir).slice(1);
    const addons = collected.nativeAddons
      .filter((p) => !runtime || p !== runtime.entry.path)
      .map((p) => ({ path: p, file: path.join(staged.root, p.slice(prefix.length + 1)) }));
    const engines = app.packageJson.engines?.['node'];
    manifest = {
      ...manifest,
      ...(await resolveNodeRequirement({
        manifest,
        appEngine: typeof engines === 'string' ? engines : undefined,
        packages: installed,
        addons,
        arch,
        bundledVersion: runtime?.version,
        buildNodeVersion: process.versions.node,
        log,
      })),
    };

    checkAborted();
    const created = await makeOutDir(outDir);
    const unlicensed = installed.filter((p) => !p.license).map((p) => `${p.name}@${p.version}`);
    if (unlicensed.length)
      log(
        `warning: ${unlicensed.length} bundled package(s) declare no license: ${unlicensed.slice(0, 10).join(', ')}${unlicensed.length > 10 ? ', …' : ''}`,
      );
    log(`writing ${formats.map((f) => f.target).join(' and ')} (${compression} level ${level})`);
    const sbomPath = path.join(outDir, `${manifest.name}-${manifest.version.npm}.cdx.json`);
    let written: WrittenPackage[];
    try {
      written = await writePackages({
        formats,
        job: {
          manifest,
          contents: collected.entries,
          bundled: installed,
          arch,
          outDir,
          compression,
          level,
          ...(signer ? { signer } : {}),
          ...(segmentCache ? { segmentCache } : {}),
        },
        sbom: { path: sbomPath, text: renderSbom(manifest, installed) },
        ...(options.progress ? { progress: options.progress } : {}),
      });
    } catch (error) {
      if (created !== undefined) await rmdir(created).catch(() => {}); // leave no empty dist/ behind
      throw error;
    }
    // pkgapp.releases: a format's extra packages (the release's payload) follow its main one.
    const each = written.flatMap((w, i) => [w, ...(w.extra ?? [])].map((p) => ({ p, format: formats[i]!.target })));
    const results: BuiltPackage[] = each.map(({ p, format }) => {
      const { commit: _c, abort: _a, commitReversibly: _r, extra: _e, ...w } = p;
      log(`wrote ${displayPath(w.path)}${signer ? `, signed by ${signer.keyId}` : ''}`);
      return {
        format,
        name: manifest.name,
        ...w,
        sbom: sbomPath,
        ...(signer ? { signedBy: signer.keyId } : {}),
        contents,
      };
    });
    return results;
  } finally {
    await staged.cleanup();
    if (segmentCache instanceof StoreSegmentCache && segmentCache.stats.hits + segmentCache.stats.misses > 0) {
      const { hits, misses } = segmentCache.stats;
      log(`build cache: ${hits} of ${hits + misses} compressed payload segments reused`);
    }
    if (cache) {
      const pruned = await cache.prune();
      if (pruned.evicted)
        log(
          `build cache: evicted ${pruned.evicted} least recently used entr${pruned.evicted > 1 ? 'ies' : 'y'} (${formatBytes(pruned.freedBytes)})`,
        );
    }
  }
}

/**
 * The build cache (src/cache/, loaded only when on), or undefined when off or unusable (a
 * warning: the build goes on without it).
 */
async function openBuildCache(options: BuildOptions, log: (line: string) => void): Promise<CacheStore | undefined> {
  const location = resolveCacheLocation({
    cache: options.cache,
    maxSize: options.cacheMaxSize,
    env: options.env ?? process.env,
  });
  if (!location) return undefined;
  const { openCacheStore } = await import('./cache/cache-store.js');
  try {
    return await openCacheStore(location.dir, location.maxBytes);
  } catch (error) {
    log(`warning: build cache ${location.dir} is not usable (${(error as Error).message}): building without it`);
    return undefined;
  }
}

/**
 * The lockfile must pin everything package.json asks for (the importer's, and each sibling
 * workspace's it depends on): every difference is listed. Returns the production closure.
 */
function checkLock(lock: Lock, project: AppProject): LockGraph {
  const stale = (problems: string[]) =>
    new UserError(
      `${lock.path} is out of sync with ${project.importer ? `${project.importer}/` : ''}package.json:\n  ${problems.join('\n  ')}`,
      {
        code: 'PKGAPP_LOCKFILE_STALE',
        hint: `Run \`${INSTALL_COMMAND[project.manager]}\` to update the lockfile, then commit it`,
      },
    );
  const problems = lock.mismatches(project.importer);
  if (problems.length) throw stale(problems);
  const graph = lock.graph(project.importer);
  for (const node of graph.nodes.values()) {
    if (node === graph.root || node.workspace === undefined) continue;
    if (node.workspace.startsWith('..') || path.isAbsolute(node.workspace)) {
      throw new UserError(`${lock.path}: ${node.name} is linked from ${node.workspace}, outside ${project.root}`, {
        code: 'PKGAPP_LINK_OUTSIDE',
        hint: 'pkgapp packages what the project holds: depend on a published version, or make it a workspace of the same monorepo',
      });
    }
    problems.push(...lock.mismatches(node.workspace).map((p) => `${node.workspace}/package.json: ${p}`));
  }
  if (problems.length) throw stale(problems);
  return graph;
}

const INSTALL_COMMAND: Record<ManagerId, string> = {
  npm: 'npm install',
  pnpm: 'pnpm install',
  'yarn-classic': 'yarn install',
  'yarn-berry': 'yarn install',
};

/** A path relative to the current directory when it is below it, else absolute. */
function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}

/** Other platforms' prebuilt binaries left out (contents/platform-filter.ts), in one line. */
function logDropped(log: (line: string) => void, dropped: DroppedBinaries, cpu: string): void {
  if (dropped.files === 0 && dropped.packages.length === 0) return;
  const list = (items: string[]) =>
    `${items.slice(0, 4).join(', ')}${items.length > 4 ? `, and ${items.length - 4} more` : ''}`;
  const what = [
    ...(dropped.packages.length
      ? [
          `${dropped.packages.length} optional package${dropped.packages.length > 1 ? 's' : ''} (${list(dropped.packages)})`,
        ]
      : []),
    ...(dropped.prebuildDirs.length
      ? [
          `${dropped.prebuildDirs.length} prebuilds path${dropped.prebuildDirs.length > 1 ? 's' : ''} (${list(dropped.prebuildDirs)})`,
        ]
      : []),
  ];
  log(
    `leaving out native binaries for other platforms than linux-${cpu} (glibc): ${what.join(' and ')}, ${dropped.files} files, ${formatBytes(dropped.bytes)}`,
  );
}

/** Creates the output directory (-o); a path through a file or without write access is bad input. */
async function makeOutDir(outDir: string): Promise<string | undefined> {
  try {
    return await mkdir(outDir, { recursive: true });
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UserError(`-o ${outDir}: the output directory cannot be created (${errno})`, {
      code: 'PKGAPP_OUT_DIR_INVALID',
      hint: 'Pass -o a directory you can write to (relative paths are taken from -C)',
      cause: error,
    });
  }
}

function checkCompression(value: string): Compression {
  if (!(COMPRESSIONS as readonly string[]).includes(value)) {
    throw new UserError(`--compression: unknown compression "${value}"`, {
      code: 'PKGAPP_COMPRESSION_UNKNOWN',
      hint: `Use --compression ${COMPRESSIONS.join('|')}`,
    });
  }
  return value as Compression;
}

/** Package names in pkgapp.depends (deb relations, alternatives, rpm requirements, /usr/bin paths): interpreters the app declares. */
function declaredPackageNames(manifest: Manifest): Set<string> {
  const names = new Set<string>();
  for (const relation of [...manifest.extraDepends.deb, ...manifest.extraDepends.rpm]) {
    for (const alternative of relation.split('|')) {
      const name = alternative.trim().split(/[\s(]/)[0];
      if (name) names.add(path.posix.basename(name.replace(/:[a-z0-9-]+$/, '')));
    }
  }
  return names;
}
