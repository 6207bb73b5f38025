import { z } from 'zod';
import { B64u, UnixSeconds } from './common.ts';

/** `POST /v1/enrollments` 201 (operator credential): the enrollment to tap. */
export const PreparedEnrollmentSchema = z.looseObject({
  request_id: B64u,
  status: z.literal('pending'),
  status_reason: z.enum(['awaiting_approvals']).nullable(),
  user: z.string(),
  roles: z.array(z.string()),
  required_approvals: z.number().int().nonnegative(),
  expires_at: UnixSeconds,
  certificate_expires_at: UnixSeconds,
  tap_url: z.url(),
});
export type PreparedEnrollment = z.infer<typeof PreparedEnrollmentSchema>;

/**
 * `GET /v1/enrollments/requests/{id}` and `POST …/id-token`: where an enrollment stands.
 * While `status_reason` is `awaiting_id_token`, `id_token_nonce` and `idp` say how to prove it.
 */
export const EnrollmentStatusSchema = z.looseObject({
  request_id: B64u,
  status: z.enum(['pending', 'approved', 'enrolled', 'denied', 'expired']),
  /** Absent from the `enrolled` answer of `POST …/id-token` (it carries the certificate). */
  status_reason: z.string().nullable().default(null),
  required_approvals: z.number().int().nonnegative().optional(),
  approved_by: z.array(z.string()).optional(),
  expires_at: UnixSeconds.optional(),
  certificate_expires_at: UnixSeconds.optional(),
  id_token_nonce: B64u.optional(),
  idp: z.object({ issuer: z.url(), client_id: z.string().min(1) }).optional(),
});
export type EnrollmentStatus = z.infer<typeof EnrollmentStatusSchema>;

/** Body of `POST /v1/enrollments/renewals`. */
export interface BeginRenewalBody {
  readonly user: string;
  readonly credential_id?: string;
}

/** `POST /v1/enrollments/renewals` 201: the renewal to tap. */
export const RenewalBegunSchema = z.looseObject({
  request_id: B64u,
  status: z.literal('pending'),
  credential_id: B64u,
  tap_url: z.url(),
  certificate_expires_at: UnixSeconds,
  expires_at: UnixSeconds,
});
export type RenewalBegun = z.infer<typeof RenewalBegunSchema>;

/** `GET /v1/enrollments/renewals/{id}`: where a renewal stands. */
export const RenewalStatusSchema = z.looseObject({
  request_id: B64u,
  status: z.enum(['pending', 'renewed', 'denied', 'expired']),
  status_reason: z.string().nullable(),
  certificate_expires_at: UnixSeconds,
});
export type RenewalStatus = z.infer<typeof RenewalStatusSchema>;
