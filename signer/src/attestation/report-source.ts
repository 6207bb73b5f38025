import { AttestationUnavailableError } from '@frostmint/core';

/** A raw report as a collection back end returns it, before any check. */
export interface CollectedReport {
  readonly report: Uint8Array;
  /** The extended report's certificate table, when the host supplied one. */
  readonly certTable?: Uint8Array;
}

/** One way of asking the SEV firmware for a report (configfs-tsm, or the device helper). */
export interface ReportSource {
  /** For messages: where reports come from. */
  readonly description: string;
  /** Checks this source can serve; throws `attestation_unavailable` saying why not. */
  probe(): Promise<void>;
  /** A report whose REPORT_DATA is `reportData` (64 bytes). */
  collect(reportData: Uint8Array): Promise<CollectedReport>;
}

/**
 * The error of a source that is there but did not deliver a usable report.
 *
 * @example
 * ```ts
 * throw collectFailed('helper exited with status 1');
 * ```
 */
export function collectFailed(message: string, cause?: unknown): AttestationUnavailableError {
  return new AttestationUnavailableError('attestation_collect_failed', message, { cause });
}
