// `pkgapp check-repo`: reads a published repository as apt and dnf would, from a directory,
// s3://BUCKET/PREFIX or an HTTP(S) URL, and reports every file that a client would refuse or
// that says something else than its index (docs/repositories.md#checking-a-published-repository).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EXIT_USAGE, UserError } from '../errors.js';
import { HttpStorage } from '../publish/storage/http-storage.js';
import { openStorage, type S3ConnectionOptions } from '../publish/storage/open-storage.js';
import { parseRepoLocation } from '../publish/storage/repo-url.js';
import type { RepositoryReader } from '../publish/storage/storage.js';
import { aptSuiteExists, checkAptSuite, listAptSuites, type CheckContext } from './check-apt.js';
import { checkYumChannel, listYumChannels, yumChannelExists } from './check-yum.js';
import { Findings, type CheckCounts, type Finding } from './findings.js';
import { keysFromFile, keysFromRepository, type PublicKeys } from './repo-keys.js';

export interface CheckRepoOptions {
  /** Public key file to check signatures against; default: the key the repository exports. */
  keyFile?: string;
  /** Suites / channels to check; default: every one found (a directory or S3), or `stable` over HTTP. */
  suites?: string[];
  s3?: S3ConnectionOptions;
  /** Objects read at once (default 4). */
  parallel?: number;
}

export interface CheckRepoReport {
  repository: string;
  /** True when no problem was found. */
  valid: boolean;
  /** What the signatures were checked against: "--key FILE" or the repository's own key files. */
  keys: string[];
  apt: { suites: string[] };
  yum: { channels: string[] };
  /** How the suites were chosen, when they were not given. */
  suitesFrom: 'given' | 'listed' | 'default';
  checked: CheckCounts;
  problems: Finding[];
  warnings: Finding[];
}

/** Used over HTTP, where nothing can be listed, when no --suite is given: publish's default suite. */
export const DEFAULT_SUITE = 'stable';

export async function checkRepo(repo: string, options: CheckRepoOptions = {}): Promise<CheckRepoReport> {
  const reader = await openReader(repo, options.s3 ?? {});
  const findings = new Findings();
  const given = options.keyFile ? await keysFromFile(options.keyFile) : undefined;
  const { apt, yum, from } = await chooseSuites(reader, options.suites);
  if (apt.length === 0 && yum.length === 0) {
    const which = options.suites?.length
      ? `no apt suite or yum channel named ${options.suites.join(', ')}`
      : 'no apt suite or yum channel';
    throw new UserError(
      `${reader.location}: ${which} (looked for apt/dists/SUITE/InRelease and yum/CHANNEL/repodata/repomd.xml)`,
      {
        code: 'PKGAPP_CHECK_REPO_NOT_FOUND',
        exitCode: EXIT_USAGE,
        hint:
          from === 'default'
            ? 'Over HTTP pkgapp cannot list the suites: name them with --suite'
            : 'Give the directory, s3://BUCKET/PREFIX or URL that holds apt/ and yum/ (the --repo of publish)',
      },
    );
  }
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'pkgapp-check-repo-'));
  const ctx: CheckContext = { reader, findings, scratch, parallel: options.parallel ?? 4, now: new Date() };
  const sources = new Set<string>();
  try {
    if (apt.length) {
      const keys: PublicKeys = given ?? (await keysFromRepository(reader, 'apt', findings));
      sources.add(keys.source);
      for (const suite of apt) await checkAptSuite(ctx, suite, keys);
    }
    if (yum.length) {
      const keys: PublicKeys = given ?? (await keysFromRepository(reader, 'yum', findings));
      sources.add(keys.source);
      for (const channel of yum) await checkYumChannel(ctx, channel, keys);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return {
    repository: reader.location,
    valid: findings.problems.length === 0,
    keys: [...sources],
    apt: { suites: apt },
    yum: { channels: yum },
    suitesFrom: from,
    checked: findings.counts,
    problems: sorted(findings.problems),
    warnings: sorted(findings.warnings),
  };
}

/** http(s):// → read-only HTTP; anything else is what publish's --repo takes (a directory or s3://). */
async function openReader(repo: string, s3: S3ConnectionOptions): Promise<RepositoryReader> {
  if (/^https?:\/\//i.test(repo)) {
    try {
      return new HttpStorage(repo);
    } catch (error) {
      throw new UserError(`REPO ${JSON.stringify(repo)} is not a valid URL`, {
        code: 'PKGAPP_REPO_URL_INVALID',
        hint: 'e.g. https://pkgs.example.com/repo',
        cause: error,
      });
    }
  }
  return openStorage(parseRepoLocation(repo, 'REPO'), s3);
}

async function chooseSuites(
  reader: RepositoryReader,
  given: string[] | undefined,
): Promise<{ apt: string[]; yum: string[]; from: CheckRepoReport['suitesFrom'] }> {
  if (given?.length) {
    for (const suite of given) {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(suite))
        throw new UserError(`--suite "${suite}" is not a suite name`, {
          code: 'PKGAPP_CHECK_REPO_NOT_FOUND',
          hint: 'Suite names are letters, digits, ".", "_" and "-", e.g. stable',
        });
    }
    return { ...(await existing(reader, given)), from: 'given' };
  }
  const apt = await listAptSuites(reader);
  const yum = await listYumChannels(reader);
  if (apt && yum) return { apt, yum, from: 'listed' };
  return { ...(await existing(reader, [DEFAULT_SUITE])), from: 'default' };
}

async function existing(reader: RepositoryReader, suites: string[]): Promise<{ apt: string[]; yum: string[] }> {
  const apt: string[] = [];
  const yum: string[] = [];
  for (const suite of suites) {
    if (await aptSuiteExists(reader, suite)) apt.push(suite);
    if (await yumChannelExists(reader, suite)) yum.push(suite);
  }
  return { apt, yum };
}

/** Checks run in parallel: the report lists findings by file, the same every run. */
function sorted(findings: Finding[]): Finding[] {
  return [...findings].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.problem < b.problem ? -1 : 1));
}
