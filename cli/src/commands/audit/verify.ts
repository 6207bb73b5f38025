import { readFile } from 'node:fs/promises';
import {
  type ConventionOptions,
  renderResult,
  usageError,
  withConvention,
} from '@frostmint/client/cli-kit';
import { encodeBase64, verifyReceipt } from '@frostmint/core';
import { Command } from 'commander';
import { count, groupKeysFromJwks, witnessVerifiers } from './keys.ts';
import { originOption } from './options.ts';

interface VerifyOptions extends ConventionOptions {
  receipt: string;
  token?: string;
  jwks: string;
  origin: string;
  witness: string[];
  minWitnesses?: number;
}

/**
 * `frostmint audit verify`: checks a receipt offline — the checkpoint's quorum signature
 * under a group key of the JWKS (file or URL), the required witness cosignatures, the
 * inclusion proof of the entry, and with `--token` that the entry records that token.
 * Exits 0 when it verifies, 3 (refused) with the failed check's code otherwise.
 *
 * @example
 * ```sh
 * frostmint audit verify --receipt receipt.json --token token.jwt --jwks jwks.json \
 *   --witness 'witness.example/w1+1a2b3c4d+BN…' --min-witnesses 1
 * ```
 */
export function verifyCommand(): Command {
  return withConvention(new Command('verify'), { format: { formats: ['text', 'json'] } })
    .description('Verify a receipt offline: quorum signature, witnesses, inclusion proof, token')
    .requiredOption('--receipt <file>', 'the receipt JSON (GET /v1/audit/receipts/{jti})')
    .option('--token <file>', 'the token (compact JWS) the receipt is for')
    .requiredOption('--jwks <file|url>', "the group's JWKS (every Ed25519 key is accepted)")
    .addOption(originOption())
    .option(
      '--witness <vkey>',
      'a trusted witness verifier key, name+id+base64 (repeatable)',
      (value: string, all: string[]) => [...all, value],
      [] as string[],
    )
    .option('--min-witnesses <n>', 'witness cosignatures required (default: all given)', count)
    .action(async (options: VerifyOptions) => {
      const receipt = await readJson(options.receipt);
      const token = options.token ? (await readFile(options.token, 'utf8')).trim() : undefined;
      const witnesses = witnessVerifiers(options.witness);
      const required = options.minWitnesses ?? witnesses.length;
      if (required > witnesses.length) {
        throw usageError(`--min-witnesses ${required} but only ${witnesses.length} --witness`);
      }
      const verified = verifyReceipt(receipt, {
        groupPublicKeys: await groupKeysFromJwks(options.jwks),
        origin: options.origin,
        witnesses,
        witnessesRequired: required,
        ...(token === undefined ? {} : { token }),
      });
      const result = {
        verified: true,
        origin: verified.checkpoint.origin,
        log_index: verified.logIndex,
        tree_size: verified.checkpoint.size,
        root: encodeBase64(verified.checkpoint.root),
        witnesses: verified.witnesses.map((w) => w.name),
        token_checked: token !== undefined,
        entry: verified.entry,
      };
      const text = [
        `receipt verified: entry ${verified.logIndex} of ${result.origin} (tree size ${result.tree_size})`,
        `witnesses: ${result.witnesses.length ? result.witnesses.join(', ') : 'none required'}`,
        token === undefined ? 'token: not checked (no --token)' : 'token: recorded by the entry',
      ].join('\n');
      process.stdout.write(renderResult({ text, json: result }, options.format!));
    });
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw usageError(`${path} is not JSON`);
  }
}
