import {
  PolicyInputSchema,
  type TokenClaims,
  type TokenHeader,
  TokenHeaderSchema,
} from '@frostmint/core';
import { z } from 'zod';
import type { Requester } from '../auth/types.ts';
import { MintBodySchema } from '../mint.ts';
import type { JsonObject, MintRequest } from '../storage/index.ts';

/**
 * What a pending token request keeps in the store's `evidence` column beside the token:
 * how to resume the mint (the requester and its evidence for the signers, the request
 * body, the lifetime) and the SHA-256 of the requester's poll secret. Secrets are never
 * stored in the clear; the ID token is evidence the signers still have to see (it was
 * already used up at this coordinator's replay window).
 */
const PendingRecordSchema = z
  .object({
    requester: z
      .object({
        subject: z.string(),
        clientId: z.string(),
        amr: z.array(z.string()),
        policy: PolicyInputSchema.shape.requester,
        evidence: z.record(z.string(), z.unknown()),
      })
      .strict(),
    body: MintBodySchema,
    header: z.record(z.string(), z.unknown()),
    ttl: z.number().int().positive(),
    secretSha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict();

/** A pending token request, decoded. */
export interface PendingRecord {
  readonly requester: Requester;
  readonly body: z.infer<typeof MintBodySchema>;
  readonly header: TokenHeader;
  readonly claims: TokenClaims;
  readonly ttl: number;
  readonly secretSha256: string;
}

/**
 * The JSON stored for a pending request.
 *
 * @example
 * ```ts
 * await store.mintRequests.create({ …, evidence: encodePending(requester, body, header, ttl, digest) });
 * ```
 */
export function encodePending(
  requester: Requester,
  body: z.infer<typeof MintBodySchema>,
  header: TokenHeader,
  ttl: number,
  secretSha256: string,
): JsonObject {
  return JSON.parse(
    JSON.stringify({
      requester: {
        subject: requester.subject,
        clientId: requester.clientId,
        amr: requester.amr,
        policy: requester.policy,
        evidence: requester.evidence,
      },
      body,
      header,
      ttl,
      secretSha256,
    }),
  ) as JsonObject;
}

/**
 * Decodes a stored pending request (a row from any coordinator sharing the store).
 *
 * @example
 * ```ts
 * const pending = decodePending(await store.mintRequests.get(id));
 * ```
 */
export function decodePending(row: MintRequest): PendingRecord {
  const record = PendingRecordSchema.parse(row.evidence);
  return {
    requester: {
      subject: record.requester.subject,
      clientId: record.requester.clientId,
      amr: record.requester.amr,
      policy: record.requester.policy,
      evidence: record.requester.evidence as unknown as Requester['evidence'],
    },
    body: record.body,
    header: record.header as unknown as TokenHeader,
    claims: row.claims as unknown as TokenClaims,
    ttl: record.ttl,
    secretSha256: record.secretSha256,
  };
}

/**
 * The token a stored request stands for, whatever flow created it (this module's one-step
 * CI/dev mints, or the two-step WebAuthn mint): the header from its signing input and its
 * claims. This is all an approval needs, so guardians can approve either kind.
 *
 * @example
 * ```ts
 * const { header, claims } = requestToken(await store.mintRequests.get(id));
 * ```
 */
export function requestToken(row: MintRequest): { header: TokenHeader; claims: TokenClaims } {
  const [segment] = row.signingInput.split('.');
  const header = TokenHeaderSchema.parse(
    JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8')),
  );
  return { header, claims: row.claims as unknown as TokenClaims };
}

/**
 * The one-step record of a request, or undefined for a request another flow created.
 *
 * @example
 * ```ts
 * const record = maybePending(row); // undefined for a WebAuthn two-step request
 * ```
 */
export function maybePending(row: MintRequest): PendingRecord | undefined {
  return PendingRecordSchema.safeParse(row.evidence).success ? decodePending(row) : undefined;
}
