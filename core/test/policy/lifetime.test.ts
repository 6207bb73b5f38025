import { describe, expect, it } from 'vitest';
import { decideLifetime, type PolicyDecision } from '../../src/index.ts';

/** A policy whose maximum is 600 s and that also refuses anything without approvals. */
const policy =
  (approved: boolean) =>
  (ttl: number): PolicyDecision => {
    const reasons = [
      ...(ttl > 600 ? ['ttl_exceeds_max'] : []),
      ...(approved ? [] : ['approvals_missing']),
    ];
    return {
      allow: reasons.length === 0,
      reasons,
      max_ttl: 600,
      required_approvals: approved ? 0 : 2,
      require_signer_attestation: false,
      require_requester_attestation: false,
    };
  };

describe('decideLifetime', () => {
  it('lowers the default to the policy maximum when the requester asked for no TTL', () => {
    const limits = { requested: undefined, defaultTtl: 900, maxTtl: 900 };
    expect(decideLifetime(policy(true), limits)).toMatchObject({
      ttl: 600,
      decision: { allow: true },
    });
  });

  it('keeps the other reasons visible after lowering', () => {
    const limits = { requested: undefined, defaultTtl: 900, maxTtl: 900 };
    const { ttl, decision } = decideLifetime(policy(false), limits);
    expect(ttl).toBe(600);
    expect(decision.reasons).toEqual(['approvals_missing']);
  });

  it('never lowers a TTL the requester asked for, and caps it at the deployment maximum', () => {
    expect(
      decideLifetime(policy(true), { requested: 900, defaultTtl: 900, maxTtl: 900 }).decision
        .reasons,
    ).toEqual(['ttl_exceeds_max']);
    expect(decideLifetime(policy(true), { requested: 300, defaultTtl: 900, maxTtl: 120 }).ttl).toBe(
      120,
    );
  });
});
