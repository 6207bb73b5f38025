import type { PolicyDecision } from './input.ts';

/**
 * Decides a mint's lifetime with policy: the requested TTL as asked, or — when the requester
 * asked for none — the deployment default, lowered to the policy's `max_ttl` when policy
 * objects to it, so any other reasons are what the requester sees. `decide` evaluates policy
 * for one TTL.
 *
 * @example
 * ```ts
 * const { ttl, decision } = decideLifetime((ttl) => engine.evaluate({ ...input, request: { ...req, ttl } }), {
 *   requested: body.ttl, defaultTtl: 900, maxTtl: 900,
 * });
 * ```
 */
export function decideLifetime(
  decide: (ttl: number) => PolicyDecision,
  limits: { requested: number | undefined; defaultTtl: number; maxTtl: number },
): { ttl: number; decision: PolicyDecision } {
  let ttl = Math.min(limits.requested ?? limits.defaultTtl, limits.maxTtl);
  let decision = decide(ttl);
  if (limits.requested === undefined && decision.reasons.includes('ttl_exceeds_max')) {
    ttl = decision.max_ttl;
    decision = decide(ttl);
  }
  return { ttl, decision };
}
