import { type ConventionOptions, renderResult, withConvention } from '@frostmint/client/cli-kit';
import { Command } from 'commander';
import { createDpopProof, defaultDpopKeyFile, loadOrCreateDpopKey } from '../dpop/key.ts';

interface ProofOptions extends ConventionOptions {
  htm: string;
  htu: string;
  dpopKey?: string;
  token?: string;
}

/**
 * `frostmint dpop proof`: prints a DPoP proof (RFC 9449) by this machine's DPoP key for one
 * request, for scripts that call a service with a DPoP-bound token (`Authorization: DPoP
 * <token>`, `DPoP: <proof>`) or the mint endpoint themselves. The key file is created
 * (Ed25519, mode 0600) when missing.
 *
 * @example
 * ```sh
 * curl -H "Authorization: DPoP $TOKEN" \
 *   -H "DPoP: $(frostmint dpop proof --htm POST --htu https://deploy.example/deploy --token "$TOKEN")" \
 *   -X POST https://deploy.example/deploy
 * ```
 */
export function dpopCommand(env: NodeJS.ProcessEnv = process.env): Command {
  const proof = withConvention(new Command('proof'), { format: {} })
    .description('print a DPoP proof JWT for one request (creates the key file if missing)')
    .requiredOption('--htm <method>', 'the request method, e.g. POST')
    .requiredOption('--htu <url>', 'the request URL (query and fragment are dropped)')
    .option(
      '--dpop-key <file>',
      'the private Ed25519 JWK (default $FROSTMINT_DPOP_KEY or ~/.config/frostmint/dpop-key.jwk)',
    )
    .option('--token <token>', 'the access token the request carries (sets ath)')
    .action(async (opts: ProofOptions) => {
      const key = await loadOrCreateDpopKey(opts.dpopKey ?? defaultDpopKeyFile(env));
      const jwt = await createDpopProof(key, {
        htm: opts.htm,
        htu: opts.htu,
        ...(opts.token === undefined ? {} : { token: opts.token }),
      });
      const result = { text: jwt, json: { proof: jwt }, env: { FROSTMINT_DPOP_PROOF: jwt } };
      process.stdout.write(renderResult(result, opts.format!));
    });
  const thumbprint = withConvention(new Command('thumbprint'), { format: {} })
    .description("print the key's RFC 7638 thumbprint: the cnf.jkt of tokens bound to it")
    .option('--dpop-key <file>', 'the private Ed25519 JWK (default as for proof)')
    .action(async (opts: ConventionOptions & { dpopKey?: string }) => {
      const key = await loadOrCreateDpopKey(opts.dpopKey ?? defaultDpopKeyFile(env));
      const result = {
        text: key.jkt,
        json: { jkt: key.jkt },
        env: { FROSTMINT_DPOP_JKT: key.jkt },
      };
      process.stdout.write(renderResult(result, opts.format!));
    });
  return new Command('dpop')
    .description('DPoP (RFC 9449) sender-constrained token tools')
    .addCommand(proof)
    .addCommand(thumbprint);
}
