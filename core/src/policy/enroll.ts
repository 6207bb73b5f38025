import { z } from 'zod';

/** The compiled entrypoint of the enrollment decision (see scripts/policy-build.sh). */
export const ENROLL_POLICY_ENTRYPOINT = 'frostmint/enroll/decision';

/** The verified claims of an enrollment's ID token that policy may map to the engineer. */
export const EnrollIdTokenInputSchema = z
  .object({
    iss: z.string().min(1),
    sub: z.string().min(1),
    email: z.string().optional(),
    email_verified: z.boolean().optional(),
    preferred_username: z.string().optional(),
  })
  .strict();
export type EnrollIdTokenInput = z.infer<typeof EnrollIdTokenInputSchema>;

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
    /**
     * The IdP login that proves this enrollment, once its ID token verified and its nonce
     * matched the certificate request (`verifyEnrollmentIdToken`). Policy maps a claim of it
     * to the engineer (`data.config.enrollment.idp.subject_claim`).
     */
    id_token: EnrollIdTokenInputSchema.optional(),
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
    /**
     * What proves the enrollment is the engineer's, beyond the coordinator's word: an IdP
     * login naming them (`id_token`), the guardian approvals their roles demand
     * (`approvals`), or nothing (`none`; then `reasons` holds `enrollment_unproven`).
     */
    proof: z.enum(['id_token', 'approvals', 'none']),
  })
  .strict();
export type EnrollDecision = z.infer<typeof EnrollDecisionSchema>;

/** The enrollment decision every failure turns into. */
export function denyEnrollment(reason: string): EnrollDecision {
  return {
    allow: false,
    reasons: [reason],
    max_lifetime: 0,
    required_approvals: 0,
    proof: 'none',
  };
}
