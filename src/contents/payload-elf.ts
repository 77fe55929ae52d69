// The payload's ELF objects: which files may be one, and reading their headers. The ELF reader
// loads only when there are candidates, and what the objects need from the system
// (library-dependencies.ts, with the library tables) only when there are objects: most apps
// have neither.
import type { ElfInfo } from '../elf/elf-info.js';
import { UserError } from '../errors.js';

/** A payload file that may be an ELF object: a program (execute bit) or named like a library. */
export interface ElfCandidate {
  /** Path in the package, without the leading "/". */
  path: string;
  /** The file to read. */
  file: string;
  /** The mode the package gives it. */
  mode: number;
}

/** An ELF object of the payload; info.path is its path in the package ("/opt/NAME/..."). */
export interface PayloadElf {
  info: ElfInfo;
  mode: number;
}

/** Files worth reading for an ELF header besides programs: addons and shared libraries (libfoo.so.1.2). */
export function mayBeElfLibrary(name: string): boolean {
  return /\.node$|\.so(\.\d+)*$/.test(name);
}

/** Reads the candidates one by one (positional reads only, a few per object); non-ELF files drop out. */
export async function readPayloadElf(candidates: readonly ElfCandidate[]): Promise<PayloadElf[]> {
  const objects: PayloadElf[] = [];
  if (candidates.length === 0) return objects;
  const { readElfInfo, ElfFormatError } = await import('../elf/elf-info.js');
  for (const candidate of candidates) {
    let info: ElfInfo | undefined;
    try {
      info = await readElfInfo(candidate.file);
    } catch (error) {
      if (!(error instanceof ElfFormatError)) throw error;
      throw new UserError(`/${candidate.path}: not a readable ELF object: ${error.message}`, {
        code: 'PKGAPP_ELF_INVALID',
        hint: 'The file starts like an ELF object but is truncated or corrupt: reinstall the package it belongs to, or exclude it (pkgapp.exclude)',
        cause: error,
      });
    }
    if (info) objects.push({ info: { ...info, path: `/${candidate.path}` }, mode: candidate.mode });
  }
  return objects;
}
