// A start command as people write it in package.json "start" (or pkgapp.service.command),
// turned into what a systemd unit can run: environment, node options, program, arguments.
//
// API (shared by `pkgapp build` and `pkgapp init`, so both read a command the same way):
//   parseStartCommand(command, where) → StartCommand, or throws a UserError (code
//     PKGAPP_START_COMMAND) that names `where` and exactly which part cannot be expressed.
//   describeStartCommandForms() → one line listing the accepted forms, for hints and notes.
// A `{ bin }` program is a command of a dependency (`next start`): pure code cannot tell which
// package provides it; src/contents/dependency-bin.ts finds it in the installed tree
// (resolveDependencyBin), build does that after installing. Pure: no I/O here.
//
// Accepted (words split and quoted as POSIX sh does, without any expansion):
//   [VAR=value …] node [NODE_OPTIONS…] FILE [ARGS…]     node --enable-source-maps server.js --port 1880
//   [VAR=value …] BIN [ARGS…]                           next start, verdaccio --config ./config.yaml
//   cross-env / env VAR=value … before either; npx BIN …; node_modules/.bin/BIN …; exec before either.
// Refused: anything sh would do beyond running one program: && || ; | & redirections, $VAR and
// ${…}, backticks, globs, ~, comments, subshells, `npm run x`/`yarn x`/`pnpm x`, cd and other
// shell builtins, a program given by path, node without a file (-e, -p, REPL) or in watch mode.
import { UserError } from '../errors.js';

export interface StartCommand {
  /** `VAR=value` assignments written before the program, in order (the unit's Environment=). */
  environment: [string, string][];
  /** Options for node itself, before the program: `--enable-source-maps`, `-r dotenv/config`. */
  nodeOptions: string[];
  /**
   * What node runs: a file relative to the app directory as written (it may lie in
   * node_modules), or a command (`bin`) that some package.json "bin" provides.
   */
  program: { file: string } | { bin: string };
  /** Arguments after the program, as written (relative paths stay relative to the app directory). */
  args: string[];
}

/** The forms parseStartCommand accepts, for hints and init's notes. */
export function describeStartCommandForms(): string {
  return '`[VAR=value …] node [NODE_OPTIONS…] FILE [ARGS…]` or `[VAR=value …] BIN [ARGS…]` where BIN is the "bin" of a production dependency';
}

/** Node options that take their value as the next word (`-r dotenv/config`), from node(1). */
const NODE_OPTIONS_WITH_VALUE = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '-C',
  '--conditions',
  '--title',
  '--env-file',
  '--env-file-if-exists',
  '--input-type',
  '--inspect-port',
  '--debug-port',
  '--redirect-warnings',
  '--icu-data-dir',
  '--openssl-config',
  '--tls-cipher-list',
  '--cpu-prof-dir',
  '--cpu-prof-name',
  '--heap-prof-dir',
  '--heap-prof-name',
  '--diagnostic-dir',
  '--report-dir',
  '--report-directory',
  '--report-filename',
  '--secure-heap',
  '--secure-heap-min',
  '--stack-trace-limit',
  '--unhandled-rejections',
  '--dns-result-order',
  '--disable-warning',
  '--max-http-header-size',
]);

/** Node options that mean node does not run a file as a server. */
const NODE_OPTIONS_REFUSED: Record<string, string> = {
  '-e': 'evaluates a string instead of running a file',
  '--eval': 'evaluates a string instead of running a file',
  '-p': 'evaluates a string instead of running a file',
  '--print': 'evaluates a string instead of running a file',
  '-i': 'starts the REPL',
  '--interactive': 'starts the REPL',
  '-c': 'only checks the syntax',
  '--check': 'only checks the syntax',
  '--test': 'runs the test runner',
  '--watch': 'restarts on file changes, a development mode',
  '--watch-path': 'restarts on file changes, a development mode',
  '--run': 'runs a package.json script',
  '-v': 'prints the version',
  '--version': 'prints the version',
  '-h': 'prints help',
  '--help': 'prints help',
};

/** Programs that run another package.json script: the unit would need the package manager. */
const SCRIPT_RUNNERS = new Set(['npm', 'yarn', 'pnpm', 'bun', 'corepack']);
/** Shell builtins and wrappers that change how (or whether) the program runs. */
const SHELL_WORDS = new Set([
  'cd',
  'export',
  'source',
  '.',
  'sh',
  'bash',
  'zsh',
  'dash',
  'set',
  'unset',
  'if',
  'then',
  'for',
  'while',
  'test',
  '[',
  'eval',
  'sudo',
  'su',
  'nohup',
  'time',
  'cross-env-shell',
  'true',
  'false',
  'echo',
]);

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/;

/**
 * Parses one start command; `where` names its source for messages, e.g.
 * `/srv/app/package.json "scripts.start"` or `pkgapp.config.json "service.command"`.
 */
export function parseStartCommand(command: string, where: string): StartCommand {
  const refuse = (part: string, why: string, hint = defaultHint()): never => {
    throw new UserError(`${where}: cannot run ${JSON.stringify(command)} as a systemd service: ${part} ${why}`, {
      code: 'PKGAPP_START_COMMAND',
      hint,
    });
  };
  const words = splitWords(command, refuse);
  let i = 0;
  const environment: [string, string][] = [];
  const takeAssignments = () => {
    for (let w = words[i]; w !== undefined && w.assignment; w = words[++i]) {
      const eq = w.text.indexOf('=');
      environment.push([w.text.slice(0, eq), w.text.slice(eq + 1)]);
    }
  };
  takeAssignments();
  // Wrappers that only set variables (cross-env exists because Windows shells cannot).
  while (words[i] !== undefined && ['cross-env', 'env', 'exec'].includes(words[i]!.text) && !words[i]!.quoted) {
    const wrapper = words[i++]!.text;
    if (words[i]?.text.startsWith('-'))
      refuse(`"${wrapper} ${words[i]!.text}"`, `(an option of ${wrapper}) is not supported`);
    takeAssignments();
  }
  const programWord = words[i++];
  if (programWord === undefined)
    return refuse('it', environment.length ? 'sets variables but runs no program' : 'is empty');
  const program = programWord.text;
  const rest = () => words.slice(i).map((w) => w.text);

  if (program === 'node' || program === 'nodejs') {
    const nodeOptions: string[] = [];
    for (let w = words[i]; w !== undefined && w.text.startsWith('-'); w = words[++i]) {
      const option = w.text.replace(/=.*$/s, '');
      if (w.text === '--') {
        i++;
        break;
      }
      const refused =
        NODE_OPTIONS_REFUSED[option] ?? (option.startsWith('--watch') ? NODE_OPTIONS_REFUSED['--watch'] : undefined);
      if (refused !== undefined) refuse(`"node ${w.text}"`, `${refused}, not a service`);
      nodeOptions.push(w.text);
      if (NODE_OPTIONS_WITH_VALUE.has(w.text)) {
        const value = words[++i];
        if (value === undefined) refuse(`"node ${w.text}"`, 'lacks its value');
        nodeOptions.push(value!.text);
      }
    }
    const file = words[i++];
    if (file === undefined)
      return refuse(
        `"${words
          .slice(0, i)
          .map((w) => w.text)
          .join(' ')}"`,
        'names no file for node to run (node alone starts the REPL)',
      );
    const bin = binOfDotBin(file.text);
    return { environment, nodeOptions, program: bin !== undefined ? { bin } : { file: file.text }, args: rest() };
  }
  if (program === 'npx' && !programWord.quoted) {
    const bin = words[i++];
    if (bin === undefined || bin.text.startsWith('-'))
      return refuse(
        `"npx${bin ? ` ${bin.text}` : ''}"`,
        bin ? '(an option of npx) is not supported' : 'names no command',
      );
    checkBinName(bin.text, refuse);
    return { environment, nodeOptions: [], program: { bin: bin.text }, args: rest() };
  }
  if (SCRIPT_RUNNERS.has(program)) {
    const script = words[i]?.text === 'run' || words[i]?.text === 'run-script' ? words[i + 1]?.text : words[i]?.text;
    return refuse(
      `"${[program, ...rest()].join(' ')}"`,
      `runs ${script ? `the package.json script "${script}"` : 'a package manager'} through ${program}, which the service does not have`,
      `Put the command that script runs in "pkgapp": { "service": { "command": "…" } }: ${describeStartCommandForms()}`,
    );
  }
  if (SHELL_WORDS.has(program))
    refuse(`"${program}"`, 'is a shell command: the unit runs one program, without a shell');
  const dotBin = binOfDotBin(program);
  if (dotBin !== undefined) return { environment, nodeOptions: [], program: { bin: dotBin }, args: rest() };
  if (program.includes('/')) {
    refuse(`"${program}"`, 'runs a file directly', `Write "node ${program}" for a JavaScript file; ${defaultHint()}`);
  }
  checkBinName(program, refuse);
  return { environment, nodeOptions: [], program: { bin: program }, args: rest() };
}

function defaultHint(): string {
  return `Set "pkgapp": { "service": { "command": "…" } } to a command of the form ${describeStartCommandForms()}, or "service": { "entry": "server.js", "args": […] }; variables go in "pkgapp": { "env": { "NAME": { "default": "…" } } }`;
}

/** `node_modules/.bin/next` → "next": the bin link npm made, resolved like the bare command. */
function binOfDotBin(file: string): string | undefined {
  return /^(?:\.\/)?node_modules\/\.bin\/([^/]+)$/.exec(file)?.[1];
}

function checkBinName(name: string, refuse: (part: string, why: string) => never): void {
  if (!/^[A-Za-z0-9@][\w@.+-]*$/.test(name))
    refuse(`"${name}"`, 'is not a command name a package\'s "bin" can provide');
}

interface Word {
  /** The word after quote removal. */
  text: string;
  /** Any part was quoted or escaped (a quoted `node` is still node to sh, but not an assignment). */
  quoted: boolean;
  /** `NAME=value` with an unquoted NAME: an assignment when it comes before the program. */
  assignment: boolean;
}

/** What each unquoted operator means to sh, for the refusal. */
const OPERATORS: [string, string][] = [
  ['&&', 'runs a second command'],
  ['||', 'runs a second command'],
  [';;', 'is shell syntax'],
  [';', 'runs a second command'],
  ['|', 'pipes into a second command'],
  ['&', 'runs the program in the background'],
  ['>>', 'redirects output'],
  ['>', 'redirects output'],
  ['<', 'redirects input'],
  ['(', 'starts a subshell'],
  [')', 'ends a subshell'],
];

/** sh's word splitting and quote removal; every construct that expands or chains is refused. */
function splitWords(command: string, refuse: (part: string, why: string, hint?: string) => never): Word[] {
  const words: Word[] = [];
  let text = '';
  let quoted = false;
  let inWord = false;
  let unquotedPrefix = ''; // the word's leading unquoted characters, to tell assignments
  let prefixOpen = true;
  const finish = () => {
    if (inWord) words.push({ text, quoted, assignment: ASSIGNMENT.test(unquotedPrefix) });
    text = '';
    quoted = false;
    inWord = false;
    unquotedPrefix = '';
    prefixOpen = true;
  };
  const append = (chars: string, isQuoted: boolean) => {
    text += chars;
    inWord = true;
    if (isQuoted) {
      quoted = true;
      prefixOpen = false;
    } else if (prefixOpen) {
      unquotedPrefix += chars;
    }
  };
  const expansion = (at: number) => {
    const m = /^\$(\{[^}]*\}?|\(\(?|[A-Za-z_][A-Za-z0-9_]*|.)?/.exec(command.slice(at))![0];
    const kind = m.startsWith('$(')
      ? 'is command substitution'
      : 'is variable expansion, which systemd does not do as sh does';
    refuse(
      `"${m}"`,
      kind,
      `Let the app read process.env and declare the variable in "pkgapp": { "env": { … } } (a default becomes Environment=), then drop it from the command; or ${defaultHint()}`,
    );
  };
  for (let at = 0; at < command.length; at++) {
    const c = command[at]!;
    if (c === ' ' || c === '\t') {
      finish();
      continue;
    }
    if (c === '\n' || c === '\r') refuse('a line break', 'separates two commands');
    const operator = OPERATORS.find(([op]) => command.startsWith(op, at));
    if (operator) refuse(`"${operator[0]}"`, operator[1]);
    if (c === '$') expansion(at);
    if (c === '`') refuse('"`…`"', 'is command substitution');
    if (c === '\\') {
      if (at + 1 >= command.length) refuse('a trailing "\\"', 'continues nothing');
      append(command[++at]!, true);
      continue;
    }
    if (c === "'") {
      const end = command.indexOf("'", at + 1);
      if (end === -1) refuse('a "\'"', 'is never closed');
      append(command.slice(at + 1, end), true);
      at = end;
      continue;
    }
    if (c === '"') {
      let value = '';
      for (at++; at < command.length && command[at] !== '"'; at++) {
        const d = command[at]!;
        if (d === '$') expansion(at);
        if (d === '`') refuse('"`…`"', 'is command substitution');
        if (d === '\\' && at + 1 < command.length && '$`"\\\n'.includes(command[at + 1]!)) value += command[++at]!;
        else value += d;
      }
      if (at >= command.length) refuse("a '\"'", 'is never closed');
      append(value, true);
      continue;
    }
    if (!inWord && c === '#') refuse('"#"', 'starts a comment');
    if (!inWord && c === '~') refuse('"~"', 'expands to a home directory');
    if (c === '*' || c === '?' || c === '[') refuse(`"${c}"`, 'is a file name pattern (glob)');
    append(c, false);
  }
  finish();
  return words;
}
