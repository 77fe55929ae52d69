// `pkgapp build`: flags → BuildOptions → build(); prints a summary or one JSON document.
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import type { BuildOptions } from '../build.js';
import type { SignKeySource } from '../sign/openpgp-signer.js';
import type { Compression } from '../util/compression.js';
import { withInterrupts } from './interrupts.js';
import type { Io } from './io.js';
import { createReporter } from './progress.js';

interface BuildFlags {
  target: string[];
  dir: string;
  out: string;
  arch?: string;
  forceArch?: boolean;
  keepSymbols?: boolean;
  node?: string;
  nodeBinary?: string;
  version?: string;
  release?: string;
  compression: string;
  level?: string;
  install: boolean;
  cache?: string | false;
  workspace?: string;
  signKey?: string;
  json?: boolean;
  quiet?: boolean;
}

/** Declares the build command on `program`. */
export function addBuildCommand(program: Command, io: Io): void {
  program
    .command('build')
    .description('build packages of the Node.js app in DIR')
    .option('-t, --target <format>', 'package format: deb or rpm (repeatable)', collect, [])
    .option('-C, --dir <dir>', 'the app directory; other paths are relative to it', '.')
    .option('-o, --out <dir>', 'output directory', 'dist')
    .option('--arch <arch>', "architecture (default: all, or the host's when native addons are present)")
    .option('--node <runtime>', 'system (depend on the nodejs package) or bundled (ship node in /opt/NAME/node)')
    .option(
      '--node-binary <path>',
      'with --node bundled: the node binary or Node.js directory to ship (default: the running node)',
    )
    .option('--force-arch', "accept --arch although native addons were built for this machine's architecture")
    .option(
      '--keep-symbols',
      'keep the symbols and debug information of addons compiled during the build (default: strip them, as dh_strip does)',
    )
    .option('--version <version>', 'package this version instead of package.json "version"')
    .option('--release <n>', 'packaging revision: deb gets "-N" only when given')
    .option('--compression <kind>', 'gzip, xz, zstd or none', 'gzip')
    .option('--level <n>', 'compression level')
    .option('--no-install', 'use the existing node_modules (checked against the lockfile) instead of installing it')
    .option(
      '--cache <dir>',
      'build cache directory (default: PKGAPP_CACHE_DIR, else $XDG_CACHE_HOME/pkgapp, else ~/.cache/pkgapp)',
    )
    .option('--no-cache', 'do not reuse or store installed trees (the output is the same bytes)')
    .option('-w, --workspace <name>', 'package this workspace (package name or directory) of the monorepo in DIR')
    .option(
      '--sign-key <file>',
      'sign with this OpenPGP secret key (or set PKGAPP_SIGN_KEY to the armored key; passphrase in PKGAPP_SIGN_PASSPHRASE)',
    )
    .option('--json', 'print one JSON document with the built packages on stdout')
    .option('-q, --quiet', 'print errors only')
    .action(async (flags: BuildFlags) => {
      const options: BuildOptions = {
        dir: flags.dir,
        outDir: flags.out,
        ...(flags.target.length ? { targets: flags.target } : {}),
        compression: flags.compression as Compression,
        install: flags.install,
        ...(flags.cache !== undefined ? { cache: flags.cache } : {}),
        env: io.env,
      };
      const reporter = flags.quiet || flags.json ? undefined : createReporter(io, io.interactive);
      if (reporter) {
        options.log = reporter.log;
        options.progress = reporter.progress;
      } else if (flags.json && !flags.quiet) {
        // A pipeline reading --json still sees the warnings (Node.js floor above Debian's, build
        // output left out, unlicensed packages), on stderr so stdout stays one JSON document.
        options.log = (line) => {
          if (line.startsWith('warning:')) io.stderr(`pkgapp: ${line}\n`);
        };
      }
      if (flags.arch !== undefined) options.arch = flags.arch;
      if (flags.forceArch) options.forceArch = true;
      if (flags.keepSymbols) options.keepSymbols = true;
      if (flags.node !== undefined) {
        if (flags.node !== 'system' && flags.node !== 'bundled')
          throw new UserError(`--node "${flags.node}" must be system or bundled`, {
            code: 'PKGAPP_NODE_INVALID',
            hint: "Use --node system (depend on the distribution's nodejs package) or --node bundled (ship node in the package)",
          });
        options.node = flags.node;
      }
      if (flags.nodeBinary !== undefined) {
        options.node ??= 'bundled';
        options.nodeBinary = flags.nodeBinary;
      }
      if (flags.workspace !== undefined) options.workspace = flags.workspace;
      if (flags.version !== undefined) options.version = flags.version;
      if (flags.release !== undefined) options.release = flags.release;
      if (flags.level !== undefined) {
        if (!/^\d+$/.test(flags.level))
          throw new UserError(`--level "${flags.level}" is not a whole number`, {
            code: 'PKGAPP_LEVEL_INVALID',
            hint: 'Use 1-9 for gzip and xz, 1-19 for zstd, or leave --level out for the default',
          });
        options.level = Number(flags.level);
      }
      const signKey = signKeyFrom(flags.signKey, io.env);
      if (signKey) options.signKey = signKey;
      const { build } = await import('../build.js'); // loaded when used: `pkgapp --version` stays fast
      const packages = await withInterrupts(io.onInterrupt, (signal) => build({ ...options, signal })).finally(() =>
        reporter?.finish(),
      );
      if (flags.json) {
        io.stdout(`${JSON.stringify({ packages }, null, 2)}\n`);
      } else if (!flags.quiet) {
        for (const p of packages)
          io.stderr(
            `built ${p.path}\n  ${p.format} ${p.version} ${p.architecture}, ${p.files} files, ${p.size} bytes, sha256 ${p.sha256}${p.signedBy ? `, signed by ${p.signedBy}` : ''}\n`,
          );
        io.stderr(`SBOM ${packages[0]!.sbom}\n`);
      }
    });
}

/** --sign-key FILE, else PKGAPP_SIGN_KEY; the passphrase always from PKGAPP_SIGN_PASSPHRASE. */
export function signKeyFrom(file: string | undefined, env: NodeJS.ProcessEnv): SignKeySource | undefined {
  const passphrase = env['PKGAPP_SIGN_PASSPHRASE'];
  const withPassphrase = passphrase ? { passphrase } : {};
  if (file !== undefined) return { file, ...withPassphrase };
  const armored = env['PKGAPP_SIGN_KEY'];
  return armored ? { armored, ...withPassphrase } : undefined;
}

function collect(value: string, previous: string[]): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}
