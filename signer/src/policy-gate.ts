import {
  decisionLogFields,
  ForbiddenError,
  mintPolicyInput,
  type PolicyEngine,
  type PolicyInput,
  scopesOf,
} from '@frostmint/core';
import type { Logger } from 'pino';
import type { CheckedSignRequest } from './sign-request.ts';

/**
 * The signer's own policy decision for a token it is asked to co-sign. The input is rebuilt
 * here from the verified request (never taken from the coordinator), the clock is this
 * signer's, and anything but an explicit allow refuses: `policy_denied`, or
 * `policy_mismatch` when the token names a different policy than the one loaded here.
 *
 * @example
 * ```ts
 * enforcePolicy(engine, checked, requester, { now, log });
 * ```
 */
export function enforcePolicy(
  engine: PolicyEngine,
  checked: CheckedSignRequest,
  requester: PolicyInput['requester'],
  context: { now: number; log: Logger },
): void {
  const { claims } = checked;
  if (claims.frostmint.policy !== engine.id) {
    throw new ForbiddenError(
      'policy_mismatch',
      `token names policy ${claims.frostmint.policy ?? '(none)'}, this signer enforces ${engine.id}`,
    );
  }
  const input = mintPolicyInput({
    requester,
    scopes: scopesOf(claims),
    audience: claims.aud,
    ttl: claims.exp - claims.iat,
    approvals: checked.approvals,
    now: context.now,
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
