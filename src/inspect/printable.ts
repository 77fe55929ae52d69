// Text from an untrusted package made safe for a terminal: control characters (escape sequences,
// carriage returns, newlines in names) and bidirectional overrides are shown as \xNN / \uNNNN.

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_KEEP_LINES = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** One name or value on one line: every control character escaped, newlines and tabs too. */
export function printable(text: string): string {
  return text.replace(UNSAFE, escape);
}

/** Multi-line text (descriptions, whole outputs): like printable() but keeps "\n" and "\t". */
export function printableLines(text: string): string {
  return text.replace(UNSAFE_KEEP_LINES, escape);
}

function escape(ch: string): string {
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
