import { FrostmintVerifyError, type VerifiedDpopProof, verifyDpopProof } from '@frostmint/sdk/dpop';
import { FrostmintError } from '../errors.ts';

// The one DPoP implementation (the SDK's), for the coordinator and the signers.
export {
  DPOP_ALGS,
  DPOP_MAX_AGE,
  type DpopReplayStore,
  MemoryReplayStore,
  spendDpopProof,
  type VerifiedDpopProof,
} from '@frostmint/sdk/dpop';

/** The method every mint DPoP proof names (RFC 9449 §4.2 `htm`). */
export const MINT_DPOP_HTM = 'POST';

/**
 * The `htu` every mint DPoP proof names: the coordinator's mint endpoint under its issuer
 * URL, as the discovery document publishes it (`frostmint_mint_endpoint`).
 *
 * @example
 * ```ts
 * mintDpopHtu('https://mint.example'); // 'https://mint.example/v1/mint'
 * ```
 */
export function mintDpopHtu(issuer: string): string {
  return new URL('/v1/mint', issuer).href;
}

/**
 * Verifies a requester's DPoP proof for a mint (RFC 9449 §4.3 via `@frostmint/sdk/dpop`):
 * `POST` on {@link mintDpopHtu}, `iat` within ±(60 s + `clockTolerance`) of `now`, no
 * `ath` (no token exists yet). Replay is the caller's (its own store). Failures are
 * `FrostmintError`s with the SDK's codes (`dpop_proof_invalid`, 400), so the coordinator and
 * the signers refuse with the same stable code.
 *
 * @example
 * ```ts
 * const { jkt } = await verifyMintDpopProof(proof, { issuer, now: Date.now(), clockTolerance: 30 });
 * ```
 */
export async function verifyMintDpopProof(
  proof: string,
  rules: { issuer: string; now: number; clockTolerance: number },
): Promise<VerifiedDpopProof> {
  try {
    return await verifyDpopProof(proof, {
      htm: MINT_DPOP_HTM,
      htu: mintDpopHtu(rules.issuer),
      now: rules.now,
      clockTolerance: rules.clockTolerance,
    });
  } catch (err) {
    throw asFrostmintError(err);
  }
}

/**
 * The SDK's DPoP refusal (`FrostmintVerifyError` `dpop_*`) as the `FrostmintError` with the
 * same code and that code's status; anything else unchanged.
 *
 * @example
 * ```ts
 * await spendDpopProof(proof, check).catch((err) => { throw asFrostmintError(err); });
 * ```
 */
export function asFrostmintError(err: unknown): unknown {
  if (!(err instanceof FrostmintVerifyError) || !err.code.startsWith('dpop_')) return err;
  const code = err.code as 'dpop_proof_invalid' | 'dpop_proof_replayed';
  return new FrostmintError(code, err.message, { cause: err });
}
