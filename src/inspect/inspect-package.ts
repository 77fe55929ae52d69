// inspect(): what a .deb or .rpm holds (metadata, dependencies, scripts, conffiles, files,
// signatures), read in bounded memory; with a key, the signatures are verified too.
import { packageKind } from '../util/package-kind.js';
import { verify } from '../verify/verify-package.js';
import { inspectDeb } from './inspect-deb.js';
import { inspectRpm } from './inspect-rpm.js';
import type { Inspection } from './inspection.js';

export type { DebInspection, FoundSignature, InspectedConffile, InspectedFile, InspectedScript, Inspection, RpmInspection, SignatureStatus } from './inspection.js';

export interface InspectOptions {
  /** Public key file (armored or binary): verify the signatures with it (signature.verification). */
  key?: string;
}

/** Inspects the package `file`, telling .deb from .rpm by its magic; a UserError when it is neither or is malformed. */
export async function inspect(file: string, options: InspectOptions = {}): Promise<Inspection> {
  const kind = await packageKind(file);
  const inspection = kind === 'deb' ? await inspectDeb(file) : await inspectRpm(file);
  if (options.key !== undefined) inspection.signature.verification = await verify(file, options.key);
  return inspection;
}
