import { z } from 'zod';

/** `none`: this signer cannot attest (policy decides whether that is acceptable). */
const NoneAttesterConfigSchema = z.object({ kind: z.literal('none') }).strict();

/** `snp`: an SEV-SNP guest; reports from configfs-tsm, else via a `/dev/sev-guest` helper. */
const SnpAttesterConfigSchema = z
  .object({
    kind: z.literal('snp'),
    /** configfs-tsm report directory (Linux ≥ 6.7, CONFIG_TSM_REPORTS). */
    configfsPath: z.string().min(1).default('/sys/kernel/config/tsm/report'),
    /** The SEV guest device, used through `sevGuestHelper` when configfs-tsm is missing. */
    sevGuestDevice: z.string().min(1).default('/dev/sev-guest'),
    /** VMPL to request reports at (configfs-tsm `privlevel`); the kernel's floor when absent. */
    vmpl: z.number().int().min(0).max(3).optional(),
    /**
     * argv of a program for kernels without configfs-tsm: it reads 64 bytes of REPORT_DATA on
     * stdin, issues SNP_GET_EXT_REPORT (or SNP_GET_REPORT) on the device, and writes the
     * 1184-byte report, optionally followed by the certificate table, to stdout.
     */
    sevGuestHelper: z.array(z.string().min(1)).min(1).optional(),
    helperTimeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  })
  .strict();

/**
 * The signer's `attestation` configuration, one of the attestation seam's implementations.
 *
 * @example
 * ```json
 * { "attestation": { "kind": "snp", "vmpl": 0 } }
 * ```
 */
export const AttesterConfigSchema = z.discriminatedUnion('kind', [
  NoneAttesterConfigSchema,
  SnpAttesterConfigSchema,
]);
export type AttesterConfig = z.infer<typeof AttesterConfigSchema>;
export type SnpAttesterConfig = z.infer<typeof SnpAttesterConfigSchema>;
