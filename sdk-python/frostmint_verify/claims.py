"""Claim checks, in the order the TypeScript SDK applies them."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from .errors import VerifyError

#: RFC 6749 §3.3 scope-token: printable ASCII except space, ``"`` and ``\``.
SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5B\x5D-\x7E]+")
#: A base64url SHA-256 digest (RFC 7638 thumbprint): 43 characters.
_THUMBPRINT = re.compile(r"[A-Za-z0-9_-]{43}")
#: The largest integer every verifier represents exactly (2^53 − 1).
MAX_NUMERIC_DATE = 2**53 - 1


@dataclass(frozen=True)
class Claims:
    """The checked claims of a verified token (RFC 9068 §2.2); ``all`` holds every member."""

    iss: str
    sub: str
    aud: tuple[str, ...]
    iat: int
    exp: int
    nbf: int | None
    scopes: tuple[str, ...]
    all: dict[str, Any] = field(repr=False)
    #: ``cnf.jkt`` (RFC 9449 §6.1): the key a bound token's presenter must prove with a DPoP
    #: proof; None for a bearer token.
    dpop_jkt: str | None = None


@dataclass(frozen=True)
class ClaimRules:
    issuer: str
    audiences: frozenset[str]
    clock_tolerance: int
    max_token_age: int
    max_token_lifetime: int


def check_claims(payload: dict[str, Any], rules: ClaimRules, now: int) -> Claims:
    """Presence, issuer, audience, NumericDates (RFC 7519 §2: here finite non-negative
    integers), nbf, exp, iat age, lifetime cap, sub and scope types, scope grammar.

    Example::

        claims = check_claims(payload, rules, int(time.time()))
    """
    # As jose (TypeScript SDK): an absent iss or aud is a missing claim, a wrong one a mismatch.
    for name in ("exp", "iat", "sub", "iss", "aud"):
        if name not in payload:
            raise VerifyError("token_claims_invalid", f"token {name} claim is missing")
    iss = payload.get("iss")
    if not isinstance(iss, str) or iss != rules.issuer:
        raise VerifyError("token_issuer_invalid", "token issuer is not the configured issuer")
    aud = _audiences(payload.get("aud"))
    if aud is None or not rules.audiences.intersection(aud):
        raise VerifyError("token_audience_invalid", "token audience does not include this service")
    dates: dict[str, int] = {}
    for name in ("iat", "nbf", "exp"):
        if name in payload:
            date = numeric_date(payload[name])
            if date is None:
                raise VerifyError("token_claims_invalid", f"token {name} claim is not an integer NumericDate")
            dates[name] = date
    tolerance = rules.clock_tolerance
    if "nbf" in dates and dates["nbf"] > now + tolerance:
        raise VerifyError("token_not_yet_valid", "token is not valid yet (nbf)")
    exp, iat = dates["exp"], dates["iat"]
    if exp <= now - tolerance:
        raise VerifyError("token_expired", "token has expired (exp)")
    age = now - iat
    if age - tolerance > rules.max_token_age:
        raise VerifyError("token_expired", "token is older than max_token_age (iat)")
    if age < -tolerance:
        raise VerifyError("token_not_yet_valid", "token is issued in the future (iat)")
    if exp - iat > rules.max_token_lifetime:
        raise VerifyError(
            "token_ttl_exceeded",
            f"token lifetime {exp - iat} s exceeds {rules.max_token_lifetime} s",
        )
    sub = payload["sub"]
    if not isinstance(sub, str) or sub == "":
        raise VerifyError("token_claims_invalid", "token sub claim is missing or empty")
    scopes: tuple[str, ...] = ()
    if "scope" in payload:
        if not isinstance(payload["scope"], str):
            raise VerifyError("token_claims_invalid", "token scope claim is not a string")
        parsed = parse_scope(payload["scope"])
        if parsed is None:
            raise VerifyError("token_scope_invalid", "token scope claim is not RFC 6749 scope syntax")
        scopes = parsed
    return Claims(iss, sub, aud, iat, exp, dates.get("nbf"), scopes, payload, confirmation_key(payload))


def confirmation_key(payload: dict[str, Any]) -> str | None:
    """``cnf`` (RFC 7800 §3.1) as RFC 9449 §6.1 binds it: None for a bearer token, else the
    ``jkt``: exactly ``{jkt: <base64url SHA-256 thumbprint>}``. Any other ``cnf`` is refused:
    this verifier could not check what it confirms.

    Example::

        confirmation_key({"sub": "alice"})  # None: a bearer token
        confirmation_key({"cnf": {"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"}})  # that jkt
    """
    if "cnf" not in payload:
        return None
    cnf = payload["cnf"]
    jkt = cnf.get("jkt") if isinstance(cnf, dict) and len(cnf) == 1 else None
    if not isinstance(jkt, str) or not _THUMBPRINT.fullmatch(jkt):
        raise VerifyError("token_claims_invalid", "token cnf claim is not {jkt: thumbprint}")
    return jkt


def parse_scope(scope: str) -> tuple[str, ...] | None:
    """Scope tokens separated by single spaces, none repeated (RFC 6749 §3.3), or None.

    Example::

        parse_scope("deploy:canary read")  # ('deploy:canary', 'read')
        parse_scope("read  write")         # None
    """
    tokens = scope.split(" ")
    if len(set(tokens)) != len(tokens) or not all(SCOPE_TOKEN.fullmatch(t) for t in tokens):
        return None
    return tuple(tokens)


def is_scope_token(value: Any) -> bool:
    return isinstance(value, str) and SCOPE_TOKEN.fullmatch(value) is not None


def numeric_date(value: Any) -> int | None:
    """A JSON number denoting a finite integer in [0, 2^53 − 1], else None (``1e999``, ``1.5``,
    strings and booleans are refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
        return None
    if not 0 <= value <= MAX_NUMERIC_DATE:
        return None
    return int(value)


def _audiences(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(a, str) for a in value):
        return tuple(value)
    return None


def missing_scopes(claims: Claims, required: Sequence[str]) -> list[str]:
    granted = set(claims.scopes)
    return [s for s in required if s not in granted]
