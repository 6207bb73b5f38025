import { FrostmintError } from '@frostmint/core';
import { Command } from 'commander';
import { attestCommand } from './commands/attest.ts';
import { devCommand } from './commands/dev.ts';
import { enrollCommand } from './commands/enroll.ts';
import { mintCommand } from './commands/mint.ts';
import { mintCiCommand } from './commands/mint-ci.ts';
import { renewCommand } from './commands/renew.ts';

const program = new Command('frostmint')
  .description('frostmint: short-lived, scoped EdDSA tokens signed by a 2-of-3 FROST quorum')
  .showHelpAfterError()
  .addCommand(mintCommand())
  .addCommand(enrollCommand())
  .addCommand(renewCommand())
  .addCommand(devCommand())
  .addCommand(attestCommand())
  .addCommand(mintCiCommand());

program.parseAsync(process.argv).catch((err: unknown) => {
  const message =
    err instanceof FrostmintError ? `${err.code}: ${err.message}` : (err as Error).message;
  process.stderr.write(`frostmint: ${message}\n`);
  process.exit(1);
});
