import type { Metrics } from './metrics.ts';
import type { SignerCallOutcome } from './signing/signer-pool.ts';

/** Error codes a signer sends are its own words: at most this many distinct ones become labels. */
const MAX_SIGNER_CODES = 64;
const CODE_SHAPE = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * Bounds label values that come from signers (refusal codes): a snake_case code is kept
 * while fewer than 64 distinct ones were seen, anything else becomes `other`, so a
 * misbehaving signer cannot blow up the coordinator's series count.
 *
 * @example
 * ```ts
 * const label = boundedCodes();
 * metrics.signerRefusals.inc({ signer: '1', code: label(refusal.code) });
 * ```
 */
export function boundedCodes(max = MAX_SIGNER_CODES): (code: string) => string {
  const seen = new Set<string>();
  return (code) => {
    if (!CODE_SHAPE.test(code)) return 'other';
    if (seen.has(code)) return code;
    if (seen.size >= max) return 'other';
    seen.add(code);
    return code;
  };
}

/**
 * The signer pool's `onCall`: every RPC's duration into
 * `frostmint_signer_call_duration_seconds{signer,rpc,outcome}` and failures into
 * `frostmint_signer_call_errors_total{signer,rpc,code}`.
 *
 * @example
 * ```ts
 * const pool = new SignerPool(endpoints, tls, { ...options, onCall: signerCallObserver(metrics, boundedCodes()) });
 * ```
 */
export function signerCallObserver(
  metrics: Pick<Metrics, 'signerCallDuration' | 'signerCallErrors'>,
  code: (code: string) => string,
): (call: SignerCallOutcome) => void {
  return (call) => {
    const signer = String(call.signer);
    metrics.signerCallDuration.observe(
      { signer, rpc: call.rpc, outcome: call.code === undefined ? 'ok' : 'error' },
      call.seconds,
    );
    if (call.code !== undefined) {
      metrics.signerCallErrors.inc({ signer, rpc: call.rpc, code: code(call.code) });
    }
  };
}
