import { type ConventionOptions, renderResult, withConvention } from '@frostmint/client/cli-kit';
import { requesterReportData, requesterWindow } from '@frostmint/core';
import { Command, InvalidArgumentError } from 'commander';

interface RequesterDataOptions extends ConventionOptions {
  sub: string;
  aud: string;
  scope: string[];
  at?: number;
}

/**
 * `frostmint attest requester-data`: the 64 bytes of REPORT_DATA a requester in an SEV-SNP
 * guest asks its firmware to sign before `POST /v1/mint` with `attestation` (binding of the
 * token's `sub`, `aud`, scopes and the current 300-second window; docs/attestation.md,
 * "Requester attestation"). Prints 128 hex digits (`--format text`).
 *
 * @example
 * ```sh
 * frostmint attest requester-data --sub repo:acme/app --aud deploy-api --scope deploy:prod | xxd -r -p > "$entry/inblob"
 * ```
 */
export function requesterDataCommand(): Command {
  return withConvention(new Command('requester-data'), { format: {} })
    .description("print the REPORT_DATA (hex) a requester's SEV-SNP report must carry for a mint")
    .requiredOption('--sub <subject>', "the token's sub (CI: the ID token's sub claim)")
    .requiredOption('--aud <audience>', 'the audience to mint for')
    .requiredOption('--scope <scope>', 'a scope to mint (repeatable)', collect, [])
    .option('--at <unix-seconds>', 'the time the report is taken (default now)', parseUnix)
    .action((opts: RequesterDataOptions) => {
      const at = opts.at ?? Date.now() / 1000;
      const data = requesterReportData({
        subject: opts.sub,
        audience: opts.aud,
        scopes: opts.scope,
        window: requesterWindow(at),
      });
      const hex = Buffer.from(data).toString('hex');
      process.stdout.write(
        renderResult(
          { text: hex, json: { report_data: hex }, env: { FROSTMINT_REPORT_DATA: hex } },
          opts.format!,
        ),
      );
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseUnix(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('unix seconds expected');
  return n;
}
