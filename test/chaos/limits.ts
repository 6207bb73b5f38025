/**
 * What must hold after a chaos run (issue 19's table). Timing limits apply to the full
 * run only (`npm run chaos`): the short vitest form checks the counts, and prints the
 * times, because the shared test machine's timing is not the product's.
 */
const COUNTS: Record<string, (v: number) => boolean> = {
  chaos_signer_kill_failed_mints: (v) => v === 0,
  chaos_quorum_loss_minted: (v) => v === 0,
  chaos_quorum_loss_other_answers: (v) => v === 0,
  chaos_quorum_loss_readyz_ready: (v) => v === 0,
  chaos_signer_freeze_failed_mints: (v) => v === 0,
  chaos_clock_skew_failed_mints: (v) => v === 0,
  chaos_clock_skew_degraded_shown: (v) => v === 1,
  chaos_coordinator_kill_tokens_missing: (v) => v === 0,
  chaos_disk_full_minted: (v) => v === 0,
  chaos_disk_full_other_answers: (v) => v === 0,
  chaos_disk_full_readyz_ready: (v) => v === 0,
  store_fsync: (v) => v === 1,
  chaos_audit_quorum_loss_entries: (v) => v > 0,
  chaos_signer_logs_damaged: (v) => v === 0,
  chaos_tokens_missing_from_signer_logs: (v) => v === 0,
};

const TIMES: Record<string, (v: number) => boolean> = {
  chaos_signer_rejoin_s: (v) => v <= 3,
  chaos_quorum_rejoin_s: (v) => v <= 3,
  chaos_signer_freeze_inflight_p99_ms: (v) => v <= 1_000,
  chaos_coordinator_restart_s: (v) => v <= 10,
};

/**
 * The results that break a limit, as `name: value` strings; with `partial` (a run of some
 * experiments only) a result that is missing breaks nothing.
 *
 * @example
 * ```ts
 * expect(violations(results, { times: false })).toEqual([]);
 * ```
 */
export function violations(
  results: Record<string, number>,
  options: { times?: boolean; partial?: boolean } = {},
): string[] {
  const limits = { ...COUNTS, ...(options.times === false ? {} : TIMES) };
  return Object.entries(limits)
    .filter(([name]) => !options.partial || name in results)
    .filter(([name, holds]) => !(name in results) || !holds(results[name]!))
    .map(([name]) => `${name}: ${results[name] ?? 'missing'}`);
}
