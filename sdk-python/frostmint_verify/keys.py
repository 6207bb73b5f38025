"""Import the Ed25519 verification keys of a JWKS (RFC 7517 §5, RFC 8037 §2)."""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from .errors import VerifyError
from .grammar import decode_segment, strict_json

# Curve25519 in Edwards form (RFC 8032 §5.1): p = 2^255 − 19, d = −121665/121666.
_P = 2**255 - 19
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def parse_jwks(document: bytes | dict[str, Any]) -> dict[str, Ed25519PublicKey]:
    """The Ed25519 keys of a JWKS by kid. Keys of another type or curve, or marked for another
    use or algorithm, are skipped. A set without a usable key, an Ed25519 key without kid, a
    repeated kid, private material, or an ``x`` that is not a valid prime-order point make the
    whole document invalid (``jwks_invalid``), so a broken publication never replaces a cache.

    Example::

        keys = parse_jwks(b'{"keys": [...]}')
        keys["kid-1"].verify(signature, message)
    """
    if isinstance(document, (bytes, bytearray)):
        try:
            document = strict_json(bytes(document))
        except ValueError as err:
            raise _invalid(f"the JWKS is not strict JSON: {err}") from None
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise _invalid('the JWKS has no "keys" array')
    keys: dict[str, Ed25519PublicKey] = {}
    for jwk in entries:
        if not _is_ed25519_signing_key(jwk):
            continue
        kid = jwk.get("kid")
        if not isinstance(kid, str) or kid == "":
            raise _invalid("an Ed25519 key has no kid")
        if "d" in jwk:
            raise _invalid(f"key {kid} carries private key material")
        if kid in keys:
            raise _invalid(f"kid {kid} appears twice")
        keys[kid] = _import(kid, jwk.get("x"))
    if not keys:
        raise _invalid("the JWKS has no Ed25519 signing key")
    return keys


def _is_ed25519_signing_key(jwk: Any) -> bool:
    return (
        isinstance(jwk, dict)
        and jwk.get("kty") == "OKP"
        and jwk.get("crv") == "Ed25519"
        and jwk.get("use", "sig") == "sig"
        and jwk.get("alg", "EdDSA") in ("EdDSA", "Ed25519")
    )


def _import(kid: str, x: Any) -> Ed25519PublicKey:
    raw = decode_segment(x) if isinstance(x, str) else None
    if raw is None or len(raw) != 32:
        raise _invalid(f"key {kid}: x is not 32 bytes of base64url")
    reason = point_defect(raw)
    if reason is not None:
        raise _invalid(f"key {kid}: {reason}")
    key = OKPAlgorithm.from_jwk(json.dumps({"kty": "OKP", "crv": "Ed25519", "x": x}))
    assert isinstance(key, Ed25519PublicKey)
    return key


def point_defect(encoded: bytes) -> str | None:
    """Why ``encoded`` is not a usable Ed25519 public key, or None: RFC 8032 §5.1.3 decoding
    (y < p, x recoverable, no sign bit on x = 0) and not of small order ([8]A ≠ identity;
    with a small-order key a forged signature verifies for any message).

    Example::

        point_defect(bytes([1] + [0] * 31))  # 'small-order point'
    """
    y = int.from_bytes(encoded, "little") & ((1 << 255) - 1)
    sign = encoded[31] >> 7
    if y >= _P:
        return "x is not a canonical point encoding"
    u, v = (y * y - 1) % _P, (_D * y * y + 1) % _P
    x = u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P) % _P
    if (v * x * x - u) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (v * x * x - u) % _P != 0:
        return "x is not a point on Ed25519"
    if x == 0 and sign == 1:
        return "x is not a canonical point encoding"
    point = (x if x & 1 == sign else _P - x, y, 1, 0)
    point = (point[0], point[1], 1, point[0] * point[1] % _P)
    for _ in range(3):
        point = _double(point)
    if point[0] % _P == 0 and (point[1] - point[2]) % _P == 0:
        return "x is a small-order point"
    return None


def _double(pt: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """Point doubling in extended coordinates (RFC 8032 §5.1.4)."""
    x1, y1, z1, _ = pt
    a, b, c = x1 * x1 % _P, y1 * y1 % _P, 2 * z1 * z1 % _P
    h = (a + b) % _P
    e = (h - (x1 + y1) * (x1 + y1)) % _P
    g = (a - b) % _P
    f = (c + g) % _P
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _invalid(message: str) -> VerifyError:
    return VerifyError("jwks_invalid", message)
