import { u64Hex } from './encoding.ts';
import type { SnpReport } from './report.ts';
import { decodeTcb } from './tcb.ts';
import type { VcekExtensions } from './vcek-extensions.ts';

/**
 * Why the VCEK's TCB SPLs (1.3.6.1.4.1.3704.1.3.1–.9) differ from REPORTED_TCB, or `undefined`.
 *
 * @example
 * ```ts
 * vcekTcbProblem(ext, report); // 'VCEK certifies TCB … (snp 22), the report has … (snp 24)'
 * ```
 */
export function vcekTcbProblem(ext: VcekExtensions, report: SnpReport): string | undefined {
  if (ext.tcb === report.reportedTcb) return undefined;
  const show = (raw: bigint) => {
    const t = decodeTcb(raw, ext.product);
    const fmc = t.fmc === null ? '' : ` fmc ${t.fmc}`;
    return `${u64Hex(raw)} (bl ${t.bootloader} tee ${t.tee} snp ${t.snp} ucode ${t.microcode}${fmc})`;
  };
  return `VCEK certifies TCB ${show(ext.tcb)}, the report's REPORTED_TCB is ${show(report.reportedTcb)}`;
}

/**
 * Why the VCEK's hwID (1.3.6.1.4.1.3704.1.4) is not the report's CHIP_ID, or `undefined`.
 * A Turin hwID is the first 8 bytes; the rest of CHIP_ID must then be zero.
 *
 * @example
 * ```ts
 * vcekHwidProblem(ext, report); // undefined when the VCEK belongs to this chip
 * ```
 */
export function vcekHwidProblem(ext: VcekExtensions, report: SnpReport): string | undefined {
  const { chipId } = report;
  if (chipId.every((b) => b === 0))
    return 'CHIP_ID is masked (all zero): the chip cannot be identified';
  const prefix = chipId.subarray(0, ext.hwid.length);
  const rest = chipId.subarray(ext.hwid.length);
  if (Buffer.compare(prefix, ext.hwid) === 0 && rest.every((b) => b === 0)) return undefined;
  return 'the VCEK hwID is not the report CHIP_ID: the VCEK belongs to another chip';
}
