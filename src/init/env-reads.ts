// The environment variables a piece of JavaScript/TypeScript reads, with the default the code
// itself falls back to. Read by pattern, not parsed: init proposes, the user checks. A default
// is only reported when the code spells it as a literal right at the read, so init never
// invents one (`process.env.PORT || 3000` → "3000"; `process.env.PORT || config.port` → none).

export interface EnvRead {
  name: string;
  /** The literal the code falls back to, as a string; undefined when the code has none. */
  fallback?: string;
}

const NAME = '[A-Z_][A-Z0-9_]*';
/** A string or number literal: '…', "…", `…` without substitutions, 3000, 0.5. */
const LITERAL =
  String.raw`'([^'\\\n]*)'|"([^"\\\n]*)"|` + '`([^`\\\\$\\n]*)`' + String.raw`|(-?\d+(?:\.\d+)?)(?![\w.])`;
/**
 * After the read: TypeScript's `!` / `as string`, then a closing call such as
 * `Number(…)`, `parseInt(…, 10)` or a parenthesis, then `||` or `??` and the literal.
 */
const FALLBACK = String.raw`(?:\s*!)?(?:\s+as\s+[\w.]+)?(?:\s*(?:,\s*\d+\s*)?\))?\s*(?:\|\||\?\?)\s*(?:${LITERAL})`;

/** `const env = process.env`, `const { env } = process`, `import { env } from 'node:process'`. */
const ALIASES = [
  /(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*process\.env\b(?!\s*[.[])/g,
  /(?:const|let|var)\s*\{[^{}]*?\benv(?:\s*:\s*([A-Za-z_$][\w$]*))?\b[^{}]*\}\s*=\s*process\b(?!\s*\.)/g,
  /import\s*\{[^{}]*?\benv(?:\s+as\s+([A-Za-z_$][\w$]*))?[^{}]*\}\s*from\s*['"](?:node:)?process['"]/g,
];

/** Every read of an environment variable in `text`, in source order (one per occurrence). */
export function findEnvReads(text: string): EnvRead[] {
  const bases = [
    String.raw`\bprocess\.env`,
    ...aliasesIn(text).map((a) => String.raw`(?<![\w$.])${a.replace(/\$/g, '\\$')}`),
  ];
  const base = `(?:${bases.join('|')})`;
  const access = String.raw`${base}\s*(?:\.\s*(${NAME})\b|\[\s*(['"\x60])(${NAME})\2\s*\])`;
  const reads: { at: number; read: EnvRead }[] = [];
  for (const m of text.matchAll(new RegExp(`${access}(?:${FALLBACK})?`, 'g'))) {
    const name = m[1] ?? m[3]!;
    const fallback = m[4] ?? m[5] ?? m[6] ?? m[7];
    reads.push({ at: m.index, read: fallback === undefined || fallback === '' ? { name } : { name, fallback } });
  }
  // const { PORT = 3000, HOST: host = '0.0.0.0', DATABASE_URL } = process.env
  for (const m of text.matchAll(new RegExp(String.raw`\{([^{}]*)\}\s*=\s*${base}\b(?!\s*[.[])`, 'g'))) {
    for (const part of m[1]!.split(',')) {
      const d = new RegExp(String.raw`^\s*(${NAME})\s*(?::\s*[A-Za-z_$][\w$]*\s*)?(?:=\s*(?:${LITERAL}))?\s*$`).exec(
        part,
      );
      if (!d) continue;
      const fallback = d[2] ?? d[3] ?? d[4] ?? d[5];
      reads.push({
        at: m.index,
        read: fallback === undefined || fallback === '' ? { name: d[1]! } : { name: d[1]!, fallback },
      });
    }
  }
  return reads.sort((a, b) => a.at - b.at).map((r) => r.read);
}

function aliasesIn(text: string): string[] {
  const names = new Set<string>();
  for (const pattern of ALIASES) for (const m of text.matchAll(pattern)) names.add(m[1] ?? 'env');
  return [...names];
}
