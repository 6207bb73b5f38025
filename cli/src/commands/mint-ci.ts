import { Command, InvalidArgumentError, Option } from 'commander';
import { mintProof } from '../dpop/mint-proof.ts';
import { awaitApprovals } from '../oidc/await-approvals.ts';
import { exchangeIdToken } from '../oidc/exchange.ts';
import { MINT_CI_EXIT, MintCiError } from '../oidc/exit-codes.ts';
import { obtainIdToken } from '../oidc/id-token.ts';
import { OUTPUT_FORMATS, type OutputFormat, renderToken } from '../oidc/output.ts';

interface MintCiOptions {
  coordinator?: string;
  scope: string[];
  aud: string;
  ttl?: number;
  justification?: string;
  idTokenFile?: string;
  idTokenEnv: string;
  idTokenAudience: string;
  format: OutputFormat;
  wait: number;
  dpopKey?: string;
}

/**
 * `frostmint mint-ci`: the non-interactive mint for CI. Takes the job's OIDC ID token (from
 * `--id-token-file`, `$FROSTMINT_ID_TOKEN` or GitHub Actions' token service), exchanges it at
 * the coordinator, and prints the token (`--format token|json|env`) on stdout and nothing
 * else; errors go to stderr as `code: message` with the exit codes of `MINT_CI_EXIT`
 * (0 ok, 1 internal, 2 usage, 3 ID token, 4 unauthenticated, 5 refused, 6 unavailable,
 * 7 not approved). A mint needing guardian approvals waits (`--wait`), showing who approved.
 *
 * @example
 * ```sh
 * TOKEN=$(frostmint mint-ci --coordinator https://mint.example --scope deploy:canary --aud deploy-api)
 * ```
 */
export function mintCiCommand(env: NodeJS.ProcessEnv = process.env): Command {
  return new Command('mint-ci')
    .description(
      "Exchange this CI job's OIDC ID token for a frostmint token (non-interactive; exit codes: 0 ok, 1 internal, 2 usage, 3 ID token unavailable, 4 ID token refused, 5 mint refused, 6 coordinator unavailable, 7 approvals denied, expired or not in --wait)",
    )
    .addOption(
      new Option('--coordinator <url>', 'coordinator base URL').env('FROSTMINT_URL').argParser(url),
    )
    .requiredOption('--scope <scope>', 'a scope to request (repeatable)', collect, [])
    .requiredOption('--aud <audience>', 'the audience of the minted token, e.g. deploy-api')
    .option('--ttl <seconds>', 'requested lifetime (the policy may cap it)', seconds)
    .option('--justification <text>', 'why, for the audit log')
    .option('--id-token-file <path>', 'read the ID token from this file')
    .option(
      '--id-token-env <name>',
      'environment variable holding the ID token (GitLab id_tokens)',
      'FROSTMINT_ID_TOKEN',
    )
    .option(
      '--id-token-audience <aud>',
      'audience to request from GitHub Actions for the ID token (must match the coordinator config)',
      'frostmint',
    )
    .addOption(
      new Option('--format <format>', 'stdout format').choices(OUTPUT_FORMATS).default('token'),
    )
    .option(
      '--wait <seconds>',
      'how long to wait for guardian approvals when the mint needs them (progress on stderr)',
      waitSeconds,
      900,
    )
    .option(
      '--dpop-key <file>',
      'bind the token to this Ed25519 DPoP key (RFC 9449; created 0600 if missing): it is then useless without the key',
    )
    .exitOverride((err) => {
      process.exit(err.exitCode === 0 ? MINT_CI_EXIT.ok : MINT_CI_EXIT.usage);
    })
    .action(async (opts: MintCiOptions) => {
      try {
        if (!opts.coordinator) {
          throw new MintCiError(
            MINT_CI_EXIT.usage,
            'coordinator_missing',
            'pass --coordinator <url> or set FROSTMINT_URL',
          );
        }
        const idToken = await obtainIdToken(
          {
            ...(opts.idTokenFile === undefined ? {} : { file: opts.idTokenFile }),
            envVar: opts.idTokenEnv,
            audience: opts.idTokenAudience,
          },
          env,
        );
        const answer = await exchangeIdToken({
          coordinator: opts.coordinator,
          idToken,
          ...(opts.dpopKey === undefined
            ? {}
            : { dpop: await mintProof(opts.dpopKey, opts.coordinator) }),
          scopes: opts.scope,
          audience: opts.aud,
          ...(opts.ttl === undefined ? {} : { ttl: opts.ttl }),
          ...(opts.justification === undefined ? {} : { justification: opts.justification }),
        });
        const minted =
          'token' in answer
            ? answer
            : await awaitApprovals(opts.coordinator, answer, opts.wait, (line) =>
                process.stderr.write(`frostmint mint-ci: ${line}`),
              );
        process.stdout.write(renderToken(minted, opts.format));
      } catch (err) {
        const failure =
          err instanceof MintCiError
            ? err
            : new MintCiError(MINT_CI_EXIT.internal, 'internal', (err as Error).message);
        process.stderr.write(`frostmint mint-ci: ${failure.code}: ${failure.message}\n`);
        process.exit(failure.exitCode);
      }
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 900) {
    throw new InvalidArgumentError('--ttl is 1..900 seconds');
  }
  return n;
}

function waitSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 3600) {
    throw new InvalidArgumentError('--wait is 0..3600 seconds');
  }
  return n;
}

function url(value: string): string {
  try {
    return new URL(value).href;
  } catch {
    throw new InvalidArgumentError(`not a URL: ${value}`);
  }
}
