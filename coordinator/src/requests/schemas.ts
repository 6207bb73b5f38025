import { z } from 'zod';
import { Base64Url, InputJson, InputText } from '../http/input.ts';
import { MintBodySchema } from '../mint-body.ts';
import { resultKeyProblem } from './result-key.ts';

const subject = InputText.min(1)
  .max(256)
  .regex(/^[\x21-\x7E]+$/, 'a user id is printable ASCII without spaces');

/** A public key (JWK) the token of a request is sealed to: X25519 or P-256, usable for ECDH. */
export const ResultKeySchema = z
  .union([
    z.object({ kty: z.literal('OKP'), crv: z.literal('X25519'), x: Base64Url.length(43) }).strict(),
    z
      .object({
        kty: z.literal('EC'),
        crv: z.literal('P-256'),
        x: Base64Url.length(43),
        y: Base64Url.length(43),
      })
      .strict(),
  ])
  .superRefine((jwk, ctx) => {
    const problem = resultKeyProblem(jwk);
    if (problem) ctx.addIssue({ code: 'custom', message: `the result key ${problem}` });
  });

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
    id: Base64Url.min(1).max(1366),
    rawId: Base64Url.max(1366).optional(),
    type: z.literal('public-key'),
    authenticatorAttachment: InputText.max(32).optional(),
    clientExtensionResults: z.record(InputText, InputJson).optional(),
    response: z
      .object({
        clientDataJSON: Base64Url.min(1).max(8192),
        authenticatorData: Base64Url.min(37).max(8192),
        signature: Base64Url.min(1).max(2048),
        userHandle: Base64Url.max(128).optional().nullable(),
      })
      .strip(),
  })
  .strip();
export type AssertionBody = z.infer<typeof AssertionBodySchema>;

/** Body of `POST /v1/enrollments`. */
export const BeginEnrollmentBodySchema = z
  .object({
    user: subject,
    roles: z.array(InputText.min(1).max(64)).min(1).max(16),
  })
  .strict();

/**
 * Body of `POST /v1/enrollments/requests/{id}/id-token`: the IdP login that proves the
 * enrollment (a compact JWS; its `nonce` is the request's `id_token_nonce`).
 */
export const EnrollmentIdTokenBodySchema = z
  .object({
    id_token: InputText.min(1).max(16 * 1024),
  })
  .strict();

/** Body of `POST /v1/enrollments/renewals`. */
export const BeginRenewalBodySchema = z
  .object({ user: subject, credential_id: Base64Url.min(1).max(1366).optional() })
  .strict();

/** Body of `DELETE /v1/enrollments/{credentialId}`. */
export const RevokeBodySchema = z.object({ reason: InputText.min(1).max(256) }).strict();

/** Request ids are 16 random bytes, base64url. */
const RequestIdSchema = Base64Url.length(22);

/** Route parameters `{id}` of a request. */
export const RequestParamsSchema = z.object({ id: RequestIdSchema });

/** Route parameters `{credentialId}`: a WebAuthn credential id (at most 1023 bytes), base64url. */
export const CredentialParamsSchema = z.object({ credentialId: Base64Url.min(1).max(1366) });

/** Route parameters of a tap page: `/tap/{kind}/{id}`. */
export const TapPageParamsSchema = z.object({
  kind: z.enum(['mint', 'enroll', 'renew']),
  id: RequestIdSchema,
});
