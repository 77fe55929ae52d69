// The license a package.json declares, in every form npm has accepted: "license": "MIT" (SPDX),
// the old "license": { "type": "MIT", "url": … } and "licenses": [{ "type": "MIT" }, …] (or
// strings). Several licenses are offered as a choice: "MIT OR Apache-2.0". Pure.

/** The declared license as one SPDX-style expression, or undefined when none is declared. */
export function declaredLicense(pkg: { license?: unknown; licenses?: unknown }): string | undefined {
  const single = licenseName(pkg.license);
  if (single !== undefined) return single;
  const list = Array.isArray(pkg.licenses) ? pkg.licenses : pkg.licenses !== undefined ? [pkg.licenses] : [];
  const names = [...new Set(list.map(licenseName).filter((n): n is string => n !== undefined))];
  if (names.length <= 1) return names[0];
  // An expression inside a choice keeps its meaning only in parentheses.
  return names.map((n) => (/\s/.test(n) ? `(${n})` : n)).join(' OR ');
}

function licenseName(value: unknown): string | undefined {
  const text =
    typeof value === 'string'
      ? value
      : value && typeof value === 'object'
        ? (value as { type?: unknown }).type
        : undefined;
  return typeof text === 'string' && text.trim() ? text.trim() : undefined;
}
