import { DEFAULT_AUDIT_ORIGIN } from '@frostmint/core';
import { z } from 'zod';
import { WitnessPolicySchema } from './witness/config.ts';

/**
 * `audit` in the coordinator configuration: the transparency log (docs/audit.md). With the
 * section present the coordinator cuts checkpoints and has the signer quorum co-sign them.
 */
export const AuditConfigSchema = z
  .object({
    /** The log origin: first line of every checkpoint and the quorum's note key name. */
    origin: z
      .string()
      .regex(/^[^\s+]+$/)
      .default(DEFAULT_AUDIT_ORIGIN),
    /** A checkpoint is cut this often while the log grows (never when it did not). */
    checkpointIntervalMs: z.number().int().min(50).max(3_600_000).default(1000),
    /** … or as soon as this many entries were appended since the last one. */
    checkpointEntries: z.number().int().min(1).max(1_000_000).default(256),
    /**
     * Inclusion proofs go to the signers for at most this many of the newest entries per
     * checkpoint (from the oldest signer's last checkpoint on): each signer must see the
     * tokens it co-signed in it, and those are recent.
     */
    maxEntriesPerCheckpoint: z.number().int().min(1).max(2000).default(1000),
    /** External witnesses (C2SP tlog-witness) every checkpoint is submitted to (docs/audit.md). */
    witnessing: WitnessPolicySchema.optional(),
  })
  .strict();

export type AuditConfig = z.infer<typeof AuditConfigSchema>;
