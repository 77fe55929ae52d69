// The ELF objects of a package payload, read while the payload streams past (data.tar of a deb,
// the cpio of an rpm): `pkgapp inspect` never holds the payload in memory.
//
// An ELF file's tables point at each other by file offset in any order (the section headers sit
// at the end, the dynamic section in the data segment, the strings it names before it), so a
// forward-only stream cannot know which bytes it will need until it has passed them. Each ELF
// member is therefore copied, as it streams, to one temporary file that src/elf/elf-info.ts then
// reads with its usual bounded positional reads (a few hundred small reads, whatever the size)
// and that is deleted before the next member: memory stays at one chunk, disk at one object.
// Members that do not start with the ELF magic are dropped after their first bytes.
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mayBeElfLibrary, type PayloadElf } from '../contents/payload-elf.js';
import { ElfFormatError, readElfInfo } from '../elf/elf-info.js';
import type { EntrySink } from '../rpm/cpio-listing.js';

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** What the collector has found so far. */
export interface CapturedElf {
  objects: PayloadElf[];
  /** Members that start like ELF but could not be read: "/path: why". */
  unreadable: string[];
}

export class PayloadElfCapture {
  readonly found: CapturedElf = { objects: [], unreadable: [] };
  private dir: string | undefined;
  private serial = 0;

  /**
   * A sink for the regular file `packagePath` ("/opt/app/x.node") with `mode`, or undefined when
   * it cannot be an ELF object worth listing (not executable and not named like a library).
   */
  sinkFor(packagePath: string, mode: number, size: number): EntrySink | undefined {
    if (size < 52) return undefined; // smaller than the smallest ELF header
    if ((mode & 0o111) === 0 && !mayBeElfLibrary(path.basename(packagePath))) return undefined;
    return new ElfSink(this, packagePath, mode);
  }

  /** A fresh temporary file name in the collector's own directory. */
  async tempFile(): Promise<string> {
    this.dir ??= await mkdtemp(path.join(os.tmpdir(), 'pkgapp-inspect-elf-'));
    return path.join(this.dir, `object-${this.serial++}`);
  }

  /** Removes the temporary directory; call once the payload has been read (or failed). */
  async close(): Promise<void> {
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

class ElfSink implements EntrySink {
  private head: Buffer[] = [];
  private headBytes = 0;
  private decided: 'elf' | 'other' | undefined;
  private out: WriteStream | undefined;
  private file = '';

  constructor(
    private readonly capture: PayloadElfCapture,
    private readonly packagePath: string,
    private readonly mode: number,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    if (this.decided === 'other') return;
    if (this.decided === undefined) {
      this.head.push(Buffer.from(chunk)); // a copy: the reader may reuse its chunk
      this.headBytes += chunk.length;
      if (this.headBytes < ELF_MAGIC.length) return;
      const head = Buffer.concat(this.head);
      this.head = [];
      if (!head.subarray(0, ELF_MAGIC.length).equals(ELF_MAGIC)) {
        this.decided = 'other';
        return;
      }
      this.decided = 'elf';
      this.file = await this.capture.tempFile();
      this.out = createWriteStream(this.file);
      await this.put(head);
      return;
    }
    await this.put(chunk);
  }

  private async put(chunk: Buffer): Promise<void> {
    const out = this.out!;
    if (out.write(chunk)) return;
    await new Promise<void>((resolve, reject) => {
      const drained = () => {
        out.off('error', failed);
        resolve();
      };
      const failed = (error: Error) => {
        out.off('drain', drained);
        reject(error);
      };
      out.once('drain', drained);
      out.once('error', failed);
    });
  }

  async end(): Promise<void> {
    if (this.decided !== 'elf' || !this.out) return;
    const out = this.out;
    await new Promise<void>((resolve, reject) => {
      out.once('error', reject);
      out.end(() => resolve());
    });
    try {
      const info = await readElfInfo(this.file);
      if (info) this.capture.found.objects.push({ info: { ...info, path: this.packagePath }, mode: this.mode });
    } catch (error) {
      if (!(error instanceof ElfFormatError)) throw error;
      this.capture.found.unreadable.push(`${this.packagePath}: ${error.message.replace(`${this.file}: `, '')}`);
    } finally {
      await rm(this.file, { force: true });
    }
  }
}
