// The real-app matrix: open-source apps and frameworks from the npm registry, each a small
// wrapper project in test/fixtures/real-apps/<id> (package.json + lockfile, configured only
// through documented pkgapp keys), built as a deb and an rpm with the CLI, installed in a booted
// Debian 12 root, configured through its environment file, asked something that proves it
// works, restarted, and asked again. Adding an app is a directory and one entry in REAL_APPS.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cp, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Booted } from './chroot.js';
import { shIn, shQuote, type Target, TARGETS } from './fixture-matrix.js';
import { REPO_ROOT, runCli, tempDir } from './testdir.js';

/** What a check sees of the installed app. */
export interface AppContext {
  b: Booted;
  target: Target;
  /** Package, service, user name; its state directory is /var/lib/NAME. */
  name: string;
  port: number;
}

/** A wrapper's app needs a newer Node.js than Debian 12's 18.20: what the default build must say. */
export interface NeedsNewerNode {
  /** The floor the build reports, e.g. 20 (the major of the highest `engines.node` minimum). */
  major: number;
  /** A package whose engines set that floor: the build output names it. */
  because: string;
}

export interface RealApp {
  /** Directory under test/fixtures/real-apps, and the row label. */
  id: string;
  /** The package in the wrapper's lockfile whose version the table shows (the framework or server). */
  framework: string;
  /** `pkgapp build` options this app needs besides `-t deb -t rpm` (only what the app needs). */
  args?: string[];
  /** The default build (without args) must refuse Debian's nodejs or say why it cannot serve. */
  needsNewerNode?: NeedsNewerNode;
  /** Its port: set as PORT in the environment file, unless the wrapper's start command fixes it. */
  port: number;
  /** False when the app reads no PORT (the port is in its start command's arguments). */
  portFromEnv?: boolean;
  /** Variables appended to the environment file before the service is (re)started. */
  config?: Record<string, string>;
  /** First visit: proves the app works (may store something); returns a note for the table. */
  answer: (ctx: AppContext) => Promise<string>;
  /** After `systemctl restart`: the answer (and any state) survived; returns a note. */
  afterRestart: (ctx: AppContext) => Promise<string>;
  /** Files the app must have written in /var/lib/NAME, owned by the service user. */
  stateFiles?: string[];
}

/** Build outputs of the frameworks (gitignored in their scaffolds): never copied from the repository. */
const BUILD_OUTPUTS = new Set([
  'node_modules',
  '.next',
  '.nuxt',
  '.output',
  '.svelte-kit',
  '.react-router',
  'build',
  'dist',
]);

export interface BuiltApp {
  name: string;
  version: string;
  packages: Record<Target, { path: string; bytes: number }>;
  seconds: number;
  /** stderr of the build: pkgapp's progress and summary lines. */
  log: string;
}

export interface BuildAttempt {
  exitCode: number;
  stdout: string;
  stderr: string;
  seconds: number;
  packages: { format: Target; path: string; name: string }[];
}

/**
 * Copies the wrapper to a temporary directory (as a fresh clone has it) and runs
 * `pkgapp build -t deb -t rpm ARGS` as a user would (no --json: its log is what the user reads).
 */
export async function attemptBuild(app: RealApp, args: readonly string[]): Promise<BuildAttempt> {
  const source = path.join(REPO_ROOT, 'test/fixtures/real-apps', app.id);
  const copy = await tempDir(`pkgapp-real-${app.id}-`);
  await cp(source, copy, { recursive: true, filter: (f) => !BUILD_OUTPUTS.has(path.basename(f)) || f === source });
  const started = Date.now();
  const r = await runCli(['build', '-C', copy, ...TARGETS.flatMap((t) => ['-t', t]), ...args], {
    env: {
      SOURCE_DATE_EPOCH: '1795651200',
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
    },
  });
  const seconds = (Date.now() - started) / 1000;
  // "built /path/NAME_VERSION_ARCH.deb" and "built /path/NAME-VERSION-RELEASE.ARCH.rpm"
  const packages = [...r.stderr.matchAll(/^built (\S+\.(deb|rpm))$/gm)].map((m) => {
    const file = m[1]!;
    const base = path.basename(file);
    const name = m[2] === 'deb' ? base.split('_')[0]! : base.replace(/-[^-]+-[^-]+\.[^.]+\.rpm$/, '');
    return { format: m[2] as Target, path: file, name };
  });
  return { ...r, seconds, packages };
}

/** Builds the app with the options it needs; fails with pkgapp's output unless both packages were written. */
export async function buildRealApp(app: RealApp): Promise<BuiltApp> {
  const r = await attemptBuild(app, app.args ?? []);
  assert.equal(
    r.exitCode,
    0,
    `pkgapp build -t deb -t rpm ${(app.args ?? []).join(' ')} of ${app.id} failed (exit ${r.exitCode}):\n${r.stderr
      .split('\n')
      .filter((l) => !/^\[ *[\d.]+s\] writing:/.test(l))
      .slice(-25)
      .join('\n')}`,
  );
  assert.deepEqual(
    r.packages.map((p) => p.format).sort(),
    [...TARGETS].sort(),
    `one package per target in the build's log:\n${r.stderr}`,
  );
  const packages = {} as BuiltApp['packages'];
  for (const p of r.packages) packages[p.format] = { path: p.path, bytes: (await stat(p.path)).size };
  return {
    name: r.packages[0]!.name,
    version: lockedVersion(app.id, app.framework),
    packages,
    seconds: r.seconds,
    log: r.stderr,
  };
}

/** The version of `pkg` the wrapper's lockfile pins. */
export function lockedVersion(id: string, pkg: string): string {
  const lock = JSON.parse(
    readFileSync(path.join(REPO_ROOT, 'test/fixtures/real-apps', id, 'package-lock.json'), 'utf8'),
  ) as { packages: Record<string, { version?: string }> };
  return lock.packages[`node_modules/${pkg}`]?.version ?? '?';
}

// ---------------------------------------------------------------------------------------------
// Talking to the installed app (curl inside the booted root; its network is private)

export interface HttpAnswer {
  status: number;
  body: string;
  contentType: string;
}

export interface HttpOptions {
  method?: string;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
  /** How long to wait for something to listen (default 60 s). */
  seconds?: number;
  /** The service that should answer: stop waiting as soon as systemd gave up on it. */
  unit?: string;
}

/** One HTTP request from inside the root; retried for up to `seconds` while nothing listens yet. */
export async function http(b: Booted, url: string, opts: HttpOptions = {}): Promise<HttpAnswer> {
  const headers = { ...(opts.json !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers };
  const input = opts.json !== undefined ? JSON.stringify(opts.json) : opts.body;
  const cmd = [
    'curl',
    '-sS',
    '-w',
    '\n%{http_code} %{content_type}',
    '-X',
    opts.method ?? (input === undefined ? 'GET' : 'POST'),
    ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
    ...(input === undefined ? [] : ['--data-binary', '@-']),
    url,
  ];
  const deadline = Date.now() + (opts.seconds ?? 60) * 1000;
  let last: string;
  for (;;) {
    const r = await b.exec(cmd, input === undefined ? {} : { input });
    if (r.exitCode === 0) {
      const cut = r.stdout.lastIndexOf('\n');
      const [status, contentType = ''] = r.stdout.slice(cut + 1).split(' ');
      // 502/503: a framework still starting behind its own proxy; anything else is the answer.
      if (!['502', '503'].includes(status!))
        return { status: Number(status), body: r.stdout.slice(0, cut), contentType };
    }
    last = `${r.stderr.trim()} ${r.stdout.slice(-200)}`;
    if (opts.unit && (await b.exec(['systemctl', 'is-failed', '--quiet', opts.unit])).exitCode === 0) {
      throw new Error(
        `${opts.unit} failed (systemd gave up restarting it), no answer from ${url}: ${await journalErrors(b, opts.unit)}`,
      );
    }
    if (Date.now() > deadline) throw new Error(`no HTTP answer from ${url} within ${opts.seconds ?? 60} s: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The journal lines of a unit that say what went wrong (the last few), on one line. */
export async function journalErrors(b: Booted, unit: string): Promise<string> {
  const lines = (await b.journal(unit))
    .split('\n')
    .filter((l) => /error|cannot|could not|not found|denied|EROFS|ENOENT|EACCES|requires|failed/i.test(l));
  return lines
    .slice(-4)
    .map((l) => l.replace(/^\[\s*[\d.]+\]\s+\S+\s+/, ''))
    .join(' | ');
}

/** A successful (2xx) answer's body; otherwise fails showing the answer and the service's journal. */
export async function ok(ctx: AppContext, urlPath: string, opts: HttpOptions = {}): Promise<string> {
  const a = await http(ctx.b, `http://127.0.0.1:${ctx.port}${urlPath}`, { unit: ctx.name, ...opts });
  if (a.status < 200 || a.status > 299) {
    throw new Error(
      `${opts.method ?? (opts.json || opts.body ? 'POST' : 'GET')} ${urlPath} answered ${a.status}: ${a.body.slice(0, 500)}\njournal:\n${(await ctx.b.journal(ctx.name)).split('\n').slice(-30).join('\n')}`,
    );
  }
  return a.body;
}

/** Width and height from a PNG's IHDR chunk, read inside the root. */
export async function pngSize(b: Booted, file: string): Promise<{ width: number; height: number; signature: string }> {
  const hex = (await shIn(b, `od -An -tx1 -v -N24 ${shQuote(file)}`)).replace(/\s+/g, '');
  return {
    signature: hex.slice(0, 16),
    width: parseInt(hex.slice(32, 40), 16),
    height: parseInt(hex.slice(40, 48), 16),
  };
}

/** The text content of the element with this id in server-rendered HTML. */
export function textOf(html: string, id: string): string | undefined {
  const m = new RegExp(`<[a-z0-9]+[^>]*\\bid="${id}"[^>]*>([\\s\\S]*?)</`, 'i').exec(html);
  return m?.[1]?.replace(/<!--[\s\S]*?-->/g, '').trim();
}

/** A greeting page: the element #greeting holds the configured text. */
async function greets(ctx: AppContext, text: string, urlPath = '/'): Promise<string> {
  const html = await ok(ctx, urlPath);
  assert.equal(textOf(html, 'greeting'), text, `${urlPath} shows the configured greeting:\n${html.slice(0, 800)}`);
  return html;
}

/** The Node.js that served a page (#runtime "… Node.js vX.Y.Z"). */
function runtimeOf(html: string): string {
  return /Node\.js (v\d+\.\d+\.\d+)/.exec(textOf(html, 'runtime') ?? '')?.[1] ?? '?';
}

// ---------------------------------------------------------------------------------------------
// The apps

const greeting = (id: string) => `Hello from the real-app matrix (${id})`;

/** Frameworks with a build step whose page shows a greeting from the environment file. */
function greetingSite(id: string, framework: string, port: number, extra: Partial<RealApp> = {}): RealApp {
  return {
    id,
    framework,
    port,
    config: { GREETING: greeting(id) },
    answer: async (ctx) => `page rendered by ${runtimeOf(await greets(ctx, greeting(id)))}`,
    afterRestart: async (ctx) => `rendered again by ${runtimeOf(await greets(ctx, greeting(id)))}`,
    ...extra,
  };
}

const NODE_RED_FLOW = [
  { id: 'ra0tab', type: 'tab', label: 'real-app matrix' },
  { id: 'ra0in', type: 'http in', z: 'ra0tab', name: '', url: '/hello', method: 'get', wires: [['ra0tpl']] },
  {
    id: 'ra0tpl',
    type: 'template',
    z: 'ra0tab',
    name: '',
    field: 'payload',
    fieldType: 'msg',
    format: 'text',
    syntax: 'plain',
    template: 'hello from a Node-RED flow',
    output: 'str',
    wires: [['ra0out']],
  },
  { id: 'ra0out', type: 'http response', z: 'ra0tab', name: '', statusCode: '', headers: {}, wires: [] },
];

/** A 400×300 SVG: sharp (libvips with librsvg) reads it. */
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300"><rect width="400" height="300" fill="#3a7"/><circle cx="200" cy="150" r="100" fill="#fff"/></svg>';

export const REAL_APPS: RealApp[] = [
  greetingSite('nextjs', 'next', 3201, {
    answer: async (ctx) => {
      const html = await greets(ctx, greeting('nextjs'));
      // next/image optimises public/dot.png at run time and caches the result under .next/cache.
      const image = await http(ctx.b, `http://127.0.0.1:${ctx.port}/_next/image?url=%2Fdot.png&w=32&q=75`, {
        unit: ctx.name,
      });
      assert.equal(image.status, 200, `/_next/image answered ${image.status}: ${image.body.slice(0, 300)}`);
      assert.match(image.contentType, /^image\//);
      const journal = await ctx.b.journal(ctx.name);
      assert.doesNotMatch(
        journal,
        /Failed to write image to cache|EROFS|read-only file system|ENOENT[^\n]*\.next\/cache/i,
        'Next.js could write its cache',
      );
      return `page rendered by ${runtimeOf(html)}; /_next/image ${image.contentType}, cache written`;
    },
  }),
  greetingSite('sveltekit', '@sveltejs/kit', 3202),
  {
    id: 'nuxt',
    framework: 'nuxt',
    // nuxt (a production dependency in its scaffold) pulls in @nuxt/* packages with engines ^20.19
    // and build-time tools with >=22; the wrapper's pkgapp.nodeVersion says what the Nitro server
    // in .output needs (>=20), and the bundled Node.js 20 runs it.
    args: ['--node', 'bundled'],
    port: 3203,
    config: { NUXT_GREETING: greeting('nuxt') },
    answer: async (ctx) => {
      const html = await ok(ctx, '/');
      assert.equal(textOf(html, 'title'), 'Nuxt on pkgapp');
      assert.equal(textOf(html, 'greeting'), greeting('nuxt'), "server-rendered with the API route's answer");
      const api = JSON.parse(await ok(ctx, '/api/hello')) as { greeting: string; node: string };
      assert.equal(api.greeting, greeting('nuxt'));
      return `page + /api/hello by Node.js ${api.node}`;
    },
    afterRestart: async (ctx) => {
      const api = JSON.parse(await ok(ctx, '/api/hello')) as { greeting: string };
      assert.equal(api.greeting, greeting('nuxt'));
      return 'answers again';
    },
  },
  {
    id: 'nestjs',
    framework: '@nestjs/core',
    // NestJS 11 needs Node.js >= 20 (@nestjs/core engines).
    args: ['--node', 'bundled'],
    port: 3204,
    answer: async (ctx) => {
      const note = JSON.parse(await ok(ctx, '/notes', { json: { text: 'stored by the matrix' } })) as { id: number };
      const notes = JSON.parse(await ok(ctx, '/notes')) as { id: number; text: string }[];
      assert.ok(
        notes.some((n) => n.id === note.id && n.text === 'stored by the matrix'),
        JSON.stringify(notes),
      );
      const info = JSON.parse(await ok(ctx, '/')) as { node: string; store: string };
      assert.equal(info.store, `/var/lib/${ctx.name}/notes.json`);
      return `note ${note.id} stored and read back (Node.js ${info.node})`;
    },
    afterRestart: async (ctx) => {
      const notes = JSON.parse(await ok(ctx, '/notes')) as { text: string }[];
      assert.ok(
        notes.some((n) => n.text === 'stored by the matrix'),
        'the note survived the restart',
      );
      return `${notes.length} note(s) kept`;
    },
    stateFiles: ['notes.json'],
  },
  // React Router 7 needs Node.js >= 20 (engines of react-router, @react-router/node, serve, express).
  greetingSite('react-router', 'react-router', 3205, {
    args: ['--node', 'bundled'],
    needsNewerNode: { major: 20, because: 'react-router' },
  }),
  {
    id: 'node-red',
    framework: 'node-red',
    // The wrapper's "nodeVersion": ">=18.5" (Node-RED's own engines): validate-npm-package-name 7,
    // used only by the palette manager, says ^20.17, which would keep it off Debian 12.
    // The image service likewise (argon2 >= 0.44 lists cross-env 10, engines >=20, never loaded).
    // The deb and rpm cells prove both run on Debian's nodejs 18.20.
    port: 3206,
    answer: async (ctx) => {
      // Deploy a flow through the admin API: an HTTP endpoint answering a fixed text.
      await ok(ctx, '/flows', { json: NODE_RED_FLOW, headers: { 'Node-RED-Deployment-Type': 'full' }, seconds: 90 });
      const hello = await ok(ctx, '/hello');
      assert.equal(hello, 'hello from a Node-RED flow');
      const flows = JSON.parse(await ok(ctx, '/flows')) as unknown;
      assert.match(JSON.stringify(flows), /ra0in/);
      return 'flow deployed through the admin API, /hello answers';
    },
    afterRestart: async (ctx) => {
      assert.equal(
        await ok(ctx, '/hello', { seconds: 90 }),
        'hello from a Node-RED flow',
        'the flow was reloaded from the state directory',
      );
      return 'flow reloaded from /var/lib';
    },
    stateFiles: ['flows.json', 'settings.js'],
  },
  {
    id: 'json-server',
    framework: 'json-server',
    // Fixed by the start command's --port: json-server reads no PORT variable.
    port: 3280,
    portFromEnv: false,
    answer: async (ctx) => {
      const post = JSON.parse(await ok(ctx, '/posts', { json: { title: 'stored by the matrix' } })) as { id: number };
      const back = JSON.parse(await ok(ctx, `/posts/${post.id}`)) as { title: string };
      assert.equal(back.title, 'stored by the matrix');
      return `record ${post.id} stored and read back`;
    },
    afterRestart: async (ctx) => {
      const posts = JSON.parse(await ok(ctx, '/posts')) as { title: string }[];
      assert.ok(
        posts.some((p) => p.title === 'stored by the matrix'),
        'the record survived the restart',
      );
      return `${posts.length} record(s) kept`;
    },
    stateFiles: ['db.json'],
  },
  {
    id: 'image-service',
    framework: 'sharp',
    port: 3208,
    config: { MAX_WIDTH: '640' },
    answer: async (ctx) => {
      await ok(ctx, '/'); // listening
      const png = `/tmp/${ctx.name}-resized.png`;
      const r = await ctx.b.exec(
        [
          'curl',
          '-sSf',
          '-o',
          png,
          '-H',
          'content-type: image/svg+xml',
          '--data-binary',
          '@-',
          `http://127.0.0.1:${ctx.port}/resize?width=100`,
        ],
        { input: SVG },
      );
      assert.equal(r.exitCode, 0, `POST /resize: ${r.stderr}\n${await ctx.b.journal(ctx.name)}`);
      const size = await pngSize(ctx.b, png);
      assert.deepEqual(
        size,
        { signature: '89504e470d0a1a0a', width: 100, height: 75 },
        'a 400×300 SVG resized to a 100×75 PNG',
      );
      await ok(ctx, '/users', { json: { name: 'ada', password: 'correct horse' } });
      const login = JSON.parse(await ok(ctx, '/login', { json: { name: 'ada', password: 'correct horse' } })) as Record<
        string,
        boolean
      >;
      assert.deepEqual(login, { argon2: true, bcrypt: true });
      const wrong = await http(ctx.b, `http://127.0.0.1:${ctx.port}/login`, {
        json: { name: 'ada', password: 'wrong' },
        unit: ctx.name,
      });
      assert.equal(wrong.status, 401);
      const info = JSON.parse(await ok(ctx, '/')) as { node: string; vips: string };
      return `SVG 400×300 → PNG ${size.width}×${size.height} (vips ${info.vips}); argon2 + bcrypt login (Node.js ${info.node})`;
    },
    afterRestart: async (ctx) => {
      const login = JSON.parse(await ok(ctx, '/login', { json: { name: 'ada', password: 'correct horse' } })) as Record<
        string,
        boolean
      >;
      assert.deepEqual(login, { argon2: true, bcrypt: true }, 'the account survived the restart');
      return 'account kept, login ok';
    },
    stateFiles: ['users.json'],
  },
];

/** Writes PORT (when the app reads it) and the app's variables into the environment file and restarts the service. */
export async function configure(app: RealApp, ctx: AppContext): Promise<void> {
  const envFile = ctx.target === 'deb' ? `/etc/default/${ctx.name}` : `/etc/sysconfig/${ctx.name}`;
  const vars = { ...(app.portFromEnv === false ? {} : { PORT: String(app.port) }), ...app.config };
  const lines = Object.entries(vars).map(([k, v]) => shQuote(`${k}=${v}`));
  const append = lines.length ? `printf '%s\\n' ${lines.join(' ')} >> ${envFile} && ` : '';
  // reset-failed: before it was configured the service may have hit its start limit.
  await shIn(ctx.b, `${append}systemctl reset-failed ${ctx.name}; systemctl restart ${ctx.name}`);
}

/** Checks that the service is active and the state files exist in /var/lib/NAME, owned by its user. */
export async function checkState(app: RealApp, ctx: AppContext): Promise<string> {
  const active = await ctx.b.exec(['systemctl', 'is-active', ctx.name]);
  assert.equal(
    active.stdout.trim(),
    'active',
    `${ctx.name} is ${active.stdout.trim()}\n${await ctx.b.journal(ctx.name)}`,
  );
  const owners: string[] = [];
  for (const file of app.stateFiles ?? []) {
    const full = `/var/lib/${ctx.name}/${file}`;
    const owner = await ctx.b.exec(['stat', '-c', '%U', full]);
    assert.equal(
      owner.exitCode,
      0,
      `${full} is missing: ${owner.stderr}\n${await shIn(ctx.b, `ls -la /var/lib/${ctx.name}/ || true`)}`,
    );
    assert.equal(owner.stdout.trim(), ctx.name, `${full} belongs to the service user`);
    owners.push(file);
  }
  return owners.length ? `state in /var/lib/${ctx.name}: ${owners.join(', ')}` : '';
}

// ---------------------------------------------------------------------------------------------
// The table

export interface RealAppRow {
  app: string;
  version: string;
  options: string;
  target: Target;
  buildSeconds: number | undefined;
  bytes: number | undefined;
  installed: boolean | undefined;
  /** undefined: not run. */
  answered: boolean | undefined;
  note: string;
}

export function renderRealApps(rows: readonly RealAppRow[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const mark = (v: boolean | undefined) => (v === undefined ? '–' : v ? '✓' : '✗');
  const size = (n: number | undefined) => (n === undefined ? '–' : `${(n / 1024 / 1024).toFixed(1)} MiB`);
  return [
    '| app | version | build options | target | build s | package | installed | answered |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${[r.app, r.version, r.options || 'default', r.target, r.buildSeconds === undefined ? '–' : r.buildSeconds.toFixed(0), size(r.bytes), mark(r.installed), `${mark(r.answered)} ${r.note}`].map(cell).join(' | ')} |`,
    ),
  ].join('\n');
}
