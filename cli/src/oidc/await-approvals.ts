import type { CoordinatorClient, MintedToken, PendingMint } from '@frostmint/client';
import { CliError, EXIT } from '@frostmint/client/cli-kit';

/**
 * Waits for the guardian approvals a one-step mint needs: long-polls
 * `GET /v1/mint/requests/{id}/token` with the request secret, tells `progress` who approved
 * so far and the time left whenever that changes, and returns the token once the quorum
 * signed it. Gives up after `waitSeconds` (exit 5, timed out); a denial is the coordinator's
 * `request_denied` (exit 3), an expiry its `request_expired` (exit 5).
 *
 * @example
 * ```ts
 * const minted = await awaitApprovals(client, pending, 600, (line) => process.stderr.write(line));
 * ```
 */
export async function awaitApprovals(
  client: CoordinatorClient,
  pending: PendingMint,
  waitSeconds: number,
  progress: (line: string) => void,
): Promise<MintedToken> {
  const deadline = Date.now() + waitSeconds * 1000;
  progress(
    `waiting for ${pending.required_approvals} guardian approval(s) of request ${pending.request_id} ` +
      `(guardians: frostmint-guardian approve --request ${pending.request_id})\n`,
  );
  let last = '';
  for (;;) {
    const left = Math.ceil((deadline - Date.now()) / 1000);
    if (left <= 0) {
      throw new CliError(
        'approval_timeout',
        EXIT.timeout,
        `not approved within ${waitSeconds} s (request ${pending.request_id} may still be approved): run again with a longer --wait`,
      );
    }
    const outcome = await client.pollMint(
      pending.request_id,
      pending.request_secret,
      Math.min(25, left),
    );
    if (outcome.kind === 'minted') return outcome.token;
    const { approved_by, required_approvals, expires_in } = outcome.status;
    const line = `approved by ${approved_by.length ? approved_by.join(', ') : 'nobody yet'} (${approved_by.length} of ${required_approvals}), ${expires_in} s left`;
    if (line.replace(/, \d+ s left$/, '') !== last.replace(/, \d+ s left$/, '')) {
      progress(`${line}\n`);
      last = line;
    }
  }
}
