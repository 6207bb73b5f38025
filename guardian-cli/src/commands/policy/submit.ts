import { readFile } from 'node:fs/promises';
import { CoordinatorClient, type PolicySubmitResult } from '@frostmint/client';
import { type ConventionOptions, renderResult, withConvention } from '@frostmint/client/cli-kit';
import type { Command } from 'commander';
import type { CliIo } from '../../io.ts';

interface SubmitOptions extends ConventionOptions {
  bundle: string;
}

/**
 * Registers `policy submit`: `PUT /v1/policy` on the coordinator, which rolls the bundle out
 * to every signer and switches once a signing quorum enforces it.
 *
 * @example
 * ```ts
 * registerPolicySubmit(policy, io);
 * ```
 */
export function registerPolicySubmit(policy: Command, io: CliIo): void {
  withConvention(policy.command('submit'), { coordinator: 'required', format: {} })
    .description(
      'submit an approved bundle to the coordinator; it and every signer verify the ' +
        'approvals, install it without a restart, and keep the old policy when it is refused',
    )
    .requiredOption('--bundle <path>', 'bundle file carrying enough guardian approvals')
    .action(async (options: SubmitOptions) => {
      const result = await submitPolicy(options);
      const text = [
        `${result.changed ? 'Installed' : 'Already in force'}: ${result.policy}`,
        ...result.signers.map(
          (s) => `  signer ${s.id}: ${s.error ? `NOT installed (${s.error})` : s.policy}`,
        ),
      ].join('\n');
      io.stdout(
        renderResult(
          {
            text,
            json: result,
            env: { FROSTMINT_POLICY: result.policy, FROSTMINT_POLICY_CHANGED: result.changed },
          },
          options.format!,
        ),
      );
    });
}

/**
 * Sends the bundle; a refusal keeps the coordinator's error code (e.g.
 * `policy_bundle_rejected`, `policy_rollout_incomplete`).
 *
 * @example
 * ```ts
 * const { policy } = await submitPolicy({ bundle: 'policy-bundle.json', coordinator: url });
 * ```
 */
export async function submitPolicy(options: SubmitOptions): Promise<PolicySubmitResult> {
  const bundle = await readFile(options.bundle);
  return new CoordinatorClient({ baseUrl: options.coordinator! }).submitPolicy(bundle);
}
