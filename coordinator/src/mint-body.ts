import { TokenTtlSchema } from '@frostmint/core';
import { z } from 'zod';
import { InputText } from './http/input.ts';
import { RequesterAttestationBodySchema } from './mint-attestation.ts';

const scopeToken = InputText.regex(
  /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/,
  'scope tokens are printable ASCII without spaces, quotes or backslashes',
);

/**
 * Body of `POST /v1/mint` (and the common part of `POST /v1/mint/requests`).
 *
 * @example
 * ```ts
 * const body = parseInput(MintBodySchema, request.body, 'body');
 * ```
 */
export const MintBodySchema = z
  .object({
    scope: z.array(scopeToken).min(1).max(16),
    audience: InputText.min(1).max(256),
    ttl: TokenTtlSchema.optional(),
    justification: InputText.max(1024).optional(),
    /** Requester SEV-SNP evidence (docs/attestation.md, "Requester attestation"). */
    attestation: RequesterAttestationBodySchema.optional(),
  })
  .strict();
export type MintBody = z.infer<typeof MintBodySchema>;

/** The longest `POST /v1/mint` waits for a receipt when asked to, seconds. */
export const MAX_RECEIPT_WAIT_SECONDS = 30;

/**
 * Body of `POST /v1/mint`: {@link MintBodySchema} and `wait_for_receipt`, the seconds the
 * caller will wait for the token's receipt (issue 14). A body field, not `Prefer: wait=N`:
 * RFC 7240's `wait` bounds the time to answer *at all* (with `respond-async`), while this asks
 * for more in the answer; a field is also validated, documented in the OpenAPI schema and
 * typed in the SDKs like every other mint option. Absent, the mint answers as soon as the
 * token is logged, never slower.
 *
 * @example
 * ```ts
 * const { wait_for_receipt, ...body } = parseInput(OneStepMintBodySchema, request.body, 'body');
 * ```
 */
export const OneStepMintBodySchema = MintBodySchema.extend({
  wait_for_receipt: z.number().int().min(1).max(MAX_RECEIPT_WAIT_SECONDS).optional(),
}).strict();
