// `pkgapp check-repo REPO`: flags → checkRepo(); prints what is wrong, or a one-line summary.
import type { Command } from 'commander';
import { EXIT_FAILURE, UserError } from '../errors.js';
import type { Io } from './io.js';

interface CheckRepoFlags {
  key?: string;
  suite: string[];
  endpoint?: string;
  json?: boolean;
  quiet?: boolean;
}

/** Declares the check-repo command on `program`. */
export function addCheckRepoCommand(program: Command, io: Io): void {
  program
    .command('check-repo')
    .description(
      'verify a published apt/yum repository as clients read it: signatures, every index hash, every package',
    )
    .argument('<repo>', 'the directory, s3://BUCKET/PREFIX or http(s):// URL that holds apt/ and yum/')
    .option('--key <file>', "public key(s) to check signatures against (default: the repository's own exported key)")
    .option(
      '--suite <name>',
      'apt suite / yum channel to check; repeat for several (default: all; stable over HTTP)',
      collect,
      [],
    )
    .option('--endpoint <url>', 'S3-compatible endpoint for s3:// (Ceph, MinIO, R2...)')
    .option('--json', 'print one JSON document on stdout')
    .option('-q, --quiet', 'print errors only')
    .action(async (repo: string, flags: CheckRepoFlags) => {
      const { checkRepo } = await import('../check-repo/check-repo.js');
      const { formatFinding } = await import('../check-repo/findings.js');
      const report = await checkRepo(repo, {
        ...(flags.key ? { keyFile: flags.key } : {}),
        ...(flags.suite.length ? { suites: flags.suite } : {}),
        s3: flags.endpoint ? { endpoint: flags.endpoint } : {},
      });
      if (flags.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      else {
        for (const f of report.problems) io.stderr(`BAD ${formatFinding(f)}\n`);
        if (!flags.quiet) for (const f of report.warnings) io.stderr(`warning: ${formatFinding(f)}\n`);
      }
      const suites = [
        ...(report.apt.suites.length ? [`apt ${report.apt.suites.join(', ')}`] : []),
        ...(report.yum.channels.length ? [`yum ${report.yum.channels.join(', ')}`] : []),
      ].join('; ');
      if (!report.valid) {
        const first = report.problems[0]!;
        throw new UserError(
          `${report.repository}: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} (${suites}); first: ${formatFinding(first)}`,
          {
            code: 'PKGAPP_CHECK_REPO_FAILED',
            exitCode: EXIT_FAILURE,
            hint: 'Clients would refuse or be misled by these files: republish (pkgapp publish rewrites indexes and signatures) or restore them',
          },
        );
      }
      if (!flags.json && !flags.quiet) {
        const c = report.checked;
        const note = report.suitesFrom === 'default' ? ' (HTTP cannot list suites; --suite checks others)' : '';
        io.stderr(
          `${report.repository}: OK: ${suites}${note}; ${c.signatures} signatures against ${report.keys.join(' and ')}, ${c.indexes} index files, ${c.debs} .deb and ${c.rpms} .rpm (${c.packageBytes} bytes) checked\n`,
        );
      }
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
