import { toHex as hex, u64Hex } from './encoding.ts';
import type { Product } from './product.ts';
import type { FirmwareVersion, SnpReport } from './report.ts';
import { decodeTcb } from './tcb.ts';
import type { CheckResult, SnpVerdict } from './verdict.ts';

const version = (v: FirmwareVersion) => `${v.major}.${v.minor}.${v.build}`;

/**
 * The verdict object for a parsed report and its check results. TCBs are decoded in the
 * product's layout; with the product unknown, in the Milan/Genoa layout (and the verdict
 * cannot be verified then, since the product check failed).
 *
 * @example
 * ```ts
 * const verdict = snpVerdict(report, 'Milan', 'evidence', checks);
 * verdict.verified; // true when no check failed
 * ```
 */
export function snpVerdict(
  report: SnpReport,
  product: Product | null,
  vcekSource: SnpVerdict['vcek_source'],
  checks: CheckResult[],
): SnpVerdict {
  const tcb = (raw: bigint) => ({ raw: u64Hex(raw), ...decodeTcb(raw, product ?? 'Milan') });
  const { policy: p, platformInfo: pi } = report;
  return {
    kind: 'snp',
    verified: checks.every((c) => c.status !== 'fail'),
    product,
    report_version: report.version,
    measurement: hex(report.measurement),
    host_data: hex(report.hostData),
    report_data: hex(report.reportData),
    chip_id: hex(report.chipId),
    family_id: hex(report.familyId),
    image_id: hex(report.imageId),
    id_key_digest: hex(report.idKeyDigest),
    author_key_digest: hex(report.authorKeyDigest),
    report_id: hex(report.reportId),
    report_id_ma: hex(report.reportIdMa),
    guest_svn: report.guestSvn,
    vmpl: report.vmpl,
    policy: {
      raw: u64Hex(p.raw),
      abi_major: p.abiMajor,
      abi_minor: p.abiMinor,
      smt: p.smt,
      migrate_ma: p.migrateMa,
      debug: p.debug,
      single_socket: p.singleSocket,
      cxl_allow: p.cxlAllow,
      mem_aes_256_xts: p.memAes256Xts,
      rapl_dis: p.raplDis,
      ciphertext_hiding: p.ciphertextHiding,
    },
    platform: {
      smt_enabled: pi.smtEnabled,
      tsme_enabled: pi.tsmeEnabled,
      ecc_enabled: pi.eccEnabled,
      rapl_disabled: pi.raplDisabled,
      ciphertext_hiding_enabled: pi.ciphertextHidingEnabled,
      alias_check_complete: pi.aliasCheckComplete,
    },
    signing_key: report.keyInfo.signingKey,
    tcb: {
      reported: tcb(report.reportedTcb),
      current: tcb(report.currentTcb),
      committed: tcb(report.committedTcb),
      launch: tcb(report.launchTcb),
    },
    firmware: {
      current: version(report.currentVersion),
      committed: version(report.committedVersion),
    },
    cpuid: report.cpuid,
    vcek_source: vcekSource,
    checks,
  };
}
