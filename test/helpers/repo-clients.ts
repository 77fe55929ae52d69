// apt and dnf on the host, pointed at pkgapp repositories (a directory as file://, a bucket as
// http://), with their own state so they touch nothing of the host's and several tests can run
// at once. Cheap enough to run after every one of many publishes: one `apt-get update` or one
// `dnf makecache` checks many repositories at once, each a source of its own.
//
// They check what a server would: apt verifies InRelease against the `signed-by` key and every
// index against the hashes InRelease lists (test/oracle/publish-crash.test.ts shows a tampered
// InRelease is refused); dnf with repo_gpgcheck=1 verifies repomd.xml.asc and each repodata
// file's checksum.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

/** One repository as clients see it: `url` is the --repo root (apt under url/apt, yum under url/yum). */
export interface RepoSource {
  /** A short name: the dnf repo id, and what failure messages name. */
  name: string;
  url: string;
}

export interface ClientResult {
  ok: boolean;
  output: string;
}

/** apt-get with its state, cache and sources in `dir`, trusting only `keyring` (signed-by). */
export async function aptClient(dir: string, keyring: string, suite = 'stable') {
  for (const d of ['state/lists/partial', 'cache/archives/partial', 'etc/preferences.d', 'etc/apt.conf.d'])
    await mkdir(path.join(dir, d), { recursive: true });
  await writeFile(path.join(dir, 'state/status'), '');
  const options = [
    `Dir::State=${dir}/state`,
    `Dir::State::status=${dir}/state/status`,
    `Dir::Cache=${dir}/cache`,
    `Dir::Etc::SourceList=${dir}/etc/sources.list`,
    'Dir::Etc::SourceParts=-',
    `Dir::Etc::Preferences=${dir}/etc/preferences`,
    `Dir::Etc::PreferencesParts=${dir}/etc/preferences.d`,
    `Dir::Etc::Parts=${dir}/etc/apt.conf.d`,
    'APT::Architecture=amd64',
    'APT::Architectures=amd64',
    'Debug::NoLocking=1',
    // The temp dirs are root's; apt's _apt sandbox user could not write them.
    'APT::Sandbox::User=root',
    'Acquire::Languages=none',
    'Acquire::Retries=0',
  ].flatMap((o) => ['-o', o]);
  const run = async (args: string[], cwd = dir): Promise<ClientResult> => {
    const r = await execa('apt-get', [...options, ...args], { cwd, reject: false, all: true });
    const output = String(r.all);
    // apt-get update exits 0 on some failures (a source it could not fetch): any W:/E:/Err: is a failure.
    return { ok: r.exitCode === 0 && !/^(W|E|Err):/m.test(output), output };
  };
  return {
    /** `apt-get update` of every source at once. */
    async update(sources: readonly RepoSource[]): Promise<ClientResult> {
      await writeFile(
        path.join(dir, 'etc/sources.list'),
        sources.map((s) => `deb [signed-by=${keyring}] ${s.url}/apt ${suite} main\n`).join(''),
      );
      return run(['update']);
    },
    /** `apt-get download NAME=VERSION...` into `into` (after update with only that source): hashes checked against the indexes. */
    download: (specs: string[], into: string) => run(['download', ...specs], into),
  };
}

/** dnf with its installroot, repos and cache in `dir`, trusting only `key` (gpgkey). */
export async function dnfClient(dir: string, key: string, channel = 'stable') {
  for (const d of ['root', 'repos', 'cache']) await mkdir(path.join(dir, d), { recursive: true });
  const base = [
    '-y',
    `--installroot=${dir}/root`,
    `--setopt=reposdir=${dir}/repos`,
    `--setopt=cachedir=${dir}/cache`,
    '--releasever=1',
    '--setopt=skip_if_unavailable=False',
    '--setopt=metadata_expire=0',
  ];
  const setRepos = async (sources: readonly RepoSource[]) => {
    await writeFile(
      path.join(dir, 'repos/pkgapp.repo'),
      sources
        .map((s) =>
          [
            `[${s.name}]`,
            `name=${s.name}`,
            `baseurl=${s.url}/yum/${channel}`,
            'enabled=1',
            'gpgcheck=1',
            'repo_gpgcheck=1',
            `gpgkey=file://${key}`,
            '',
          ].join('\n'),
        )
        .join('\n'),
    );
  };
  const run = async (args: string[], cwd = dir): Promise<ClientResult> => {
    const r = await execa('dnf', [...base, ...args], { cwd, reject: false, all: true });
    return { ok: r.exitCode === 0, output: String(r.all) };
  };
  return {
    /** `dnf makecache` of every source at once (repomd.xml.asc and every repodata checksum verified). */
    async makecache(sources: readonly RepoSource[]): Promise<ClientResult> {
      await setRepos(sources);
      return run(['makecache']);
    },
    /** The URLs dnf would download `name`'s packages from, out of one source's verified metadata. */
    async locations(source: RepoSource, name: string): Promise<ClientResult & { urls: string[] }> {
      await setRepos([source]);
      const r = await run(['-q', 'repoquery', '--location', name]);
      return { ...r, urls: r.output.split('\n').filter((l) => /^(file|https?):\/\//.test(l)) };
    },
  };
}
