// inspect(): what a package holds (metadata, dependencies, scripts, conffiles, files,
// signatures), read in bounded memory by its format's reader; with a key, the signatures are
// verified too.
import { formatOfFile } from '../formats.js';
import { verify } from '../verify/verify-package.js';
import type { Inspection } from './inspection.js';
import { healthGateOf } from './health-gate.js';
import { releasesOf } from './releases.js';

export type {
  FoundSignature,
  InspectedConffile,
  InspectedFile,
  InspectedScript,
  Inspection,
  SignatureStatus,
} from './inspection.js';
export type { DebInspection } from '../deb/deb-inspection.js';
export type { RpmInspection } from '../rpm/rpm-inspection.js';

export interface InspectOptions {
  /** Public key file (armored or binary): verify the signatures with it (signature.verification). */
  key?: string;
}

/** Inspects the package `file`, telling its format by its magic; a UserError when it is of none or is malformed. */
export async function inspect(file: string, options: InspectOptions = {}): Promise<Inspection> {
  const format = await formatOfFile(file);
  const inspection = await format.reader.inspect(file);
  const gate = healthGateOf(inspection.scripts);
  if (gate) inspection.healthGate = gate;
  const releases = releasesOf(inspection.scripts);
  if (releases) inspection.releases = releases;
  if (options.key !== undefined) inspection.signature.verification = await verify(file, options.key);
  return inspection;
}
