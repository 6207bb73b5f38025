import { TokenClaimsSchema, TokenHeaderSchema } from '@frostmint/core';
import { z } from 'zod';
import { B64u, UnixSeconds } from './common.ts';

/**
 * What a guardian signs for a mint, as the coordinator presents it; checked field by field
 * (strict) so a hostile coordinator cannot slip in anything a summary would not show.
 */
export const MintApprovalSubjectSchema = z
  .object({
    header: TokenHeaderSchema,
    claims: TokenClaimsSchema.omit({ iat: true, nbf: true, exp: true, frostmint: true })
      .extend({ frostmint: z.object({ policy: z.string().max(128).optional() }).strict() })
      .strict(),
    ttl: z.number().int().min(1).max(900),
    notAfter: z.number().int().positive(),
  })
  .strict();

/** What a guardian signs for an enrollment (core `EnrollmentApprovalSubject`), field by field. */
export const EnrollmentApprovalSubjectSchema = z
  .object({
    v: z.literal(1),
    cert_id: B64u.max(43),
    sub: z.string().min(1).max(256),
    roles: z.array(z.string().min(1).max(64)).min(1).max(16),
    lifetime: z.number().int().positive(),
    kid: z.string().min(1).max(128),
    rp_id: z.string().min(1).max(253),
    notAfter: z.number().int().positive(),
  })
  .strict();

const ApprovalsSoFarSchema = z.array(
  z.looseObject({ guardian_kid: B64u, guardian: z.string().nullable() }),
);

/** One pending mint request from `GET /v1/approvals/pending`. */
export const PendingMintViewSchema = z.object({
  kind: z.literal('mint').default('mint'),
  id: B64u,
  requester_kind: z.string(),
  justification: z.string().nullable(),
  reasons: z.array(z.string()),
  required_approvals: z.number().int().nonnegative(),
  approvals: ApprovalsSoFarSchema,
  expires_at: UnixSeconds,
  approval_subject: MintApprovalSubjectSchema,
  oidc: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
export type PendingMintView = z.infer<typeof PendingMintViewSchema>;

/** One pending enrollment (its policy requires guardian approvals). */
export const PendingEnrollmentViewSchema = z.object({
  kind: z.literal('enrollment'),
  id: B64u,
  requester_kind: z.string(),
  reasons: z.array(z.string()),
  required_approvals: z.number().int().nonnegative(),
  approvals: ApprovalsSoFarSchema,
  expires_at: UnixSeconds,
  approval_subject: EnrollmentApprovalSubjectSchema,
});
export type PendingEnrollmentView = z.infer<typeof PendingEnrollmentViewSchema>;

/** One pending request from `GET /v1/approvals/pending`: a mint or an enrollment. */
export const PendingRequestSchema = z.union([PendingEnrollmentViewSchema, PendingMintViewSchema]);
export type PendingRequest = z.infer<typeof PendingRequestSchema>;

/** `GET /v1/approvals/pending`. */
export const PendingListSchema = z.object({ requests: z.array(PendingRequestSchema) });

/** A guardian's signed answer: `POST /v1/mint/requests/{id}/approvals` or `/denials`. */
export interface GuardianAnswer {
  /** RFC 7638 thumbprint of the guardian's approval key. */
  readonly guardianKid: string;
  /** ES256 `r‖s` over the approval (or denial) digest. */
  readonly signature: Uint8Array;
}

/** What the coordinator answers to an approval (counts) or a denial (`status`). */
export const AnswerResultSchema = z.looseObject({
  approvals: z.number().int().nonnegative().optional(),
  required: z.number().int().nonnegative().optional(),
  status: z.string().optional(),
});
export type AnswerResult = z.infer<typeof AnswerResultSchema>;

/** `POST /v1/guardian-credentials/registrations`: the page where the guardian taps. */
export const GuardianRegistrationSchema = z.object({
  registration_id: z.string().regex(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/),
  url: z.url(),
  expires_at: UnixSeconds,
});
export type GuardianRegistration = z.infer<typeof GuardianRegistrationSchema>;

/** `GET /v1/guardian-credentials/registrations/{id}`: the credential, once registered. */
export const GuardianRegistrationStatusSchema = z.object({
  status: z.enum(['pending', 'registered', 'bound']),
  guardian_kid: B64u,
  rp_id: z.string().min(1).max(253),
  credential: z.object({ credential_id: B64u.max(1366), public_key: B64u.max(2048) }).optional(),
});
export type GuardianRegistrationStatus = z.infer<typeof GuardianRegistrationStatusSchema>;
