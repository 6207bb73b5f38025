import { observedPolicyEngine, type PolicyEngine, type PolicyEvaluation } from '@frostmint/core';
import type { Metrics } from './metrics.ts';

/**
 * Counts every policy decision into `frostmint_policy_evaluations_total{kind,result}`.
 *
 * @example
 * ```ts
 * const engine = countedEngine(rollout.live, metrics);
 * ```
 */
export function countedEngine(
  engine: PolicyEngine,
  metrics: Pick<Metrics, 'policyEvaluations'>,
): PolicyEngine {
  return observedPolicyEngine(engine, count(metrics));
}

/**
 * A `{ current }` holder (the policy rollout) whose engine counts its decisions; the
 * wrapper follows the holder when a rollout switches the policy in force.
 *
 * @example
 * ```ts
 * const mints = new MintService({ ...options, policy: countedPolicy(rollout, metrics) });
 * ```
 */
export function countedPolicy(
  holder: { readonly current: PolicyEngine },
  metrics: Pick<Metrics, 'policyEvaluations'>,
): { readonly current: PolicyEngine } {
  const observe = count(metrics);
  let wrapped: { engine: PolicyEngine; counted: PolicyEngine } | undefined;
  return {
    get current() {
      const engine = holder.current;
      if (wrapped?.engine !== engine)
        wrapped = { engine, counted: observedPolicyEngine(engine, observe) };
      return wrapped.counted;
    },
  };
}

function count(metrics: Pick<Metrics, 'policyEvaluations'>) {
  for (const kind of ['mint', 'enrollment'])
    for (const result of ['allow', 'deny']) metrics.policyEvaluations.inc({ kind, result }, 0);
  return (e: PolicyEvaluation) =>
    metrics.policyEvaluations.inc({ kind: e.kind, result: e.allow ? 'allow' : 'deny' });
}
