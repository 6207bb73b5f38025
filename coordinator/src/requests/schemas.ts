import { InvalidRequestError } from '@frostmint/core';
import { z } from 'zod';
import { MintBodySchema } from '../mint.ts';

const b64url = z.string().regex(/^[A-Za-z0-9_-]*$/, 'base64url without padding');
const subject = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\x21-\x7E]+$/, 'a user id is printable ASCII without spaces');

/** A public key (JWK) the token of a request is sealed to: X25519 or P-256. */
export const ResultKeySchema = z.union([
  z.object({ kty: z.literal('OKP'), crv: z.literal('X25519'), x: b64url.length(43) }).strict(),
  z
    .object({
      kty: z.literal('EC'),
      crv: z.literal('P-256'),
      x: b64url.length(43),
      y: b64url.length(43),
    })
    .strict(),
]);

/** Body of `POST /v1/mint/requests`. */
export const PrepareMintBodySchema = MintBodySchema.extend({
  /** The engineer (the token's `sub`); the tap must come from one of their credentials. */
  user: subject,
  /** Optional: seal the token to this key and keep it for `GET` (the CLI flow). */
  result_key: ResultKeySchema.optional(),
}).strict();
export type PrepareMintBody = z.infer<typeof PrepareMintBodySchema>;

/** Body of `POST /v1/mint/requests/{id}/assertion`: `PublicKeyCredential.toJSON()` (WebAuthn L3). */
export const AssertionBodySchema = z
  .object({
    id: b64url.min(1).max(1366),
    rawId: b64url.max(1366).optional(),
    type: z.literal('public-key'),
    authenticatorAttachment: z.string().max(32).optional(),
    clientExtensionResults: z.record(z.string(), z.unknown()).optional(),
    response: z
      .object({
        clientDataJSON: b64url.min(1).max(8192),
        authenticatorData: b64url.min(37).max(8192),
        signature: b64url.min(1).max(2048),
        userHandle: b64url.max(128).optional().nullable(),
      })
      .strip(),
  })
  .strip();
export type AssertionBody = z.infer<typeof AssertionBodySchema>;

/** Body of `POST /v1/enrollments`. */
export const BeginEnrollmentBodySchema = z
  .object({
    user: subject,
    roles: z.array(z.string().min(1).max(64)).min(1).max(16),
  })
  .strict();

/**
 * Body of `POST /v1/enrollments/requests/{id}/id-token`: the IdP login that proves the
 * enrollment (a compact JWS; its `nonce` is the request's `id_token_nonce`).
 */
export const EnrollmentIdTokenBodySchema = z
  .object({
    id_token: z
      .string()
      .min(1)
      .max(16 * 1024),
  })
  .strict();

/** Body of `POST /v1/enrollments/renewals`. */
export const BeginRenewalBodySchema = z
  .object({ user: subject, credential_id: b64url.min(1).max(1366).optional() })
  .strict();

/** Request ids are 16 random bytes, base64url. */
export const RequestIdSchema = b64url.length(22);

/**
 * Parses `value` with `schema` or throws `invalid_request` naming the first problem.
 *
 * @example
 * ```ts
 * const body = parseBody(PrepareMintBodySchema, request.body);
 * ```
 */
export function parseBody<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidRequestError(
      'invalid_request',
      `${issue?.path.join('.') || 'body'}: ${issue?.message}`,
    );
  }
  return parsed.data;
}
