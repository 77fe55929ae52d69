// The scripts section of the human inspect report, shared by the formats' renderers.
import type { InspectedScript } from './inspection.js';
import { printable } from './printable.js';
import { formatBytes } from './units.js';

/** One line per script: name, what `describe` says of it (escaped, cut at 100 characters), size. */
export function renderScripts(
  scripts: readonly InspectedScript[],
  out: string[],
  describe: (s: InspectedScript) => string,
): void {
  if (scripts.length === 0) out.push('  (none)');
  const width = Math.max(0, ...scripts.map((s) => s.name.length));
  for (const s of scripts)
    out.push(`  ${s.name.padEnd(width)}  ${printable(describe(s)).slice(0, 100)}  (${formatBytes(s.size)})`);
}
