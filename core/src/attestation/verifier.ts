import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { AttestationEvidence } from './attester.ts';
import type { ExpectedReportData } from './checks.ts';
import { KdsClient } from './kds.ts';
import { PRODUCTS } from './product.ts';
import type { AttestationBinding } from './report-data.ts';
import { type AttestationRequirements, parseAttestationRequirements } from './requirements.ts';
import { bundledTrustAnchors, type TrustAnchor, trustAnchor } from './trust-anchors.ts';
import { CHECK_ERROR_CODES, type EvidenceVerdict } from './verdict.ts';
import { type SnpVerifyOptions, verifyEvidence } from './verify.ts';

/** One product line's ARK and ASK, as PEM (or DER) files. */
const TrustAnchorFilesSchema = z
  .object({ product: z.enum(PRODUCTS), ark: z.string().min(1), ask: z.string().min(1) })
  .strict();

/**
 * How a process verifies attestation evidence (coordinator: its signers and requesters;
 * signer: its peers, requesters and itself). Everything is optional: by default AMD's
 * bundled ARK/ASK pairs, default requirements, no VCEK directory, no KDS.
 *
 * @example
 * ```json
 * { "requirements": { "measurements": ["…96 hex…"] }, "kds": { "cacheDir": "/var/cache/frostmint/vcek" } }
 * ```
 */
export const AttestationVerifierConfigSchema = z
  .object({
    /** Replaces the bundled AMD roots (a private test PKI, or pinning fewer product lines). */
    trustAnchors: z.array(TrustAnchorFilesSchema).min(1).optional(),
    /** `AttestationRequirementsSchema` (snake_case), e.g. the measurement allow-list. */
    requirements: z.unknown().optional(),
    /** VCEK certificates searched when evidence carries none. */
    vcekDirectory: z.string().min(1).optional(),
    /** Fetch missing VCEKs from AMD's KDS (or a mirror); never contacted when absent. */
    kds: z
      .object({ baseUrl: z.string().url().optional(), cacheDir: z.string().min(1).optional() })
      .strict()
      .optional(),
  })
  .strict();
export type AttestationVerifierConfig = z.infer<typeof AttestationVerifierConfigSchema>;

/**
 * Verifies evidence with one fixed set of trust anchors, requirements and VCEK sources —
 * the same `verifyEvidence` the CLI and tests run.
 *
 * @example
 * ```ts
 * const verifier = await AttestationVerifier.fromConfig(config.attestation);
 * const verdict = await verifier.verify(evidence, { nonce, tlsSpki, policyId });
 * ```
 */
export class AttestationVerifier {
  constructor(readonly options: Omit<SnpVerifyOptions, 'binding' | 'now'>) {}

  /**
   * Loads trust anchors from files and validates the requirements.
   *
   * @throws AttestationFormatError `attestation_requirements_invalid`, or a certificate error.
   * @example
   * ```ts
   * const verifier = await AttestationVerifier.fromConfig({ requirements: { max_vmpl: 0 } });
   * ```
   */
  static async fromConfig(config: AttestationVerifierConfig = {}): Promise<AttestationVerifier> {
    const requirements: AttestationRequirements = parseAttestationRequirements(
      config.requirements ?? {},
    );
    const trustAnchors: readonly TrustAnchor[] = config.trustAnchors
      ? await Promise.all(
          config.trustAnchors.map(async (a) =>
            trustAnchor(a.product, await readFile(a.ark), await readFile(a.ask)),
          ),
        )
      : bundledTrustAnchors();
    return new AttestationVerifier({
      requirements,
      trustAnchors,
      ...(config.vcekDirectory ? { vcekDirectory: config.vcekDirectory } : {}),
      ...(config.kds ? { kds: new KdsClient(config.kds) } : {}),
    });
  }

  /**
   * The verdict on `evidence` for `binding`; malformed reports throw `AttestationFormatError`.
   *
   * @example
   * ```ts
   * if (!(await verifier.verify(evidence, binding)).verified) refuse();
   * ```
   */
  verify(
    evidence: AttestationEvidence,
    binding: AttestationBinding | ExpectedReportData,
    now = new Date(),
  ): Promise<EvidenceVerdict> {
    return verifyEvidence(evidence, { ...this.options, binding, now });
  }
}

/**
 * Why a verdict is not verified (the first failed check, or the `none` reason), or undefined
 * when it is.
 *
 * @example
 * ```ts
 * const problem = verdictProblem(verdict); // 'measurement: measurement ab… is not in the allow-list'
 * ```
 */
export function verdictProblem(verdict: EvidenceVerdict): string | undefined {
  if (verdict.kind === 'none') return verdict.reason;
  const failed = verdict.checks.find((c) => c.status === 'fail');
  return failed ? `${failed.id}: ${failed.reason}` : undefined;
}

/**
 * The stable error code of a verdict that is not verified (`attestation_missing`, or the
 * first failed check's, e.g. `attestation_signature`), or undefined when it is.
 *
 * @example
 * ```ts
 * metrics.inc({ outcome: verdictErrorCode(verdict) ?? 'verified' });
 * ```
 */
export function verdictErrorCode(verdict: EvidenceVerdict): string | undefined {
  if (verdict.kind === 'none') return 'attestation_missing';
  const failed = verdict.checks.find((c) => c.status === 'fail');
  return failed ? CHECK_ERROR_CODES[failed.id] : undefined;
}
