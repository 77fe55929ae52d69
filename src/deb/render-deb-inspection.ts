// The .deb sections of the human inspect report: ar members, control fields, relations, maintainer scripts.
import type { Inspection } from '../inspect/inspection.js';
import { printable } from '../inspect/printable.js';
import { renderScripts } from '../inspect/render-scripts.js';
import { formatBytes } from '../inspect/units.js';
import { DEB_RELATION_FIELDS, type DebInspection } from './deb-inspection.js';

const RELATION_FIELDS = new Set<string>(DEB_RELATION_FIELDS.map((f) => f.toLowerCase()));

/** `inspection` is what inspectDeb returned (the registry only hands a deb's inspection here). */
export function renderDebDetails(inspection: Inspection, out: string[]): void {
  const d = inspection as DebInspection;
  out.push(
    `  Debian binary package, format ${printable(d.formatVersion)}, ${formatBytes(d.size)}: ${d.members.map((m) => `${printable(m.name)} (${formatBytes(m.size)})`).join(', ')}`,
  );
  out.push('', 'Metadata');
  for (const f of d.control)
    if (!RELATION_FIELDS.has(f.name.toLowerCase())) out.push(`  ${f.name}: ${f.value.replace(/\n/g, '\n  ')}`);
  out.push('', 'Dependencies');
  const relations = Object.entries(d.dependencies);
  if (relations.length === 0) out.push('  (none)');
  for (const [field, clauses] of relations) out.push(`  ${field}: ${clauses.join(', ')}`);
  out.push('', 'Maintainer scripts');
  renderScripts(d.scripts, out, (s) => s.firstLine);
}
