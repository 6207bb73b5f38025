import { createHash } from 'node:crypto';
import type { ExpectedReportData } from './checks.ts';

/** Length of one requester binding window, seconds. */
export const REQUESTER_WINDOW_SECONDS = 300;

/** Domain separator of the requester binding (distinct from the signer binding's). */
export const REQUESTER_REPORT_DATA_DOMAIN = 'frostmint/attestation/requester/v1\0';

/** What a requester's REPORT_DATA commits to: who asks, for what, and when. */
export interface RequesterBinding {
  /** The token's `sub` (CI: the OIDC `sub` claim; the dev demo: `dev@localhost`). */
  readonly subject: string;
  /** The token's `aud`. */
  readonly audience: string;
  /** The requested scopes; order does not matter. */
  readonly scopes: readonly string[];
  /** `floor(unix seconds / REQUESTER_WINDOW_SECONDS)` when the report was taken. */
  readonly window: number;
}

function lengthPrefixed(h: ReturnType<typeof createHash>, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  h.update(len).update(bytes);
}

/**
 * The 64-byte REPORT_DATA of a requester's report:
 * `SHA-512("frostmint/attestation/requester/v1\0" ‖ lp(sub) ‖ lp(aud) ‖ lp(sorted scopes
 * joined by " ") ‖ u64be(window))`, `lp` = u32be length ‖ UTF-8. Every field is in the token
 * the signers co-sign, so each signer checks it without trusting the coordinator.
 *
 * @example
 * ```ts
 * const reportData = requesterReportData({ subject, audience: 'deploy-api', scopes: ['deploy:prod'], window: requesterWindow(Date.now() / 1000) });
 * ```
 */
export function requesterReportData(binding: RequesterBinding): Uint8Array {
  const h = createHash('sha512').update(REQUESTER_REPORT_DATA_DOMAIN);
  lengthPrefixed(h, binding.subject);
  lengthPrefixed(h, binding.audience);
  lengthPrefixed(h, [...binding.scopes].sort().join(' '));
  const window = Buffer.alloc(8);
  window.writeBigUInt64BE(BigInt(binding.window));
  return new Uint8Array(h.update(window).digest());
}

/**
 * The binding window of a unix time.
 *
 * @example
 * ```ts
 * requesterWindow(1_800_000_123); // 6_000_000
 * ```
 */
export function requesterWindow(unixSeconds: number): number {
  return Math.floor(unixSeconds / REQUESTER_WINDOW_SECONDS);
}

/**
 * The REPORT_DATA values a verifier accepts for a token issued at `iat`: the binding in the
 * window of `iat` and in the one before (evidence is at most two windows, ≤ 10 min, old).
 *
 * @example
 * ```ts
 * verifyEvidence(evidence, { ...options, binding: expectedRequesterReportData({ subject, audience, scopes }, claims.iat) });
 * ```
 */
export function expectedRequesterReportData(
  request: Omit<RequesterBinding, 'window'>,
  iat: number,
): ExpectedReportData {
  const current = requesterWindow(iat);
  return {
    reportData: [current, current - 1].map((window) => requesterReportData({ ...request, window })),
    what: `the requester binding (sub, aud, scopes) of windows ${current - 1}..${current}`,
  };
}
