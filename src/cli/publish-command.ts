// `pkgapp publish` and `pkgapp promote`: flags → publish()/promote(); prints what changed and the client setup.
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import type { PublishResult, RepositoryOptions } from '../publish/publish.js';
import { signKeyFrom } from './build-command.js';
import { withInterrupts } from './interrupts.js';
import type { Io } from './io.js';

interface RepoFlags {
  repo: string;
  suite?: string;
  component: string;
  keep?: string;
  url?: string;
  signKey?: string;
  json?: boolean;
  quiet?: boolean;
  endpoint?: string;
  region?: string;
  virtualHosted?: boolean;
}

/** Declares publish and promote on `program`. */
export function addPublishCommands(program: Command, io: Io): void {
  const repoOptions = (command: Command) =>
    command
      .requiredOption(
        '--repo <dir|s3://bucket/prefix>',
        'repository root, a directory or s3://BUCKET/PREFIX: apt in DIR/apt, yum in DIR/yum',
      )
      .option('--endpoint <url>', 'S3-compatible store for s3:// (Ceph RGW, MinIO, R2...), path-style addressing')
      .option('--region <name>', 'S3 region (default: AWS_REGION or the AWS profile)')
      .option('--virtual-hosted', 'address the bucket as BUCKET.ENDPOINT instead of ENDPOINT/BUCKET')
      .option('--component <name>', 'apt component', 'main')
      .option('--keep <n>', 'keep at most N versions of each package in the suite (default: all)')
      .option('--url <url>', 'where clients reach DIR, for the printed setup')
      .option(
        '--sign-key <file>',
        'OpenPGP secret key for the metadata (or PKGAPP_SIGN_KEY; passphrase in PKGAPP_SIGN_PASSPHRASE)',
      )
      .option('--json', 'print one JSON document on stdout')
      .option('-q, --quiet', 'print errors only');

  repoOptions(
    program
      .command('publish')
      .description('add packages to the apt and yum repositories in DIR, keeping every version'),
  )
    .argument('<files...>', '.deb and .rpm files')
    .option('--suite <name>', 'apt suite / yum channel', 'stable')
    .action(async (files: string[], flags: RepoFlags) => {
      const { publish } = await import('../publish/publish.js');
      const options = repositoryOptions(flags, flags.suite ?? 'stable', io);
      report(await withInterrupts(io.onInterrupt, (signal) => publish(files, { ...options, signal })), flags, io);
    });

  repoOptions(
    program.command('promote').description('copy a published version from one suite to another without rebuilding'),
  )
    .argument('<name=version>', 'package and version, e.g. acme-hello=1.2.3')
    .requiredOption('--from <suite>', 'suite it is published in, e.g. staging')
    .requiredOption('--to <suite>', 'suite to add it to, e.g. production')
    .action(async (spec: string, flags: RepoFlags & { from: string; to: string }) => {
      const match = /^([^=\s]+)=(\S+)$/.exec(spec);
      if (!match)
        throw new UserError(`"${spec}" is not NAME=VERSION`, {
          code: 'PKGAPP_PROMOTE_SPEC',
          hint: 'e.g. pkgapp promote --repo repo --from staging --to production acme-hello=1.2.3',
        });
      const { promote } = await import('../publish/publish.js');
      const options = repositoryOptions(flags, flags.to, io);
      report(
        await withInterrupts(io.onInterrupt, (signal) =>
          promote(match[1]!, match[2]!, flags.from, { ...options, signal }),
        ),
        flags,
        io,
      );
    });
}

function repositoryOptions(flags: RepoFlags, suite: string, io: Io): RepositoryOptions {
  const signKey = signKeyFrom(flags.signKey, io.env);
  if (!signKey)
    throw new UserError('repository metadata must be signed: pass --sign-key FILE or set PKGAPP_SIGN_KEY', {
      code: 'PKGAPP_SIGN_KEY_MISSING',
      hint: 'Create a key once with `pkgapp keygen`',
    });
  const options: RepositoryOptions = { repoDir: flags.repo, suite, component: flags.component, signKey };
  if (flags.keep !== undefined) {
    if (!/^\d+$/.test(flags.keep) || Number(flags.keep) < 1)
      throw new UserError(`--keep "${flags.keep}" must be a whole number of versions, at least 1`, {
        code: 'PKGAPP_KEEP_INVALID',
        hint: 'e.g. --keep 5 keeps the five highest versions of each package; leave it out to keep every version',
      });
    options.keep = Number(flags.keep);
  }
  if (flags.url !== undefined) options.baseUrl = flags.url.replace(/\/+$/, '');
  if (flags.endpoint !== undefined || flags.region !== undefined || flags.virtualHosted)
    options.s3 = {
      ...(flags.endpoint !== undefined ? { endpoint: flags.endpoint } : {}),
      ...(flags.region !== undefined ? { region: flags.region } : {}),
      ...(flags.virtualHosted ? { forcePathStyle: false } : {}),
    };
  return options;
}

function report(result: PublishResult, flags: RepoFlags, io: Io): void {
  if (flags.json) {
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  if (flags.quiet) return;
  for (const [side, r] of [
    ['apt', result.apt],
    ['yum', result.yum],
  ] as const) {
    if (!r) continue;
    for (const f of r.added) io.stderr(`${side}: added ${f}\n`);
    for (const f of r.unchanged) io.stderr(`${side}: already published ${f}\n`);
    for (const f of r.removed) io.stderr(`${side}: removed ${f} (--keep)\n`);
  }
  io.stderr(`metadata signed by ${result.signedBy}\n`);
  if (result.clientSetup.apt) io.stderr(`\nOn Debian/Ubuntu servers:\n${result.clientSetup.apt.trimEnd()}\n`);
  if (result.clientSetup.yum)
    io.stderr(`\nOn Fedora/RHEL servers, as /etc/yum.repos.d/pkgapp.repo:\n${result.clientSetup.yum.trimEnd()}\n`);
}
