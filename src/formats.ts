// The registry of package formats: deb and rpm built in, more added with registerFormat(). Shared
// code (build, inspect, verify, publish, --arch) asks the registry and the format's interface
// (src/package-format.ts), never tests a format's name.
import { open } from 'node:fs/promises';
import { UserError } from './errors.js';
import { debFormat } from './deb/deb-format.js';
import { rpmFormat } from './rpm/rpm-format.js';
import type { PackageFormat, Target } from './package-format.js';

export type {
  PackageFormat,
  PackageJob,
  PackageReader,
  Target,
  WriteProgress,
  WrittenPackage,
} from './package-format.js';

/** The formats pkgapp ships, in the order --target lists and build() writes them. */
export const BUILTIN_FORMATS: readonly PackageFormat[] = [debFormat, rpmFormat];

const registry = new Map<Target, PackageFormat>(BUILTIN_FORMATS.map((f) => [f.target, f]));

/** The format build() writes when no target is given. */
export const DEFAULT_TARGET: Target = BUILTIN_FORMATS[0]!.target;

/**
 * Adds a format for build(), inspect(), verify() and publish() in this process. Returns a
 * function that removes it again. A name already taken is a programming error (Error, not UserError).
 */
export function registerFormat(format: PackageFormat): () => void {
  if (!/^[a-z][a-z0-9-]*$/.test(format.target))
    throw new Error(`registerFormat: target "${format.target}" must be lowercase letters, digits and "-"`);
  if (registry.has(format.target))
    throw new Error(`registerFormat: a format named "${format.target}" is already registered`);
  registry.set(format.target, format);
  return () => {
    if (registry.get(format.target) === format) registry.delete(format.target);
  };
}

/** Every registered format, built-in ones first. */
export function allFormats(): PackageFormat[] {
  return [...registry.values()];
}

/** The format named `target`, or undefined. */
export function findFormat(target: string): PackageFormat | undefined {
  return registry.get(target);
}

/** The format named `target`; a UserError (--target) naming the known ones when there is none. */
export function formatFor(target: string): PackageFormat {
  const format = registry.get(target);
  if (!format) {
    const names = [...registry.keys()];
    throw new UserError(`--target: unknown target "${target}"`, {
      code: 'PKGAPP_TARGET_UNKNOWN',
      hint: `Use --target ${names.join(' or ')} (repeat it for ${names.length > 2 ? 'several' : 'both'})`,
    });
  }
  return format;
}

/** The format of the package `file`, by its magic bytes, never by its name; a UserError naming the file when it is unreadable or of no registered format. */
export async function formatOfFile(file: string): Promise<PackageFormat> {
  const head = Buffer.alloc(8);
  let length: number;
  try {
    const handle = await open(file, 'r');
    try {
      ({ bytesRead: length } = await handle.read(head, 0, 8, 0));
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new UserError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code})`, {
      code: 'PKGAPP_FILE_UNREADABLE',
      cause: error,
    });
  }
  const format = allFormats().find((f) => f.detect(head.subarray(0, length)));
  if (format) return format;
  throw new UserError(`${file}: neither ${packageArticles()} package`, {
    code: 'PKGAPP_NOT_A_PACKAGE',
    hint: 'Give the files pkgapp build wrote to dist/',
  });
}

/** "a .deb nor an .rpm": the registered formats for the "neither … package" message. */
function packageArticles(): string {
  const articles = allFormats().map((f) => f.article);
  return articles.length === 1
    ? `${articles[0]} nor any other`
    : `${articles.slice(0, -1).join(', ')} nor ${articles.at(-1)}`;
}
