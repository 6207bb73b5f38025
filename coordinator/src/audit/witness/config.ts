import { z } from 'zod';

/**
 * The external witnesses a coordinator submits every checkpoint to (C2SP tlog-witness), and
 * how many of their cosignatures a checkpoint (and so a receipt) needs.
 *
 * @example
 * ```json
 * { "witnesses": [{ "name": "witness.example/w1", "url": "https://witness.example/w1",
 *     "key": "witness.example/w1+3a2b1c0d+BJ7…" }], "minCosignatures": 1 }
 * ```
 */
export const WitnessPolicySchema = z
  .object({
    witnesses: z
      .array(
        z
          .object({
            name: z.string().min(1),
            url: z.string().url(),
            /** C2SP verifier key, `name+<key id>+base64(0x04 ‖ public key)`. */
            key: z.string().min(1),
          })
          .strict(),
      )
      .max(32)
      .default([]),
    /** Witness cosignatures a checkpoint needs; below it is reported, never passed as witnessed. */
    minCosignatures: z.number().int().min(0).max(32).default(0),
    /** Deadline of one add-checkpoint request, milliseconds. */
    timeoutMs: z.number().int().min(100).max(60_000).default(5_000),
  })
  .strict()
  .refine((policy) => policy.minCosignatures <= policy.witnesses.length, {
    message: 'minCosignatures exceeds the number of witnesses',
  })
  .refine(
    (policy) => new Set(policy.witnesses.map((w) => w.name)).size === policy.witnesses.length,
    {
      message: 'two witnesses share a name',
    },
  );

export type WitnessPolicy = z.infer<typeof WitnessPolicySchema>;
