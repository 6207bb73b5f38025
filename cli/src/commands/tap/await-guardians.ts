import { progress } from './common.ts';
import { waitFor } from './wait.ts';

/** Where a request waiting for guardian approvals stands (mint or enrollment status). */
export interface GuardianWaitStatus {
  status: string;
  required_approvals?: number;
  approved_by?: string[];
  /** Seconds left (mint requests). */
  expires_in?: number;
  /** Unix seconds (enrollments). */
  expires_at?: number;
}

/**
 * Waits (until the request expires) for the guardian approvals a mint or an enrollment
 * needs, printing "awaiting guardian approvals: 1 of 2 (alice) — 27 min left" whenever that
 * changes. Returns the status once the request is no longer waiting for them.
 *
 * @example
 * ```ts
 * const approved = await awaitGuardians(prepared, 'mint', statusOf);
 * if (approved.status !== 'approved') fail(approved);
 * ```
 */
export async function awaitGuardians<S extends GuardianWaitStatus>(
  prepared: { request_id: string; required_approvals: number; expires_at: number },
  noun: 'mint' | 'enrollment',
  statusOf: () => Promise<S>,
): Promise<S> {
  progress(
    `This ${noun} needs ${prepared.required_approvals} guardian approval(s). Guardians approve with:\n` +
      `  frostmint-guardian approve --coordinator <url> --request ${prepared.request_id}`,
  );
  let announced = '';
  const waitMs = Math.max(1, prepared.expires_at * 1000 - Date.now()) + 5_000;
  return waitFor(
    async () => {
      const status = await statusOf();
      if (status.status !== 'pending') return status;
      const by = status.approved_by ?? [];
      const left = status.expires_in ?? (status.expires_at ?? 0) - Math.floor(Date.now() / 1000);
      const minutes = Math.ceil(Math.max(0, left) / 60);
      const required = status.required_approvals ?? prepared.required_approvals;
      const line = `awaiting guardian approvals: ${by.length} of ${required}${by.length ? ` (${by.join(', ')})` : ''} — ${minutes} min left`;
      if (line !== announced) progress(line);
      announced = line;
      return undefined;
    },
    { timeoutMs: waitMs, what: 'guardian approvals' },
  );
}
