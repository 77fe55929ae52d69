// The .rpm sections of the human inspect report: payload, metadata, dependencies, scriptlets.
import type { Inspection } from '../inspect/inspection.js';
import { printable } from '../inspect/printable.js';
import { renderScripts } from '../inspect/render-scripts.js';
import { formatBytes, formatTime } from '../inspect/units.js';
import type { RpmInspection } from './rpm-inspection.js';

/** `inspection` is what inspectRpm returned (the registry only hands an rpm's inspection here). */
export function renderRpmDetails(inspection: Inspection, out: string[]): void {
  const r = inspection as RpmInspection;
  const m = r.metadata;
  out.push(
    `  RPM package, ${formatBytes(r.size)}; payload ${m.payloadFormat ?? 'cpio'}/${m.payloadCompressor ?? 'gzip'}, ${formatBytes(m.payloadSize)} (${formatBytes(m.archiveSize)} uncompressed)`,
  );
  out.push('', 'Metadata');
  const rows: [string, string | undefined][] = [
    ['Name', m.name],
    ['Epoch', m.epoch === undefined ? '(none)' : String(m.epoch)],
    ['Version', m.version],
    ['Release', m.release],
    ['Architecture', m.arch],
    ['Group', m.group],
    ['Size', `${m.installedSize} (${formatBytes(m.installedSize)} installed)`],
    ['License', m.license],
    ['Source RPM', m.sourceRpm],
    ['Build Date', m.buildTime === undefined ? undefined : formatTime(m.buildTime)],
    ['Build Host', m.buildHost],
    ['Packager', m.packager],
    ['Vendor', m.vendor],
    ['URL', m.url],
    ['Summary', m.summary],
  ];
  for (const [label, value] of rows) if (value !== undefined) out.push(`  ${label.padEnd(12)}: ${printable(value)}`);
  if (m.description !== undefined) out.push('  Description :', ...m.description.split('\n').map((l) => `    ${l}`));
  out.push('', 'Dependencies');
  let rpmlib = 0;
  let any = false;
  for (const [kind, deps] of Object.entries(r.dependencies)) {
    const shown = deps.filter((d) => !d.name.startsWith('rpmlib('));
    rpmlib += deps.length - shown.length;
    const unique = [...new Set(shown.map((d) => printable(d.text)))];
    if (unique.length === 0) continue;
    any = true;
    out.push(`  ${`${kind}:`.padEnd(13)}${unique.join(`\n  ${' '.repeat(13)}`)}`);
  }
  if (!any) out.push('  (none)');
  if (rpmlib) out.push(`  (${rpmlib} rpmlib() requirement${rpmlib === 1 ? '' : 's'} not shown; --json lists them)`);
  out.push('', 'Scriptlets');
  renderScripts(r.scripts, out, (s) => `${(s.interpreter ?? '').padEnd(10)} ${s.firstLine}`);
}
