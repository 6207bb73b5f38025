import { createRequire } from 'node:module';
import { applyConvention } from '@frostmint/client/cli-kit';
import { Command } from 'commander';
import { registerAnswer } from './commands/approve.ts';
import { registerCeremony } from './commands/ceremony/index.ts';
import { registerEnroll } from './commands/enroll.ts';
import { registerPolicy } from './commands/policy/index.ts';
import { registerStatus } from './commands/status.ts';
import { registerTokenInit } from './commands/token-init.ts';
import { registerWebAuthnBind } from './commands/webauthn-bind.ts';
import type { CliIo } from './io.ts';

/** The binary's name, as errors and warnings start. */
export const BIN = 'frostmint-guardian';

/** The `@frostmint/guardian-cli` package version (`--version`). */
export const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version;

/**
 * The `frostmint-guardian` command tree, with the CLI convention applied (docs/cli.md):
 * errors are thrown, not `process.exit`, so `run` maps them to exit codes.
 *
 * @example
 * ```ts
 * await buildProgram(io).parseAsync(['enroll', '--help'], { from: 'user' });
 * ```
 */
export function buildProgram(io: CliIo): Command {
  const program = new Command(BIN).description(
    'frostmint guardian tool: set up PKCS#11 tokens (YubiKey PIV, HSM, SoftHSM2), enroll ' +
      'guardian keys, approve and run key ceremonies, approve or deny pending mint requests, approve policy bundles, check the group. PINs come from ' +
      '--pin-file, --pin-env or a hidden prompt, never the command line.',
  );
  registerTokenInit(program, io);
  registerEnroll(program, io);
  registerCeremony(program, io);
  registerPolicy(program, io);
  registerStatus(program, io);
  registerAnswer(program, io);
  registerWebAuthnBind(program, io);
  return applyConvention(program, { bin: BIN, version: VERSION, io });
}
