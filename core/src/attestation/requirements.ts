import { z } from 'zod';
import { AttestationFormatError } from './errors.ts';
import { PRODUCTS } from './product.ts';

const spl = z.number().int().min(0).max(255);

/** Minimum SPLs of one product line; `fmc` applies to Turin only. */
const TcbMinimumSchema = z
  .object({ bootloader: spl, tee: spl, snp: spl, microcode: spl, fmc: spl.optional() })
  .strict();

/**
 * What a verifier demands of a report beyond the cryptography, in the shape policy data
 * carries it (snake_case, JSON). Guest debugging is never allowed and has no setting.
 */
export const AttestationRequirementsSchema = z
  .object({
    /** Product lines accepted; all bundled ones when absent. */
    products: z.array(z.enum(PRODUCTS)).min(1).optional(),
    /** Accept a guest policy that allows SMT (most hosts run with SMT on). */
    allow_smt: z.boolean().default(true),
    /** Accept a guest policy that allows a migration agent. */
    allow_migration_agent: z.boolean().default(false),
    /** Highest (least privileged) VMPL a report may come from; 0 unless an SVSM runs below. */
    max_vmpl: z.number().int().min(0).max(3).default(0),
    /** Minimum reported TCB per product line; a product without an entry fails when set. */
    minimum_tcb: z
      .object({
        Milan: TcbMinimumSchema.optional(),
        Genoa: TcbMinimumSchema.optional(),
        Turin: TcbMinimumSchema.optional(),
      })
      .strict()
      .optional(),
    /** Accepted launch measurements, 96 lowercase hex digits each; unchecked when absent. */
    measurements: z
      .array(z.string().regex(/^[0-9a-f]{96}$/, 'a measurement is 96 lowercase hex digits'))
      .min(1)
      .optional(),
  })
  .strict();
export type AttestationRequirements = z.infer<typeof AttestationRequirementsSchema>;

/**
 * Validates requirements (e.g. from policy data), filling defaults.
 *
 * @throws AttestationFormatError `attestation_requirements_invalid` naming the first bad field.
 * @example
 * ```ts
 * const requirements = parseAttestationRequirements({ max_vmpl: 0, measurements: [hex] });
 * ```
 */
export function parseAttestationRequirements(raw: unknown): AttestationRequirements {
  const parsed = AttestationRequirementsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AttestationFormatError(
      'attestation_requirements_invalid',
      `${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    );
  }
  return parsed.data;
}
