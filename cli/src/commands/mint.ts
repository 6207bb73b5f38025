import type { MintRequestStatus } from '@frostmint/client';
import { type CommandResult, renderResult, usageError } from '@frostmint/client/cli-kit';
import { Command } from 'commander';
import { compactDecrypt, exportJWK, generateKeyPair } from 'jose';
import { mintProof } from '../dpop/mint-proof.ts';
import { awaitGuardians } from './tap/await-guardians.ts';
import {
  collect,
  presentTapUrl,
  progress,
  type TapOptions,
  tapTarget,
  withTapOptions,
} from './tap/common.ts';
import { positiveInt } from './tap/parsers.ts';
import { failRequest, waitFor } from './tap/wait.ts';

interface MintOptions extends TapOptions {
  scope?: string[];
  aud: string;
  ttl?: number;
  justification?: string;
  dpopKey?: string;
}

/**
 * `frostmint mint`: prepares a mint request; when policy needs guardian approvals, waits for
 * them showing who approved so far and the time left; then opens the tap page (or prints
 * its URL), waits for the engineer's tap, and prints the token. The token never crosses the
 * browser: the coordinator seals it (JWE, ECDH-ES X25519 + A256GCM) to a key this process
 * made.
 *
 * @example
 * ```sh
 * eval "$(frostmint mint --coordinator https://frostmint.example --user alice@example.com \
 *   --scope deploy:canary --aud deploy-api --format env)"
 * ```
 */
export function mintCommand(): Command {
  return withTapOptions(new Command('mint'))
    .description(
      'Mint a short-lived token: approve it with a passkey tap in the browser (after guardian ' +
        'approvals when policy requires them, e.g. deploy:prod). --format text prints the bare token',
    )
    .option('--scope <scope>', 'a scope to request (repeatable; at least one)', collect)
    .requiredOption('--aud <audience>', 'the audience (service) the token is for')
    .option('--ttl <seconds>', 'lifetime in seconds (default and cap: policy, ≤ 900)', positiveInt)
    .option('--justification <text>', 'why you need it (recorded; some policies require it)')
    .option(
      '--dpop-key <file>',
      'bind the token to this Ed25519 DPoP key (RFC 9449; created 0600 if missing): it is then useless without the key',
    )
    .action(async (options: MintOptions) => {
      process.stdout.write(renderResult(await mint(options), options.format!));
    });
}

async function mint(options: MintOptions): Promise<CommandResult> {
  const scope = options.scope ?? [];
  if (scope.length === 0) throw usageError('pass at least one --scope');
  const { client, user } = tapTarget(options);
  const { publicKey, privateKey } = await generateKeyPair('ECDH-ES', { crv: 'X25519' });
  const { kty, crv, x } = await exportJWK(publicKey);
  // The DPoP proof goes with the prepare only: the claims the tap approves then carry cnf.
  const dpop =
    options.dpopKey === undefined
      ? undefined
      : await mintProof(options.dpopKey, options.coordinator!);
  const prepared = await client.prepareMint(
    {
      user,
      scope,
      audience: options.aud,
      ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
      ...(options.justification === undefined ? {} : { justification: options.justification }),
      result_key: { kty: kty!, crv: crv!, x: x! },
    },
    dpop,
  );
  const { claims } = prepared;
  const statusOf = () => client.mintRequest(prepared.request_id);
  progress(
    `Request ${prepared.request_id}: ${claims.scope} for ${claims.aud}, ${claims.exp - claims.iat} s, as ${claims.sub}`,
  );
  if (prepared.status_reason === 'awaiting_approvals') {
    const approved = await awaitGuardians(prepared, 'mint', statusOf);
    if (approved.status !== 'approved') fail(approved);
  }
  presentTapUrl(prepared.tap_url, options);
  progress('Waiting for your tap…');
  const final = await waitFor(
    async () => {
      const status = await statusOf();
      return ['pending', 'approved'].includes(status.status) ? undefined : status;
    },
    { timeoutMs: options.wait! * 1000, what: 'the tap' },
  );
  if (final.status !== 'minted' || !final.sealed_token) fail(final);
  const { plaintext } = await compactDecrypt(final.sealed_token, privateKey);
  const token = new TextDecoder().decode(plaintext);
  return {
    text: token,
    json: {
      token,
      token_type: options.dpopKey === undefined ? 'Bearer' : 'DPoP',
      expires_at: final.claims.exp,
      scope: final.claims.scope,
      aud: final.claims.aud,
    },
    env: { FROSTMINT_TOKEN: token, FROSTMINT_TOKEN_EXPIRES_AT: final.claims.exp },
  };
}

/** Ends the command for a request that did not mint: expired (exit 5) or refused (exit 3). */
function fail(final: MintRequestStatus): never {
  failRequest(
    final,
    'request',
    final.status === 'expired'
      ? 'run frostmint mint again'
      : 'check the scopes your roles allow, or ask your administrator',
  );
}
