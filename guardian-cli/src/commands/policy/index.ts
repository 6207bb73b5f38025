import type { Command } from 'commander';
import type { CliIo } from '../../io.ts';
import { registerPolicyApprove } from './approve.ts';
import { registerPolicyPack } from './pack.ts';
import { registerPolicySubmit } from './submit.ts';

/**
 * Registers `policy pack|approve|submit` on `program`.
 *
 * @example
 * ```ts
 * registerPolicy(program, io);
 * ```
 */
export function registerPolicy(program: Command, io: CliIo): void {
  const policy = program
    .command('policy')
    .description(
      'policy bundle updates: pack a compiled policy and its data, approve it as a guardian, ' +
        'submit it to the coordinator (every signer verifies the approvals itself)',
    );
  registerPolicyPack(policy, io);
  registerPolicyApprove(policy, io);
  registerPolicySubmit(policy, io);
}
