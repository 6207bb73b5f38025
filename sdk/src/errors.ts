/**
 * Stable, machine-readable reasons a verification fails. Services branch on these; the
 * Express and Fastify adapters map them to HTTP (`token_scope_missing` → 403, `jwks_*` →
 * 503, every other `token_*` and every `dpop_*` → 401). The `dpop_*` codes are RFC 9449:
 * `dpop_proof_missing` a `cnf`-bound token without a proof, `dpop_proof_invalid` a proof that
 * fails §4.3, `dpop_binding_mismatch` a proof for another key (`cnf.jkt`) or token (`ath`) or
 * a proof with an unbound token, `dpop_proof_replayed` a proof `jti` seen before.
 */
export type VerifyErrorCode =
  | 'token_missing'
  | 'token_malformed'
  | 'token_alg_not_allowed'
  | 'token_typ_invalid'
  | 'token_kid_unknown'
  | 'token_signature_invalid'
  | 'token_expired'
  | 'token_ttl_exceeded'
  | 'token_not_yet_valid'
  | 'token_audience_invalid'
  | 'token_issuer_invalid'
  | 'token_claims_invalid'
  | 'token_scope_invalid'
  | 'token_scope_missing'
  | 'jwks_unavailable'
  | 'jwks_invalid'
  | 'jwks_stale'
  | 'dpop_proof_missing'
  | 'dpop_proof_invalid'
  | 'dpop_binding_mismatch'
  | 'dpop_proof_replayed';

/**
 * The only error `verify` rejects with. Same shape as frostmint's server-side errors: a
 * stable `code` to branch on and a human `message` that never carries key material.
 *
 * @example
 * ```ts
 * try {
 *   await verifier.verify(token);
 * } catch (err) {
 *   if (err instanceof FrostmintVerifyError && err.code === 'token_expired') remint();
 *   else throw err;
 * }
 * ```
 */
export class FrostmintVerifyError extends Error {
  /** Stable reason; part of the API. */
  readonly code: VerifyErrorCode;

  constructor(code: VerifyErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FrostmintVerifyError';
    this.code = code;
  }

  /**
   * The wire shape `{error, message}`, as frostmint's coordinator answers.
   *
   * @example
   * ```ts
   * res.status(401).json(err.toJSON()); // {"error":"token_expired","message":"token has expired (exp)"}
   * ```
   */
  toJSON(): { error: VerifyErrorCode; message: string } {
    return { error: this.code, message: this.message };
  }
}
