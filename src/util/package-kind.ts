// Tells a .deb from an .rpm by its magic bytes, never by its name.
import { open } from 'node:fs/promises';
import { UserError } from '../errors.js';

const AR_MAGIC = Buffer.from('!<arch>\n', 'latin1');
const RPM_LEAD_MAGIC = Buffer.from([0xed, 0xab, 0xee, 0xdb]);

/** 'deb' or 'rpm'; a UserError naming the file when it is unreadable or neither. */
export async function packageKind(file: string): Promise<'deb' | 'rpm'> {
  const head = Buffer.alloc(8);
  try {
    const handle = await open(file, 'r');
    try {
      await handle.read(head, 0, 8, 0);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new UserError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code})`, { code: 'PKGAPP_FILE_UNREADABLE', cause: error });
  }
  if (head.equals(AR_MAGIC)) return 'deb';
  if (head.subarray(0, 4).equals(RPM_LEAD_MAGIC)) return 'rpm';
  throw new UserError(`${file}: neither a .deb nor an .rpm package`, { code: 'PKGAPP_NOT_A_PACKAGE', hint: 'Give the files pkgapp build wrote to dist/' });
}
