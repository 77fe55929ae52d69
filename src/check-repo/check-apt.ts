// check-repo for an apt suite, as apt reads it (docs/internals/apt-repository.md): InRelease and
// Release.gpg signed by the key, InRelease saying what Release says, every index listed in
// Release with its size and hashes (by name and under by-hash/SHA256/), the compressed indexes
// decompressing to the plain one, and every Packages stanza's .deb present with the size and
// SHA256 the stanza gives, the name, version and architecture it gives, and a valid debsigs
// signature when it has one.
import path from 'node:path';
import { readDeb, fieldValue, parseDeb822, type ControlField } from '../deb/read-deb.js';
import { mapBounded, type RepositoryReader } from '../publish/storage/storage.js';
import { verifyArmoredDetached, verifyClearsigned } from '../sign/verify-repo-signature.js';
import { verifyWithKeys } from '../verify/verify-package.js';
import { checkEntryPointCaching } from './cache-headers.js';
import type { Findings } from './findings.js';
import { digestDecompressed, digestObject, safeKey, withLocalFile } from './repo-objects.js';
import type { PublicKeys } from './repo-keys.js';

export interface CheckContext {
  reader: RepositoryReader;
  findings: Findings;
  /** A private temp dir for packages read from remote storage. */
  scratch: string;
  /** Packages checked at once. */
  parallel: number;
  /** When the check started: a Release dated after it is "not valid yet" for apt. */
  now: Date;
}

/** Suites found by listing apt/dists/ (directory, S3); undefined when the storage cannot list (HTTP). */
export async function listAptSuites(reader: RepositoryReader): Promise<string[] | undefined> {
  if (!reader.list) return undefined;
  const suites = new Set<string>();
  for await (const object of reader.list('apt/dists/')) {
    const match = /^apt\/dists\/([^/]+)\/(InRelease|Release)$/.exec(object.key);
    if (match) suites.add(match[1]!);
  }
  return [...suites].sort();
}

/** True when the suite has an entry point (InRelease or Release). */
export async function aptSuiteExists(reader: RepositoryReader, suite: string): Promise<boolean> {
  const base = `apt/dists/${suite}`;
  return (await reader.exists(`${base}/InRelease`)) || (await reader.exists(`${base}/Release`));
}

interface IndexEntry {
  path: string;
  size: number;
  sha256: string;
  md5?: string;
}

/** One .deb as the Packages stanzas name it. */
interface ListedDeb {
  filename: string;
  size: string;
  sha256: string;
  name: string;
  version: string;
  arch: string;
  /** The index that listed it first. */
  index: string;
}

export async function checkAptSuite(ctx: CheckContext, suite: string, keys: PublicKeys): Promise<void> {
  const { reader, findings } = ctx;
  const base = `apt/dists/${suite}`;
  const inRelease = await reader.get(`${base}/InRelease`);
  const release = await reader.get(`${base}/Release`);
  const releaseGpg = await reader.get(`${base}/Release.gpg`);
  let releaseText: string | undefined;
  for (const object of [inRelease, release, releaseGpg]) checkEntryPointCaching(findings, object);

  if (!inRelease) findings.problem(`${base}/InRelease`, 'missing (apt fetches it first)');
  else if (keys.keys) {
    findings.counts.signatures++;
    const checked = await verifyClearsigned(inRelease.body.toString('utf8'), keys.keys);
    if (!checked.valid)
      findings.problem(
        `${base}/InRelease`,
        `signature does not verify against ${keys.source}: ${checked.reason ?? 'bad'}`,
      );
    else releaseText = checked.text;
  }
  if (!release) findings.problem(`${base}/Release`, 'missing');
  if (!releaseGpg) findings.problem(`${base}/Release.gpg`, 'missing');
  if (release && releaseGpg && keys.keys) {
    findings.counts.signatures++;
    const checked = await verifyArmoredDetached(releaseGpg.body.toString('utf8'), release.body, keys.keys);
    if (!checked.valid)
      findings.problem(
        `${base}/Release.gpg`,
        `signature of Release does not verify against ${keys.source}: ${checked.reason ?? 'bad'}`,
      );
  }
  if (release) {
    const plain = release.body.toString('utf8');
    if (releaseText !== undefined && normalized(releaseText) !== normalized(plain))
      findings.problem(
        `${base}/InRelease`,
        'signs a different text than Release (apt reads InRelease, older clients Release)',
      );
    releaseText ??= plain;
  }
  if (releaseText === undefined) return;

  let fields: ControlField[];
  try {
    const stanzas = parseDeb822(releaseText, `${base}/Release`);
    if (stanzas.length !== 1) throw new Error(`${stanzas.length} stanzas instead of one`);
    fields = stanzas[0]!;
  } catch (error) {
    findings.problem(`${base}/Release`, `cannot be parsed: ${(error as Error).message}`);
    return;
  }
  checkDates(ctx, `${base}/Release`, fields);
  const entries = indexEntries(ctx, `${base}/Release`, fields);
  if (entries.length === 0) return;
  const byHash = fieldValue(fields, 'Acquire-By-Hash')?.toLowerCase() === 'yes';

  await mapBounded(entries, ctx.parallel, async (entry) => {
    const key = safeKey(`${base}/${entry.path}`);
    if (!key) {
      findings.problem(`${base}/Release`, `lists ${JSON.stringify(entry.path)}, which is not a relative path`);
      return;
    }
    findings.counts.indexes++;
    await checkIndexHash(ctx, key, entry, `${base}/Release`);
    if (byHash) {
      findings.counts.indexes++;
      await checkIndexHash(ctx, `${path.posix.dirname(key)}/by-hash/SHA256/${entry.sha256}`, entry, `${base}/Release`);
    }
  });
  await checkCompressedIndexes(ctx, base, entries);
  const debs = await listedDebs(ctx, base, entries);
  await mapBounded([...debs.values()], ctx.parallel, (deb) => checkDeb(ctx, deb, keys));
}

/** apt refuses a Release dated in the future ("not valid yet") or past its Valid-Until. */
function checkDates(ctx: CheckContext, where: string, fields: ControlField[]): void {
  const date = fieldValue(fields, 'Date');
  const time = date === undefined ? NaN : Date.parse(date);
  if (Number.isNaN(time)) ctx.findings.problem(where, 'has no valid Date field', 'an RFC 2822 date', date ?? 'none');
  else if (time > ctx.now.getTime() + 60_000)
    ctx.findings.problem(
      where,
      'Date is in the future: apt refuses it as not valid yet',
      `<= ${ctx.now.toUTCString()}`,
      date,
    );
  const validUntil = fieldValue(fields, 'Valid-Until');
  if (validUntil !== undefined && Date.parse(validUntil) < ctx.now.getTime())
    ctx.findings.problem(where, 'has expired (Valid-Until is past)', `> ${ctx.now.toUTCString()}`, validUntil);
}

/** The SHA256 list of Release, with the MD5Sum of each file where listed. apt refuses a Release without SHA256. */
function indexEntries(ctx: CheckContext, where: string, fields: ControlField[]): IndexEntry[] {
  const parse = (name: string) => {
    const list = new Map<string, { hex: string; size: number }>();
    for (const line of (fieldValue(fields, name) ?? '').split('\n')) {
      if (line.trim() === '') continue;
      const match = /^\s*([0-9a-fA-F]+)\s+(\d+)\s+(\S+)\s*$/.exec(line);
      if (!match) ctx.findings.problem(where, `${name} line is not "HASH SIZE PATH"`, undefined, line.trim());
      else list.set(match[3]!, { hex: match[1]!.toLowerCase(), size: Number(match[2]) });
    }
    return list;
  };
  const sha256 = parse('SHA256');
  const md5 = parse('MD5Sum');
  if (sha256.size === 0) ctx.findings.problem(where, 'has no SHA256 list (apt refuses weaker hashes alone)');
  return [...sha256].map(([p, { hex, size }]) => {
    const m = md5.get(p);
    if (m && m.size !== size)
      ctx.findings.problem(where, `MD5Sum and SHA256 give ${p} different sizes`, String(size), String(m.size));
    return { path: p, size, sha256: hex, ...(m ? { md5: m.hex } : {}) };
  });
}

async function checkIndexHash(ctx: CheckContext, key: string, entry: IndexEntry, listedIn: string): Promise<void> {
  const digests = await digestObject(ctx.reader, key, ['sha256', 'md5']);
  if (!digests) {
    ctx.findings.problem(key, `listed in ${listedIn} but missing`);
    return;
  }
  ctx.findings.same(key, `size (listed in ${listedIn})`, entry.size, digests.size);
  ctx.findings.same(key, `SHA256 (listed in ${listedIn})`, entry.sha256, digests.hashes['sha256']!);
  if (entry.md5) ctx.findings.same(key, `MD5Sum (listed in ${listedIn})`, entry.md5, digests.hashes['md5']!);
}

/** Packages.gz and Packages.xz must decompress to the Packages that Release lists (apt reads .xz first). */
async function checkCompressedIndexes(ctx: CheckContext, base: string, entries: IndexEntry[]): Promise<void> {
  const plain = new Map(entries.map((e) => [e.path, e]));
  const compressed = entries.filter((e) => /\.(gz|xz)$/.test(e.path) && plain.has(e.path.replace(/\.(gz|xz)$/, '')));
  await mapBounded(compressed, ctx.parallel, async (entry) => {
    const key = safeKey(`${base}/${entry.path}`);
    const target = plain.get(entry.path.replace(/\.(gz|xz)$/, ''))!;
    if (!key) return;
    try {
      const digests = await digestDecompressed(ctx.reader, key, ['sha256']);
      if (digests)
        ctx.findings.same(
          key,
          `decompressed content (SHA256 of ${target.path})`,
          target.sha256,
          digests.hashes['sha256']!,
        );
    } catch (error) {
      ctx.findings.problem(key, `does not decompress: ${(error as Error).message}`);
    }
  });
}

/** Every .deb the suite's Packages files name, once per Filename. */
async function listedDebs(ctx: CheckContext, base: string, entries: IndexEntry[]): Promise<Map<string, ListedDeb>> {
  const debs = new Map<string, ListedDeb>();
  for (const entry of entries.filter((e) => /(^|\/)Packages$/.test(e.path))) {
    const key = safeKey(`${base}/${entry.path}`);
    const index = key && (await ctx.reader.get(key));
    if (!key || !index) continue; // named already by checkIndexHash
    let stanzas: ControlField[][];
    try {
      stanzas = parseDeb822(index.body.toString('utf8'), key);
    } catch (error) {
      ctx.findings.problem(key, `cannot be parsed: ${(error as Error).message}`);
      continue;
    }
    for (const stanza of stanzas) {
      const get = (name: string) => fieldValue(stanza, name) ?? '';
      const deb: ListedDeb = {
        filename: get('Filename'),
        size: get('Size'),
        sha256: get('SHA256').toLowerCase(),
        name: get('Package'),
        version: get('Version'),
        arch: get('Architecture'),
        index: key,
      };
      const what = `${deb.name || '?'} ${deb.version || '?'} ${deb.arch || '?'}`;
      const missing = ['Package', 'Version', 'Architecture', 'Filename', 'Size', 'SHA256'].filter((f) => get(f) === '');
      if (missing.length) {
        ctx.findings.problem(key, `the stanza of ${what} has no ${missing.join(', ')}`);
        continue;
      }
      const seen = debs.get(deb.filename);
      if (!seen) debs.set(deb.filename, deb);
      else if (identity(seen) !== identity(deb))
        ctx.findings.problem(key, `lists ${deb.filename} otherwise than ${seen.index}`, identity(seen), identity(deb));
    }
  }
  return debs;
}

async function checkDeb(ctx: CheckContext, deb: ListedDeb, keys: PublicKeys): Promise<void> {
  const { findings } = ctx;
  const key = safeKey(`apt/${deb.filename}`);
  if (!key) {
    findings.problem(deb.index, `Filename ${JSON.stringify(deb.filename)} is not a relative path`);
    return;
  }
  const found = await withLocalFile(ctx.reader, key, ctx.scratch, ['sha256'], async (file, digests) => {
    findings.counts.debs++;
    findings.counts.packageBytes += digests.size;
    const sizeOk = findings.same(key, `size (listed in ${deb.index})`, deb.size, digests.size);
    const hashOk = findings.same(key, `SHA256 (listed in ${deb.index})`, deb.sha256, digests.hashes['sha256']!);
    if (!sizeOk || !hashOk) return; // not the file the index describes: its contents prove nothing
    try {
      const info = await readDeb(file);
      for (const [field, listed] of [
        ['Package', deb.name],
        ['Version', deb.version],
        ['Architecture', deb.arch],
      ] as const)
        findings.same(key, `${field} (the index says ${listed})`, listed, fieldValue(info.fields, field) ?? 'none');
      if (!keys.keys) return;
      const verified = await verifyWithKeys(file, keys.keys);
      if (verified.signatures.length === 0)
        findings.warning(key, 'not signed (no _gpgorigin); apt relies on the signed index alone');
      else if (!verified.valid)
        findings.problem(key, `package signature does not verify against ${keys.source}: ${verified.problem}`);
    } catch (error) {
      findings.problem(key, `cannot be read as a .deb: ${(error as Error).message}`);
    }
  });
  if (!found) findings.problem(key, `listed in ${deb.index} as ${deb.name} ${deb.version} ${deb.arch} but missing`);
}

/** What every index listing one file must agree on. */
function identity(deb: ListedDeb): string {
  return `${deb.name} ${deb.version} ${deb.arch} ${deb.size} ${deb.sha256}`;
}

/** Release text as the signature covers it: line ends and trailing blanks do not count. */
function normalized(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((l) => l.replace(/[ \t]+$/, ''))
    .join('\n')
    .replace(/\n+$/, '');
}
