// Quoting for values that reach /bin/sh scripts and systemd unit files.

/** Single-quotes a value for POSIX sh: nothing inside is expanded. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Quotes one word of a systemd ExecStart= line: double quotes, with backslash, quote,
 * `%` (specifiers) and `$` (variable expansion) escaped. See systemd.service(5), "Command lines".
 */
export function systemdQuote(value: string): string {
  if (/[\n\r\0]/.test(value))
    throw new Error(`systemd command words cannot contain newlines: ${JSON.stringify(value)}`);
  return `"${value
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(/%/g, '%%')
    .replace(/\$/g, '$$$$')}"`;
}

/** Makes free text safe as a single-line unit setting value (Description=, Documentation=). */
export function systemdText(value: string): string {
  return value
    .replace(/[\r\n]+/g, ' ')
    .replace(/%/g, '%%')
    .replace(/\\/g, '\\\\')
    .trim();
}

/** One Environment= assignment: `"NAME=value"`, with `\\`, `"` and `%` escaped (no `$` expansion there). */
export function systemdEnvAssignment(name: string, value: string): string {
  if (/[\n\r\0]/.test(value)) throw new Error(`environment values cannot contain newlines: ${name}`);
  return `"${name}=${value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/%/g, '%%')}"`;
}
