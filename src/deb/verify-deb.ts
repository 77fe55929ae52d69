// verify for a .deb: the debsigs origin signature (_gpgorigin), streamed from the file.
import { readPublicKeys, verifyDetached } from '../sign/verify-signature.js';
import type { VerifyResult } from '../verify/verify-result.js';
import { memberStream, readArMembers } from './read-deb.js';

type Keys = Awaited<ReturnType<typeof readPublicKeys>>;

/** Largest _gpgorigin member read (OpenPGP signatures are well under 64 KiB). */
const MAX_SIGNATURE_MEMBER = 1 << 20;

/** debsigs origin signature: over the member data of debian-binary, control.tar.*, data.tar.*. */
export async function verifyDeb(file: string, keys: Keys): Promise<Omit<VerifyResult, 'valid' | 'problem'>> {
  const { members } = await readArMembers(file);
  const origin = members.find((m) => m.name === '_gpgorigin');
  if (!origin) return { file, format: 'deb', signatures: [], digests: [] };
  // A detached signature is a few hundred bytes; a huge member is refused, never read into memory.
  if (origin.size > MAX_SIGNATURE_MEMBER)
    return {
      file,
      format: 'deb',
      signatures: [
        {
          covers: 'deb _gpgorigin',
          valid: false,
          keyId: '',
          reason: `the _gpgorigin member is ${origin.size} bytes, not a detached signature`,
        },
      ],
      digests: [],
    };
  const signed = members.filter((m) => m.name === 'debian-binary' || /^(control|data)\.tar/.test(m.name));
  const signature = await readAll(memberStream(file, origin));
  const data = (async function* () {
    for (const m of signed) yield* memberStream(file, m) as AsyncIterable<Buffer>;
  })();
  return {
    file,
    format: 'deb',
    signatures: [{ covers: 'deb _gpgorigin', ...(await verifyDetached(signature, data, keys)) }],
    digests: [],
  };
}

async function readAll(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return Buffer.concat(parts);
}
