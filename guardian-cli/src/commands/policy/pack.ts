import { readFile } from 'node:fs/promises';
import { type ConventionOptions, renderResult, withConvention } from '@frostmint/client/cli-kit';
import {
  encodePolicyBundle,
  InvalidRequestError,
  parsePolicyData,
  policyId,
  writeFileAtomic,
} from '@frostmint/core';
import type { Command } from 'commander';
import type { CliIo } from '../../io.ts';

interface PackOptions extends ConventionOptions {
  wasm: string;
  data: string;
  out: string;
}

/**
 * Registers `policy pack`: compiled wasm + data file → an unapproved bundle file.
 *
 * @example
 * ```ts
 * registerPolicyPack(policy, io);
 * ```
 */
export function registerPolicyPack(policy: Command, io: CliIo): void {
  withConvention(policy.command('pack'), { format: {} })
    .description('pack a compiled policy (npm run policy:build) and its data into a bundle file')
    .requiredOption('--wasm <path>', 'compiled policy, e.g. policy/build/policy.wasm')
    .requiredOption('--data <path>', 'policy data, e.g. policy/data.json')
    .requiredOption('--out <path>', 'where to write the bundle')
    .action(async (options: PackOptions) => {
      const [wasm, text] = await Promise.all([
        readFile(options.wasm),
        readFile(options.data, 'utf8'),
      ]);
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch (cause) {
        throw new InvalidRequestError('policy_bundle_invalid', `${options.data} is not JSON`, {
          cause,
        });
      }
      const id = policyId(wasm, parsePolicyData(data));
      await writeFileAtomic(options.out, encodePolicyBundle({ wasm, data, approvals: [] }), 0o644);
      io.stdout(
        renderResult(
          { text: id, json: { policy: id, bundle: options.out }, env: { FROSTMINT_POLICY: id } },
          options.format!,
        ),
      );
      io.stderr(
        `Bundle written to ${options.out}: guardians approve it with \`policy approve\`.\n`,
      );
    });
}
