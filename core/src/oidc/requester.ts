import type { PolicyInput } from '../policy/input.ts';
import { EVIDENCE_CLAIMS } from '../token/evidence-claims.ts';
import type { VerifiedIdToken } from './verify.ts';

/** Claims that vary per token and say nothing about who the job is. */
const OMITTED = new Set(['exp', 'iat', 'nbf', 'jti']);

/**
 * The requester policy sees for a verified CI ID token — one derivation shared by the
 * coordinator and every signer, so all of them decide on the same input. `oidc` holds the
 * token's scalar claims (repository, ref, environment, workflow, …) plus `issuer`, which is
 * the verified `iss` (set last: a claim named `issuer` inside the token cannot override it);
 * the CI rules of `policy/data.json` match on these.
 *
 * @example
 * ```ts
 * const requester = ciRequester(await verifier.verify(idToken, now));
 * requester.oidc?.repository; // 'acme/app'
 * ```
 */
export function ciRequester(verified: VerifiedIdToken): PolicyInput['requester'] {
  const oidc: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(verified.claims)) {
    if (OMITTED.has(name)) continue;
    if (typeof value === 'string' || typeof value === 'boolean') oidc[name] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) oidc[name] = value;
  }
  oidc.issuer = verified.issuer.issuer;
  const { amr } = EVIDENCE_CLAIMS.oidc;
  return { kind: 'ci', subject: verified.claims.sub, roles: [], amr: [...amr], oidc };
}
