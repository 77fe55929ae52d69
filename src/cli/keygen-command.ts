// `pkgapp keygen`: flags → keygen(); prints where the key pair went and what to do with it.
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import type { Io } from './io.js';

interface KeygenFlags {
  name: string;
  email: string;
  out: string;
  type: string;
  expires: string;
  json?: boolean;
}

/** Declares the keygen command on `program`. */
export function addKeygenCommand(program: Command, io: Io): void {
  program
    .command('keygen')
    .description('create an OpenPGP signing key pair (v4) for packages and repositories')
    .requiredOption('--name <name>', 'name in the key\'s user ID, e.g. "Acme Releases"')
    .requiredOption('--email <email>', "email in the key's user ID")
    .option('--out <base>', 'writes BASE.key (secret, mode 0600) and BASE.asc (public)', 'pkgapp-signing')
    .option('--type <type>', 'rsa (4096 bits) or ed25519', 'rsa')
    .option('--expires <days>', 'lifetime in days, 0 for none', '0')
    .option('--json', 'print one JSON document on stdout')
    .action(async (flags: KeygenFlags) => {
      if (flags.type !== 'rsa' && flags.type !== 'ed25519') {
        throw new UserError(`--type "${flags.type}" is not supported`, {
          code: 'PKGAPP_KEY_TYPE',
          hint: 'Use rsa or ed25519 (both work with rpm, apt, dnf and debsig-verify)',
        });
      }
      const days = Number(flags.expires);
      if (!Number.isInteger(days) || days < 0)
        throw new UserError(`--expires "${flags.expires}" is not a number of days`, {
          code: 'PKGAPP_KEY_EXPIRES',
          hint: 'Give the lifetime in whole days, e.g. --expires 730, or 0 for a key that does not expire',
        });
      const passphrase = io.env['PKGAPP_SIGN_PASSPHRASE'];
      const { keygen } = await import('../sign/keygen.js');
      const result = await keygen({
        name: flags.name,
        email: flags.email,
        out: flags.out,
        type: flags.type,
        expiresInDays: days,
        ...(passphrase ? { passphrase } : {}),
      });
      if (flags.json) {
        io.stdout(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      io.stderr(`secret key: ${result.secretKeyFile} (keep it secret: CI secret PKGAPP_SIGN_KEY, or --sign-key)\n`);
      io.stderr(
        `public key: ${result.publicKeyFile} (give it to servers; pkgapp publish exports it into the repository)\n`,
      );
      io.stderr(`fingerprint: ${result.fingerprint}\n`);
    });
}
