import { Command } from 'commander';
import { awaitGuardians } from './tap/await-guardians.ts';
import { CoordinatorClient } from './tap/client.ts';
import {
  collect,
  presentTapUrl,
  progress,
  resolveTarget,
  runTap,
  type TapOptions,
  withTapOptions,
} from './tap/common.ts';
import { CliFailure, EXIT, EXIT_CODES_HELP } from './tap/exit-codes.ts';
import { awaitTapOutcome } from './tap/wait.ts';

interface EnrollOptions extends TapOptions {
  role?: string[];
  operatorTokenEnv: string;
}

interface Begun {
  request_id: string;
  status_reason: 'awaiting_approvals' | null;
  tap_url: string;
  roles: string[];
  required_approvals: number;
  expires_at: number;
  certificate_expires_at: number;
}

interface Status {
  status: 'pending' | 'approved' | 'enrolled' | 'denied' | 'expired';
  status_reason: string | null;
  required_approvals: number;
  approved_by?: string[];
  expires_at: number;
  certificate_expires_at: number;
}

/**
 * `frostmint enroll` (alias `login`): registers a passkey or security key for the user and
 * has the signer quorum certify it. Starting an enrollment takes the enrollment operator's
 * credential (read from an environment variable, never an argument); when policy requires
 * guardian approvals for a role (e.g. releaser) it first shows "awaiting guardian approvals:
 * n of m" until they are in; the engineer then taps on the page that opens.
 *
 * @example
 * ```sh
 * FROSTMINT_OPERATOR_TOKEN=… frostmint enroll --coordinator https://frostmint.example \
 *   --user alice@example.com --role developer
 * ```
 */
export function enrollCommand(): Command {
  return withTapOptions(new Command('enroll'))
    .alias('login')
    .description('Enroll a passkey or security key (first-time setup, or after it expired)')
    .option('--role <role>', 'a role to enroll with (repeatable; default: developer)', collect)
    .option(
      '--operator-token-env <name>',
      'environment variable holding the enrollment operator credential',
      'FROSTMINT_OPERATOR_TOKEN',
    )
    .addHelpText('after', EXIT_CODES_HELP)
    .action((options: EnrollOptions) => runTap(() => enroll(options)));
}

async function enroll(options: EnrollOptions): Promise<void> {
  const { coordinator, user } = resolveTarget(options);
  const roles = options.role ?? ['developer'];
  const credential = process.env[options.operatorTokenEnv];
  if (!credential) {
    throw new CliFailure(
      EXIT.usage,
      `set ${options.operatorTokenEnv} to the enrollment operator credential (ask your frostmint administrator)`,
    );
  }
  const operator = new CoordinatorClient(coordinator, { authorization: `Bearer ${credential}` });
  const begun = await operator.request<Begun>('POST', '/v1/enrollments', { user, roles });
  progress(`Enrolling a passkey for ${user} with roles ${begun.roles.join(', ')}`);
  const api = new CoordinatorClient(coordinator);
  const path = `/v1/enrollments/requests/${begun.request_id}`;
  if (begun.status_reason === 'awaiting_approvals') {
    const approved = await awaitGuardians(begun, 'enrollment', () =>
      api.request<Status>('GET', path),
    );
    if (approved.status !== 'approved') {
      const reason = approved.status_reason ? `: ${approved.status_reason}` : '';
      throw new CliFailure(
        approved.status === 'expired' ? EXIT.timeout : EXIT.refused,
        `the enrollment was ${approved.status}${reason}: run frostmint enroll again`,
      );
    }
  }
  presentTapUrl(begun.tap_url, options);
  progress('Waiting for the registration…');
  const final = await awaitTapOutcome<Status>(api, path, {
    timeoutSeconds: options.timeout,
    what: 'the registration',
    noun: 'enrollment',
    expected: 'enrolled',
    again: 'run frostmint enroll again',
  });
  const until = new Date(final.certificate_expires_at * 1000).toISOString();
  progress(
    `Enrolled (${final.status_reason ?? 'credential certified'}); certificate valid until ${until}.`,
  );
  process.stdout.write(
    `${JSON.stringify({ status: 'enrolled', user, roles: begun.roles, certificate_expires_at: final.certificate_expires_at })}\n`,
  );
}
