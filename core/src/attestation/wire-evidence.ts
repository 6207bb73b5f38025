import type { AttestationEvidence } from './attester.ts';
import { AttestationFormatError } from './errors.ts';
import { REPORT_SIZE } from './report.ts';

/** A certificate table holds a VCEK (and maybe ASK, ARK): a few KiB; anything larger is refused. */
export const MAX_CERT_TABLE_BYTES = 32 * 1024;

/** Evidence as the gRPC contract carries it (`frostmint.signer.v1.AttestationEvidence`). */
export interface WireEvidence {
  kind: string;
  report: Uint8Array;
  certificates: Uint8Array;
}

/**
 * Evidence from the wire, validated at the boundary: kind `none` or `snp`, a report of
 * exactly 1184 bytes, a certificate table of at most 32 KiB.
 *
 * @throws AttestationFormatError `attestation_evidence_invalid`.
 * @example
 * ```ts
 * const evidence = evidenceFromWire(req.requesterAttestation);
 * ```
 */
export function evidenceFromWire(wire: WireEvidence): AttestationEvidence {
  const invalid = (why: string) => new AttestationFormatError('attestation_evidence_invalid', why);
  if (wire.kind === 'none') return { kind: 'none' };
  if (wire.kind !== 'snp') throw invalid(`unknown evidence kind "${wire.kind.slice(0, 16)}"`);
  if (wire.report.length !== REPORT_SIZE)
    throw invalid(`an SNP report is ${REPORT_SIZE} bytes, got ${wire.report.length}`);
  if (wire.certificates.length > MAX_CERT_TABLE_BYTES)
    throw invalid(`the certificate table exceeds ${MAX_CERT_TABLE_BYTES} bytes`);
  return wire.certificates.length > 0
    ? { kind: 'snp', report: wire.report, certTable: wire.certificates }
    : { kind: 'snp', report: wire.report };
}

/**
 * Evidence for the wire.
 *
 * @example
 * ```ts
 * const response = { evidence: evidenceToWire(await attester.attest(binding)), policyId };
 * ```
 */
export function evidenceToWire(
  evidence: AttestationEvidence,
): WireEvidence & { report: Buffer; certificates: Buffer } {
  return evidence.kind === 'none'
    ? { kind: 'none', report: Buffer.alloc(0), certificates: Buffer.alloc(0) }
    : {
        kind: 'snp',
        report: Buffer.from(evidence.report),
        certificates: Buffer.from(evidence.certTable ?? new Uint8Array(0)),
      };
}
