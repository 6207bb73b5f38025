import { Command } from 'commander';
import { CoordinatorClient } from './tap/client.ts';
import {
  presentTapUrl,
  progress,
  resolveTarget,
  runTap,
  type TapOptions,
  withTapOptions,
} from './tap/common.ts';
import { EXIT_CODES_HELP } from './tap/exit-codes.ts';
import { awaitTapOutcome } from './tap/wait.ts';

interface RenewOptions extends TapOptions {
  credential?: string;
}

interface Begun {
  request_id: string;
  tap_url: string;
  credential_id: string;
  certificate_expires_at: number;
}

interface Status {
  status: 'pending' | 'renewed' | 'denied' | 'expired';
  status_reason: string | null;
  certificate_expires_at: number;
}

/**
 * `frostmint renew`: renews the short-lived enrollment certificate of a passkey with a tap
 * (no operator needed while the certificate is still valid; see docs/webauthn.md).
 *
 * @example
 * ```sh
 * frostmint renew --coordinator https://frostmint.example --user alice@example.com
 * ```
 */
export function renewCommand(): Command {
  return withTapOptions(new Command('renew'))
    .description('Renew your passkey enrollment with a tap before its certificate expires')
    .option('--credential <id>', 'the credential to renew (default: the one expiring first)')
    .addHelpText('after', EXIT_CODES_HELP)
    .action((options: RenewOptions) => runTap(() => renew(options)));
}

async function renew(options: RenewOptions): Promise<void> {
  const { coordinator, user } = resolveTarget(options);
  const api = new CoordinatorClient(coordinator);
  const begun = await api.request<Begun>('POST', '/v1/enrollments/renewals', {
    user,
    ...(options.credential ? { credential_id: options.credential } : {}),
  });
  progress(`Renewing credential ${begun.credential_id} of ${user}`);
  presentTapUrl(begun.tap_url, options);
  progress('Waiting for your tap…');
  const final = await awaitTapOutcome<Status>(api, `/v1/enrollments/renewals/${begun.request_id}`, {
    timeoutSeconds: options.timeout,
    what: 'the tap',
    noun: 'renewal',
    expected: 'renewed',
    again: 'run frostmint renew again, or frostmint enroll',
  });
  const until = new Date(final.certificate_expires_at * 1000).toISOString();
  progress(`Renewed; certificate valid until ${until}.`);
  process.stdout.write(
    `${JSON.stringify({ status: 'renewed', user, credential_id: begun.credential_id, certificate_expires_at: final.certificate_expires_at })}\n`,
  );
}
