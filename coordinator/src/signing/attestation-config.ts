import { AttestationVerifierConfigSchema } from '@frostmint/core';
import { z } from 'zod';

// Its own module (not signer-attestations.ts): config.ts needs the schema, and the attestation
// service imports the signer pool, which imports config.ts (an import cycle otherwise).

/** The coordinator's `attestation` configuration: how and how often signers are attested. */
export const CoordinatorAttestationConfigSchema = z
  .object({
    /** Trust anchors, requirements (measurement allow-list, minimum TCB …), VCEK sources. */
    verifier: AttestationVerifierConfigSchema.default({}),
    /** For requesters' evidence (their own measurements); `verifier` when absent. */
    requesterVerifier: AttestationVerifierConfigSchema.optional(),
    /** How often each signer is attested again, with a fresh nonce each time. */
    intervalMs: z.number().int().min(1_000).max(86_400_000).default(300_000),
    /** A verified verdict older than this no longer counts; default twice `intervalMs`. */
    maxAgeMs: z.number().int().min(1_000).max(172_800_000).optional(),
  })
  .strict();
export type CoordinatorAttestationConfig = z.infer<typeof CoordinatorAttestationConfigSchema>;
