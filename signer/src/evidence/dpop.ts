import {
  DPOP_MAX_AGE,
  ForbiddenError,
  type TokenClaims,
  verifyMintDpopProof,
} from '@frostmint/core';
import { mintFingerprint } from './mint-fingerprint.ts';
import { ReplayWindow } from './replay-window.ts';

/** Live DPoP replay entries a signer keeps at most (each lives ~2 minutes). */
export const DPOP_REPLAY_CAPACITY = 100_000;
const REPLAYED = 'dpop_proof_replayed';

/** What this signer established about a token's DPoP binding. */
export interface CheckedDpop {
  /** The token carries `cnf.jkt` and the requester's proof of that key verified here. */
  readonly bound: boolean;
  /** Records the proof as used; called once the share exists (throws if spent since). */
  readonly spend?: (now: number) => void;
}

/**
 * A signer's own check of a token's DPoP binding (RFC 9449), the coordinator trusted for
 * nothing: a token with `cnf.jkt` needs the requester's proof (`dpop_proof_missing`) that
 * verifies for `POST` on the mint endpoint of this signer's issuer with `iat` within
 * ±(60 s + clock skew) of the token's `iat` (which is itself checked against this signer's
 * clock), whose key has thumbprint `cnf.jkt` (`dpop_binding_mismatch`), and whose `jti`
 * this signer has not used for another token (`dpop_proof_replayed`, in its own replay
 * window; a retried round for the same token is not a replay). A proof with an unbound
 * token is refused (`dpop_binding_mismatch`). All `ForbiddenError`.
 *
 * @example
 * ```ts
 * const dpop = await checker.check(req.dpopProof, claims);
 * // … sign …
 * dpop.spend?.(now);
 * ```
 */
export class DpopEvidenceChecker {
  readonly #window = new ReplayWindow({ capacity: DPOP_REPLAY_CAPACITY });

  constructor(private readonly rules: { issuer: string; clockSkewSeconds: number }) {}

  async check(proof: string, claims: TokenClaims, now: number): Promise<CheckedDpop> {
    const jkt = claims.cnf?.jkt;
    if (jkt === undefined) {
      if (proof === '') return { bound: false };
      throw new ForbiddenError(
        'dpop_binding_mismatch',
        'a DPoP proof came with a token that is not DPoP-bound (no cnf)',
      );
    }
    if (proof === '') {
      throw new ForbiddenError(
        'dpop_proof_missing',
        "the token is bound to a key (cnf.jkt) but the requester's DPoP proof is missing",
      );
    }
    const { issuer, clockSkewSeconds } = this.rules;
    const verified = await verifyMintDpopProof(proof, {
      issuer,
      now: claims.iat * 1000,
      clockTolerance: clockSkewSeconds,
    });
    if (verified.jkt !== jkt) {
      throw new ForbiddenError(
        'dpop_binding_mismatch',
        'the token is bound to a key (cnf.jkt) the DPoP proof does not prove',
      );
    }
    const key = `dpop:${verified.jkt}:${verified.jti}`;
    const binding = mintFingerprint(claims);
    this.#window.check(key, binding, now, REPLAYED);
    const until = Math.max(claims.iat, verified.iat) + DPOP_MAX_AGE + clockSkewSeconds;
    return {
      bound: true,
      spend: (at) => this.#window.remember(key, binding, until, at, REPLAYED),
    };
  }
}
