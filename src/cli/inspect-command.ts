// `pkgapp inspect FILE [--json] [--key PUB]`: what a .deb or .rpm holds, on stdout (the command's
// product); with --key, exit 1 when the signatures do not hold, as with `pkgapp verify`.
import type { Command } from 'commander';
import { EXIT_FAILURE, UserError } from '../errors.js';
import type { InspectOptions } from '../inspect/inspect-package.js';
import type { Io } from './io.js';

/** Declares the inspect command on `program`. */
export function addInspectCommand(program: Command, io: Io): void {
  program
    .command('inspect')
    .description('show the metadata, dependencies, scripts, conffiles, files and signatures of a .deb or .rpm')
    .argument('<file>', 'the package')
    .option('--key <file>', 'also verify the signatures with this public key (armored or binary)')
    .option('--json', 'print one JSON document on stdout')
    .action(async (file: string, flags: { key?: string; json?: boolean }) => {
      const options: InspectOptions = flags.key === undefined ? {} : { key: flags.key };
      const [{ inspect }, { renderInspection }] = await Promise.all([
        import('../inspect/inspect-package.js'),
        import('../inspect/render-inspection.js'),
      ]);
      const inspection = await inspect(file, options);
      io.stdout(flags.json ? `${JSON.stringify(inspection, null, 2)}\n` : await renderInspection(inspection));
      const verification = inspection.signature.verification;
      if (verification && !verification.valid) {
        throw new UserError(`${file}: ${verification.problem}`, {
          code: 'PKGAPP_VERIFY_FAILED',
          exitCode: EXIT_FAILURE,
          hint: verification.signatures.length
            ? 'Do not install it; rebuild or re-download the package'
            : 'Sign packages with pkgapp build --sign-key',
        });
      }
    });
}
