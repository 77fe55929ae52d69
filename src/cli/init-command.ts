// `pkgapp init`: writes a starter pkgapp.config.json and says what to check in it.
import type { Command } from 'commander';
import type { Io } from './io.js';

/** Declares the init command on `program`. */
export function addInitCommand(program: Command, io: Io): void {
  program
    .command('init')
    .description('write a starter pkgapp.config.json for the app (never overwrites)')
    .option('-C, --dir <dir>', 'the app directory', '.')
    .option('--json', 'print one JSON document on stdout')
    .action(async (flags: { dir: string; json?: boolean }) => {
      const { initConfig } = await import('../init/init-config.js');
      const result = await initConfig(flags.dir);
      if (flags.json) {
        io.stdout(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      io.stderr(`wrote ${result.file}\n`);
      for (const note of result.notes) io.stderr(`  - ${note}\n`);
      io.stderr('Then: pkgapp build -t deb -t rpm\n');
    });
}
