import { receiptSchema } from '@frostmint/core';
import { z } from 'zod';
import { B64u, ShownClaimsSchema, UnixSeconds } from './common.ts';

/** Body of `POST /v1/mint` (one-step mint: dev bearer, CI ID token). */
export interface MintBody {
  readonly scope: readonly string[];
  readonly audience: string;
  readonly ttl?: number;
  readonly justification?: string;
  /** Wait up to this many seconds (1–30) for the token's receipt and return it with the token. */
  readonly wait_for_receipt?: number;
}

/** `POST /v1/mint` 200, and the poll's 200: the signed token (RFC 6749 §5.1 names). */
export const MintedTokenSchema = z.looseObject({
  token: z.string().min(1),
  token_type: z.enum(['Bearer', 'DPoP']),
  expires_in: z.number().int().nonnegative(),
  expires_at: UnixSeconds,
  jti: z.string().min(1),
  /** With `wait_for_receipt`: the receipt, or null when no checkpoint covered the token in time. */
  receipt: receiptSchema.nullable().optional(),
});
export type MintedToken = z.infer<typeof MintedTokenSchema>;

/** `POST /v1/mint` 202: the mint waits for guardian approvals; poll with the secret. */
export const PendingMintSchema = z.looseObject({
  request_id: B64u,
  status: z.literal('pending'),
  request_secret: B64u,
  required_approvals: z.number().int().nonnegative(),
  expires_at: UnixSeconds,
});
export type PendingMint = z.infer<typeof PendingMintSchema>;

/** `GET /v1/mint/requests/{id}/token` 202: who approved so far and the time left. */
export const PollStatusSchema = z.looseObject({
  request_id: B64u,
  status: z.enum(['pending', 'approved']),
  approved_by: z.array(z.string()),
  required_approvals: z.number().int().nonnegative(),
  expires_in: z.number().int().nonnegative(),
});
export type PollStatus = z.infer<typeof PollStatusSchema>;

/** A P-256 or X25519 public key the two-step mint seals the token to (JWE ECDH-ES). */
export interface ResultKey {
  readonly kty: string;
  readonly crv: string;
  readonly x: string;
  readonly y?: string;
}

/** Body of `POST /v1/mint/requests` (two-step mint approved with a passkey tap). */
export interface PrepareMintBody extends MintBody {
  readonly user: string;
  readonly result_key?: ResultKey;
}

/** `POST /v1/mint/requests` 201: the token to approve and where to tap. */
export const PreparedMintSchema = z.looseObject({
  request_id: B64u,
  status: z.literal('pending'),
  status_reason: z.enum(['awaiting_approvals']).nullable(),
  claims: ShownClaimsSchema,
  required_approvals: z.number().int().nonnegative(),
  expires_at: UnixSeconds,
  tap_url: z.url(),
});
export type PreparedMint = z.infer<typeof PreparedMintSchema>;

/** `GET /v1/mint/requests/{id}`: where a two-step mint stands. */
export const MintRequestStatusSchema = z.looseObject({
  request_id: B64u,
  status: z.enum(['pending', 'approved', 'minted', 'denied', 'expired']),
  status_reason: z.string().nullable(),
  claims: ShownClaimsSchema,
  required_approvals: z.number().int().nonnegative(),
  approved_by: z.array(z.string()).optional(),
  expires_at: UnixSeconds,
  expires_in: z.number().int().nonnegative(),
  /** The token as a compact JWE to the request's result key, once minted. */
  sealed_token: z.string().optional(),
});
export type MintRequestStatus = z.infer<typeof MintRequestStatusSchema>;
