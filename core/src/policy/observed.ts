import type { PolicyEngine } from './engine.ts';

/** What one evaluation decided: a mint (`evaluate`) or an enrollment, allowed or not. */
export interface PolicyEvaluation {
  readonly kind: 'mint' | 'enrollment';
  readonly allow: boolean;
}

/**
 * A `PolicyEngine` that reports every decision to `observe` (metrics count them) and
 * otherwise is `engine`. `observe` must not throw: it runs on the decision path.
 *
 * @example
 * ```ts
 * const counted = observedPolicyEngine(engine, (e) => evaluations.inc({ result: e.allow ? 'allow' : 'deny' }));
 * ```
 */
export function observedPolicyEngine(
  engine: PolicyEngine,
  observe: (evaluation: PolicyEvaluation) => void,
): PolicyEngine {
  return {
    get id() {
      return engine.id;
    },
    evaluate: (input) => {
      const decision = engine.evaluate(input);
      observe({ kind: 'mint', allow: decision.allow });
      return decision;
    },
    evaluateEnrollment: (input) => {
      const decision = engine.evaluateEnrollment(input);
      observe({ kind: 'enrollment', allow: decision.allow });
      return decision;
    },
  };
}
