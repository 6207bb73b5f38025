import { DEFAULT_AUDIT_ORIGIN } from '@frostmint/core';
import { z } from 'zod';

/**
 * `audit` in the signer configuration: the audit log this signer witnesses. When the
 * section is present the signer also enforces "no token outside the log": a token or
 * certificate it co-signed must be proven in a checkpoint it co-signs within
 * `maxMergeDelaySeconds`, or it refuses to sign anything else (docs/audit-signers.md).
 */
export const SignerAuditConfigSchema = z
  .object({
    /** The log origin: the first line of every checkpoint it co-signs. */
    origin: z
      .string()
      .regex(/^[^\s+]+$/)
      .default(DEFAULT_AUDIT_ORIGIN),
    /** How long a co-signed token may stay out of every checkpoint this signer co-signed. */
    maxMergeDelaySeconds: z.number().int().min(1).max(86_400).default(10),
  })
  .strict();

export type SignerAuditConfig = z.infer<typeof SignerAuditConfigSchema>;
