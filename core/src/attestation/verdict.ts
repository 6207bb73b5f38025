import { z } from 'zod';
import type { ErrorCodeWithStatus } from '../error-codes.ts';
import type { AttestationVerdict } from '../policy/input.ts';
import { AttestationRejectedError } from './errors.ts';
import { PRODUCTS } from './product.ts';

/** Every check an SNP verdict reports, always all of them, in this order. */
export const CHECK_IDS = [
  'product',
  'cert_chain',
  'cert_validity',
  'vcek_tcb',
  'vcek_hwid',
  'report_signature',
  'guest_policy',
  'minimum_tcb',
  'vmpl',
  'measurement',
  'report_data',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/** The stable error code `assertVerified` raises for a failed check. */
export const CHECK_ERROR_CODES: Record<
  CheckId,
  ErrorCodeWithStatus<403> & `attestation_${string}`
> = {
  product: 'attestation_product',
  cert_chain: 'attestation_cert_chain',
  cert_validity: 'attestation_cert_expired',
  vcek_tcb: 'attestation_vcek_tcb',
  vcek_hwid: 'attestation_vcek_hwid',
  report_signature: 'attestation_signature',
  guest_policy: 'attestation_guest_policy',
  minimum_tcb: 'attestation_tcb_too_low',
  vmpl: 'attestation_vmpl',
  measurement: 'attestation_measurement',
  report_data: 'attestation_report_data',
};

/** `skipped`: not configured (no allow-list, no binding given); never hides a failure. */
export const CheckResultSchema = z
  .object({
    id: z.enum(CHECK_IDS),
    status: z.enum(['pass', 'fail', 'skipped']),
    reason: z.string(),
  })
  .strict();
export type CheckResult = z.infer<typeof CheckResultSchema>;

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));
const u8 = z.number().int().min(0).max(255);

/** A TCB_VERSION: `raw` is the u64 value as 16 hex digits; SPLs decoded per product. */
export const TcbSchema = z
  .object({
    raw: hex(8),
    bootloader: u8,
    tee: u8,
    snp: u8,
    microcode: u8,
    fmc: u8.nullable(),
  })
  .strict();

/** The verdict on an SEV-SNP report: what it says, and whether each check passed. */
export const SnpVerdictSchema = z
  .object({
    kind: z.literal('snp'),
    /** True when no check failed. */
    verified: z.boolean(),
    /** From the VCEK (or, without one, from the report's CPUID / chip id); null if unknown. */
    product: z.enum(PRODUCTS).nullable(),
    report_version: z.union([z.literal(2), z.literal(3)]),
    measurement: hex(48),
    host_data: hex(32),
    report_data: hex(64),
    chip_id: hex(64),
    family_id: hex(16),
    image_id: hex(16),
    id_key_digest: hex(48),
    author_key_digest: hex(48),
    report_id: hex(32),
    report_id_ma: hex(32),
    guest_svn: z.number().int().nonnegative(),
    vmpl: z.number().int().nonnegative(),
    policy: z
      .object({
        raw: hex(8),
        abi_major: u8,
        abi_minor: u8,
        smt: z.boolean(),
        migrate_ma: z.boolean(),
        debug: z.boolean(),
        single_socket: z.boolean(),
        cxl_allow: z.boolean(),
        mem_aes_256_xts: z.boolean(),
        rapl_dis: z.boolean(),
        ciphertext_hiding: z.boolean(),
      })
      .strict(),
    platform: z
      .object({
        smt_enabled: z.boolean(),
        tsme_enabled: z.boolean(),
        ecc_enabled: z.boolean(),
        rapl_disabled: z.boolean(),
        ciphertext_hiding_enabled: z.boolean(),
        alias_check_complete: z.boolean().nullable(),
      })
      .strict(),
    signing_key: z.enum(['vcek', 'vlek', 'none']),
    tcb: z
      .object({ reported: TcbSchema, current: TcbSchema, committed: TcbSchema, launch: TcbSchema })
      .strict(),
    /** Firmware versions as `major.minor.build`. */
    firmware: z.object({ current: z.string(), committed: z.string() }).strict(),
    cpuid: z.object({ family: u8, model: u8, stepping: u8 }).strict().nullable(),
    /** Where the VCEK came from; null when none was found. */
    vcek_source: z.enum(['evidence', 'directory', 'kds']).nullable(),
    checks: z.array(CheckResultSchema).length(CHECK_IDS.length),
  })
  .strict();
export type SnpVerdict = z.infer<typeof SnpVerdictSchema>;

/** The verdict on `none` evidence: nothing attested, never verified. */
export const NoneVerdictSchema = z
  .object({ kind: z.literal('none'), verified: z.literal(false), reason: z.string() })
  .strict();
export type NoneVerdict = z.infer<typeof NoneVerdictSchema>;

/** A verdict on evidence of either kind; `policyVerdict` turns it into policy input. */
export const EvidenceVerdictSchema = z.discriminatedUnion('kind', [
  SnpVerdictSchema,
  NoneVerdictSchema,
]);
export type EvidenceVerdict = z.infer<typeof EvidenceVerdictSchema>;

/**
 * Throws unless `verdict` is verified: the error carries the first failed check's code.
 *
 * @throws AttestationRejectedError e.g. `attestation_signature`, or `attestation_missing` for `none`.
 * @example
 * ```ts
 * assertVerified(await verifyEvidence(evidence, options)); // throws on any failed check
 * ```
 */
export function assertVerified(verdict: EvidenceVerdict): void {
  if (verdict.kind === 'none') {
    throw new AttestationRejectedError('attestation_missing', verdict.reason);
  }
  const failed = verdict.checks.find((c) => c.status === 'fail');
  if (failed) {
    throw new AttestationRejectedError(
      CHECK_ERROR_CODES[failed.id],
      `${failed.id}: ${failed.reason}`,
    );
  }
}

/**
 * The policy-input view of a verdict (`signer_attestation`, `requester.attestation` in
 * `PolicyInputSchema`): `verified`, and for SEV-SNP the product, measurement and reported TCB.
 *
 * @example
 * ```ts
 * const input = { ...rest, signer_attestation: policyVerdict(await verifyEvidence(evidence, options)) };
 * ```
 */
export function policyVerdict(verdict: EvidenceVerdict): AttestationVerdict {
  if (verdict.kind === 'none') return { verified: false };
  const { raw: _raw, fmc, ...spls } = verdict.tcb.reported;
  return {
    verified: verdict.verified,
    ...(verdict.product === null ? {} : { product: verdict.product }),
    measurement: verdict.measurement,
    tcb: fmc === null ? spls : { ...spls, fmc },
  };
}
