import type { AttestationEvidence } from './attester.ts';
import { CERT_TABLE_GUID, parseCertTable } from './cert-table.ts';
import { chainProblem, validityProblem } from './chain.ts';
import {
  checkFrom,
  type ExpectedReportData,
  guestPolicyCheck,
  measurementCheck,
  minimumTcbCheck,
  reportDataCheck,
  vmplCheck,
} from './checks.ts';
import type { KdsClient } from './kds.ts';
import { PRODUCTS, type Product, productFromCpuid } from './product.ts';
import { parseReport, type SnpReport } from './report.ts';
import type { AttestationBinding } from './report-data.ts';
import { type AttestationRequirements, parseAttestationRequirements } from './requirements.ts';
import { reportSignatureProblem } from './signature.ts';
import { bundledTrustAnchors, type TrustAnchor } from './trust-anchors.ts';
import { vcekHwidProblem, vcekTcbProblem } from './vcek-match.ts';
import { type ResolvedVcek, resolveVcek } from './vcek-source.ts';
import type { CheckId, CheckResult, EvidenceVerdict, SnpVerdict } from './verdict.ts';
import { snpVerdict } from './verdict-builder.ts';

/** The checks that need a VCEK; all fail, saying why, when none is found. */
const VCEK_CHECKS = [
  'product',
  'cert_chain',
  'cert_validity',
  'vcek_tcb',
  'vcek_hwid',
  'report_signature',
] as const satisfies readonly CheckId[];

/** How to verify: what to expect, whom to trust, where VCEKs come from. */
export interface SnpVerifyOptions {
  /**
   * The REPORT_DATA binding expected (or the accepted values, for requesters); `null` only to
   * inspect a report (the check is skipped).
   */
  readonly binding: AttestationBinding | ExpectedReportData | null;
  /** From policy data; defaults apply when absent (see `AttestationRequirementsSchema`). */
  readonly requirements?: AttestationRequirements;
  /** Pinned roots; default the bundled AMD ARK/ASK pairs (`bundledTrustAnchors()`). */
  readonly trustAnchors?: readonly TrustAnchor[];
  /** A directory of VCEK certificates to search before asking the KDS. */
  readonly vcekDirectory?: string;
  /** AMD KDS client; the KDS is never contacted without one. */
  readonly kds?: KdsClient;
  /** Clock for certificate validity; default now. */
  readonly now?: Date;
}

/** Options for one report: the common ones, and the VCEK when it travels with the report. */
export interface SnpReportOptions extends SnpVerifyOptions {
  /** DER or PEM; from the extended report's certificate table, or handed over out of band. */
  readonly vcek?: Uint8Array;
}

/**
 * The product the report itself names: version 3 carries CPUID family/model; in version 2
 * only Turin is recognisable (its CHIP_ID is 8 bytes, zero-extended).
 */
function reportProduct(report: SnpReport): Product | undefined {
  if (report.cpuid) return productFromCpuid(report.cpuid.family, report.cpuid.model);
  const id = report.chipId;
  return id.subarray(8).every((b) => b === 0) && id.subarray(0, 8).some((b) => b !== 0)
    ? 'Turin'
    : undefined;
}

function productCheck(
  report: SnpReport,
  named: Product | undefined,
  vcek: ResolvedVcek,
  anchors: readonly TrustAnchor[],
  req: AttestationRequirements,
): CheckResult {
  const { product, productName } = vcek.ext;
  const problem =
    report.cpuid && !named
      ? `CPUID family 0x${report.cpuid.family.toString(16)} model 0x${report.cpuid.model.toString(16)} is no SEV-SNP product`
      : named && named !== product
        ? `the report's CPU is ${named} but the VCEK is for ${product}`
        : !anchors.some((a) => a.product === product)
          ? `no trust anchor for ${product}`
          : req.products && !req.products.includes(product)
            ? `${product} is not an accepted product (${req.products.join(', ')})`
            : undefined;
  return checkFrom('product', problem, `${product} (VCEK ${productName})`);
}

/** The VCEK-dependent checks, when a VCEK was found. */
function vcekChecks(
  report: SnpReport,
  vcek: ResolvedVcek,
  anchor: TrustAnchor | undefined,
  now: Date,
): CheckResult[] {
  const noAnchor = `no trust anchor for ${vcek.ext.product}`;
  return [
    checkFrom(
      'cert_chain',
      anchor ? chainProblem(anchor, vcek.cert) : noAnchor,
      `ARK → ASK → VCEK (${vcek.ext.product}), RSASSA-PSS SHA-384`,
    ),
    checkFrom(
      'cert_validity',
      anchor
        ? validityProblem({ ARK: anchor.ark, ASK: anchor.ask, VCEK: vcek.cert }, now)
        : noAnchor,
      `ARK, ASK and VCEK valid at ${now.toISOString()}`,
    ),
    checkFrom('vcek_tcb', vcekTcbProblem(vcek.ext, report), 'VCEK TCB equals REPORTED_TCB'),
    checkFrom('vcek_hwid', vcekHwidProblem(vcek.ext, report), 'VCEK hwID equals CHIP_ID'),
    checkFrom(
      'report_signature',
      reportSignatureProblem(report, vcek.cert.node.publicKey),
      'ECDSA P-384 signature verifies under the VCEK',
    ),
  ];
}

/**
 * Verifies an SEV-SNP attestation report: parses it strictly, finds the VCEK (the given one,
 * a directory, or the KDS), checks ARK → ASK → VCEK against the pinned trust anchors, the
 * VCEK's TCB and hwID against the report, the report signature, and the requirements (guest
 * policy, minimum TCB, VMPL, measurement) and REPORT_DATA binding. Every check is evaluated
 * and reported; `verified` is true only when none failed.
 *
 * @throws AttestationFormatError when the report is not a well-formed v2/v3 report, or the
 *   binding or requirements are invalid.
 * @example
 * ```ts
 * const verdict = await verifySnpReport(report, { binding: { nonce, tlsSpki, policyId }, vcek });
 * if (!verdict.verified) console.log(verdict.checks.filter((c) => c.status === 'fail'));
 * ```
 */
export async function verifySnpReport(
  reportBytes: Uint8Array,
  options: SnpReportOptions,
): Promise<SnpVerdict> {
  const report = parseReport(reportBytes);
  const req = options.requirements ?? parseAttestationRequirements({});
  const anchors = options.trustAnchors ?? bundledTrustAnchors();
  const now = options.now ?? new Date();
  const named = reportProduct(report);
  const candidates = (named ? [named] : PRODUCTS).filter(
    (p) => anchors.some((a) => a.product === p) && (!req.products || req.products.includes(p)),
  );
  const { vcek, notes } = await resolveVcek(report, candidates, {
    provided: options.vcek,
    directory: options.vcekDirectory,
    kds: options.kds,
  });

  const missing = `no VCEK: ${notes.join('; ') || 'none provided'}`;
  const checks: CheckResult[] = vcek
    ? [
        productCheck(report, named, vcek, anchors, req),
        ...vcekChecks(
          report,
          vcek,
          anchors.find((a) => a.product === vcek.ext.product),
          now,
        ),
      ]
    : VCEK_CHECKS.map((id) => ({ id, status: 'fail' as const, reason: missing }));
  const product = vcek?.ext.product ?? named ?? null;
  checks.push(
    guestPolicyCheck(report, req),
    minimumTcbCheck(report, product, req),
    vmplCheck(report, req),
    measurementCheck(report, req),
    reportDataCheck(report, options.binding),
  );
  return snpVerdict(report, product, vcek?.source ?? null, checks);
}

/**
 * Verifies attestation evidence of any kind: `snp` as `verifySnpReport` (VCEK from its
 * certificate table when present), `none` as an unverified verdict.
 *
 * @example
 * ```ts
 * const verdict = await verifyEvidence(evidence, { binding, requirements, kds });
 * policyInput.signer_attestation = verdict;
 * ```
 */
export async function verifyEvidence(
  evidence: AttestationEvidence,
  options: SnpVerifyOptions,
): Promise<EvidenceVerdict> {
  if (evidence.kind === 'none') {
    return { kind: 'none', verified: false, reason: 'no attestation evidence (attester "none")' };
  }
  const table = evidence.certTable ? parseCertTable(evidence.certTable) : undefined;
  return verifySnpReport(evidence.report, { ...options, vcek: table?.get(CERT_TABLE_GUID.vcek) });
}
