import { readFile } from 'node:fs/promises';
import { errorFromAnswer, UnavailableError } from '@frostmint/core';
import type { Command } from 'commander';
import type { CliIo } from '../../io.ts';

interface SubmitOptions {
  bundle: string;
  coordinator: string;
  json?: boolean;
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
  policy
    .command('submit')
    .description(
      'submit an approved bundle to the coordinator; it and every signer verify the ' +
        'approvals, install it without a restart, and keep the old policy when it is refused',
    )
    .requiredOption('--bundle <path>', 'bundle file carrying enough guardian approvals')
    .requiredOption('--coordinator <url>', 'coordinator base URL, e.g. https://frostmint.example')
    .option('--json', 'print the coordinator answer as JSON')
    .action(async (options: SubmitOptions) => {
      const result = await submitPolicy(options);
      if (options.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      else {
        io.stdout(`${result.changed ? 'Installed' : 'Already in force'}: ${result.policy}\n`);
        for (const s of result.signers)
          io.stdout(`  signer ${s.id}: ${s.error ? `NOT installed (${s.error})` : s.policy}\n`);
      }
    });
}

interface SubmitResult {
  policy: string;
  previous: string;
  changed: boolean;
  signers: { id: number; policy?: string; error?: string }[];
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
export async function submitPolicy(options: SubmitOptions): Promise<SubmitResult> {
  const body = await readFile(options.bundle);
  let res: Response;
  try {
    res = await fetch(new URL('/v1/policy', options.coordinator), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body,
    });
  } catch (cause) {
    throw new UnavailableError(
      'coordinator_unreachable',
      `cannot reach the coordinator at ${options.coordinator}`,
      { cause },
    );
  }
  const answer = (await res.json()) as SubmitResult & { error?: string; message?: string };
  if (!res.ok) {
    throw errorFromAnswer(res.status, answer);
  }
  return answer;
}
