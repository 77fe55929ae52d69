// The human view of an Inspection: sections for metadata, dependencies, scripts, conffiles,
// signature and a capped file tree. Everything taken from the package is escaped for the terminal.
import { renderFileTree } from './file-tree.js';
import { DEB_RELATION_FIELDS, type DebInspection, type Inspection, type InspectedScript, type RpmInspection, type SignatureStatus } from './inspection.js';
import { printable, printableLines } from './printable.js';
import { formatBytes, formatTime } from './units.js';

export interface RenderOptions {
  /** Most file tree lines shown (default 200). */
  maxFileLines?: number;
}

const RELATION_FIELDS = new Set<string>(DEB_RELATION_FIELDS.map((f) => f.toLowerCase()));

/** The whole human report, ending in a newline. */
export function renderInspection(inspection: Inspection, options: RenderOptions = {}): string {
  const out: string[] = [printable(inspection.file)];
  if (inspection.format === 'deb') renderDeb(inspection, out);
  else renderRpm(inspection, out);
  renderConffiles(inspection, out);
  renderSignature(inspection.signature, out);
  renderFiles(inspection, options.maxFileLines ?? 200, out);
  return `${printableLines(out.join('\n'))}\n`;
}

function renderDeb(d: DebInspection, out: string[]): void {
  out.push(`  Debian binary package, format ${printable(d.formatVersion)}, ${formatBytes(d.size)}: ${d.members.map((m) => `${printable(m.name)} (${formatBytes(m.size)})`).join(', ')}`);
  out.push('', 'Metadata');
  for (const f of d.control) if (!RELATION_FIELDS.has(f.name.toLowerCase())) out.push(`  ${f.name}: ${f.value.replace(/\n/g, '\n  ')}`);
  out.push('', 'Dependencies');
  const relations = Object.entries(d.dependencies);
  if (relations.length === 0) out.push('  (none)');
  for (const [field, clauses] of relations) out.push(`  ${field}: ${clauses.join(', ')}`);
  out.push('', 'Maintainer scripts');
  renderScripts(d.scripts, out, (s) => s.firstLine);
}

function renderRpm(r: RpmInspection, out: string[]): void {
  const m = r.metadata;
  out.push(`  RPM package, ${formatBytes(r.size)}; payload ${m.payloadFormat ?? 'cpio'}/${m.payloadCompressor ?? 'gzip'}, ${formatBytes(m.payloadSize)} (${formatBytes(m.archiveSize)} uncompressed)`);
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

function renderScripts(scripts: readonly InspectedScript[], out: string[], describe: (s: InspectedScript) => string): void {
  if (scripts.length === 0) out.push('  (none)');
  const width = Math.max(0, ...scripts.map((s) => s.name.length));
  for (const s of scripts) out.push(`  ${s.name.padEnd(width)}  ${printable(describe(s)).slice(0, 100)}  (${formatBytes(s.size)})`);
}

function renderConffiles(inspection: Inspection, out: string[]): void {
  out.push('', 'Conffiles');
  if (inspection.conffiles.length === 0) out.push('  (none)');
  for (const c of inspection.conffiles) {
    const notes = [c.noreplace ? 'noreplace' : '', c.missingok ? 'missingok' : '', c.removeOnUpgrade ? 'remove-on-upgrade' : ''].filter(Boolean);
    out.push(`  ${printable(c.path)}${notes.length ? ` (${notes.join(', ')})` : ''}`);
  }
}

function renderSignature(status: SignatureStatus, out: string[]): void {
  out.push('', 'Signature');
  if (status.signatures.length === 0) out.push('  not signed');
  for (const s of status.signatures) {
    const what = s.unreadable ? `present but unreadable (${s.unreadable})` : [s.algorithm ? `${s.algorithm} signature` : 'signature', s.keyId ? `key ID ${s.keyId}` : 'no key ID', s.created !== undefined ? `made ${formatTime(s.created)}` : ''].filter(Boolean).join(', ');
    out.push(`  ${printable(s.source)} (over the ${s.covers}): ${printable(what)}`);
  }
  if (status.digests.length) out.push(`  digests: ${status.digests.join(', ')}`);
  const v = status.verification;
  if (!v) return;
  out.push(`  verified with the given key: ${v.valid ? 'VALID' : `NOT VALID (${printable(v.problem ?? 'unknown')})`}`);
  for (const s of v.signatures) out.push(`    ${s.valid ? 'OK ' : 'BAD'} ${s.covers} signature by ${s.keyId || 'an unknown key'}${s.signer ? ` (${printable(s.signer)})` : ''}${s.reason ? `: ${printable(s.reason)}` : ''}`);
  for (const d of v.digests) out.push(`    ${d.valid ? 'OK ' : 'BAD'} ${d.covers}`);
}

function renderFiles(inspection: Inspection, maxLines: number, out: string[]): void {
  const s = inspection.fileSummary;
  out.push('', `Files: ${count(s.entries, 'entry', 'entries')}: ${count(s.directories, 'directory', 'directories')}, ${count(s.files, 'file', 'files')} (${formatBytes(s.bytes)}), ${count(s.symlinks, 'symlink', 'symlinks')}${s.other ? `, ${s.other} other` : ''}`);
  if (inspection.files === undefined) {
    out.push(`  (no file list: ${printable(inspection.filesUnavailable ?? 'unavailable')})`);
    return;
  }
  const tree = renderFileTree(inspection.files, maxLines);
  out.push(...tree.lines.map((l) => `  ${l}`));
  if (tree.omitted > 0) out.push(`  (${count(tree.omitted, 'entry', 'entries')} in closed directories not shown; pkgapp inspect --json lists them all)`);
  if (inspection.filesIncomplete) out.push(`  (the list stops after ${inspection.files.length} entries; the counts above include every entry)`);
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
