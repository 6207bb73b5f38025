import { type KeyObject, verify } from 'node:crypto';
import type { SnpReport } from './report.ts';

/** P-384 scalars are 48 bytes; the ABI zero-extends them to 72. */
const SCALAR = 48;

/** A little-endian, zero-extended 72-byte field as a 48-byte big-endian scalar, or null. */
function scalar(fieldLe: Uint8Array): Buffer | null {
  if (fieldLe.subarray(SCALAR).some((b) => b !== 0)) return null;
  return Buffer.from(fieldLe.subarray(0, SCALAR)).reverse();
}

/**
 * Why the report's signature is not a valid VCEK signature under `vcekKey`, or `undefined`:
 * SIGNING_KEY must be the VCEK, MASK_CHIP_KEY clear, and SIGNATURE an ECDSA P-384/SHA-384
 * signature over bytes 0x000–0x29F with R and S little-endian in 72-byte fields (SEV-SNP ABI
 * spec 56860, ATTESTATION_REPORT and "ECDSA Signature Format").
 *
 * @example
 * ```ts
 * reportSignatureProblem(report, vcek.node.publicKey); // undefined when it verifies
 * ```
 */
export function reportSignatureProblem(report: SnpReport, vcekKey: KeyObject): string | undefined {
  if (report.keyInfo.signingKey !== 'vcek') {
    return `the report is signed by ${report.keyInfo.signingKey.toUpperCase()}, only VCEK is supported`;
  }
  if (report.keyInfo.maskChipKey)
    return 'MASK_CHIP_KEY is set: the firmware did not sign the report';
  const r = scalar(report.signature.r);
  const s = scalar(report.signature.s);
  if (!r || !s) return 'R or S exceeds 48 bytes';
  const signature = Buffer.concat([r, s]);
  const key = { key: vcekKey, dsaEncoding: 'ieee-p1363' as const };
  let ok = false;
  try {
    ok = verify('sha384', report.signed, key, signature);
  } catch {
    // A key of the wrong type cannot verify: reported below like any bad signature.
  }
  return ok ? undefined : 'ECDSA P-384 signature does not verify under the VCEK';
}
