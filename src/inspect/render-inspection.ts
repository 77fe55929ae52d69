// The human view of an Inspection: sections for metadata, dependencies, scripts, conffiles,
// signature and a capped file tree. Everything taken from the package is escaped for the terminal.
import { findFormat } from '../formats.js';
import { HEALTH_SETTLE_SECONDS } from '../manifest/health.js';
import { renderElfObjects } from './render-elf.js';
import { renderFileTree } from './file-tree.js';
import type { Inspection, SignatureStatus } from './inspection.js';
import { printable, printableLines } from './printable.js';
import { formatBytes, formatTime } from './units.js';

export interface RenderOptions {
  /** Most file tree lines shown (default 200). */
  maxFileLines?: number;
}

/** The whole human report, ending in a newline. */
export async function renderInspection(inspection: Inspection, options: RenderOptions = {}): Promise<string> {
  const out: string[] = [printable(inspection.file)];
  // The format's own sections (a report read back from --json of a format not registered here has none).
  await findFormat(inspection.format)?.reader.renderDetails(inspection, out);
  if (inspection.healthGate) {
    const g = inspection.healthGate;
    out.push(
      '',
      'Health gate',
      `  ${printable(g.path)}, run by ${g.scripts.join(', ')}: ${g.check === 'none' ? `no check, the service must run ${HEALTH_SETTLE_SECONDS} s without a restart` : `check ${printable(g.check)}`}, time limit ${g.timeout} s`,
    );
  }
  if (inspection.releases) {
    const r = inspection.releases;
    out.push(
      '',
      'Releases',
      `  release ${printable(r.release)} in ${printable(r.directory)}; ${printable(r.current)} points at the one that runs; keep ${r.keep}; switch: ${printable(r.rollback)} RELEASE`,
    );
  }
  renderElfObjects(inspection.elf, out);
  renderConffiles(inspection, out);
  renderSignature(inspection.signature, out);
  renderFiles(inspection, options.maxFileLines ?? 200, out);
  return `${printableLines(out.join('\n'))}\n`;
}

function renderConffiles(inspection: Inspection, out: string[]): void {
  out.push('', 'Conffiles');
  if (inspection.conffiles.length === 0) out.push('  (none)');
  for (const c of inspection.conffiles) {
    const notes = [
      c.noreplace ? 'noreplace' : '',
      c.missingok ? 'missingok' : '',
      c.removeOnUpgrade ? 'remove-on-upgrade' : '',
    ].filter(Boolean);
    out.push(`  ${printable(c.path)}${notes.length ? ` (${notes.join(', ')})` : ''}`);
  }
}

function renderSignature(status: SignatureStatus, out: string[]): void {
  out.push('', 'Signature');
  if (status.signatures.length === 0) out.push('  not signed');
  for (const s of status.signatures) {
    const what = s.unreadable
      ? `present but unreadable (${s.unreadable})`
      : [
          s.algorithm ? `${s.algorithm} signature` : 'signature',
          s.keyId ? `key ID ${s.keyId}` : 'no key ID',
          s.created !== undefined ? `made ${formatTime(s.created)}` : '',
        ]
          .filter(Boolean)
          .join(', ');
    out.push(`  ${printable(s.source)} (over the ${s.covers}): ${printable(what)}`);
  }
  if (status.digests.length) out.push(`  digests: ${status.digests.join(', ')}`);
  const v = status.verification;
  if (!v) return;
  out.push(`  verified with the given key: ${v.valid ? 'VALID' : `NOT VALID (${printable(v.problem ?? 'unknown')})`}`);
  for (const s of v.signatures)
    out.push(
      `    ${s.valid ? 'OK ' : 'BAD'} ${s.covers} signature by ${s.keyId || 'an unknown key'}${s.signer ? ` (${printable(s.signer)})` : ''}${s.reason ? `: ${printable(s.reason)}` : ''}`,
    );
  for (const d of v.digests) out.push(`    ${d.valid ? 'OK ' : 'BAD'} ${d.covers}`);
}

function renderFiles(inspection: Inspection, maxLines: number, out: string[]): void {
  const s = inspection.fileSummary;
  out.push(
    '',
    `Files: ${count(s.entries, 'entry', 'entries')}: ${count(s.directories, 'directory', 'directories')}, ${count(s.files, 'file', 'files')} (${formatBytes(s.bytes)}), ${count(s.symlinks, 'symlink', 'symlinks')}${s.other ? `, ${s.other} other` : ''}`,
  );
  if (inspection.files === undefined) {
    out.push(`  (no file list: ${printable(inspection.filesUnavailable ?? 'unavailable')})`);
    return;
  }
  const tree = renderFileTree(inspection.files, maxLines);
  out.push(...tree.lines.map((l) => `  ${l}`));
  if (tree.omitted > 0)
    out.push(
      `  (${count(tree.omitted, 'entry', 'entries')} in closed directories not shown; pkgapp inspect --json lists them all)`,
    );
  if (inspection.filesIncomplete)
    out.push(`  (the list stops after ${inspection.files.length} entries; the counts above include every entry)`);
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
