/**
 * The closed set of outcome classes every frostmint verifier (TypeScript, Go, Python) maps
 * its errors to. Each verifier keeps its own stable error codes; the conformance suite
 * compares classes, so two SDKs agree when they refuse a token for the same kind of reason.
 * See docs/verifiers.md.
 */
export const CLASSES = [
  'valid',
  /** Not a compact JWS of the strict grammar: size, segments, base64url, JSON, depth, crit. */
  'malformed',
  /** `alg` other than EdDSA, `typ` other than at+jwt. */
  'header',
  /** No key for the token: kid missing or unknown, or the JWKS is unusable (e.g. small-order key). */
  'key',
  'signature',
  'issuer',
  'audience',
  /** A required claim missing or of the wrong type (`sub`, NumericDates not finite integers, …). */
  'claims',
  /** `exp` passed, or `iat` older than maxTokenAge. */
  'expired',
  /** `nbf` or `iat` in the future beyond the clock tolerance. */
  'not_yet_valid',
  /** `exp − iat` above maxTokenLifetime. */
  'lifetime',
  /** `scope` breaks RFC 6749 §3.3 syntax (single spaces, no empty or repeated scope-tokens). */
  'scope',
  /** A required scope is absent (RFC 6750 §3.1 insufficient_scope). */
  'insufficient_scope',
  /** A DPoP-bound token (`cnf.jkt`, RFC 9449 §6.1) presented without a proof. */
  'dpop_missing',
  /** The DPoP proof fails RFC 9449 §4.3: grammar, typ, alg, jwk, signature, jti, htm, htu, iat. */
  'dpop_proof',
  /** The proof's key is not `cnf.jkt`, its `ath` is another token's, or the token is unbound. */
  'dpop_binding',
  /** The proof's `jti` was used before (RFC 9449 §11.1). */
  'dpop_replay',
] as const;

export type OutcomeClass = (typeof CLASSES)[number];

/**
 * Error code → class, for the codes the three SDKs use (the Go and Python verifiers use the
 * TypeScript SDK's codes and add `token_ttl_exceeded` and `token_scope_invalid`). A code
 * missing here makes the suite fail, naming it: add it to its class.
 */
const BY_CODE: Readonly<Record<string, OutcomeClass>> = {
  token_malformed: 'malformed',
  token_missing: 'malformed',
  token_alg_not_allowed: 'header',
  token_typ_invalid: 'header',
  token_kid_unknown: 'key',
  jwks_invalid: 'key',
  jwks_unavailable: 'key',
  jwks_stale: 'key',
  token_signature_invalid: 'signature',
  token_issuer_invalid: 'issuer',
  token_audience_invalid: 'audience',
  token_claims_invalid: 'claims',
  token_expired: 'expired',
  token_not_yet_valid: 'not_yet_valid',
  token_ttl_exceeded: 'lifetime',
  token_scope_invalid: 'scope',
  token_scope_missing: 'insufficient_scope',
  dpop_proof_missing: 'dpop_missing',
  dpop_proof_invalid: 'dpop_proof',
  dpop_binding_mismatch: 'dpop_binding',
  dpop_proof_replayed: 'dpop_replay',
};

/**
 * The class of a verifier's outcome: `''`/`undefined` (accepted) is `valid`.
 *
 * @example
 * ```ts
 * classOf('token_expired'); // 'expired'
 * classOf(''); // 'valid'
 * ```
 */
export function classOf(code: string | undefined): OutcomeClass | `unmapped code ${string}` {
  if (code === undefined || code === '') return 'valid';
  return BY_CODE[code] ?? `unmapped code ${code}`;
}
