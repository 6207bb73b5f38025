import { CoordinatorClient } from '@frostmint/client';
import { type ConventionOptions, renderResult, withConvention } from '@frostmint/client/cli-kit';
import { Command, InvalidArgumentError } from 'commander';
import { mintProof } from '../dpop/mint-proof.ts';
import { awaitApprovals } from '../oidc/await-approvals.ts';
import { obtainIdToken } from '../oidc/id-token.ts';

interface MintCiOptions extends ConventionOptions {
  scope: string[];
  aud: string;
  ttl?: number;
  justification?: string;
  idTokenFile?: string;
  idTokenEnv: string;
  idTokenAudience: string;
  dpopKey?: string;
}

/**
 * `frostmint mint-ci`: the non-interactive mint for CI. Takes the job's OIDC ID token (from
 * `--id-token-file`, `$FROSTMINT_ID_TOKEN` or GitHub Actions' token service), exchanges it at
 * the coordinator, and prints the token (`--format text|json|env`) on stdout and nothing
 * else; errors go to stderr as `frostmint: <code>: <what to do>` with the exit codes of
 * docs/cli.md. A mint needing guardian approvals waits (`--wait`), showing who approved.
 *
 * @example
 * ```sh
 * TOKEN=$(frostmint mint-ci --coordinator https://mint.example --scope deploy:canary --aud deploy-api)
 * ```
 */
export function mintCiCommand(env: NodeJS.ProcessEnv = process.env): Command {
  const command = new Command('mint-ci').description(
    "Exchange this CI job's OIDC ID token for a frostmint token (non-interactive). --format text prints the bare token",
  );
  return withConvention(command, {
    coordinator: 'required',
    format: {},
    wait: {
      what: 'guardian approvals when the mint needs them (progress on stderr)',
      defaultSeconds: 900,
      maxSeconds: 3600,
    },
  })
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
    .option(
      '--dpop-key <file>',
      'bind the token to this Ed25519 DPoP key (RFC 9449; created 0600 if missing): it is then useless without the key',
    )
    .action(async (opts: MintCiOptions) => {
      const idToken = await obtainIdToken(
        {
          ...(opts.idTokenFile === undefined ? {} : { file: opts.idTokenFile }),
          envVar: opts.idTokenEnv,
          audience: opts.idTokenAudience,
        },
        env,
      );
      const client = new CoordinatorClient({ baseUrl: opts.coordinator! });
      const outcome = await client.mint(
        {
          scope: opts.scope,
          audience: opts.aud,
          ...(opts.ttl === undefined ? {} : { ttl: opts.ttl }),
          ...(opts.justification === undefined ? {} : { justification: opts.justification }),
        },
        idToken,
        opts.dpopKey === undefined ? undefined : await mintProof(opts.dpopKey, opts.coordinator!),
      );
      const minted =
        outcome.kind === 'minted'
          ? outcome.token
          : await awaitApprovals(client, outcome.pending, opts.wait!, (line) =>
              process.stderr.write(`frostmint mint-ci: ${line}`),
            );
      process.stdout.write(
        renderResult(
          {
            text: minted.token,
            json: minted,
            env: {
              FROSTMINT_TOKEN: minted.token,
              FROSTMINT_TOKEN_EXPIRES_AT: minted.expires_at,
              FROSTMINT_TOKEN_JTI: minted.jti,
            },
          },
          opts.format!,
        ),
      );
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
