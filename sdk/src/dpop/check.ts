import { FrostmintVerifyError } from '../errors.ts';
import { boundJkt } from './binding.ts';
import { type DpopProofCheck, spendDpopProof, verifyDpopProof } from './proof.ts';

/** The DPoP part of one request: the `DPoP` header and the request it came with. */
export interface DpopRequest {
  /** The `DPoP` header value; `undefined` when the request had none. */
  readonly proof: string | undefined;
  /** The request method, e.g. `GET`. */
  readonly htm: string;
  /** The request's full URI as the client addressed it (query and fragment are ignored). */
  readonly htu: string | URL;
}

/** The verifier's freshness and replay settings. */
export type DpopSettings = Pick<
  DpopProofCheck,
  'now' | 'clockTolerance' | 'maxAge' | 'replayStore'
>;

/**
 * The DPoP step of `verify`, on a token whose signature and claims already verified: a token
 * bound with `cnf.jkt` needs a proof (`dpop_proof_missing`) that passes
 * {@link verifyDpopProof} with `ath` of this token and a key whose thumbprint is `cnf.jkt`
 * (`dpop_binding_mismatch`, RFC 9449 §7.1); a proof with an unbound token is refused
 * (`dpop_binding_mismatch`) rather than silently ignored. The `jti` is spent only once the
 * binding holds.
 *
 * @example
 * ```ts
 * await checkDpopBinding(token, claims, { proof, htm: 'GET', htu }, { now: Date.now(), clockTolerance: 30, replayStore });
 * ```
 */
export async function checkDpopBinding(
  token: string,
  claims: Record<string, unknown>,
  request: DpopRequest | undefined,
  settings: DpopSettings,
): Promise<void> {
  const jkt = boundJkt(claims);
  // An empty proof is no proof (an absent `DPoP` header read as ''), as in Go and Python.
  const proof = request?.proof || undefined;
  if (jkt === undefined) {
    if (proof === undefined) return;
    throw new FrostmintVerifyError(
      'dpop_binding_mismatch',
      'a DPoP proof was presented with a token that is not DPoP-bound (no cnf)',
    );
  }
  if (request === undefined || proof === undefined) {
    throw new FrostmintVerifyError(
      'dpop_proof_missing',
      'the token is DPoP-bound (cnf.jkt) and needs a DPoP proof',
    );
  }
  const { replayStore, ...freshness } = settings;
  const check = { ...freshness, htm: request.htm, htu: request.htu, accessToken: token };
  const verified = await verifyDpopProof(proof, check);
  if (verified.jkt !== jkt) {
    throw new FrostmintVerifyError(
      'dpop_binding_mismatch',
      'the DPoP proof key is not the key the token is bound to (cnf.jkt)',
    );
  }
  // Spend the jti last, so a proof refused for its binding cannot burn it.
  if (replayStore !== undefined) await spendDpopProof(verified, settings);
}
