import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { z } from 'zod';
import { canonicalJson } from '../canonical-json.ts';
import { InvalidRequestError } from '../errors.ts';
import { type PolicyData, parsePolicyData } from './data.ts';
import {
  denyEnrollment,
  ENROLL_POLICY_ENTRYPOINT,
  type EnrollDecision,
  EnrollDecisionSchema,
  type EnrollPolicyInput,
  EnrollPolicyInputSchema,
} from './enroll.ts';
import {
  denyDecision,
  type PolicyDecision,
  PolicyDecisionSchema,
  type PolicyInput,
  PolicyInputSchema,
} from './input.ts';

/** Where a process finds its policy: the compiled wasm and the data file. */
export const PolicyFilesSchema = z
  .object({ wasm: z.string().min(1), data: z.string().min(1) })
  .strict();

/** The compiled entrypoint (see scripts/policy-build.sh). */
export const POLICY_ENTRYPOINT = 'frostmint/mint/decision';

/** A loaded policy: evaluate per request; `id` names the exact bundle (wasm + data). */
export interface PolicyEngine {
  readonly id: string;
  /** Never throws: invalid input, undefined or failed evaluation all become a deny. */
  evaluate(input: PolicyInput): PolicyDecision;
  /** The enrollment decision (`frostmint/enroll/decision`); never throws, deny on failure. */
  evaluateEnrollment(input: EnrollPolicyInput): EnrollDecision;
}

/**
 * The policy id: `sha256:` + hex SHA-256 over a domain-separated encoding of the compiled
 * wasm and the canonical data — `"frostmint/policy/v1\0" ‖ u32be(len(wasm)) ‖ wasm ‖ JSON(data)`.
 * It appears in every token (`frostmint.policy`) and decision log line.
 */
export function policyId(wasm: Uint8Array, data: PolicyData): string {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(wasm.length);
  const h = createHash('sha256');
  h.update('frostmint/policy/v1\0').update(len).update(wasm).update(canonicalJson(data));
  return `sha256:${h.digest('hex')}`;
}

/**
 * Loads a compiled policy (OPA wasm) with its data, once; `evaluate` is then synchronous.
 *
 * @example
 * ```ts
 * const engine = await loadPolicyEngine({ wasm, data });
 * const decision = engine.evaluate({ now, requester, request, approvals: [] });
 * ```
 */
export async function loadPolicyEngine(options: {
  wasm: Uint8Array;
  data: unknown;
}): Promise<PolicyEngine> {
  const data = parsePolicyData(options.data);
  let policy: Awaited<ReturnType<typeof loadPolicy>>;
  try {
    policy = await loadPolicy(options.wasm);
  } catch (cause) {
    throw new InvalidRequestError('policy_wasm_invalid', 'the policy wasm does not load', {
      cause,
    });
  }
  policy.setData(data);
  return {
    id: policyId(options.wasm, data),
    evaluate(input) {
      const parsed = PolicyInputSchema.safeParse(input);
      if (!parsed.success) return denyDecision('policy_input_invalid');
      try {
        const result = policy.evaluate(parsed.data, POLICY_ENTRYPOINT) as { result?: unknown }[];
        const decision = PolicyDecisionSchema.safeParse(result[0]?.result);
        return decision.success ? decision.data : denyDecision('policy_undefined');
      } catch {
        return denyDecision('policy_error');
      }
    },
    evaluateEnrollment(input) {
      const parsed = EnrollPolicyInputSchema.safeParse(input);
      if (!parsed.success) return denyEnrollment('policy_input_invalid');
      try {
        const result = policy.evaluate(parsed.data, ENROLL_POLICY_ENTRYPOINT) as {
          result?: unknown;
        }[];
        const decision = EnrollDecisionSchema.safeParse(result[0]?.result);
        return decision.success ? decision.data : denyEnrollment('policy_undefined');
      } catch {
        return denyEnrollment('policy_error');
      }
    },
  };
}

/**
 * Loads `policy.wasm` and `data.json` from files.
 *
 * @example
 * ```ts
 * const engine = await loadPolicyFiles({ wasm: 'policy/build/policy.wasm', data: 'policy/data.json' });
 * ```
 */
export async function loadPolicyFiles(paths: {
  wasm: string;
  data: string;
}): Promise<PolicyEngine> {
  const [wasm, data] = await Promise.all([readFile(paths.wasm), readFile(paths.data, 'utf8')]);
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch (cause) {
    throw new InvalidRequestError('policy_data_invalid', `${paths.data} is not JSON`, { cause });
  }
  return loadPolicyEngine({ wasm, data: raw });
}

/**
 * The structured decision-log fields: policy id, digest of the canonical input, result and
 * reasons. No token, no evidence, no secrets.
 */
export function decisionLogFields(policy: string, input: PolicyInput, decision: PolicyDecision) {
  const inputDigest = createHash('sha256').update(canonicalJson(input)).digest('hex');
  return {
    policy,
    input_digest: `sha256:${inputDigest}`,
    allow: decision.allow,
    reasons: decision.reasons,
  };
}
