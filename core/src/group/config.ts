import { z } from 'zod';
import { GuardianKeySchema } from '../ceremony/guardian-key.ts';
import { CEREMONY_KINDS } from '../ceremony/transcript.ts';
import type { GroupPublicKey } from '../frost/types.ts';

const b64u32 = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected a 32-byte base64url value');

/** What every version of the group configuration holds: the key and its verifying shares. */
const groupKeyFields = {
  kid: z.string().min(1),
  groupKey: b64u32,
  threshold: z.number().int().min(1).max(255),
  maxSigners: z.number().int().min(1).max(255),
  verifyingShares: z.record(z.string().regex(/^[1-9]\d{0,2}$/), b64u32),
};

const consistent = <T extends { threshold: number; maxSigners: number; verifyingShares: object }>(
  schema: z.ZodType<T>,
) =>
  schema
    .refine((g) => g.threshold <= g.maxSigners, 'threshold exceeds maxSigners')
    .refine(
      (g) => Object.keys(g.verifyingShares).length === g.maxSigners,
      'one verifying share per signer',
    );

/**
 * Version 1 (legacy): unsigned, no guardians. Written by DKG runs before guardian
 * ceremonies existed; still read, never written. Refresh and replace-signer refuse it.
 */
export const GroupConfigV1Schema = consistent(
  z.object({ version: z.literal(1), ...groupKeyFields, createdAt: z.string().datetime() }).strict(),
);
export type GroupConfigV1 = z.infer<typeof GroupConfigV1Schema>;

/**
 * Version 2: the group key, its verifying shares, the guardians fixed at the DKG ceremony
 * and the approvals a ceremony needs, the epoch (1 after DKG, +1 per refresh or signer
 * replacement) and the ceremony that produced it, signed by the group key itself (a FROST
 * signature of the quorum over `groupConfigSigningInput`, see `./signature.ts`).
 */
export const UnsignedGroupConfigV2Schema = z
  .object({
    version: z.literal(2),
    ...groupKeyFields,
    guardians: z
      .object({
        approvals: z.number().int().min(0).max(16),
        keys: z.array(GuardianKeySchema).max(16),
      })
      .strict(),
    epoch: z.number().int().min(1),
    ceremony: z
      .object({
        /** base64url transcript digest (the session id). */
        id: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
        kind: z.enum(CEREMONY_KINDS),
        /** The transcript's `createdAt`. */
        at: z.string().datetime(),
      })
      .strict(),
  })
  .strict();
export type UnsignedGroupConfigV2 = z.infer<typeof UnsignedGroupConfigV2Schema>;

export const GroupConfigV2Schema = consistent(
  UnsignedGroupConfigV2Schema.extend({
    /** base64url 64-byte Ed25519 signature (RFC 8032) by the group key. */
    signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/),
  }).strict(),
);
export type GroupConfigV2 = z.infer<typeof GroupConfigV2Schema>;

/** Any group configuration version this code reads, discriminated by `version`. */
export const GroupConfigSchema = z.union([GroupConfigV1Schema, GroupConfigV2Schema]);
export type GroupConfig = z.infer<typeof GroupConfigSchema>;

/**
 * Converts a group configuration to the FROST engine's `GroupPublicKey`.
 *
 * @example
 * ```ts
 * const group = loadGroup(groupPublicKeyOf(GroupConfigSchema.parse(json)));
 * ```
 */
export function groupPublicKeyOf(
  config: Pick<GroupConfig, 'threshold' | 'maxSigners' | 'groupKey' | 'verifyingShares'>,
): GroupPublicKey {
  return {
    threshold: config.threshold,
    maxSigners: config.maxSigners,
    groupKey: Buffer.from(config.groupKey, 'base64url'),
    verifyingShares: new Map(
      Object.entries(config.verifyingShares).map(([id, key]) => [
        Number(id),
        Buffer.from(key, 'base64url'),
      ]),
    ),
  };
}

/**
 * The key fields of a configuration for a `GroupPublicKey` and its kid.
 *
 * @example
 * ```ts
 * const fields = groupKeyFieldsOf(group, kid); // { kid, groupKey, threshold, maxSigners, verifyingShares }
 * ```
 */
export function groupKeyFieldsOf(pub: GroupPublicKey, kid: string) {
  return {
    kid,
    groupKey: Buffer.from(pub.groupKey).toString('base64url'),
    threshold: pub.threshold,
    maxSigners: pub.maxSigners,
    verifyingShares: Object.fromEntries(
      [...pub.verifyingShares]
        .sort(([a], [b]) => a - b)
        .map(([id, key]) => [String(id), Buffer.from(key).toString('base64url')]),
    ),
  };
}

/**
 * The participant ids of a group, ascending.
 *
 * @example
 * ```ts
 * participantsOf(config); // [1, 2, 3]
 * ```
 */
export function participantsOf(config: Pick<GroupConfig, 'verifyingShares'>): number[] {
  return Object.keys(config.verifyingShares)
    .map(Number)
    .sort((a, b) => a - b);
}
