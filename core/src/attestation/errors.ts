import {
  type ErrorCodeWithStatus,
  type ErrorOptions,
  FrostmintError,
  UnavailableError,
} from '../errors.ts';

/**
 * Malformed attestation input, rejected before any check runs (HTTP 400). Codes:
 * `attestation_report_length`, `attestation_report_version`, `attestation_report_reserved`
 * (a must-be-zero field is not zero), `attestation_report_malformed` (an undefined enum or a
 * must-be-one bit), `attestation_cert_table`, `attestation_certificate_invalid`,
 * `attestation_binding_invalid`, `attestation_requirements_invalid`.
 *
 * @example
 * ```ts
 * throw new AttestationFormatError('attestation_report_length', 'report is 1183 bytes, want 1184');
 * ```
 */
export class AttestationFormatError extends FrostmintError {
  declare readonly code: ErrorCodeWithStatus<400> & `attestation_${string}`;
  constructor(
    code: ErrorCodeWithStatus<400> & `attestation_${string}`,
    message: string,
    options: ErrorOptions = {},
  ) {
    super(code, message, options);
  }
}

/**
 * Well-formed evidence that failed a check (HTTP 403). The code names the check: see
 * `CHECK_ERROR_CODES` in `verdict.ts` (`attestation_signature`, `attestation_vmpl`, …).
 *
 * @example
 * ```ts
 * throw new AttestationRejectedError('attestation_vmpl', 'report VMPL 2 exceeds the maximum 0');
 * ```
 */
export class AttestationRejectedError extends FrostmintError {
  declare readonly code: ErrorCodeWithStatus<403> & `attestation_${string}`;
  constructor(
    code: ErrorCodeWithStatus<403> & `attestation_${string}`,
    message: string,
    options: ErrorOptions = {},
  ) {
    super(code, message, options);
  }
}

/**
 * Attestation cannot be produced or completed right now (HTTP 503): no SEV-SNP guest device
 * (`attestation_unavailable`), AMD KDS unreachable or refusing (`attestation_kds_unavailable`),
 * or report collection failing (`attestation_collect_failed`).
 *
 * @example
 * ```ts
 * throw new AttestationUnavailableError('attestation_unavailable', 'no /dev/sev-guest');
 * ```
 */
export class AttestationUnavailableError extends UnavailableError {}
