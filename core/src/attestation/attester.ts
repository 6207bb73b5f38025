import type { AttestationBinding } from './report-data.ts';

/**
 * Attestation evidence as it travels: `none` (the attester cannot attest), or an SEV-SNP
 * report with the certificate table of the extended report when the host supplied one.
 */
export type AttestationEvidence =
  | { readonly kind: 'none' }
  | { readonly kind: 'snp'; readonly report: Uint8Array; readonly certTable?: Uint8Array };

/**
 * The attestation seam: one interface, implemented by `none` and `snp` (signer/src/attestation).
 * Verifiers never trust an attester; they verify its evidence (`verifyEvidence`).
 *
 * @example
 * ```ts
 * await attester.probe(); // at startup: throws when this machine cannot attest
 * const evidence = await attester.attest({ nonce, tlsSpki, policyId });
 * ```
 */
export interface Attester {
  readonly kind: AttestationEvidence['kind'];
  /** Checks the platform can produce evidence; throws `attestation_unavailable` saying why not. */
  probe(): Promise<void>;
  /** Fresh evidence whose REPORT_DATA is `reportDataFor(binding)`. */
  attest(binding: AttestationBinding): Promise<AttestationEvidence>;
}
