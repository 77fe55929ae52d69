// Writes a yum channel's repodata/: primary, filelists and other streamed through gzip under
// hashed names, then repomd.xml and repomd.xml.asc renamed back to back (docs/internals/yum-repository.md).
//
// Nothing is named until the new repomd.xml is signed, and readers never see half a generation:
// new data files first (new hashed names), then repomd.xml and its signature. The previous
// generation's data files stay, so a client holding the old repomd.xml can still fetch what it
// names; older ones are deleted.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { readRpm } from '../../rpm/read-rpm.js';
import type { Signer } from '../../sign/signer.js';
import { checkAborted, scratchFile, type AtomicFile } from '../../util/atomic-output.js';
import { exists, seconds, type Member } from './channel-state.js';
import { comparePackages, FILELISTS, OTHER, PRIMARY, repoPackage, type RepoDocument } from './repodata.js';
import { parseRepomd, repomdXml, type RepomdRecord } from './repomd.js';
import { repomdSigned } from './repomd-signature.js';
import { preparedFile, syncFile } from './synced-file.js';
import { crashPoints } from '../../util/crash-point.js';

/** A signed generation of a channel's metadata, written under temporary names until commit. */
export interface Generation {
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** What writing a channel's metadata needs from the publish options: the key and the revision time. */
export interface RepodataWriteOptions {
  signer: Signer;
  now: Date;
}

const DATA_FILE = /^[0-9a-f]{64}-(primary|filelists|other)\.xml\.gz$/;

/**
 * Streams the channel's primary/filelists/other for `members`, then signs repomd.xml. Undefined
 * (nothing to write) when, unless `force`, the XML is what the current repomd.xml names and signs.
 */
export async function prepareChannel(
  root: string,
  suite: string,
  members: Member[],
  options: RepodataWriteOptions,
  force: boolean,
): Promise<Generation | undefined> {
  const channelDir = path.join(root, suite);
  const repodata = path.join(channelDir, 'repodata');
  await mkdir(repodata, { recursive: true, mode: 0o755 });
  const entries = members
    .map((m) => ({
      ...m,
      name: m.nevra.name,
      epoch: m.nevra.epoch ?? 0,
      version: m.nevra.version,
      release: m.nevra.release,
      arch: m.nevra.arch,
      location: `Packages/${path.basename(m.file)}`,
    }))
    .sort(comparePackages);
  const sinks = [PRIMARY, FILELISTS, OTHER].map((doc) => new XmlSink(repodata, doc));
  const temporaries: AtomicFile[] = [];
  const abort = async () => {
    for (const sink of sinks) await sink.abort();
    for (const t of temporaries) await t.abort();
  };
  try {
    for (const sink of sinks) await sink.write(sink.doc.head(entries.length));
    for (const entry of entries) {
      checkAborted();
      const pkg = repoPackage(await readRpm(entry.read), {
        sha256: entry.sha256,
        mtime: entry.mtime,
        location: entry.location,
      });
      for (const sink of sinks) await sink.write(sink.doc.entry(pkg));
    }
    for (const sink of sinks) await sink.write(sink.doc.tail);
    const timestamp = seconds(options.now.getTime());
    const records: RepomdRecord[] = [];
    for (const sink of sinks) records.push({ ...(await sink.finish()), timestamp });

    const repomdFile = path.join(repodata, 'repomd.xml');
    const previous = parseRepomd(await readFile(repomdFile, 'utf8').catch(() => ''));
    const present = await Promise.all(previous.map((r) => exists(path.join(channelDir, r.href))));
    const same =
      previous.length === records.length &&
      records.every((r) =>
        previous.some((p, i) => p.type === r.type && p.openChecksum === r.openChecksum && present[i]),
      );
    if (
      !force &&
      same &&
      (await repomdSigned(
        await readFile(repomdFile).catch(() => undefined),
        await readFile(path.join(repodata, 'repomd.xml.asc')).catch(() => undefined),
        options.signer,
      ))
    ) {
      await abort();
      return undefined;
    }
    const xml = repomdXml(timestamp, records);
    const signature = await options.signer.signDetachedArmored(Buffer.from(xml));
    const repomd = await preparedFile(repomdFile, xml);
    temporaries.push(repomd);
    const asc = await preparedFile(path.join(repodata, 'repomd.xml.asc'), signature);
    temporaries.push(asc);
    return {
      async commit() {
        for (const sink of sinks) await sink.commit();
        // Back to back, index before signature: only a reader whose two fetches straddle both
        // renames, or fall between them, sees a pair that does not match (and fails until it retries).
        await repomd.commit();
        await asc.commit();
        // Same data (a signature repaired after a kill, or re-signed with a new key): the
        // generation before it is still the previous one and stays (docs/internals/publish-crash-safety.md).
        if (!same)
          await removeOldGenerations(repodata, new Set([...records, ...previous].map((r) => path.basename(r.href))));
      },
      abort,
    };
  } catch (error) {
    await abort();
    throw error;
  }
}

/** Streams one document through sha256 (open), gzip, sha256 and into a temporary file in repodata/. */
class XmlSink {
  readonly doc: RepoDocument;
  private readonly tmp: AtomicFile;
  private readonly gzip = createGzip({ level: 9 });
  private readonly openHash = createHash('sha256');
  private readonly hash = createHash('sha256');
  private openSize = 0;
  private size = 0;
  private readonly done: Promise<void>;
  private readonly dir: string;
  private checksum = '';

  constructor(dir: string, doc: RepoDocument) {
    this.dir = dir;
    this.doc = doc;
    this.tmp = scratchFile(dir, `${doc.type}.xml.gz`);
    const count = async function* (sink: XmlSink, source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        sink.hash.update(chunk);
        sink.size += chunk.length;
        yield chunk;
      }
    };
    this.done = pipeline(
      this.gzip,
      (source: AsyncIterable<Buffer>) => count(this, source),
      createWriteStream(this.tmp.tmpPath, { mode: 0o644 }),
    );
    this.done.catch(() => {});
  }

  async write(text: string): Promise<void> {
    const data = Buffer.from(text);
    this.openHash.update(data);
    this.openSize += data.length;
    if (!this.gzip.write(data)) await Promise.race([once(this.gzip, 'drain'), this.done]);
  }

  async finish(): Promise<Omit<RepomdRecord, 'timestamp'>> {
    this.gzip.end();
    await this.done;
    await syncFile(this.tmp.tmpPath);
    this.checksum = this.hash.digest('hex');
    const href = `repodata/${this.checksum}-${this.doc.type}.xml.gz`;
    return {
      type: this.doc.type,
      checksum: this.checksum,
      openChecksum: this.openHash.digest('hex'),
      href,
      size: this.size,
      openSize: this.openSize,
    };
  }

  /** Moves the file to its hashed name (same name = same bytes, so replacing it is harmless). */
  async commit(): Promise<void> {
    const file = path.join(this.dir, `${this.checksum}-${this.doc.type}.xml.gz`);
    await crashPoints(`rename ${file}`, () => rename(this.tmp.tmpPath, file));
    await this.tmp.abort(); // nothing left to remove: only forgets the temporary name (util/atomic-output.ts)
  }

  async abort(): Promise<void> {
    this.gzip.destroy();
    await this.done.catch(() => {});
    await this.tmp.abort();
  }
}

/** Deletes hashed data files that neither the new nor the previous repomd.xml names. */
async function removeOldGenerations(repodata: string, keep: Set<string>): Promise<void> {
  for (const name of await readdir(repodata)) {
    if (DATA_FILE.test(name) && !keep.has(name))
      await crashPoints(`delete ${repodata}/${name}`, () => rm(path.join(repodata, name), { force: true }));
  }
}
