// The CLI: parses flags with commander, runs one command, maps every error to an exit code.
import { Command, CommanderError } from 'commander';
import { EXIT_FAILURE, EXIT_USAGE, isUserError } from '../errors.js';
import { addBuildCommand } from './build-command.js';
import { addInitCommand } from './init-command.js';
import { addInspectCommand } from './inspect-command.js';
import { addKeygenCommand } from './keygen-command.js';
import { addPublishCommands } from './publish-command.js';
import { addVerifyCommand } from './verify-command.js';
import { processIo, type Io } from './io.js';
import { pkgappVersion } from '../util/pkgapp-version.js';


/** Runs pkgapp with `argv` (without node and script) and returns the exit code; never exits. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const program = new Command('pkgapp')
    .description('Turn a Node.js application into signed .deb and .rpm packages')
    .version(pkgappVersion(), '-V, --version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  addBuildCommand(program, io);
  addKeygenCommand(program, io);
  addPublishCommands(program, io);
  addVerifyCommand(program, io);
  addInspectCommand(program, io);
  addInitCommand(program, io);
  program.commands.forEach((c) => c.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr }));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: Io): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
    return EXIT_USAGE; // commander already printed what was wrong
  }
  if (isUserError(error)) {
    io.stderr(`pkgapp: error: ${error.message}\n`);
    if (error.hint) io.stderr(`  hint: ${error.hint}\n`);
    return error.exitCode;
  }
  const e = error as Error;
  io.stderr(`pkgapp: unexpected failure: ${e?.stack ?? String(error)}\n`);
  io.stderr(`  pkgapp ${pkgappVersion()}, node ${process.version}, ${process.platform}-${process.arch}\n  Please report this with the command you ran.\n`);
  return EXIT_FAILURE;
}
