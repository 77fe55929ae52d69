// Finds and renders the plain-file templates in templates/: {{name}} substitution, nothing more.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** templates/ sits beside dist/ (installed package) and beside src/ (a clone run with tsx). */
const TEMPLATE_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

const cache = new Map<string, string>();

/** Reads templates/<name> (cached: a build renders the same few files). */
export function loadTemplate(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(TEMPLATE_DIR + name, 'utf8');
    cache.set(name, text);
  }
  return text;
}

/**
 * Replaces every {{key}} with values[key] in one pass (substituted text is never rescanned).
 * A placeholder without a value, or a value without a placeholder, is a bug: both throw.
 * Callers quote values for the target syntax (shell, systemd) before passing them.
 */
export function renderTemplate(name: string, values: Record<string, string>): string {
  const used = new Set<string>();
  const out = loadTemplate(name).replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`template ${name}: no value for {{${key}}}`);
    used.add(key);
    return value;
  });
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length) throw new Error(`template ${name}: values without a placeholder: ${unused.join(', ')}`);
  return out;
}
