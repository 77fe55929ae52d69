// The first line of an executable script, rewritten to name an interpreter that exists on the
// server: `#!/usr/bin/env node` (with or without a space after #!, with `-S` and flags) points
// at the Node.js runtime the package uses; `env bash` / `env sh` become /bin/bash and /bin/sh
// (the paths lintian expects on Debian; on Fedora /bin is /usr/bin); any other `env foo`
// becomes /usr/bin/foo, as Fedora's brp-mangle-shebangs (redhat-rpm-config) does, and is
// reported, since the server must have it (python3, perl...): the caller adds a dependency or
// drops the executable bit. rpmlint reports env-script-interpreter for every /usr/bin/env line.
//
// How the kernel reads the line (fs/binfmt_script.c): after "#!", blanks (space, tab) are
// skipped, the interpreter runs up to the next blank, and everything after it, trimmed, is ONE
// argument. So `#!/usr/bin/env -S node --a --b` needs env to split "--a --b": rewritten to a
// direct `#!/opt/node --a --b`, node would get "--a --b" as one argument. That form keeps env,
// with the absolute interpreter (`#!/usr/bin/env -S /usr/bin/node --a --b`), and says so.
import path from 'node:path';

export interface ShebangRewrite {
  /** The first line to write: the input unchanged, or rewritten with the input's line ending. */
  line: string;
  changed: boolean;
  /** What the line runs: node (the package's runtime), sh/bash (always present), another program. */
  role: 'none' | 'node' | 'essential' | 'other';
  /** The interpreter's absolute path after the rewrite. */
  interpreter?: string;
  /** For role "other": the program the server must have (python3, perl...). */
  needs?: string;
  /** Why a line starting with #! was left alone, or what the rewrite could not fix. */
  note?: string;
}

const ESSENTIAL: Readonly<Record<string, string>> = { sh: '/bin/sh', bash: '/bin/bash' };
const NODE_NAMES = new Set(['node', 'nodejs']);
const BLANKS = /[ \t]+/;

/**
 * Rewrites `firstLine` (with or without its line ending) for a package whose Node.js runtime is
 * `nodePath` (/usr/bin/node for the system's, /opt/NAME/node/bin/node when bundled).
 */
export function rewriteShebang(firstLine: string, nodePath: string): ShebangRewrite {
  const ending = /\r?\n$/.exec(firstLine)?.[0] ?? '';
  let content = firstLine.slice(0, firstLine.length - ending.length);
  if (!content.startsWith('#!')) return { line: firstLine, changed: false, role: 'none' };
  // A DOS line ending makes the kernel look for "node\r"; the rewritten line drops the \r.
  const hadCR = content.endsWith('\r') || ending === '\r\n';
  content = content.replace(/\r$/, '');
  const eol = ending === '' ? '' : '\n';
  const tokens = content.slice(2).trim().split(BLANKS).filter(Boolean);
  const unchanged = (
    role: ShebangRewrite['role'],
    note?: string,
    extra: Partial<ShebangRewrite> = {},
  ): ShebangRewrite => ({ line: firstLine, changed: false, role, ...(note ? { note } : {}), ...extra });
  if (tokens.length === 0) return unchanged('none', 'empty #! line');
  const [program, ...args] = tokens as [string, ...string[]];
  if (!program.startsWith('/'))
    return unchanged('other', `interpreter "${program}" is not an absolute path`, { needs: program });

  let command: string;
  let commandArgs: string[];
  let split = false;
  const viaEnv = path.posix.basename(program) === 'env';
  if (viaEnv) {
    let i = 0;
    for (; i < args.length && args[i]!.startsWith('-'); i++) {
      const option = args[i]!;
      if (option === '-S' || option === '--split-string') split = true;
      else if (option.startsWith('-S')) {
        // "-Snode": the command is glued to the option.
        split = true;
        args[i] = option.slice(2);
        break;
      }
    }
    const rest = args.slice(i);
    if (rest.length === 0) return unchanged('none', 'env without a command');
    if (rest[0]!.includes('=')) return unchanged('other', `env sets variables (${rest[0]}): left as written`);
    command = rest[0]!;
    commandArgs = rest.slice(1);
  } else {
    command = program;
    commandArgs = args;
  }

  const name = path.posix.basename(command);
  let interpreter: string;
  let role: ShebangRewrite['role'];
  if (NODE_NAMES.has(name)) {
    interpreter = nodePath;
    role = 'node';
  } else if (ESSENTIAL[name] && (command === name || command === ESSENTIAL[name] || command === `/usr/bin/${name}`)) {
    // Only the names env would look up, and the paths already right, become /bin/sh and /bin/bash:
    // an explicit #!/usr/local/bin/bash is some other bash.
    interpreter = command === `/usr/bin/${name}` ? command : ESSENTIAL[name];
    role = 'essential';
  } else {
    // brp-mangle-shebangs: env foo -> /usr/bin/foo; env /abs/foo -> /abs/foo; /bin/foo -> /usr/bin/foo.
    // /usr/local/bin is the administrator's, never a package's: /usr/local/bin/foo -> /usr/bin/foo.
    interpreter = command.startsWith('/')
      ? command.replace(/^\/(bin|usr\/local\/bin)\//, '/usr/bin/')
      : `/usr/bin/${command}`;
    role = 'other';
  }
  const extra = role === 'other' ? { needs: name } : {};
  const keepSplit = split && commandArgs.length > 1;
  const rewritten = keepSplit
    ? `#!${program} -S ${[interpreter, ...commandArgs].join(' ')}`
    : `#!${[interpreter, ...commandArgs].join(' ')}`;
  const notes = [
    keepSplit ? 'several arguments need env -S to split them: kept env with the absolute interpreter' : '',
    hadCR ? 'dropped the carriage return the kernel would pass to the interpreter' : '',
  ].filter(Boolean);
  const note = notes.length ? notes.join('; ') : undefined;
  const line = rewritten + eol;
  // A direct interpreter that is already right stays byte for byte (blanks included).
  if (!viaEnv && interpreter === program && !hadCR) return unchanged(role, note, { interpreter, ...extra });
  if (line === firstLine) return unchanged(role, note, { interpreter, ...extra });
  return { line, changed: true, role, interpreter, ...extra, ...(note ? { note } : {}) };
}
