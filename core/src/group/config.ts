import { z } from 'zod';
import type { GroupPublicKey } from '../frost/types.ts';

const b64u32 = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected a 32-byte base64url value');

/**
 * The public group configuration every signer and coordinator holds after DKG: the group
 * key, its kid, the threshold and each signer's verifying share. Public, but integrity
 * matters: it is written only by the DKG ceremony.
 */
export const GroupConfigSchema = z
  .object({
    version: z.literal(1),
    kid: z.string().min(1),
    groupKey: b64u32,
    threshold: z.number().int().min(1).max(255),
    maxSigners: z.number().int().min(1).max(255),
    verifyingShares: z.record(z.string().regex(/^[1-9]\d{0,2}$/), b64u32),
    createdAt: z.string().datetime(),
  })
  .strict()
  .refine((g) => g.threshold <= g.maxSigners, 'threshold exceeds maxSigners')
  .refine(
    (g) => Object.keys(g.verifyingShares).length === g.maxSigners,
    'one verifying share per signer',
  );
export type GroupConfig = z.infer<typeof GroupConfigSchema>;

/**
 * Converts a group configuration to the FROST engine's `GroupPublicKey`.
 *
 * @example
 * ```ts
 * const group = loadGroup(groupPublicKeyOf(GroupConfigSchema.parse(json)));
 * ```
 */
export function groupPublicKeyOf(config: GroupConfig): GroupPublicKey {
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

/** Builds the group configuration for a `GroupPublicKey` and its kid. */
export function groupConfigOf(
  pub: GroupPublicKey,
  kid: string,
  createdAt = new Date(),
): GroupConfig {
  return {
    version: 1,
    kid,
    groupKey: Buffer.from(pub.groupKey).toString('base64url'),
    threshold: pub.threshold,
    maxSigners: pub.maxSigners,
    verifyingShares: Object.fromEntries(
      [...pub.verifyingShares].map(([id, key]) => [
        String(id),
        Buffer.from(key).toString('base64url'),
      ]),
    ),
    createdAt: createdAt.toISOString(),
  };
}

/** The participant ids of a group, ascending. */
export function participantsOf(config: GroupConfig): number[] {
  return Object.keys(config.verifyingShares)
    .map(Number)
    .sort((a, b) => a - b);
}
