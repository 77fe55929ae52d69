// The Signer: what writers and publishers use to sign, without knowing where the key came from.

export interface Signer {
  /** Long key ID of the signing (sub)key, 16 uppercase hex digits. */
  readonly keyId: string;
  /** Fingerprint of the primary key, 40 uppercase hex digits. */
  readonly fingerprint: string;
  /** User IDs of the key, e.g. "Acme Releases <releases@acme.example>". */
  readonly userIds: readonly string[];
  /** rsa → rpm tag 268/1002; eddsa (Ed25519 legacy) → 267/1005. */
  readonly algorithm: 'rsa' | 'eddsa';
  /** The public key: armored (for .asc files) and binary (for *.gpg keyrings, debsig). */
  readonly publicKey: { armored: string; binary: Uint8Array };
  /** Binary detached signature (type 0x00) over all the bytes `data` yields. */
  signDetached(data: Uint8Array | AsyncIterable<Uint8Array>): Promise<Buffer>;
  /** ASCII-armored detached signature (Release.gpg, repomd.xml.asc). */
  signDetachedArmored(data: Uint8Array): Promise<string>;
  /** Cleartext-signed message with canonical-text signature (InRelease). */
  signCleartext(text: string): Promise<string>;
}
