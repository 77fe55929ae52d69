// What verify() reports about one package, whatever its format.
import type { VerifiedSignature } from '../sign/verify-signature.js';

/** One signature of the package and what verifyDetached found. */
export interface SignatureCheck extends VerifiedSignature {
  /** What the signature covers, e.g. "rpm header", "rpm header+payload", "deb _gpgorigin". */
  covers: string;
}

/** What verify() found about one package. */
export interface VerifyResult {
  file: string;
  /** The format's name, as --target spells it. */
  format: string;
  /** True when the package is signed, every signature holds and every digest matches. */
  valid: boolean;
  signatures: SignatureCheck[];
  digests: { covers: string; valid: boolean }[];
  /** Why it does not hold, in one line, when it does not. */
  problem?: string;
}
