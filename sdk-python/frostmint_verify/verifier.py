"""Verify frostmint access tokens: the same checks, order and codes as @frostmint/sdk."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .claims import ClaimRules, Claims, check_claims, is_scope_token, missing_scopes
from .dpop import DPoPInput, ProofClock, check_dpop
from .errors import VerifyError
from .grammar import parse_compact
from .jwks import RemoteKeySet, unknown_kid
from .keys import parse_jwks
from .replay import MemoryReplayCache, ReplayCache

#: Largest accepted clock tolerance in seconds: more would make ``exp`` meaningless.
MAX_CLOCK_TOLERANCE = 300
#: Largest accepted ``dpop_max_age`` in seconds (as in the TypeScript SDK): a proof is a
#: per-request credential, not a session.
MAX_DPOP_MAX_AGE = 300


@dataclass(frozen=True)
class VerifiedToken:
    header: dict[str, Any]
    claims: Claims
    #: True when the keys in use are cached ones the issuer did not confirm on the last refresh.
    stale: bool


class Verifier:
    """Verifies frostmint tokens locally. Exactly one of ``jwks`` (a fixed key set: dict or
    JSON bytes) and ``jwks_uri`` (https; plain http only on loopback). Times in seconds.
    A DPoP proof's ``iat`` may be ``dpop_max_age`` (+ ``clock_tolerance``) from now; used
    proofs go to ``replay_cache`` (default: a bounded :class:`MemoryReplayCache`).

    Example::

        verifier = Verifier(issuer="https://mint.example", audience="deploy-api",
                            jwks_uri="https://mint.example/.well-known/jwks.json")
        token = verifier.verify(bearer, required_scopes=["deploy:canary"])
        print(token.claims.sub, token.claims.scopes)
    """

    def __init__(
        self,
        *,
        issuer: str,
        audience: str | Iterable[str],
        jwks: dict[str, Any] | bytes | None = None,
        jwks_uri: str | None = None,
        clock_tolerance: int = 30,
        max_token_age: int = 900,
        max_token_lifetime: int = 900,
        dpop_max_age: int = 60,
        replay_cache: ReplayCache | None = None,
        clock: Callable[[], float] = time.time,
        **jwks_cache: float,
    ) -> None:
        audiences = frozenset([audience] if isinstance(audience, str) else audience)
        if not issuer or not audiences or "" in audiences:
            raise ValueError("issuer and a non-empty audience are required")
        if not 0 <= clock_tolerance <= MAX_CLOCK_TOLERANCE:
            raise ValueError(f"clock_tolerance must be in [0, {MAX_CLOCK_TOLERANCE}]")
        if max_token_age < 1 or max_token_lifetime < 1 or dpop_max_age < 1:
            raise ValueError("max_token_age, max_token_lifetime and dpop_max_age must be at least 1")
        if dpop_max_age > MAX_DPOP_MAX_AGE:
            raise ValueError(f"dpop_max_age must be at most {MAX_DPOP_MAX_AGE}")
        if (jwks is None) == (jwks_uri is None):
            raise ValueError("give exactly one of jwks and jwks_uri")
        self._rules = ClaimRules(issuer, audiences, clock_tolerance, max_token_age, max_token_lifetime)
        self._clock = clock
        self._dpop_window = dpop_max_age + clock_tolerance
        self._replay = replay_cache if replay_cache is not None else MemoryReplayCache(clock=clock)
        self._static = parse_jwks(jwks) if jwks is not None else None
        self._remote = None if jwks_uri is None else RemoteKeySet(jwks_uri, clock=clock, **jwks_cache)

    def verify(
        self, token: str, required_scopes: Sequence[str] = (), *, dpop: DPoPInput | None = None
    ) -> VerifiedToken:
        """The verified token, or raises :class:`VerifyError`. Order: grammar, header (alg,
        typ, kid), key, signature, claims, DPoP (proof, binding, replay), required scopes.
        A token bound to a key (``cnf.jkt``) needs ``dpop``, the request's proof (RFC 9449).

        Example::

            token = verifier.verify(
                request.headers["Authorization"].removeprefix("DPoP "),
                ["deploy:canary"],
                dpop=DPoPInput(request.headers.get("DPoP", ""), request.method, "https://api.example" + request.path),
            )
        """
        if isinstance(required_scopes, str):
            raise TypeError("required_scopes is a list of scope tokens, not one string")
        for scope in required_scopes:
            if not is_scope_token(scope):
                raise ValueError(f"{scope!r} is not a scope token (RFC 6749 §3.3)")
        jws = parse_compact(token)
        kid = _check_header(jws.header)
        key, stale = self._resolve(kid)
        try:
            jwt.PyJWS().decode_complete(token, key=key, algorithms=["EdDSA"])
        except jwt.InvalidSignatureError:
            raise VerifyError("token_signature_invalid", "token signature does not verify") from None
        except jwt.PyJWTError:
            raise VerifyError("token_malformed", "token is not a well-formed JWS") from None
        now = int(self._clock())
        claims = check_claims(jws.payload, self._rules, now)
        clock = ProofClock(now, self._dpop_window, self._rules.clock_tolerance)
        check_dpop(token, claims.dpop_jkt, dpop, clock, self._replay)
        missing = missing_scopes(claims, required_scopes)
        if missing:
            raise VerifyError("token_scope_missing", f"token lacks scope {' '.join(missing)}")
        return VerifiedToken(jws.header, claims, stale)

    def _resolve(self, kid: str) -> tuple[Ed25519PublicKey, bool]:
        if self._remote is not None:
            return self._remote.resolve(kid)
        assert self._static is not None
        key = self._static.get(kid)
        if key is None:
            raise unknown_kid()
        return key, False


def _check_header(header: dict[str, Any]) -> str:
    """alg EdDSA only (RFC 8037 §3.1), no ``crit`` (RFC 7515 §4.1.11: none is understood), typ
    at+jwt (RFC 9068 §2.1; case-insensitive, optional ``application/``), and a kid."""
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise VerifyError("token_malformed", "token header has no alg")
    if "crit" in header:
        raise VerifyError("token_malformed", "token header names critical extensions this verifier does not understand")
    if alg != "EdDSA":
        raise VerifyError("token_alg_not_allowed", "token alg is not EdDSA")
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower() not in ("at+jwt", "application/at+jwt"):
        raise VerifyError("token_typ_invalid", "token typ is not at+jwt: not an access token (RFC 9068)")
    kid = header.get("kid")
    if not isinstance(kid, str) or kid == "":
        raise VerifyError("token_kid_unknown", "token header names no kid")
    return kid
