import { TokenTtlSchema } from '@frostmint/core';
import { z } from 'zod';
import { InputText } from './http/input.ts';
import { RequesterAttestationBodySchema } from './mint-attestation.ts';

// Its own module (not mint.ts): the approval types need the body without the mint service,
// which imports them (an import cycle otherwise).

const scopeToken = InputText.regex(
  /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/,
  'scope tokens are printable ASCII without spaces, quotes or backslashes',
);

/** Body of `POST /v1/mint`. */
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
