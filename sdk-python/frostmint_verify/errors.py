"""The one error type a verification fails with, and its stable codes."""

from __future__ import annotations

#: Stable, machine-readable reasons; the same strings as the TypeScript SDK and the Go
#: verifier. HTTP mapping: ``token_scope_missing`` → 403, ``jwks_*`` → 503, other → 401
#: (``dpop_*`` with an RFC 9449 §7.1 ``WWW-Authenticate: DPoP`` challenge).
CODES = frozenset(
    {
        "token_malformed",
        "token_alg_not_allowed",
        "token_typ_invalid",
        "token_kid_unknown",
        "token_signature_invalid",
        "token_expired",
        "token_not_yet_valid",
        "token_audience_invalid",
        "token_issuer_invalid",
        "token_claims_invalid",
        "token_ttl_exceeded",
        "token_scope_invalid",
        "token_scope_missing",
        "jwks_unavailable",
        "jwks_invalid",
        "jwks_stale",
        # DPoP (RFC 9449): a bound token (cnf.jkt) came without a proof; the proof fails a
        # check of §4.3; its key or ath is not this token's (or the token is unbound); its
        # jti was used before (or could not be recorded).
        "dpop_proof_missing",
        "dpop_proof_invalid",
        "dpop_binding_mismatch",
        "dpop_proof_replayed",
    }
)


class VerifyError(Exception):
    """A token (or the key set) was refused; ``code`` is stable, ``message`` never holds keys.

    Example::

        try:
            verifier.verify(token)
        except VerifyError as err:
            if err.code == "token_expired":
                remint()
    """

    def __init__(self, code: str, message: str) -> None:
        assert code in CODES, code
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
