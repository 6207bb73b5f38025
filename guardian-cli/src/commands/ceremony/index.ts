import type { Command } from 'commander';
import type { CliIo } from '../../io.ts';
import { registerApprove } from './approve.ts';
import { registerPlan } from './plan.ts';
import { registerRun } from './run.ts';

/**
 * Registers `ceremony plan|approve|dkg|refresh|replace-signer` on `program`.
 *
 * @example
 * ```ts
 * registerCeremony(program, io);
 * ```
 */
export function registerCeremony(program: Command, io: CliIo): void {
  const ceremony = program
    .command('ceremony')
    .description(
      'key ceremonies: plan a transcript, approve it as a guardian, run it (dkg, refresh, replace-signer)',
    );
  registerPlan(ceremony, io);
  registerApprove(ceremony, io);
  registerRun(ceremony, io);
}
