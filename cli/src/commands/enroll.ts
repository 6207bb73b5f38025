import { readFile } from 'node:fs/promises';
import type { EnrollmentStatus } from '@frostmint/client';
import { renderResult, usageError } from '@frostmint/client/cli-kit';
import { Command } from 'commander';
import { awaitGuardians } from './tap/await-guardians.ts';
import {
  collect,
  presentTapUrl,
  progress,
  type TapOptions,
  tapTarget,
  withTapOptions,
} from './tap/common.ts';
import { loginForIdToken } from './tap/idp-login.ts';
import { failRequest, waitFor } from './tap/wait.ts';

interface EnrollOptions extends TapOptions {
  role?: string[];
  operatorTokenEnv: string;
  idTokenFile?: string;
  issuer?: string;
  clientId?: string;
}

const PROOF_HELP = `
Proof of identity: after the tap, unless guardians approved the enrollment, the signers
need an ID token from your organisation's IdP naming you, whose nonce is the digest of
the certificate request with your new passkey. frostmint enroll signs you in like
gh auth login (authorization code + PKCE, redirect to 127.0.0.1; the URL is opened with
$BROWSER or the platform opener, or only printed with --no-browser). Headless: pass
--id-token-file FILE; after the tap it prints the nonce and reads FILE once it exists.`;

const AGAIN = 'run frostmint enroll again';

/**
 * `frostmint enroll` (alias `login`): registers a passkey or security key for the user and
 * has the signer quorum certify it. Starting an enrollment takes the enrollment operator's
 * credential (read from an environment variable, never an argument); when policy requires
 * guardian approvals for a role (e.g. releaser) it first shows "awaiting guardian approvals:
 * n of m" until they are in; the engineer then taps on the page that opens. Without such
 * approvals the engineer then signs in to the IdP (code + PKCE, loopback redirect; or
 * `--id-token-file`) with nonce = the certificate request digest, and the CLI hands the ID
 * token to the coordinator, which has the quorum check it and sign.
 *
 * @example
 * ```sh
 * FROSTMINT_OPERATOR_TOKEN=… frostmint enroll --coordinator https://frostmint.example \
 *   --user alice@example.com --role developer
 * ```
 */
export function enrollCommand(): Command {
  return withTapOptions(new Command('enroll'), 'json')
    .alias('login')
    .description('Enroll a passkey or security key (first-time setup, or after it expired)')
    .option('--role <role>', 'a role to enroll with (repeatable; default: developer)', collect)
    .option(
      '--operator-token-env <name>',
      'environment variable holding the enrollment operator credential',
      'FROSTMINT_OPERATOR_TOKEN',
    )
    .option(
      '--id-token-file <file>',
      'headless: read the IdP ID token from this file (after the tap; its nonce is printed)',
    )
    .option('--issuer <url>', 'the IdP to sign in to (default: the one the coordinator names)')
    .option('--client-id <id>', "the OIDC client id at the IdP (default: the coordinator's)")
    .addHelpText('after', PROOF_HELP)
    .action(async (options: EnrollOptions) => enroll(options));
}

async function enroll(options: EnrollOptions): Promise<void> {
  const { client, user } = tapTarget(options);
  const roles = options.role ?? ['developer'];
  const credential = process.env[options.operatorTokenEnv];
  if (!credential) {
    throw usageError(
      `set ${options.operatorTokenEnv} to the enrollment operator credential (ask your frostmint administrator)`,
    );
  }
  const begun = await client.beginEnrollment({ user, roles }, credential);
  progress(`Enrolling a passkey for ${user} with roles ${begun.roles.join(', ')}`);
  const statusOf = () => client.enrollment(begun.request_id);
  if (begun.status_reason === 'awaiting_approvals') {
    const approved = await awaitGuardians(begun, 'enrollment', statusOf);
    if (approved.status !== 'approved') failRequest(approved, 'enrollment', AGAIN);
  }
  presentTapUrl(begun.tap_url, options);
  progress('Waiting for the registration…');
  const timeoutMs = options.wait! * 1000;
  let final = await waitFor(
    async () => {
      const status = await statusOf();
      const waiting = status.status === 'pending' || status.status === 'approved';
      return waiting && status.status_reason !== 'awaiting_id_token' ? undefined : status;
    },
    { timeoutMs, what: 'the registration' },
  );
  if (final.status_reason === 'awaiting_id_token') {
    const idToken = await proveIdentity(final, options, timeoutMs);
    progress('Signed in; the signers check the ID token and certify the passkey…');
    final = await client.proveEnrollment(begun.request_id, idToken);
  }
  if (final.status !== 'enrolled') failRequest(final, 'enrollment', AGAIN);
  const certificateExpiresAt = final.certificate_expires_at ?? begun.certificate_expires_at;
  const until = new Date(certificateExpiresAt * 1000).toISOString();
  progress(
    `Enrolled (${final.status_reason ?? 'credential certified'}); certificate valid until ${until}.`,
  );
  const result = {
    status: 'enrolled',
    user,
    roles: begun.roles,
    certificate_expires_at: certificateExpiresAt,
  };
  process.stdout.write(
    renderResult(
      {
        text: `enrolled ${user} (${begun.roles.join(', ')}) until ${until}`,
        json: result,
        env: {
          FROSTMINT_USER: user,
          FROSTMINT_ROLES: begun.roles.join(' '),
          FROSTMINT_CERTIFICATE_EXPIRES_AT: certificateExpiresAt,
        },
      },
      options.format!,
    ),
  );
}

/** The ID token that proves the enrollment: from `--id-token-file`, or a browser sign-in. */
async function proveIdentity(
  status: EnrollmentStatus,
  options: EnrollOptions,
  timeoutMs: number,
): Promise<string> {
  const nonce = status.id_token_nonce ?? '';
  if (options.idTokenFile) {
    const file = options.idTokenFile;
    progress(`Passkey registered. Write an ID token with nonce ${nonce} to ${file}…`);
    return waitFor(
      () =>
        readFile(file, 'utf8').then(
          (text) => text.trim() || undefined,
          () => undefined,
        ),
      { timeoutMs, what: `the ID token in ${file}` },
    );
  }
  const issuer = options.issuer ?? status.idp?.issuer;
  const clientId = options.clientId ?? status.idp?.client_id;
  if (!issuer || !clientId) {
    throw usageError(
      'the coordinator names no IdP: pass --issuer and --client-id, or --id-token-file',
    );
  }
  progress(`Passkey registered. Sign in to ${issuer} to prove it is you.`);
  return loginForIdToken({
    issuer,
    clientId,
    nonce,
    timeoutMs,
    present: (url) => presentTapUrl(url, options, 'to sign in'),
  });
}
