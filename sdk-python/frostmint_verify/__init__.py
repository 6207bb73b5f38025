"""Verify frostmint access tokens (EdDSA JWTs signed by a FROST Ed25519 quorum) locally.

Example::

    from frostmint_verify import Verifier, VerifyError

    verifier = Verifier(issuer="https://mint.example", audience="deploy-api",
                        jwks_uri="https://mint.example/.well-known/jwks.json")
    try:
        token = verifier.verify(bearer, required_scopes=["deploy:canary"])
    except VerifyError as err:
        respond(403 if err.code == "token_scope_missing" else 401, err.code)
"""

from .claims import Claims, parse_scope
from .dpop import MAX_JTI_LENGTH, DPoPInput, access_token_hash, normalize_htu
from .errors import CODES, VerifyError
from .grammar import MAX_JSON_DEPTH, MAX_TOKEN_BYTES
from .jwks import MAX_JWKS_BYTES, RemoteKeySet
from .keys import parse_jwks, point_defect
from .replay import DEFAULT_REPLAY_CACHE_CAPACITY, MemoryReplayCache, ReplayCache, ReplayCacheFull
from .verifier import MAX_CLOCK_TOLERANCE, MAX_DPOP_MAX_AGE, VerifiedToken, Verifier

__all__ = [
    "CODES",
    "DEFAULT_REPLAY_CACHE_CAPACITY",
    "MAX_JTI_LENGTH",
    "MAX_CLOCK_TOLERANCE",
    "MAX_DPOP_MAX_AGE",
    "MAX_JSON_DEPTH",
    "MAX_JWKS_BYTES",
    "MAX_TOKEN_BYTES",
    "Claims",
    "DPoPInput",
    "MemoryReplayCache",
    "ReplayCache",
    "ReplayCacheFull",
    "RemoteKeySet",
    "VerifiedToken",
    "VerifyError",
    "Verifier",
    "access_token_hash",
    "normalize_htu",
    "parse_jwks",
    "parse_scope",
    "point_defect",
]
