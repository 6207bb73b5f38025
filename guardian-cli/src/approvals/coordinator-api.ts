import {
  FrostmintError,
  type GuardianBinding,
  TokenClaimsSchema,
  TokenHeaderSchema,
} from '@frostmint/core';
import { z } from 'zod';

const b64u = z.string().regex(/^[A-Za-z0-9_-]+$/);

/**
 * What a guardian signs, as the coordinator presents it; checked here field by field so a
 * hostile coordinator cannot slip in anything the summary would not show.
 */
const ApprovalSubjectSchema = z
  .object({
    header: TokenHeaderSchema,
    claims: TokenClaimsSchema.omit({ iat: true, nbf: true, exp: true, frostmint: true })
      .extend({ frostmint: z.object({ policy: z.string().max(128).optional() }).strict() })
      .strict(),
    ttl: z.number().int().min(1).max(900),
    notAfter: z.number().int().positive(),
  })
  .strict();

const approvalsSoFar = z.array(
  z.object({ guardian_kid: b64u, guardian: z.string().nullable() }).passthrough(),
);

/** One pending mint request from `GET /v1/approvals/pending`. */
const PendingMintSchema = z.object({
  kind: z.literal('mint').default('mint'),
  id: b64u,
  requester_kind: z.string(),
  justification: z.string().nullable(),
  reasons: z.array(z.string()),
  required_approvals: z.number().int().nonnegative(),
  approvals: approvalsSoFar,
  expires_at: z.number().int(),
  approval_subject: ApprovalSubjectSchema,
  oidc: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

/** What a guardian signs for an enrollment (core `EnrollmentApprovalSubject`), field by field. */
const EnrollmentSubjectSchema = z
  .object({
    v: z.literal(1),
    cert_id: b64u.max(43),
    sub: z.string().min(1).max(256),
    roles: z.array(z.string().min(1).max(64)).min(1).max(16),
    lifetime: z.number().int().positive(),
    kid: z.string().min(1).max(128),
    rp_id: z.string().min(1).max(253),
    notAfter: z.number().int().positive(),
  })
  .strict();

/** One pending enrollment (its policy requires guardian approvals). */
const PendingEnrollmentSchema = z.object({
  kind: z.literal('enrollment'),
  id: b64u,
  requester_kind: z.string(),
  reasons: z.array(z.string()),
  required_approvals: z.number().int().nonnegative(),
  approvals: approvalsSoFar,
  expires_at: z.number().int(),
  approval_subject: EnrollmentSubjectSchema,
});

/** One pending request from `GET /v1/approvals/pending`: a mint or an enrollment. */
export const PendingRequestSchema = z.union([PendingEnrollmentSchema, PendingMintSchema]);
export type PendingRequest = z.infer<typeof PendingRequestSchema>;

/**
 * The coordinator's guardian-approval API, over HTTP(S).
 *
 * @example
 * ```ts
 * const api = new ApprovalApi('https://mint.example');
 * const pending = await api.pending();
 * ```
 */
export class ApprovalApi {
  readonly #base: string;

  constructor(coordinator: string) {
    this.#base = coordinator;
  }

  async pending(): Promise<PendingRequest[]> {
    const body = await this.#call('GET', '/v1/approvals/pending');
    const parsed = z.object({ requests: z.array(PendingRequestSchema) }).safeParse(body);
    if (!parsed.success) {
      throw new FrostmintError(
        'coordinator_answer_invalid',
        `the coordinator's pending list is malformed: ${parsed.error.issues[0]?.message}`,
      );
    }
    return parsed.data.requests;
  }

  /** Submits a signed approval (`deny`: a signed refusal). */
  async answer(
    id: string,
    answer: { guardianKid: string; signature: Uint8Array },
    deny: boolean,
  ): Promise<unknown> {
    return this.#call('POST', `/v1/mint/requests/${id}/${deny ? 'denials' : 'approvals'}`, {
      guardian_kid: answer.guardianKid,
      signature: Buffer.from(answer.signature).toString('base64url'),
    });
  }

  /** Opens a WebAuthn credential registration for this guardian (the page URL to open). */
  async startRegistration(guardianKid: string): Promise<Registration> {
    const body = await this.#call('POST', '/v1/guardian-credentials/registrations', {
      guardian_kid: guardianKid,
    });
    return checked(RegistrationSchema, body, 'registration');
  }

  /** Where a registration stands (the registered credential, once the guardian tapped). */
  async registration(id: string): Promise<RegistrationStatus> {
    const body = await this.#call('GET', `/v1/guardian-credentials/registrations/${id}`);
    return checked(RegistrationStatusSchema, body, 'registration status');
  }

  /** Submits the binding the approval key signed. */
  async bind(id: string, binding: GuardianBinding): Promise<unknown> {
    return this.#call('POST', `/v1/guardian-credentials/registrations/${id}/binding`, { binding });
  }

  async #call(method: string, path: string, body?: unknown): Promise<unknown> {
    const url = new URL(path, this.#base);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
        redirect: 'error',
        signal: AbortSignal.timeout(15_000),
      });
    } catch (cause) {
      throw new FrostmintError(
        'coordinator_unreachable',
        `${method} ${url} failed: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
    const json = (await response.json().catch(() => null)) as {
      error?: string;
      message?: string;
    } | null;
    if (!response.ok) {
      throw new FrostmintError(
        `coordinator_refused`,
        `the coordinator refused: ${json?.error ?? response.status}: ${json?.message ?? ''}`.trim(),
      );
    }
    return json;
  }
}

const RegistrationSchema = z.object({
  registration_id: z.string().regex(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/),
  url: z.string().url(),
  expires_at: z.number().int(),
});
export type Registration = z.infer<typeof RegistrationSchema>;

const RegistrationStatusSchema = z.object({
  status: z.enum(['pending', 'registered', 'bound']),
  guardian_kid: b64u,
  rp_id: z.string().min(1).max(253),
  credential: z.object({ credential_id: b64u.max(1366), public_key: b64u.max(2048) }).optional(),
});
export type RegistrationStatus = z.infer<typeof RegistrationStatusSchema>;

function checked<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new FrostmintError(
      'coordinator_answer_invalid',
      `the coordinator's ${what} is malformed: ${parsed.error.issues[0]?.message}`,
    );
  }
  return parsed.data;
}
