import type { TokenClaims } from '@frostmint/core';
import type { AuditEntry, AuditLog, SigningFacts } from '../audit/audit-log.ts';
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

/** What {@link recordMint} records. */
export interface MintRecord {
  readonly claims: TokenClaims;
  readonly policyId: string;
  /** Token and signing-input hashes, evidence digests, approving guardians. */
  readonly facts: SigningFacts;
}

/**
 * Step 6 of the mint pipeline (record): the minted token's audit entry and the
 * `frostmint_mints_total{outcome="ok"}` count, before the token is delivered.
 *
 * @example
 * ```ts
 * const facts = { ...signedDigests(jws, message), evidence: evidenceDigests(evidence), approvals: [] };
 * await recordMint(audit, metrics, { claims, policyId: policy.id, facts });
 * ```
 */
export async function recordMint(
  audit: AuditLog,
  metrics: Metrics | undefined,
  { claims, policyId, facts }: MintRecord,
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
    ...facts,
  });
  metrics?.mints.inc({ outcome: 'ok' });
}
