// The fixture × target matrix: each fixture app is built as a deb and an rpm with the CLI, then
// installed in a booted Debian 12 root (apt for the debs, Debian's rpm with its own database
// for the rpms), configured through its environment file and checked: its service answers
// over HTTP and/or its bins run. Adding a fixture is one entry in FIXTURES.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Booted } from './chroot.js';
import { REPO_ROOT, runCli, tempDir } from './testdir.js';

export type Target = 'deb' | 'rpm';
export const TARGETS: readonly Target[] = ['deb', 'rpm'];

/** What a check sees of the installed fixture. */
export interface RunContext {
  b: Booted;
  target: Target;
  /** The package (and service, user) name. */
  name: string;
  /** The port its service was given in the environment file. */
  port: number;
}

export interface MatrixFixture {
  /** Row label in the table. */
  id: string;
  /** Directory copied to a temporary directory before building, relative to the repository. */
  source: string;
  /** The app inside that copy when it is not the copy's root (a workspace member): `-C COPY/appDir`. */
  appDir?: string;
  /** Extra `pkgapp build` arguments, e.g. ['--node', 'bundled'] or ['--workspace', 'api']. */
  args?: string[];
  /** Extra environment for the build (npm configuration, a PATH holding yarn or pnpm). */
  buildEnv?: () => Record<string, string> | Promise<Record<string, string>>;
  /** Host tools the build needs besides node and npm (names for requireTools). */
  tools?: string[];
  /** Variables appended to the environment file before the service restarts; PORT is always set. */
  config?: Record<string, string>;
  /** Checks the service's JSON answer at / and returns a short summary for the table; false: no service. */
  http: ((answer: Record<string, unknown>, ctx: RunContext) => string) | false;
  /** Bins run as root on the installed system, with the stdout each must print. */
  bins?: { command: string; stdout: string | RegExp }[];
  /** More checks on the running system; returns a note for the table. */
  extra?: (ctx: RunContext) => Promise<string | void>;
}

/**
 * Where node-gyp finds the headers of the running node without downloading them from
 * nodejs.org (offline here): the node's own prefix when it holds headers of exactly this
 * version, as NodeSource's nodejs package does in /usr/include/node. Otherwise nothing, and
 * node-gyp downloads them.
 */
export function localNodeHeaders(): Record<string, string> {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  try {
    const header = readFileSync(path.join(prefix, 'include/node/node_version.h'), 'utf8');
    const part = (name: string) => new RegExp(`#define NODE_${name}_VERSION (\\d+)`).exec(header)?.[1];
    if (`v${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}` === process.version)
      return { npm_config_nodedir: prefix };
  } catch {
    // no headers beside this node
  }
  return {};
}

/** The host's architecture in Debian's and rpm's names. */
export function hostPackageArch(): { deb: string; rpm: string } {
  const table: Record<string, { deb: string; rpm: string }> = {
    x64: { deb: 'amd64', rpm: 'x86_64' },
    arm64: { deb: 'arm64', rpm: 'aarch64' },
  };
  const arch = table[process.arch];
  if (!arch) throw new Error(`no deb/rpm architecture known here for ${process.arch}`);
  return arch;
}

/** The repository's pinned package managers (devDependencies): the program name and its script. */
const MANAGERS = {
  'yarn-classic': { program: 'yarn', script: 'node_modules/yarn/bin/yarn.js' },
  'yarn-berry': { program: 'yarn', script: 'node_modules/@yarnpkg/cli-dist/bin/yarn.js' },
  pnpm: { program: 'pnpm', script: 'node_modules/pnpm/bin/pnpm.cjs' },
} as const;
type Manager = keyof typeof MANAGERS;
const managerPaths = new Map<Manager, Promise<Record<string, string>>>();

/**
 * A PATH whose `yarn` or `pnpm` is the repository's pinned one of that generation: Yarn 1 and
 * Yarn 4 both want node_modules/.bin/yarn, so the build gets a directory of its own with a shim.
 */
export function pathWith(manager: Manager): Promise<Record<string, string>> {
  let env = managerPaths.get(manager);
  if (!env) {
    env = (async () => {
      const { program, script } = MANAGERS[manager];
      const file = path.join(REPO_ROOT, script);
      assert.ok(existsSync(file), `${file} is missing: run npm ci in the repository (it is a devDependency)`);
      const dir = await tempDir(`pkgapp-${manager}-`);
      await writeFile(path.join(dir, program), `#!/bin/sh\nexec ${shQuote(process.execPath)} ${shQuote(file)} "$@"\n`, {
        mode: 0o755,
      });
      return { PATH: `${dir}${path.delimiter}${process.env.PATH ?? ''}` };
    })();
    managerPaths.set(manager, env);
  }
  return env;
}

/**
 * A single app installed by a package manager (`manager`, whose name the app reports as
 * `says`): its service answers JSON, its bin prints JSON computed by its production dependency.
 */
function lockfileApp(dir: string, manager: Manager, says: string, id = says): MatrixFixture {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/apps', dir, 'package.json'), 'utf8')) as {
    name: string;
    bin: Record<string, string>;
  };
  const bin = Object.keys(pkg.bin)[0]!;
  return {
    id: `${id} (${dir})`,
    source: `test/fixtures/apps/${dir}`,
    buildEnv: () => pathWith(manager),
    http: (a) => {
      assert.deepEqual([a.app, a.manager], [pkg.name, says]);
      return `HTTP ${String(a.app)} (${String(a.manager)}), uptime ${String(a.uptime)}`;
    },
    bins: [{ command: bin, stdout: JSON.stringify({ app: pkg.name, manager: says, humanized: '2m' }) }],
  };
}

/**
 * The api workspace of a monorepo (built with --workspace api), whose manager the app reports
 * as `says`: it needs its sibling workspace @mono/lib, and ms 2.0.0 beside lib's ms 2.1.x.
 */
function monorepoApi(dir: string, manager: Manager | 'npm', says: string, id: string): MatrixFixture {
  return {
    id: `${id} (${dir})`,
    source: `test/fixtures/apps/${dir}`,
    args: ['--workspace', 'api'],
    ...(manager === 'npm' ? {} : { buildEnv: () => pathWith(manager) }),
    http: (a) => {
      assert.deepEqual([a.app, a.manager], ['@mono/api', says]);
      assert.equal(a.ms, '2.0.0', 'its own ms 2.0.0');
      assert.match(String(a.libMs), /^2\.1\./, 'the sibling workspace gets its ms 2.1.x');
      return `HTTP ${String(a.app)} (${says}): ms ${String(a.ms)}, lib's ms ${String(a.libMs)}`;
    },
    bins: [
      {
        command: 'mono-api-hello',
        stdout: new RegExp(
          `^\\{"app":"@mono/api","manager":"${says}","ms":"2\\.0\\.0","libMs":"2\\.1\\.\\d+","humanized":"2 minutes"\\}$`,
        ),
      },
    ],
  };
}

/** The fixtures, each built for every target. Ports are given in this order from BASE_PORT. */
export const FIXTURES: MatrixFixture[] = [
  {
    id: 'npm (examples/hello)',
    source: 'examples/hello',
    config: { GREETING: 'hello from the matrix' },
    http: (a) => {
      assert.equal(a.greeting, 'hello from the matrix');
      assert.equal(a.version, '1.0.0');
      return `HTTP greeting, visits ${String(a.visits)}`;
    },
    bins: [{ command: 'hello-greet matrix', stdout: 'hello, matrix' }],
  },
  {
    id: 'TypeScript build step (ts-build)',
    source: 'test/fixtures/apps/ts-build',
    http: (a) => {
      assert.equal(a.app, 'ts-build');
      assert.equal(a.typescript, true);
      return 'HTTP from dist/server.js';
    },
  },
  {
    id: 'native module (native-sqlite)',
    source: 'test/fixtures/apps/native-sqlite',
    // The addon is compiled for the build machine's Node ABI, which Debian 12's nodejs (18) is not.
    args: ['--node', 'bundled'],
    // Always compile (never fetch a prebuilt binary from GitHub), against local headers.
    buildEnv: () => ({ npm_config_build_from_source: 'true', ...localNodeHeaders() }),
    tools: ['python3', 'make', 'g++'],
    http: (a, { name }) => {
      assert.match(String(a.sqlite), /^3\.\d+\.\d+$/, 'sqlite_version() through the addon');
      assert.equal(a.answer, 42);
      assert.equal(a.db, `/var/lib/${name}/visits.sqlite`, 'the database lives in the state directory');
      assert.equal(a.node, process.version, 'the bundled node runs the service');
      assert.equal(a.user, name);
      return `HTTP sqlite ${String(a.sqlite)}, visits ${String(a.visits)}`;
    },
    bins: [
      { command: "native-sqlite-query 'select 6 * 7'", stdout: '42' },
      { command: 'native-sqlite-query', stdout: /^3\.\d+\.\d+$/ },
    ],
    extra: async ({ b, name, port }) => {
      // The state survives a restart: rows are counted from the database file.
      const before = await fetchJson(b, port);
      await shIn(b, `systemctl restart ${name}`);
      const after = await fetchJson(b, port);
      assert.equal(after.visits, Number(before.visits) + 1, 'visits are counted in the database, kept across restarts');
      assert.equal(await shIn(b, `stat -c %U /var/lib/${name}/visits.sqlite`), name);
      assert.equal(
        await shIn(b, `readlink /proc/$(systemctl show -p MainPID --value ${name})/exe`),
        `/opt/${name}/node/bin/node`,
      );
      // Why the node is bundled: Debian's node 18 cannot load an addon built for Node 20.
      const debianNode = await b.exec([
        '/usr/bin/node',
        '-e',
        `require('/opt/${name}/node_modules/better-sqlite3')(':memory:')`,
      ]);
      assert.notEqual(
        debianNode.exitCode,
        0,
        "Debian's node loads the addon: the ABI argument for --node bundled no longer holds",
      );
      assert.match(debianNode.stderr, /NODE_MODULE_VERSION/);
      return "state kept across restart; Debian's node 18 refuses the addon (NODE_MODULE_VERSION)";
    },
  },
  {
    // The tree test/oracle/cross-arch.test.ts builds for arm64, built here for this machine: the
    // x64 platform packages are installed and packaged, and their code runs.
    id: 'prebuilt native packages (cross-native: sharp + esbuild)',
    source: 'test/fixtures/apps/cross-native',
    http: (a) => {
      assert.equal(a.arch, process.arch);
      assert.deepEqual([a.width, a.height], [16, 12], 'sharp (libvips) resized 64×48 to 16×12');
      assert.match(String(a.code), /const answer = 6 \* 7;/, "esbuild's binary stripped the type annotation");
      return `HTTP sharp resize 16×12 (vips ${String(a.vips)}), esbuild ${String(a.esbuild)} transform (${String(a.arch)})`;
    },
  },
  lockfileApp('yarn-classic', 'yarn-classic', 'yarn classic'),
  lockfileApp('yarn-berry', 'yarn-berry', 'yarn berry'),
  lockfileApp('pnpm', 'pnpm', 'pnpm'),
  lockfileApp('pnpm-hoisted', 'pnpm', 'pnpm', 'pnpm, node-linker=hoisted'),
  monorepoApi('monorepo', 'npm', 'npm', 'npm workspaces'),
  monorepoApi('monorepo-pnpm', 'pnpm', 'pnpm', 'pnpm workspace'),
  monorepoApi('monorepo-yarn', 'yarn-berry', 'yarn', 'yarn berry workspaces'),
  monorepoApi('monorepo-yarn-classic', 'yarn-classic', 'yarn classic', 'yarn classic workspaces'),
];

export const BASE_PORT = 3101;

/** The port a fixture's service is given. */
export function portOf(fixture: MatrixFixture): number {
  return BASE_PORT + FIXTURES.indexOf(fixture);
}

export interface BuiltPackageInfo {
  path: string;
  architecture: string;
}

export interface BuiltFixture {
  name: string;
  /** The app directory that was built (a temporary copy of the fixture). */
  appDir: string;
  packages: Record<Target, BuiltPackageInfo>;
  seconds: number;
}

/** Builds one fixture for every target from a temporary copy (its node_modules left behind). */
export async function buildFixture(fixture: MatrixFixture): Promise<BuiltFixture> {
  const copy = await tempDir('pkgapp-matrix-');
  const source = path.join(REPO_ROOT, fixture.source);
  await cp(source, copy, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (f) => !/[/\\](node_modules|dist)$/.test(f.slice(source.length)),
  });
  const appDir = path.join(copy, fixture.appDir ?? '');
  const out = await tempDir('pkgapp-matrix-out-');
  const started = Date.now();
  const result = await runCli(
    ['build', '-C', appDir, '-o', out, ...TARGETS.flatMap((t) => ['-t', t]), ...(fixture.args ?? []), '--json'],
    {
      env: { SOURCE_DATE_EPOCH: '1795651200', ...(await fixture.buildEnv?.()) },
    },
  );
  const seconds = (Date.now() - started) / 1000;
  assert.equal(result.exitCode, 0, `pkgapp build of ${fixture.source} failed:\n${result.stderr}`);
  const built = JSON.parse(result.stdout).packages as {
    format: Target;
    path: string;
    name: string;
    architecture: string;
  }[];
  const packages = Object.fromEntries(
    built.map((p) => [p.format, { path: p.path, architecture: p.architecture }]),
  ) as Record<Target, BuiltPackageInfo>;
  return { name: built[0]!.name, appDir, packages, seconds };
}

/** Runs a shell command in the booted root; fails with its output unless it exits 0. */
export async function shIn(b: Booted, script: string): Promise<string> {
  const r = await b.exec(['sh', '-c', script]);
  assert.equal(r.exitCode, 0, `${script}\n${r.stdout}\n${r.stderr}`);
  return r.stdout.trim();
}

/** The service's JSON answer on `port`, retried for up to 15 s while it (re)starts. */
export async function fetchJson(b: Booted, port: number): Promise<Record<string, unknown>> {
  let last = '';
  for (let i = 0; i < 75; i++) {
    const r = await b.exec(['curl', '-sf', `http://127.0.0.1:${port}/`]);
    if (r.exitCode === 0) return JSON.parse(r.stdout) as Record<string, unknown>;
    last = r.stderr;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no HTTP answer on port ${port}: ${last}`);
}

/** A value single-quoted for sh. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * With the package installed: sets PORT and the fixture's variables in the environment file,
 * restarts the service, checks its answer, runs its bins and extra checks. Returns what ran.
 */
export async function configureAndRun(fixture: MatrixFixture, ctx: RunContext): Promise<string> {
  const { b, name, port, target } = ctx;
  const ran: string[] = [];
  if (fixture.http) {
    const envFile = target === 'deb' ? `/etc/default/${name}` : `/etc/sysconfig/${name}`;
    const lines = Object.entries({ PORT: String(port), ...fixture.config }).map(([k, v]) => shQuote(`${k}=${v}`));
    // reset-failed: until configured, the service may have failed often enough to hit its start limit.
    await shIn(
      b,
      `printf '%s\\n' ${lines.join(' ')} >> ${envFile} && systemctl reset-failed ${name}; systemctl restart ${name}`,
    );
    let answer: Record<string, unknown>;
    try {
      answer = await fetchJson(b, port);
    } catch (error) {
      throw new Error(`${(error as Error).message}\njournal:\n${await b.journal(name)}`, { cause: error });
    }
    ran.push(`${fixture.http(answer, ctx)} (:${port})`);
  }
  for (const bin of fixture.bins ?? []) {
    const stdout = await shIn(b, bin.command);
    if (typeof bin.stdout === 'string') assert.equal(stdout, bin.stdout, bin.command);
    else assert.match(stdout, bin.stdout, bin.command);
    ran.push(`\`${bin.command}\` → ${stdout}`);
  }
  const note = await fixture.extra?.(ctx);
  if (note) ran.push(note);
  return ran.join('; ');
}

/** One cell of the matrix. */
export interface MatrixRow {
  fixture: string;
  flags: string;
  target: Target;
  file: string;
  buildSeconds: number | undefined;
  installed: boolean | undefined;
  /** undefined: not run (not selected, tools missing). */
  ok: boolean | undefined;
  ran: string;
}

/** The matrix as a Markdown table, for the log and the issue's closing note. */
export function renderMatrix(rows: readonly MatrixRow[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const mark = (v: boolean | undefined) => (v === undefined ? '–' : v ? '✓' : '✗');
  return [
    '| fixture | extra build flags | target | package | build s | installed | ran |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${[r.fixture, r.flags || '–', r.target, r.file || '–', r.buildSeconds === undefined ? '–' : r.buildSeconds.toFixed(0), mark(r.installed), `${mark(r.ok)} ${r.ran}`].map(cell).join(' | ')} |`,
    ),
  ].join('\n');
}
