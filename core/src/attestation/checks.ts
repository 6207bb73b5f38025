import { timingSafeEqual } from 'node:crypto';
import { toHex } from './encoding.ts';
import type { Product } from './product.ts';
import type { SnpReport } from './report.ts';
import { type AttestationBinding, reportDataFor } from './report-data.ts';
import type { AttestationRequirements } from './requirements.ts';
import { decodeTcb, tcbShortfalls } from './tcb.ts';
import type { CheckId, CheckResult } from './verdict.ts';

/**
 * A pass or fail result from a problem description (`undefined` = pass).
 *
 * @example
 * ```ts
 * checkFrom('vmpl', vmpl > 0 ? `VMPL ${vmpl} exceeds the maximum 0` : undefined, 'VMPL 0');
 * ```
 */
export function checkFrom(
  id: CheckId,
  problem: string | undefined,
  passReason: string,
): CheckResult {
  return problem === undefined ? { id, status: 'pass', reason: passReason } : fail(id, problem);
}

const fail = (id: CheckId, reason: string): CheckResult => ({ id, status: 'fail', reason });
const skip = (id: CheckId, reason: string): CheckResult => ({ id, status: 'skipped', reason });

/**
 * GUEST_POLICY against the requirements: DEBUG must be clear (always); SMT and MIGRATE_MA
 * only when allowed.
 *
 * @example
 * ```ts
 * guestPolicyCheck(report, requirements).status; // 'fail' for a debuggable guest
 * ```
 */
export function guestPolicyCheck(report: SnpReport, req: AttestationRequirements): CheckResult {
  const { policy } = report;
  const problems = [
    policy.debug && 'DEBUG is allowed: the host can decrypt guest memory',
    policy.smt && !req.allow_smt && 'SMT is allowed but the requirements forbid it',
    policy.migrateMa &&
      !req.allow_migration_agent &&
      'a migration agent is allowed but the requirements forbid it',
  ].filter((p): p is string => typeof p === 'string');
  return checkFrom(
    'guest_policy',
    problems.length > 0 ? problems.join('; ') : undefined,
    `debug off, SMT ${policy.smt ? 'allowed' : 'off'}, migration agent ${policy.migrateMa ? 'allowed' : 'off'}`,
  );
}

/**
 * REPORTED_TCB against the product's minimum, when one is configured.
 *
 * @example
 * ```ts
 * minimumTcbCheck(report, 'Genoa', { minimum_tcb: { Genoa: min } }).status; // 'pass' | 'fail'
 * ```
 */
export function minimumTcbCheck(
  report: SnpReport,
  product: Product | null,
  req: AttestationRequirements,
): CheckResult {
  if (!req.minimum_tcb) return skip('minimum_tcb', 'no minimum TCB configured');
  if (!product) return fail('minimum_tcb', 'product unknown: cannot decode the TCB');
  const minimum = req.minimum_tcb[product];
  if (!minimum) return fail('minimum_tcb', `no minimum TCB configured for ${product}`);
  const short = tcbShortfalls(decodeTcb(report.reportedTcb, product), minimum);
  return checkFrom(
    'minimum_tcb',
    short.length > 0 ? `reported TCB below the minimum: ${short.join(', ')}` : undefined,
    `reported TCB meets the ${product} minimum`,
  );
}

/**
 * The VMPL the report was requested from against `max_vmpl` (lower is more privileged).
 *
 * @example
 * ```ts
 * vmplCheck(report, { max_vmpl: 0 }).status;
 * ```
 */
export function vmplCheck(report: SnpReport, req: AttestationRequirements): CheckResult {
  return checkFrom(
    'vmpl',
    report.vmpl > req.max_vmpl
      ? `VMPL ${report.vmpl} exceeds the maximum ${req.max_vmpl}`
      : undefined,
    `VMPL ${report.vmpl}`,
  );
}

/**
 * MEASUREMENT against the allow-list, when one is configured.
 *
 * @example
 * ```ts
 * measurementCheck(report, { measurements: ['ab…'] }).status;
 * ```
 */
export function measurementCheck(report: SnpReport, req: AttestationRequirements): CheckResult {
  const measurement = toHex(report.measurement);
  if (!req.measurements) return skip('measurement', `no allow-list configured (${measurement})`);
  return checkFrom(
    'measurement',
    req.measurements.includes(measurement)
      ? undefined
      : `measurement ${measurement} is not in the allow-list`,
    'measurement is in the allow-list',
  );
}

/**
 * REPORT_DATA values a verifier accepts when the attester binds something other than a TLS
 * key (a requester binds its request: see `requester-binding.ts`); `what` names it in reasons.
 */
export interface ExpectedReportData {
  readonly reportData: readonly Uint8Array[];
  readonly what: string;
}

/**
 * REPORT_DATA against the binding of nonce, TLS key and policy id (or one of the accepted
 * values of an `ExpectedReportData`), when one is given.
 *
 * @example
 * ```ts
 * reportDataCheck(report, { nonce, tlsSpki, policyId }).status;
 * ```
 */
export function reportDataCheck(
  report: SnpReport,
  binding: AttestationBinding | ExpectedReportData | null,
): CheckResult {
  if (!binding) return skip('report_data', 'no binding given (nonce, TLS key, policy id)');
  const [accepted, what] =
    'reportData' in binding
      ? [binding.reportData, binding.what]
      : [[reportDataFor(binding)], 'the nonce, TLS key and policy id'];
  // Compare every candidate (constant time each) so timing says nothing about which matched.
  const matched = accepted.reduce(
    (ok, expected) =>
      (expected.length === report.reportData.length &&
        timingSafeEqual(expected, report.reportData)) ||
      ok,
    false,
  );
  return checkFrom(
    'report_data',
    matched ? undefined : `REPORT_DATA does not bind ${what}`,
    `REPORT_DATA binds ${what}`,
  );
}
