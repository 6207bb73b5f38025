import { z } from 'zod';

/**
 * The relying party every WebAuthn check is made against (WebAuthn §5.1.3 step 9–10 and
 * §7.2 steps 13–15): the RP ID and the origins the tap page is served from. Coordinator and
 * signers each read it from their own configuration; a signer never takes it from the
 * coordinator.
 */
export const WebAuthnConfigSchema = z
  .object({
    /** RP ID: the registrable domain (or `localhost`) the credentials are scoped to. */
    rpId: z.string().min(1).max(253),
    /** Human-readable RP name shown by authenticators at registration. */
    rpName: z.string().min(1).max(64).default('frostmint'),
    /** Exact origins (scheme://host[:port]) of the tap page. */
    origins: z.array(z.string().url()).min(1).max(8),
    /** Lifetime of a WebAuthn challenge (and of a pending mint request waiting for a tap). */
    challengeTtlSeconds: z.number().int().min(30).max(900).default(300),
    /** Lifetime of an enrollment certificate (short; see docs/webauthn.md). */
    certificateLifetimeSeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 24 * 3600)
      .default(24 * 3600),
  })
  .strict();
export type WebAuthnConfig = z.infer<typeof WebAuthnConfigSchema>;
export type WebAuthnConfigInput = z.input<typeof WebAuthnConfigSchema>;
