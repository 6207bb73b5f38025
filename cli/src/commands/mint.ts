import { Command, Option } from 'commander';
import { compactDecrypt, exportJWK, generateKeyPair } from 'jose';
import { mintProof } from '../dpop/mint-proof.ts';
import { awaitGuardians } from './tap/await-guardians.ts';
import { CoordinatorClient } from './tap/client.ts';
import {
  collect,
  positiveInt,
  presentTapUrl,
  progress,
  resolveTarget,
  runTap,
  type TapOptions,
  withTapOptions,
} from './tap/common.ts';
import { CliFailure, EXIT, EXIT_CODES_HELP } from './tap/exit-codes.ts';
import { waitFor } from './tap/wait.ts';

interface MintOptions extends TapOptions {
  scope?: string[];
  aud: string;
  ttl?: number;
  justification?: string;
  format: 'token' | 'json' | 'env';
  dpopKey?: string;
}

interface Prepared {
  request_id: string;
  status_reason: 'awaiting_approvals' | null;
  tap_url: string;
  expires_at: number;
  required_approvals: number;
  claims: Claims;
}

interface Claims {
  sub: string;
  scope: string;
  aud: string;
  iat: number;
  exp: number;
  frostmint: { signers: number[] };
}

interface Status {
  status: 'pending' | 'approved' | 'minted' | 'denied' | 'expired';
  status_reason: string | null;
  claims: Claims;
  required_approvals: number;
  approved_by?: string[];
  expires_in?: number;
  sealed_token?: string;
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
 * frostmint mint --coordinator https://frostmint.example --user alice@example.com \
 *   --scope deploy:canary --aud deploy-api --format env
 * ```
 */
export function mintCommand(): Command {
  return withTapOptions(new Command('mint'))
    .description(
      'Mint a short-lived token: approve it with a passkey tap in the browser (after guardian ' +
        'approvals when policy requires them, e.g. deploy:prod)',
    )
    .option('--scope <scope>', 'a scope to request (repeatable; at least one)', collect)
    .requiredOption('--aud <audience>', 'the audience (service) the token is for')
    .option('--ttl <seconds>', 'lifetime in seconds (default and cap: policy, ≤ 900)', positiveInt)
    .option('--justification <text>', 'why you need it (recorded; some policies require it)')
    .addOption(
      new Option('--format <format>', 'output: the token, JSON, or shell exports')
        .choices(['token', 'json', 'env'])
        .default('token'),
    )
    .option(
      '--dpop-key <file>',
      'bind the token to this Ed25519 DPoP key (RFC 9449; created 0600 if missing): it is then useless without the key',
    )
    .addHelpText('after', EXIT_CODES_HELP)
    .action((options: MintOptions) => runTap(() => mint(options)));
}

async function mint(options: MintOptions): Promise<void> {
  const scope = options.scope ?? [];
  if (scope.length === 0) throw new CliFailure(EXIT.usage, 'pass at least one --scope');
  const { coordinator, user } = resolveTarget(options);
  const api = new CoordinatorClient(coordinator);
  const { publicKey, privateKey } = await generateKeyPair('ECDH-ES', { crv: 'X25519' });
  const { kty, crv, x } = await exportJWK(publicKey);
  // The DPoP proof goes with the prepare only: the claims the tap approves then carry cnf.
  const prepareApi =
    options.dpopKey === undefined
      ? api
      : new CoordinatorClient(coordinator, {
          dpop: await mintProof(options.dpopKey, coordinator),
        });
  const prepared = await prepareApi.request<Prepared>('POST', '/v1/mint/requests', {
    user,
    scope,
    audience: options.aud,
    ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
    ...(options.justification === undefined ? {} : { justification: options.justification }),
    result_key: { kty, crv, x },
  });
  const { claims } = prepared;
  const statusOf = () => api.request<Status>('GET', `/v1/mint/requests/${prepared.request_id}`);
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
    { timeoutMs: options.timeout * 1000, what: 'the tap' },
  );
  if (final.status !== 'minted' || !final.sealed_token) fail(final);
  const { plaintext } = await compactDecrypt(final.sealed_token, privateKey);
  const token = new TextDecoder().decode(plaintext);
  process.stdout.write(render(token, final.claims, options.format));
}

/** Ends the command for a request that did not mint: expired (exit 5) or refused (exit 3). */
function fail(final: Status): never {
  if (final.status === 'expired') {
    throw new CliFailure(
      EXIT.timeout,
      'the request expired before it was approved: run frostmint mint again',
    );
  }
  throw new CliFailure(
    EXIT.refused,
    `the request was ${final.status}${final.status_reason ? `: ${final.status_reason}` : ''}. Check the scopes your roles allow, or ask your administrator.`,
  );
}

function render(token: string, claims: Claims, format: MintOptions['format']): string {
  if (format === 'json') {
    return `${JSON.stringify({ token, token_type: 'Bearer', expires_at: claims.exp, scope: claims.scope, aud: claims.aud })}\n`;
  }
  if (format === 'env') {
    return `export FROSTMINT_TOKEN='${token}'\nexport FROSTMINT_TOKEN_EXPIRES_AT=${claims.exp}\n`;
  }
  return `${token}\n`;
}
