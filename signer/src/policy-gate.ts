import {
  type AttestationVerdict,
  decisionLogFields,
  ForbiddenError,
  mintPolicyInput,
  type PolicyHolder,
  type PolicyInput,
  scopesOf,
} from '@frostmint/core';
import type { Logger } from 'pino';
import type { CheckedSignRequest } from './sign-request.ts';

/**
 * The signer's own policy decision for a token it is asked to co-sign. The input is rebuilt
 * here from the verified request (never taken from the coordinator), the clock is this
 * signer's, and anything but an explicit allow refuses: `policy_denied`, or
 * `policy_mismatch` when the token names a policy this signer does not enforce (neither the
 * one in force nor, during its grace period, the one a bundle update just replaced).
 *
 * @example
 * ```ts
 * enforcePolicy(holder, checked, requester, { now, log });
 * ```
 */
export function enforcePolicy(
  policy: Pick<PolicyHolder, 'current' | 'resolve'>,
  checked: CheckedSignRequest,
  requester: PolicyInput['requester'],
  context: {
    now: number;
    log: Logger;
    /** This signer's own verdict and the requester's, verified here. */
    attestation?: { signer: AttestationVerdict; requester?: AttestationVerdict };
  },
): void {
  const { claims } = checked;
  const engine = claims.frostmint.policy ? policy.resolve(claims.frostmint.policy) : undefined;
  if (!engine) {
    throw new ForbiddenError(
      'policy_mismatch',
      `token names policy ${claims.frostmint.policy ?? '(none)'}, this signer enforces ${policy.current.id}`,
    );
  }
  const input = mintPolicyInput({
    requester,
    scopes: scopesOf(claims),
    audience: claims.aud,
    ttl: claims.exp - claims.iat,
    approvals: checked.approvals,
    now: context.now,
    dpopBound: checked.dpopBound,
    ...(context.attestation
      ? {
          signerAttestation: context.attestation.signer,
          ...(context.attestation.requester
            ? { requesterAttestation: context.attestation.requester }
            : {}),
        }
      : {}),
  });
  const decision = engine.evaluate(input);
  context.log.info(
    { decision: decisionLogFields(engine.id, input, decision), jti: claims.jti },
    'policy decision',
  );
  if (!decision.allow) {
    throw new ForbiddenError(
      'policy_denied',
      `policy denies this token: ${decision.reasons.join(', ')}`,
    );
  }
}
