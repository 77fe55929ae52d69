// Cache keys: the SHA-256 of every input that decides an entry's content, each added under a
// label so that two different lists of inputs can never hash the same (length-prefixed parts).
import { createHash } from 'node:crypto';

export class CacheKey {
  private readonly hash = createHash('sha256');
  private readonly labels: string[] = [];

  /** `kind` names what is keyed and the version of its recipe: change it when the inputs change meaning. */
  constructor(kind: string) {
    this.add('kind', kind);
  }

  /** Adds one input; undefined is recorded as absent (different from an empty string). */
  add(label: string, value: string | Uint8Array | undefined): this {
    this.labels.push(label);
    const part = (data: string | Uint8Array) => {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      const length = Buffer.alloc(8);
      length.writeBigUInt64BE(BigInt(bytes.length));
      this.hash.update(length).update(bytes);
    };
    part(label);
    if (value === undefined) part(Buffer.from([0xff]));
    else {
      part(Buffer.from([typeof value === 'string' ? 1 : 2]));
      part(value);
    }
    return this;
  }

  /** Adds a JSON-able value (objects with their keys sorted). */
  addJson(label: string, value: unknown): this {
    return this.add(label, canonicalJson(value));
  }

  /** The key: 64 lowercase hex digits. The key builder cannot be used afterwards. */
  digest(): string {
    return this.hash.digest('hex');
  }

  /** The labels added, in order (for logs and tests; the values never leave the hash). */
  inputs(): readonly string[] {
    return this.labels;
  }
}

/** JSON with object keys sorted, so that the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}
