import { z } from 'zod';

/** The compiled entrypoint of the enrollment decision (see scripts/policy-build.sh). */
export const ENROLL_POLICY_ENTRYPOINT = 'frostmint/enroll/decision';

/**
 * Input of the enrollment decision. Every evaluator builds it from what it verified itself
 * (a signer: the certificate it is asked to sign and the WebAuthn registration).
 */
export const EnrollPolicyInputSchema = z
  .object({
    now: z.number().int().nonnegative(),
    requester: z
      .object({
        kind: z.literal('engineer'),
        subject: z.string().min(1),
        amr: z.array(z.string()).default([]),
      })
      .strict(),
    enrollment: z
      .object({
        roles: z.array(z.string().min(1)).min(1),
        /** Certificate lifetime, seconds. */
        lifetime: z.number().int().positive(),
      })
      .strict(),
    /** Ids of guardians whose approval of this enrollment verified. */
    approvals: z.array(z.string()).default([]),
  })
  .strict();
export type EnrollPolicyInput = z.input<typeof EnrollPolicyInputSchema>;

/** The enrollment decision, produced by `data.frostmint.enroll.decision`. */
export const EnrollDecisionSchema = z
  .object({
    allow: z.boolean(),
    reasons: z.array(z.string()),
    max_lifetime: z.number().int().nonnegative(),
    required_approvals: z.number().int().nonnegative(),
  })
  .strict();
export type EnrollDecision = z.infer<typeof EnrollDecisionSchema>;

/** The enrollment decision every failure turns into. */
export function denyEnrollment(reason: string): EnrollDecision {
  return { allow: false, reasons: [reason], max_lifetime: 0, required_approvals: 0 };
}
