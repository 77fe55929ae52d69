// verify for an .rpm: header and header+payload signatures, and the stored digests.
import { createReadStream } from 'node:fs';
import { readPublicKeys, verifyDetached } from '../sign/verify-signature.js';
import type { SignatureCheck, VerifyResult } from '../verify/verify-result.js';
import { readRpm } from './read-rpm.js';
import { SIGTAG } from './tags.js';
import { checkRpmDigests } from './verify-digests.js';

type Keys = Awaited<ReturnType<typeof readPublicKeys>>;

/** rpm: header and header+payload signatures, header SHA256 and payload digest (what rpm -K checks). */
export async function verifyRpm(file: string, keys: Keys): Promise<Omit<VerifyResult, 'valid' | 'problem'>> {
  const info = await readRpm(file);
  const header = () => range(file, info.headerStart, info.headerEnd);
  const headerAndPayload = () => range(file, info.headerStart, info.size);
  const signatures: SignatureCheck[] = [];
  for (const [tag, covers, data] of [
    [SIGTAG.RSAHEADER, 'rpm header', header],
    [SIGTAG.DSAHEADER, 'rpm header', header],
    [SIGTAG.PGP, 'rpm header+payload', headerAndPayload],
    [SIGTAG.GPG, 'rpm header+payload', headerAndPayload],
  ] as const) {
    const entry = info.signature.get(tag);
    if (entry && Buffer.isBuffer(entry.value))
      signatures.push({ covers, ...(await verifyDetached(entry.value, data(), keys)) });
  }
  // The SHA256 ones (header, payload); the legacy header SHA1 is checked only when publishing.
  const { checks } = await checkRpmDigests(info);
  const digests = checks
    .filter((c) => c.algorithm === 'sha256')
    .map((c) => ({ covers: `rpm ${c.what}`, valid: c.valid }));
  return { file, format: 'rpm', signatures, digests };
}

/** The bytes [start, end) of `file`; the file is opened only when iteration starts (an unread range holds no descriptor). */
function range(file: string, start: number, end: number): AsyncIterable<Buffer> {
  return (async function* () {
    if (end > start)
      yield* createReadStream(file, { start, end: end - 1, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
  })();
}
