import { PolicyInputSchema, type TokenClaims, type TokenHeader } from '@frostmint/core';
import { z } from 'zod';
import type { Requester } from '../auth/types.ts';
import { MintBodySchema } from '../mint-body.ts';
import type { JsonObject, MintRequest } from '../storage/index.ts';

/**
 * What a polled mint (kind `polled_mint`) keeps in the store's `evidence` column beside the token:
 * how to resume the mint (the requester and its evidence for the signers, the request
 * body, the lifetime, the requester's address for policy) and the SHA-256 of the
 * requester's poll secret. Secrets are never
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
    /** Absent in a record stored before addresses were recorded. */
    sourceAddress: z.string().optional(),
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
  /** The requester's address when it asked; null when the record predates addresses. */
  readonly sourceAddress: string | null;
}

/**
 * The JSON stored for a pending request.
 *
 * @example
 * ```ts
 * await store.mintRequests.create({ …, evidence: encodePending(requester, body, header, ttl, digest, '10.1.2.3') });
 * ```
 */
export function encodePending(
  requester: Requester,
  body: z.infer<typeof MintBodySchema>,
  header: TokenHeader,
  ttl: number,
  secretSha256: string,
  sourceAddress: string,
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
      sourceAddress,
    }),
  ) as JsonObject;
}

/**
 * Decodes the record of a stored polled mint (a row from any coordinator sharing the
 * store); only `requests/kinds.ts` calls it, once per read.
 *
 * @example
 * ```ts
 * const pending = decodePending(row);
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
    sourceAddress: record.sourceAddress ?? null,
  };
}
