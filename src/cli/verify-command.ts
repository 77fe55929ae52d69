// `pkgapp verify FILE --key PUB`: exit 0 when the signatures hold, 1 when they do not.
import type { Command } from 'commander';
import { EXIT_FAILURE, UserError } from '../errors.js';
import type { Io } from './io.js';

/** Declares the verify command on `program`. */
export function addVerifyCommand(program: Command, io: Io): void {
  program
    .command('verify')
    .description('check the OpenPGP signatures of a .deb or .rpm against a public key')
    .argument('<file>', 'the package')
    .requiredOption('--key <file>', 'public key(s), armored or binary')
    .option('--json', 'print one JSON document on stdout')
    .action(async (file: string, flags: { key: string; json?: boolean }) => {
      const { verify } = await import('../verify/verify-package.js');
      const result = await verify(file, flags.key);
      if (flags.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      else {
        for (const s of result.signatures)
          io.stderr(
            `${s.valid ? 'OK ' : 'BAD'} ${s.covers} signature by ${s.keyId}${s.signer ? ` (${s.signer})` : ''}${s.reason ? `: ${s.reason}` : ''}\n`,
          );
        for (const d of result.digests) io.stderr(`${d.valid ? 'OK ' : 'BAD'} ${d.covers}\n`);
      }
      if (!result.valid) {
        throw new UserError(`${file}: ${result.problem}`, {
          code: 'PKGAPP_VERIFY_FAILED',
          exitCode: EXIT_FAILURE,
          hint: result.signatures.length
            ? 'Do not install it; rebuild or re-download the package'
            : 'Sign packages with pkgapp build --sign-key',
        });
      }
      if (!flags.json)
        io.stderr(
          `${file}: signatures OK, signed by ${result.signatures[0]!.keyId}${result.signatures[0]!.signer ? ` (${result.signatures[0]!.signer})` : ''}\n`,
        );
    });
}
