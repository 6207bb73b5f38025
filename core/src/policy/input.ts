import { z } from 'zod';

/**
 * The policy input. Every evaluator builds it from verified evidence — a signer never takes
 * the coordinator's on trust — and passes its own clock as `now` (unix seconds).
 */
export const PolicyInputSchema = z
  .object({
    now: z.number().int().nonnegative(),
    requester: z
      .object({
        kind: z.enum(['engineer', 'ci', 'dev']),
        subject: z.string().min(1),
        /** Engineers: roles from their enrollment certificate. */
        roles: z.array(z.string()).default([]),
        amr: z.array(z.string()).default([]),
        /** CI: the verified ID-token claims (issuer, repository, ref, environment, workflow, …). */
        oidc: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      })
      .strict(),
    request: z
      .object({
        scopes: z.array(z.string()).min(1),
        audience: z.string().min(1),
        ttl: z.number().int().positive(),
        justification: z.string().optional(),
      })
      .strict(),
    /** Ids of guardians whose approval of this exact request verified. */
    approvals: z.array(z.string()).default([]),
    signer_attestation: z.object({ verified: z.boolean() }).passthrough().optional(),
    requester_attestation: z.object({ verified: z.boolean() }).passthrough().optional(),
  })
  .strict();
export type PolicyInput = z.input<typeof PolicyInputSchema>;

/** The decision: one object, produced by `data.frostmint.mint.decision`. */
export const PolicyDecisionSchema = z
  .object({
    allow: z.boolean(),
    reasons: z.array(z.string()),
    max_ttl: z.number().int().nonnegative(),
    required_approvals: z.number().int().nonnegative(),
    require_signer_attestation: z.boolean(),
    require_requester_attestation: z.boolean(),
  })
  .strict();
export type PolicyDecision = z.infer<typeof PolicyDecisionSchema>;

/** The decision every failure turns into: undefined or failed evaluation is deny. */
export function denyDecision(reason: string): PolicyDecision {
  return {
    allow: false,
    reasons: [reason],
    max_ttl: 0,
    required_approvals: 0,
    require_signer_attestation: false,
    require_requester_attestation: false,
  };
}
