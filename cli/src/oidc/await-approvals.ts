import { answerOf, callCoordinator, type MintedToken, type PendingAnswer } from './exchange.ts';
import { MINT_CI_EXIT, MintCiError } from './exit-codes.ts';

/** Where a waiting request stands (the coordinator's 202 poll answer). */
interface PollStatus {
  readonly status: string;
  readonly approved_by?: string[];
  readonly required_approvals?: number;
  readonly expires_in?: number;
}

/**
 * Waits for the guardian approvals a mint needs: long-polls `GET /v1/mint/requests/{id}/token`
 * with the request secret, tells `progress` who approved so far and the time left whenever
 * that changes, and returns the token once the quorum signed it. Gives up after
 * `waitSeconds` (exit 7); a denial or expiry is exit 7 too.
 *
 * @example
 * ```ts
 * const minted = await awaitApprovals(coordinator, pending, 600, (line) => process.stderr.write(line));
 * ```
 */
export async function awaitApprovals(
  coordinator: string,
  pending: PendingAnswer,
  waitSeconds: number,
  progress: (line: string) => void,
  get: typeof fetch = fetch,
): Promise<MintedToken> {
  const url = new URL(`/v1/mint/requests/${pending.request_id}/token`, coordinator);
  const deadline = Date.now() + waitSeconds * 1000;
  progress(
    `waiting for ${pending.required_approvals} guardian approval(s) of request ${pending.request_id} ` +
      `(guardians: frostmint-guardian approve --request ${pending.request_id})\n`,
  );
  let last = '';
  for (;;) {
    const left = Math.ceil((deadline - Date.now()) / 1000);
    if (left <= 0) {
      throw new MintCiError(
        MINT_CI_EXIT.notApproved,
        'approval_timeout',
        `not approved within ${waitSeconds} s (request ${pending.request_id} may still be approved)`,
      );
    }
    url.searchParams.set('wait', String(Math.min(25, left)));
    const response = await callCoordinator(
      url,
      { method: 'GET', headers: { authorization: `Bearer ${pending.request_secret}` } },
      get,
    );
    if (response.status === 202) {
      const status = (await response.json().catch(() => ({}))) as PollStatus;
      const line = `approved by ${status.approved_by?.length ? status.approved_by.join(', ') : 'nobody yet'} (${status.approved_by?.length ?? 0} of ${status.required_approvals ?? pending.required_approvals}), ${status.expires_in ?? '?'} s left`;
      if (line.replace(/, \d+ s left$/, '') !== last.replace(/, \d+ s left$/, '')) {
        progress(`${line}\n`);
        last = line;
      }
      continue;
    }
    const answer = await answerOf(response);
    if ('token' in answer) return answer;
  }
}
