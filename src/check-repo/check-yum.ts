// check-repo for a yum channel, as dnf reads it with gpgcheck=1 and repo_gpgcheck=1
// (docs/internals/yum-repository.md): repomd.xml.asc signed by the key, every file repomd.xml
// lists with its checksum, size, open-checksum and open-size, and every primary package present
// with the checksum and size primary gives, the name, epoch, version, release and arch it
// gives, and rpm signatures and digests that hold (dnf refuses unsigned rpms with gpgcheck=1).
import { gunzipSync } from 'node:zlib';
import { XMLParser } from 'fast-xml-parser';
import { readRpm, rpmNevra } from '../rpm/read-rpm.js';
import { mapBounded, type RepositoryReader } from '../publish/storage/storage.js';
import { verifyArmoredDetached } from '../sign/verify-repo-signature.js';
import { verifyWithKeys } from '../verify/verify-package.js';
import { checkEntryPointCaching } from './cache-headers.js';
import type { CheckContext } from './check-apt.js';
import { digestObject, digestDecompressed, safeKey, withLocalFile } from './repo-objects.js';
import type { PublicKeys } from './repo-keys.js';

/** The checksum types rpm-md uses, by the name repomd.xml and primary.xml give them. */
const ALGORITHMS: Record<string, string> = {
  sha: 'sha1',
  sha1: 'sha1',
  sha224: 'sha224',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  md5: 'md5',
};

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => name === 'data' || name === 'package',
});

type Node = Record<string, unknown>;

/** Channels found by listing yum/ (directory, S3); undefined when the storage cannot list (HTTP). */
export async function listYumChannels(reader: RepositoryReader): Promise<string[] | undefined> {
  if (!reader.list) return undefined;
  const channels = new Set<string>();
  for await (const object of reader.list('yum/')) {
    const match = /^yum\/([^/]+)\/repodata\/repomd\.xml$/.exec(object.key);
    if (match) channels.add(match[1]!);
  }
  return [...channels].sort();
}

export async function yumChannelExists(reader: RepositoryReader, channel: string): Promise<boolean> {
  return reader.exists(`yum/${channel}/repodata/repomd.xml`);
}

interface Checksum {
  type: string;
  hex: string;
}

interface ListedRpm {
  href: string;
  checksum: Checksum;
  size: string;
  name: string;
  arch: string;
  epoch: string;
  version: string;
  release: string;
}

export async function checkYumChannel(ctx: CheckContext, channel: string, keys: PublicKeys): Promise<void> {
  const { reader, findings } = ctx;
  const base = `yum/${channel}`;
  const repomdKey = `${base}/repodata/repomd.xml`;
  const repomd = await reader.get(repomdKey);
  const signature = await reader.get(`${repomdKey}.asc`);
  if (!repomd) {
    findings.problem(repomdKey, 'missing');
    return;
  }
  for (const object of [repomd, signature]) checkEntryPointCaching(findings, object);
  if (!signature) findings.problem(`${repomdKey}.asc`, 'missing (dnf with repo_gpgcheck=1 refuses the repository)');
  else if (keys.keys) {
    findings.counts.signatures++;
    const checked = await verifyArmoredDetached(signature.body.toString('utf8'), repomd.body, keys.keys);
    if (!checked.valid)
      findings.problem(
        `${repomdKey}.asc`,
        `signature of repomd.xml does not verify against ${keys.source}: ${checked.reason ?? 'bad'}`,
      );
  }
  let records: Node[];
  try {
    const doc = xml.parse(repomd.body.toString('utf8')) as Node;
    records = ((doc['repomd'] as Node | undefined)?.['data'] as Node[] | undefined) ?? [];
  } catch (error) {
    findings.problem(repomdKey, `is not XML: ${(error as Error).message}`);
    return;
  }
  if (!records.some((r) => r['@type'] === 'primary')) findings.problem(repomdKey, 'lists no primary metadata');
  let primaryKey: string | undefined;
  await mapBounded(records, ctx.parallel, async (record) => {
    const type = attr(record, 'type') || '?';
    const href = attr(record['location'], 'href');
    const key = safeKey(`${base}/${href}`);
    if (!href || !key) {
      findings.problem(repomdKey, `the ${type} record's location ${JSON.stringify(href)} is not a relative path`);
      return;
    }
    findings.counts.indexes++;
    const where = `listed in ${repomdKey}`;
    const checksum = checksumOf(record['checksum']);
    const algorithm = checksum && ALGORITHMS[checksum.type];
    if (!checksum || !algorithm) {
      findings.problem(repomdKey, `the ${type} record has no checksum of a known type`);
      return;
    }
    const digests = await digestObject(reader, key, [algorithm]);
    if (!digests) {
      findings.problem(key, `${where} but missing`);
      return;
    }
    findings.same(key, `checksum (${where})`, checksum.hex, digests.hashes[algorithm]!);
    if (record['size'] !== undefined) findings.same(key, `size (${where})`, text(record['size']), digests.size);
    const open = checksumOf(record['open-checksum']);
    const openAlgorithm = open && ALGORITHMS[open.type];
    if (open && openAlgorithm && /\.(gz|xz)$/.test(key)) {
      try {
        const opened = await digestDecompressed(reader, key, [openAlgorithm]);
        if (opened) {
          findings.same(key, `open-checksum (${where})`, open.hex, opened.hashes[openAlgorithm]!);
          if (record['open-size'] !== undefined)
            findings.same(key, `open-size (${where})`, text(record['open-size']), opened.size);
        }
      } catch (error) {
        findings.problem(key, `does not decompress: ${(error as Error).message}`);
      }
    }
    if (type === 'primary') primaryKey = key;
  });
  if (!primaryKey) return;
  const rpms = await listedRpms(ctx, primaryKey, base);
  await mapBounded([...rpms.values()], ctx.parallel, (rpm) => checkRpm(ctx, base, primaryKey!, rpm, keys));
}

/** The packages primary.xml lists, once per location. */
async function listedRpms(ctx: CheckContext, primaryKey: string, base: string): Promise<Map<string, ListedRpm>> {
  const rpms = new Map<string, ListedRpm>();
  const object = await ctx.reader.get(primaryKey);
  if (!object) return rpms;
  let packages: Node[];
  try {
    const body = primaryKey.endsWith('.gz') ? gunzipSync(object.body) : object.body;
    if (primaryKey.endsWith('.xz')) throw new Error('an .xz primary is not read by check-repo');
    const doc = xml.parse(body.toString('utf8')) as Node;
    packages = ((doc['metadata'] as Node | undefined)?.['package'] as Node[] | undefined) ?? [];
  } catch (error) {
    ctx.findings.problem(primaryKey, `cannot be read: ${(error as Error).message}`);
    return rpms;
  }
  for (const p of packages) {
    const version = (p['version'] as Node | undefined) ?? {};
    const rpm: ListedRpm = {
      href: attr(p['location'], 'href'),
      checksum: checksumOf(p['checksum']) ?? { type: '', hex: '' },
      size: attr(p['size'], 'package'),
      name: text(p['name']),
      arch: text(p['arch']),
      epoch: attr(version, 'epoch') || '0',
      version: attr(version, 'ver'),
      release: attr(version, 'rel'),
    };
    const what = `${rpm.name}-${rpm.version}-${rpm.release}.${rpm.arch}`;
    if (!rpm.href || !ALGORITHMS[rpm.checksum.type]) {
      ctx.findings.problem(primaryKey, `the entry of ${what} has no location or no checksum of a known type`);
      continue;
    }
    if (!safeKey(`${base}/${rpm.href}`)) {
      ctx.findings.problem(
        primaryKey,
        `the entry of ${what} has location ${JSON.stringify(rpm.href)}, not a relative path`,
      );
      continue;
    }
    if (!rpms.has(rpm.href)) rpms.set(rpm.href, rpm);
  }
  return rpms;
}

async function checkRpm(
  ctx: CheckContext,
  base: string,
  primaryKey: string,
  rpm: ListedRpm,
  keys: PublicKeys,
): Promise<void> {
  const { findings } = ctx;
  const key = `${base}/${rpm.href}`;
  const algorithm = ALGORITHMS[rpm.checksum.type]!;
  const where = `listed in ${primaryKey}`;
  const found = await withLocalFile(ctx.reader, key, ctx.scratch, [algorithm], async (file, digests) => {
    findings.counts.rpms++;
    findings.counts.packageBytes += digests.size;
    const hashOk = findings.same(key, `checksum (${where})`, rpm.checksum.hex, digests.hashes[algorithm]!);
    const sizeOk = rpm.size === '' || findings.same(key, `size (${where})`, rpm.size, digests.size);
    if (!hashOk || !sizeOk) return;
    try {
      const nevra = rpmNevra(await readRpm(file));
      const actual = `${nevra.name} ${nevra.epoch ?? 0}:${nevra.version}-${nevra.release} ${nevra.arch}`;
      findings.same(
        key,
        `name, epoch:version-release and arch (${where})`,
        `${rpm.name} ${rpm.epoch}:${rpm.version}-${rpm.release} ${rpm.arch}`,
        actual,
      );
      if (!keys.keys) return;
      const verified = await verifyWithKeys(file, keys.keys);
      if (!verified.valid)
        findings.problem(
          key,
          `package signature does not verify against ${keys.source} (dnf gpgcheck=1 refuses it): ${verified.problem}`,
        );
    } catch (error) {
      findings.problem(key, `cannot be read as an .rpm: ${(error as Error).message}`);
    }
  });
  if (!found) findings.problem(key, `${where} as ${rpm.name}-${rpm.version}-${rpm.release}.${rpm.arch} but missing`);
}

function checksumOf(node: unknown): Checksum | undefined {
  if (node === undefined || node === null) return undefined;
  if (typeof node === 'string') return undefined;
  const n = node as Node;
  const hex = text(n['#text']).trim().toLowerCase();
  const type = attr(n, 'type').toLowerCase();
  return hex ? { type, hex } : undefined;
}

function text(node: unknown): string {
  if (typeof node === 'string') return node;
  if (typeof node === 'object' && node !== null) {
    const value = (node as Node)['#text'];
    return typeof value === 'string' ? value : '';
  }
  return '';
}

/** An attribute's value ('' when absent): the parser keeps every value a string. */
function attr(node: unknown, name: string): string {
  if (typeof node !== 'object' || node === null) return '';
  const value = (node as Node)[`@${name}`];
  return typeof value === 'string' ? value : '';
}
