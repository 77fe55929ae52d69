// repodata/repomd.xml (docs/internals/yum-repository.md#repomdxml): the index clients fetch first and repo_gpgcheck verifies;
// it names each metadata file with its checksums and sizes. Pure.
import { attr } from './repodata.js';

export type RepomdType = 'primary' | 'filelists' | 'other';

/** One compressed metadata file as repomd.xml describes it. */
export interface RepomdRecord {
  type: RepomdType;
  /** sha256 of the compressed file. */
  checksum: string;
  /** sha256 of the uncompressed XML. */
  openChecksum: string;
  /** Relative to the repository root: repodata/<checksum>-<type>.xml.gz. */
  href: string;
  timestamp: number;
  size: number;
  openSize: number;
}

/** repomd.xml text; records come out in the order createrepo_c uses (primary, filelists, other). */
export function repomdXml(revision: number, records: readonly RepomdRecord[]): string {
  const order: RepomdType[] = ['primary', 'filelists', 'other'];
  const sorted = [...records].sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">',
    `  <revision>${revision}</revision>`,
  ];
  for (const r of sorted) {
    lines.push(
      `  <data type="${r.type}">`,
      `    <checksum type="sha256">${r.checksum}</checksum>`,
      `    <open-checksum type="sha256">${r.openChecksum}</open-checksum>`,
      `    <location href="${attr(r.href)}"/>`,
      `    <timestamp>${r.timestamp}</timestamp>`,
      `    <size>${r.size}</size>`,
      `    <open-size>${r.openSize}</open-size>`,
      '  </data>',
    );
  }
  lines.push('</repomd>');
  return `${lines.join('\n')}\n`;
}

/** The data records of an existing repomd.xml (ours or createrepo_c's): type, hrefs and open checksums. */
export function parseRepomd(xml: string): { type: string; href: string; openChecksum: string | undefined }[] {
  const records: { type: string; href: string; openChecksum: string | undefined }[] = [];
  for (const block of xml.matchAll(/<data\s+type="([^"]+)"\s*>([\s\S]*?)<\/data>/g)) {
    const href = /<location\b[^>]*\bhref="([^"]+)"/.exec(block[2]!)?.[1];
    if (href === undefined) continue;
    const openChecksum = /<open-checksum\b[^>]*>\s*([0-9a-f]+)\s*</.exec(block[2]!)?.[1];
    records.push({ type: block[1]!, href: unescapeAttr(href), openChecksum });
  }
  return records;
}

function unescapeAttr(value: string): string {
  return value.replace(
    /&(amp|lt|gt|quot|apos);/g,
    (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!,
  );
}
