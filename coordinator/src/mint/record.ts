import type { TokenClaims } from '@frostmint/core';
import type { AuditEntry, AuditLog } from '../audit/audit-log.ts';
import type { Metrics } from '../metrics.ts';

/** A denial as the audit log records it. */
export type DenialEntry = Omit<Extract<AuditEntry, { type: 'denial' }>, 'type'>;

/**
 * Records a refused mint in the audit log (every front end's denials look the same).
 *
 * @example
 * ```ts
 * await auditDenial(audit, { sub, aud, scope, policy: policy.id, reasons: ['scope_not_allowed'] });
 * ```
 */
export async function auditDenial(audit: AuditLog, entry: DenialEntry): Promise<void> {
  await audit.record({ type: 'denial', ...entry });
}

/**
 * Step 6 of the mint pipeline (record): the minted token's audit entry and the
 * `frostmint_mints_total{outcome="ok"}` count, before the token is delivered.
 *
 * @example
 * ```ts
 * await recordMint(audit, metrics, claims, policy.id);
 * ```
 */
export async function recordMint(
  audit: AuditLog,
  metrics: Metrics | undefined,
  claims: TokenClaims,
  policyId: string,
): Promise<void> {
  await audit.record({
    type: 'mint',
    jti: claims.jti,
    sub: claims.sub,
    aud: claims.aud,
    scope: claims.scope,
    exp: claims.exp,
    policy: policyId,
    signers: claims.frostmint.signers,
  });
  metrics?.mints.inc({ outcome: 'ok' });
}
