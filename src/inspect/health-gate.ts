// The health gate a package's scripts run, read back from their variables (src/render/maintainer-scripts.ts).
import type { InspectedHealthGate, InspectedScript } from './inspection.js';

/** undefined for a package without a gated service (no single unit, or built before the gate existed). */
export function healthGateOf(scripts: readonly InspectedScript[]): InspectedHealthGate | undefined {
  const runners = scripts.filter((s) => /^\t*(if ! )?"\$pkg_health_gate"/m.test(s.text));
  const text = runners[0]?.text;
  if (text === undefined) return undefined;
  const path = variable(text, 'pkg_health_gate');
  if (path === undefined) return undefined;
  return {
    path,
    check: variable(text, 'pkg_health_check') ?? 'none',
    timeout: Number(variable(text, 'pkg_health_timeout') ?? 30),
    scripts: runners.map((s) => s.name),
  };
}

/** A `name='value'` line of the script, unquoted (shellQuote writes ' as '\''). */
function variable(text: string, name: string): string | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}='`));
  return line?.slice(name.length + 2, -1).replace(/'\\''/g, "'");
}
