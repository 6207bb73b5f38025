import { z } from 'zod';

/** The `keyRotation` section of the coordinator config (docs/operators/key-rotation.md). */
export const KeyRotationConfigSchema = z
  .object({
    /** How often the stored group configurations are read, milliseconds. */
    pollMs: z.number().int().min(100).max(60_000).default(1_000),
    /**
     * How long a next key must be in the JWKS before it may sign, seconds (the verifiers'
     * JWKS cache window). A switch before that needs `force`.
     */
    prepublishSeconds: z.number().int().min(0).max(86_400).default(300),
  })
  .strict();

/** The `keyRotation` section with its defaults applied. */
export type KeyRotationConfig = z.output<typeof KeyRotationConfigSchema>;
