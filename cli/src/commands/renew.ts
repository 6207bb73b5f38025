import { renderResult } from '@frostmint/client/cli-kit';
import { Command } from 'commander';
import {
  presentTapUrl,
  progress,
  type TapOptions,
  tapTarget,
  withTapOptions,
} from './tap/common.ts';
import { failRequest, waitFor } from './tap/wait.ts';

interface RenewOptions extends TapOptions {
  credential?: string;
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
  return withTapOptions(new Command('renew'), 'json')
    .description('Renew your passkey enrollment with a tap before its certificate expires')
    .option('--credential <id>', 'the credential to renew (default: the one expiring first)')
    .action(async (options: RenewOptions) => {
      const { client, user } = tapTarget(options);
      const begun = await client.beginRenewal({
        user,
        ...(options.credential ? { credential_id: options.credential } : {}),
      });
      progress(`Renewing credential ${begun.credential_id} of ${user}`);
      presentTapUrl(begun.tap_url, options);
      progress('Waiting for your tap…');
      const final = await waitFor(
        async () => {
          const status = await client.renewal(begun.request_id);
          return status.status === 'pending' ? undefined : status;
        },
        { timeoutMs: options.wait! * 1000, what: 'the tap' },
      );
      if (final.status !== 'renewed') {
        failRequest(final, 'renewal', 'run frostmint renew again, or frostmint enroll');
      }
      const until = new Date(final.certificate_expires_at * 1000).toISOString();
      progress(`Renewed; certificate valid until ${until}.`);
      const result = {
        status: 'renewed',
        user,
        credential_id: begun.credential_id,
        certificate_expires_at: final.certificate_expires_at,
      };
      process.stdout.write(
        renderResult(
          { text: `renewed ${begun.credential_id} until ${until}`, json: result },
          options.format!,
        ),
      );
    });
}
