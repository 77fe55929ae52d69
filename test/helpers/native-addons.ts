// Tiny ELF shared objects that stand in for native addons: built at test time with gcc, importing
// exactly the symbols a test names (napi_create_function for an N-API addon, V8's C++ symbols for
// one compiled against V8), so the ELF reader and the build see real dynamic symbol tables.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

/** Compiles `out` (a .node file) that calls each of `imports` (left undefined for the loader). */
export async function compileAddon(
  out: string,
  imports: readonly string[],
  flags: readonly string[] = [],
): Promise<string> {
  const source = `${out}.c`;
  // Mangled C++ names are valid C identifiers: declared as functions, they are imported as such.
  const text = [
    ...imports.map((name) => `extern void ${name}(void);`),
    'void pkgapp_test_init(void) {',
    ...imports.map((name) => `  ${name}();`),
    '}',
    '',
  ].join('\n');
  await writeFile(source, text);
  await execa('gcc', ['-shared', '-fPIC', '-o', out, source, ...flags]);
  return out;
}

/** The undefined dynamic symbols readelf lists: the reference the reader is checked against. */
export async function readelfImports(file: string): Promise<string[]> {
  const { stdout } = await execa('readelf', ['--dyn-syms', '--wide', file]);
  const names = new Set<string>();
  for (const line of stdout.split('\n')) {
    const cols = line.trim().split(/\s+/);
    // Num: Value Size Type Bind Vis Ndx Name
    if (cols.length >= 8 && cols[6] === 'UND' && (cols[4] === 'GLOBAL' || cols[4] === 'WEAK'))
      names.add(cols[7]!.replace(/@.*$/, ''));
  }
  return [...names].sort();
}

export const NAPI_ADDON_IMPORTS = ['napi_create_function', 'napi_module_register', 'napi_add_finalizer'];
export const V8_ADDON_IMPORTS = ['_ZN2v87Isolate10GetCurrentEv', 'node_module_register'];

export function addonPath(dir: string, name: string): string {
  return path.join(dir, `${name}.node`);
}
