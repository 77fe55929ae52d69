// The CLI: parses flags with commander, runs one command, maps every error to an exit code.
// Errors: `pkgapp: error: MESSAGE`, `  hint: WHAT TO DO`, `  code: PKGAPP_… (docs/errors.md)`
// on stderr; with --json also {"error": {...}} on stdout unless the command already printed its
// document. Unexpected failures: a short report with the versions, exit 1 (docs/errors.md).
import { Command, CommanderError } from 'commander';
import { catalogueEntry } from '../error-catalogue.js';
import { EXIT_FAILURE, EXIT_USAGE, isUserError } from '../errors.js';
import { addBuildCommand } from './build-command.js';
import { addCheckRepoCommand } from './check-repo-command.js';
import { addInitCommand } from './init-command.js';
import { addInspectCommand } from './inspect-command.js';
import { addKeygenCommand } from './keygen-command.js';
import { addPublishCommands } from './publish-command.js';
import { addVerifyCommand } from './verify-command.js';
import { errorMessage, processIo, unexpectedReport, versions, type Io } from './io.js';
import { pkgappVersion } from '../util/pkgapp-version.js';

/** What the error report needs to know about the run. */
export interface ReportContext {
  /** --json was given: stdout must stay one JSON document. */
  json?: boolean;
  /** Something was written to stdout already (the command's document). */
  wroteStdout?: boolean;
  /** The command whose parsing failed, for the usage hint. */
  failing?: Command | undefined;
  argv?: readonly string[];
}

/** Runs pkgapp with `argv` (without node and script) and returns the exit code; never exits. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const state: ReportContext = { json: jsonRequested(argv), wroteStdout: false, failing: undefined, argv };
  const out: Io = {
    ...io,
    stdout: (text) => {
      state.wroteStdout = true;
      io.stdout(text);
    },
  };
  // commander's own error lines are replaced by pkgapp's (reportError), so they name a code.
  const output = { writeOut: out.stdout, writeErr: out.stderr, outputError: () => {} };
  const program = new Command('pkgapp')
    .description('Turn a Node.js application into signed .deb and .rpm packages')
    .version(pkgappVersion(), '-V, --version')
    .enablePositionalOptions()
    .configureOutput(output);
  addBuildCommand(program, out);
  addKeygenCommand(program, out);
  addPublishCommands(program, out);
  addVerifyCommand(program, out);
  addCheckRepoCommand(program, out);
  addInspectCommand(program, out);
  addInitCommand(program, out);
  for (const command of [program, ...program.commands]) {
    command.configureOutput(output).exitOverride((error) => {
      state.failing = command;
      throw error;
    });
  }
  program.hook('preAction', (_program, action) => {
    state.json = action.opts()['json'] === true;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    return reportError(error, io, { ...state, failing: state.failing ?? program });
  }
}

/** One failure as the user sees it. */
interface Failure {
  code: string;
  exitCode: number;
  message: string;
  hint: string | undefined;
}

/** Prints `error` as the CLI does (stderr, and stdout in JSON mode) and returns the exit code. */
export function reportError(error: unknown, io: Io, state: ReportContext = {}): number {
  if (error instanceof CommanderError && error.exitCode === 0) return 0; // --help, --version
  const failure =
    error instanceof CommanderError
      ? usageFailure(error, state.failing, state.argv ?? [])
      : isUserError(error)
        ? userFailure(error)
        : undefined;
  if (!failure) {
    writeSafely(io.stderr, unexpectedReport(error, Boolean(io.env['PKGAPP_DEBUG'])));
    if (state.json && !state.wroteStdout) {
      writeSafely(
        io.stdout,
        jsonDocument(
          {
            code: 'PKGAPP_UNEXPECTED',
            exitCode: EXIT_FAILURE,
            message: errorMessage(error),
            hint: catalogueEntry('PKGAPP_UNEXPECTED')?.fix,
          },
          { versions: versions() },
        ),
      );
    }
    return EXIT_FAILURE;
  }
  const lines = [`pkgapp: error: ${failure.message}`];
  if (failure.hint) lines.push(`  hint: ${failure.hint}`);
  lines.push(`  code: ${failure.code} (docs/errors.md)`);
  writeSafely(io.stderr, `${lines.join('\n')}\n`);
  if (state.json && !state.wroteStdout) writeSafely(io.stdout, jsonDocument(failure));
  return failure.exitCode;
}

/** A UserError; its own hint, else the catalogue's advice for its code. */
function userFailure(error: { code: string; exitCode: number; message: string; hint: string | undefined }): Failure {
  return {
    code: error.code,
    exitCode: error.exitCode,
    message: error.message,
    hint: error.hint ?? catalogueEntry(error.code)?.fix,
  };
}

/** commander's error codes → pkgapp's (every one in src/error-catalogue.ts). */
const USAGE_CODES: Record<string, string> = {
  'commander.help': 'PKGAPP_USAGE_NO_COMMAND', // no command: commander printed the help, with exit code 1
  'commander.unknownCommand': 'PKGAPP_USAGE_UNKNOWN_COMMAND',
  'commander.unknownOption': 'PKGAPP_USAGE_UNKNOWN_OPTION',
  'commander.optionMissingArgument': 'PKGAPP_USAGE_OPTION_ARGUMENT',
  'commander.invalidArgument': 'PKGAPP_USAGE_OPTION_ARGUMENT',
  'commander.missingMandatoryOptionValue': 'PKGAPP_USAGE_REQUIRED_OPTION',
  'commander.missingArgument': 'PKGAPP_USAGE_MISSING_ARGUMENT',
  'commander.excessArguments': 'PKGAPP_USAGE_EXCESS_ARGUMENTS',
};

/** A parse error: commander's message (without its "error: "), a hint naming the command's --help. */
function usageFailure(error: CommanderError, command: Command | undefined, argv: readonly string[]): Failure {
  const code = USAGE_CODES[error.code] ?? 'PKGAPP_USAGE_OPTION_ARGUMENT';
  const name = command?.parent ? `pkgapp ${command.name()}` : 'pkgapp';
  if (code === 'PKGAPP_USAGE_NO_COMMAND') {
    // commander printed the help: for no command at all, or for `pkgapp help NOT-A-COMMAND`.
    if (argv[0] === 'help' && argv[1] !== undefined)
      return {
        code: 'PKGAPP_USAGE_UNKNOWN_COMMAND',
        exitCode: EXIT_USAGE,
        message: `unknown command '${argv[1]}'`,
        hint: 'The commands are listed above',
      };
    return {
      code,
      exitCode: EXIT_USAGE,
      message: 'no command given',
      hint: 'Give a command, e.g. `pkgapp build`; the commands are listed above',
    };
  }
  const message = error.message
    .replace(/^error: /, '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
  const takesDir = command?.options.some((o) => o.long === '--dir') ?? false;
  const hint =
    code === 'PKGAPP_USAGE_UNKNOWN_COMMAND'
      ? '`pkgapp --help` lists the commands'
      : code === 'PKGAPP_USAGE_UNKNOWN_OPTION'
        ? `\`${name} --help\` lists its options`
        : code === 'PKGAPP_USAGE_EXCESS_ARGUMENTS' && takesDir
          ? `The app directory is given with -C DIR; \`${name} --help\` shows the usage`
          : `\`${name} --help\` shows its usage`;
  return { code, exitCode: EXIT_USAGE, message, hint };
}

/** --json anywhere before "--": parse errors happen before commander knows the options. */
function jsonRequested(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

function jsonDocument(failure: Failure, extra: Record<string, unknown> = {}): string {
  const { code, exitCode, message, hint } = failure;
  return `${JSON.stringify({ error: { code, exitCode, message, ...(hint ? { hint } : {}), ...extra } }, null, 2)}\n`;
}

/** A report must not turn into a second failure (stdout may be the broken stream). */
function writeSafely(write: (text: string) => void, text: string): void {
  try {
    write(text);
  } catch {
    // nothing better to do: the exit code still says it failed
  }
}
