package frostmint

import "fmt"

// Code is a stable, machine-readable reason a verification failed. The values are the
// same strings the TypeScript SDK (@frostmint/sdk) and the Python verifier use, so logs
// and dashboards read alike whatever language a service is written in.
type Code string

// The codes Verify can fail with. HTTP mapping: CodeScopeMissing → 403, the jwks_* codes →
// 503, every other token_* and dpop_* code → 401 (for dpop_* with an RFC 9449 §7.1
// `WWW-Authenticate: DPoP error="invalid_dpop_proof"` or, for CodeDPoPProofMissing and
// CodeDPoPBindingMismatch, `error="invalid_token"`).
const (
	CodeMalformed        Code = "token_malformed"
	CodeAlgNotAllowed    Code = "token_alg_not_allowed"
	CodeTypInvalid       Code = "token_typ_invalid"
	CodeKidUnknown       Code = "token_kid_unknown"
	CodeSignatureInvalid Code = "token_signature_invalid"
	CodeExpired          Code = "token_expired"
	CodeNotYetValid      Code = "token_not_yet_valid"
	CodeAudienceInvalid  Code = "token_audience_invalid"
	CodeIssuerInvalid    Code = "token_issuer_invalid"
	CodeClaimsInvalid    Code = "token_claims_invalid"
	CodeLifetimeExceeded Code = "token_ttl_exceeded"
	CodeScopeInvalid     Code = "token_scope_invalid"
	CodeScopeMissing     Code = "token_scope_missing"
	CodeJWKSUnavailable  Code = "jwks_unavailable"
	CodeJWKSInvalid      Code = "jwks_invalid"
	CodeJWKSStale        Code = "jwks_stale"

	// DPoP (RFC 9449): a token bound to a key (cnf.jkt) came without a proof.
	CodeDPoPProofMissing Code = "dpop_proof_missing"
	// The proof is malformed or fails a check of RFC 9449 §4.3 (typ, alg, jwk, signature,
	// jti, htm, htu, iat).
	CodeDPoPProofInvalid Code = "dpop_proof_invalid"
	// The proof's key is not the token's cnf.jkt, its ath is another token's, or a proof came
	// with a token that is not bound to any key.
	CodeDPoPBindingMismatch Code = "dpop_binding_mismatch"
	// The proof's jti was seen before (or the replay cache could not record it).
	CodeDPoPProofReplayed Code = "dpop_proof_replayed"
)

// Error is the only error type Verify returns. Its message never carries key material.
//
// Example:
//
//	var verr *frostmint.Error
//	if errors.As(err, &verr) && verr.Code == frostmint.CodeExpired { remint() }
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

func fail(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}
