// The Release file of an apt suite (docs/internals/apt-repository.md#release): what the suite holds and the size and
// digests of every index file, which InRelease and Release.gpg then sign. Pure.

/** One index file below dists/<suite>/, e.g. main/binary-amd64/Packages.xz. */
export interface ReleaseIndexFile {
  path: string;
  size: number;
  md5: string;
  sha256: string;
}

/** Everything a Release says about one suite. */
export interface ReleaseInput {
  origin: string;
  label: string;
  suite: string;
  codename: string;
  date: Date;
  architectures: readonly string[];
  components: readonly string[];
  /** Announces by-hash/SHA256/<hex> copies of every listed index file. */
  acquireByHash: boolean;
  /**
   * Architecture: all packages are listed in every binary-ARCH index as well as in binary-all:
   * Release then says `No-Support-for-Architecture-all: Packages`, as Debian's archive does for that
   * layout, so apt reads them from binary-ARCH only and lists each version once
   * (docs/internals/apt-repository.md#packages).
   */
  allInEveryArch: boolean;
  files: readonly ReleaseIndexFile[];
}

/**
 * The Release text. Hash lists are MD5Sum (old clients) and SHA256 (what apt requires); no
 * SHA512, because with Acquire-By-Hash apt would then fetch by-hash/SHA512/ (docs/internals/apt-repository.md#release).
 * Release never lists itself.
 */
export function renderRelease(input: ReleaseInput): string {
  const files = [...input.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const width = Math.max(1, ...files.map((f) => String(f.size).length));
  const list = (digest: (f: ReleaseIndexFile) => string) =>
    files.map((f) => ` ${digest(f)} ${String(f.size).padStart(width)} ${f.path}\n`).join('');
  const fields: [string, string][] = [
    ['Origin', input.origin],
    ['Label', input.label],
    ['Suite', input.suite],
    ['Codename', input.codename],
    ['Date', rfc2822Date(input.date)],
    ['Architectures', input.architectures.join(' ')],
    ['Components', input.components.join(' ')],
  ];
  if (input.acquireByHash) fields.push(['Acquire-By-Hash', 'yes']);
  if (input.allInEveryArch) fields.push(['No-Support-for-Architecture-all', 'Packages']);
  return `${fields.map(([k, v]) => `${k}: ${v}\n`).join('')}MD5Sum:\n${list((f) => f.md5)}SHA256:\n${list((f) => f.sha256)}`;
}

/** A date as Release wants it: RFC 2822 in UTC, e.g. "Thu, 26 Nov 2026 12:29:16 +0000". */
export function rfc2822Date(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new Error('invalid Release date');
  return date.toUTCString().replace(/GMT$/, '+0000');
}
