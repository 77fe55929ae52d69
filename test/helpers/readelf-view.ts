// What readelf (binutils, the tool of record) says about an ELF file, in the shape of ElfInfo
// (src/elf/elf-info.ts): the oracle of the ELF reader's tests and of `pkgapp inspect`'s ELF section.
import assert from 'node:assert/strict';
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { ElfInfo } from '../../src/elf/elf-info.js';

/** What readelf -h -l -S -d -V --wide says about the fields ElfInfo has. */
export async function readelfView(file: string) {
  const { stdout } = await execa('readelf', ['-h', '-l', '-S', '-d', '-V', '--wide', file]);
  const lines = stdout.split('\n');
  const view = {
    bits: /Class:\s+ELF64/.test(stdout) ? 64 : 32,
    type: /Type:\s+(\w+)/.exec(stdout)?.[1],
    interpreter: /\[Requesting program interpreter: (.*)\]/.exec(stdout)?.[1],
    needed: [] as string[],
    soname: undefined as string | undefined,
    rpath: [] as string[],
    runpath: [] as string[],
    versionNeeds: [] as ElfInfo['versionNeeds'],
    versionDefinitions: [] as string[],
    hasSymtab: /\]\s+\.symtab\s+SYMTAB\s/.test(stdout),
    hasDebugInfo: /\]\s+\.z?debug_\w+\s/.test(stdout),
  };
  let part: 'need' | 'def' | undefined;
  for (const line of lines) {
    let m: RegExpExecArray | null;
    if ((m = /\(NEEDED\)\s+Shared library: \[(.*)\]/.exec(line))) view.needed.push(m[1]!);
    else if ((m = /\(SONAME\)\s+Library soname: \[(.*)\]/.exec(line))) view.soname = m[1]!;
    else if ((m = /\(RPATH\)\s+Library rpath: \[(.*)\]/.exec(line)))
      view.rpath.push(...m[1]!.split(':').filter(Boolean));
    else if ((m = /\(RUNPATH\)\s+Library runpath: \[(.*)\]/.exec(line)))
      view.runpath.push(...m[1]!.split(':').filter(Boolean));
    else if (/^Version needs section/.test(line)) part = 'need';
    else if (/^Version definition section/.test(line)) part = 'def';
    else if (/^Version symbols section/.test(line) || /^\S/.test(line)) part = undefined;
    else if (part === 'need' && (m = /File: (\S+)\s+Cnt: \d+/.exec(line)))
      view.versionNeeds.push({ file: m[1]!, versions: [] });
    else if (part === 'need' && (m = /Name: (\S+)\s+Flags: (.*?)\s+Version: \d+/.exec(line)))
      view.versionNeeds.at(-1)!.versions.push({ name: m[1]!, weak: m[2]!.includes('WEAK') });
    else if (part === 'def' && (m = /Flags: (.*?)\s+Index: \d+\s+Cnt: \d+\s+Name: (\S+)/.exec(line))) {
      if (!m[1]!.includes('BASE')) view.versionDefinitions.push(m[2]!);
    }
  }
  return view;
}

/** One object of `pkgapp inspect --json`'s ELF section, in the fields readelf also shows. */
interface InspectedElfFields {
  path: string;
  machine: string;
  bits: number;
  type: string;
  interpreter?: string;
  soname?: string;
  rpath: string[];
  runpath: string[];
  stripped: boolean;
  needed: { soname: string; versions: string[] }[];
}

/**
 * readelf's view of the extracted file `file`, in the shape of an inspected object: DT_NEEDED in
 * order (deduplicated, as inspect lists each library once), the versions needed from each.
 */
export async function readelfAsInspected(file: string, packagePath: string): Promise<InspectedElfFields> {
  const view = await readelfView(file);
  const { stdout } = await execa('readelf', ['-h', file]);
  const machine = /Machine:\s+(.*)/.exec(stdout)?.[1]?.trim() ?? '';
  return {
    path: packagePath,
    machine: MACHINES[machine] ?? machine,
    bits: view.bits,
    type: view.type!,
    ...(view.interpreter !== undefined ? { interpreter: view.interpreter } : {}),
    ...(view.soname !== undefined ? { soname: view.soname } : {}),
    rpath: view.rpath,
    runpath: view.runpath,
    stripped: !view.hasSymtab && !view.hasDebugInfo,
    needed: [...new Set(view.needed)].map((soname) => ({
      soname,
      versions: view.versionNeeds
        .filter((n) => n.file === soname)
        .flatMap((n) => n.versions.map((v) => (v.weak ? `${v.name} (weak)` : v.name))),
    })),
  };
}

/** readelf's machine names for the architectures the tests run on. */
const MACHINES: Record<string, string> = {
  'Advanced Micro Devices X86-64': 'x86_64',
  AArch64: 'aarch64',
  'Intel 80386': 'i386',
};

/** The fields of an inspected object readelf can confirm (the provider is pkgapp's own finding). */
export function comparable(object: InspectedElfFields): InspectedElfFields {
  const { path, machine, bits, type, interpreter, soname, rpath, runpath, stripped, needed } = object;
  return {
    path,
    machine,
    bits,
    type,
    ...(interpreter !== undefined ? { interpreter } : {}),
    ...(soname !== undefined ? { soname } : {}),
    rpath,
    runpath,
    stripped,
    needed: needed.map((n) => ({ soname: n.soname, versions: n.versions })),
  };
}

/** Every regular file under `root` that starts with the ELF magic, as package paths ("/opt/..."). */
async function elfFilesUnder(root: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const handle = await open(file, 'r');
    try {
      const magic = Buffer.alloc(4);
      const { bytesRead } = await handle.read(magic, 0, 4, 0);
      if (bytesRead === 4 && magic.toString('latin1') === '\x7fELF') found.push(`/${path.relative(root, file)}`);
    } finally {
      await handle.close();
    }
  }
  return found.sort();
}

/**
 * Asserts that inspect's ELF objects are exactly the ELF files extracted under `root` (by the
 * package's own tool), each with what readelf reads from it. Returns how many were compared.
 */
export async function assertElfMatchesReadelf(
  objects: readonly InspectedElfFields[],
  root: string,
  what: string,
): Promise<number> {
  const files = await elfFilesUnder(root);
  const ours = [...objects].sort((a, b) => (a.path < b.path ? -1 : 1));
  assert.deepEqual(
    ours.map((o) => o.path),
    files,
    `${what}: inspect lists exactly the ELF files of the payload`,
  );
  for (const [i, object] of ours.entries())
    assert.deepEqual(comparable(object), await readelfAsInspected(path.join(root, files[i]!), files[i]!), what);
  return files.length;
}
