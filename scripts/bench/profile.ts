// One pkgapp build under `node --cpu-prof`: where the main thread's time goes, and pkgapp's phases.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from './run.js';

export interface ProfileSummary {
  command: string;
  wallSeconds: number;
  /** pkgapp's progress lines with the seconds since start at which each was printed. */
  phases: { at: number; line: string }[];
  threads: ThreadProfile[];
}

export interface ThreadProfile {
  file: string;
  sampledMs: number;
  /** Time in (idle), (program), (garbage collector). */
  special: Record<string, number>;
  topFunctions: { name: string; selfMs: number; percent: number }[];
  topModules: { name: string; selfMs: number; percent: number }[];
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Runs argv (a `node script ...` command) with --cpu-prof and summarizes every profile written. */
export async function profileRun(argv: string[], profDir: string, env: NodeJS.ProcessEnv): Promise<ProfileSummary> {
  const [node, ...rest] = argv;
  if (node === undefined) throw new Error('profileRun: empty command');
  await mkdir(profDir, { recursive: true });
  const phases: { at: number; line: string }[] = [];
  const start = process.hrtime.bigint();
  const since = () => Number(process.hrtime.bigint() - start) / 1e9;
  const command = [node, '--cpu-prof', `--cpu-prof-dir=${profDir}`, ...rest.filter((a) => a !== '-q')];
  await run(command, {
    env,
    captureStdout: false,
    onStderrLine: (line) => {
      if (line.trim()) phases.push({ at: since(), line: line.trim() });
    },
  });
  const wallSeconds = since();
  const threads: ThreadProfile[] = [];
  for (const file of (await readdir(profDir)).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    threads.push(summarizeProfile(file, JSON.parse(await readFile(path.join(profDir, file), 'utf8')) as CpuProfile));
  }
  return { command: command.join(' '), wallSeconds, phases, threads };
}

/** Self time per function and per module (node_modules package, node: internals, pkgapp file). */
function summarizeProfile(file: string, profile: CpuProfile): ThreadProfile {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const fn = new Map<string, number>();
  const mod = new Map<string, number>();
  const special: Record<string, number> = {};
  let total = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    total += ms;
    const frame = byId.get(id);
    if (!frame) return;
    if (frame.functionName.startsWith('(') && !frame.url) {
      special[frame.functionName] = (special[frame.functionName] ?? 0) + ms;
      return;
    }
    const name = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    fn.set(name, (fn.get(name) ?? 0) + ms);
    const m = moduleOf(frame.url);
    mod.set(m, (mod.get(m) ?? 0) + ms);
  });
  const top = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([name, ms]) => ({ name, selfMs: Math.round(ms), percent: Math.round((1000 * ms) / total) / 10 }));
  return {
    file,
    sampledMs: Math.round(total),
    special: Object.fromEntries(Object.entries(special).map(([k, v]) => [k, Math.round(v)])),
    topFunctions: top(fn),
    topModules: top(mod),
  };
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) return url.slice(nm + '/node_modules/'.length);
  const dist = url.lastIndexOf('/dist/');
  if (dist !== -1) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '') || '(native)';
}

function moduleOf(url: string): string {
  if (!url) return '(native)';
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? url);
  }
  return shortUrl(url);
}

/** Text for the console: phases, then each thread's top functions and modules. */
export function formatProfile(p: ProfileSummary): string {
  const lines = [
    `profile: ${p.wallSeconds.toFixed(2)} s wall for ${p.command}`,
    'phases (seconds since start, when pkgapp printed each line):',
  ];
  for (const ph of p.phases) lines.push(`  ${ph.at.toFixed(2).padStart(7)}  ${ph.line}`);
  for (const t of p.threads) {
    const special = Object.entries(t.special)
      .map(([k, v]) => `${k} ${v} ms`)
      .join(', ');
    lines.push(`${t.file}: ${t.sampledMs} ms sampled; ${special}`, '  top functions by self time:');
    for (const f of t.topFunctions)
      lines.push(`    ${String(f.selfMs).padStart(7)} ms ${f.percent.toFixed(1).padStart(5)}%  ${f.name}`);
    lines.push('  top modules by self time:');
    for (const m of t.topModules)
      lines.push(`    ${String(m.selfMs).padStart(7)} ms ${m.percent.toFixed(1).padStart(5)}%  ${m.name}`);
  }
  return `${lines.join('\n')}\n`;
}
