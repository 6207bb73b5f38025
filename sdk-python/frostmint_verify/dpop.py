"""DPoP (RFC 9449): a proof of possession of the key a token is bound to (``cnf.jkt``)."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import jwt
from jwt.algorithms import ECAlgorithm, OKPAlgorithm

from .claims import numeric_date
from .errors import VerifyError
from .grammar import decode_segment, parse_compact
from .keys import point_defect
from .replay import ReplayCache

#: Longest accepted proof ``jti``, in characters.
MAX_JTI_LENGTH = 128

#: The proof algorithms accepted, each with the JWK kty, crv and coordinate members it requires.
_ALGS = {
    "EdDSA": ("OKP", "Ed25519", ("x",)),
    "ES256": ("EC", "P-256", ("x", "y")),
    "ES384": ("EC", "P-384", ("x", "y")),
}
#: Members carrying private or symmetric key material (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC
#: 8037 §2): an embedded jwk must be a public key (RFC 9449 §4.2).
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class DPoPInput:
    """What a request presents with a DPoP-bound token (RFC 9449 §4, §7.1): the ``DPoP``
    header (``""`` means none), the request's method and its target URI as the client
    addressed it.

    Example::

        DPoPInput(request.headers.get("DPoP", ""), request.method, "https://api.example" + request.path)
    """

    proof: str
    htm: str
    htu: str


class ProofClock(NamedTuple):
    """When a proof is checked, unix seconds: its ``iat`` may be ``window`` from ``now``, its
    own ``exp`` and ``nbf`` (if any) hold with ``tolerance``."""

    now: int
    window: int
    tolerance: int


class CheckedProof(NamedTuple):
    jkt: str
    jti: str
    iat: int
    ath: str


def check_dpop(token: str, jkt: str | None, dpop: DPoPInput | None, clock: ProofClock, replay: ReplayCache) -> None:
    """RFC 9449 on a verified token: a token with ``cnf.jkt`` needs a proof; a proof needs a
    bound token whose ``cnf.jkt`` is the proof key's thumbprint (§6.1) and whose hash is the
    proof's ``ath`` (§4.3 step 12); the proof's ``jti`` is then used up in ``replay``.

    Example::

        check_dpop(token, claims.dpop_jkt, DPoPInput(proof, "POST", url), ProofClock(now, 90, 30), cache)
    """
    if dpop is None or dpop.proof == "":
        if jkt is not None:
            raise VerifyError("dpop_proof_missing", "token is bound to a key (cnf.jkt): a DPoP proof is required")
        return
    if jkt is None:
        raise _mismatch("a DPoP proof came with a token that is not bound to a key (no cnf.jkt)")
    proof = check_proof(dpop, clock)
    if proof.ath != access_token_hash(token):
        raise _mismatch("the DPoP proof's ath is not the hash of this token")
    if proof.jkt != jkt:
        raise _mismatch("the DPoP proof's key is not the key the token is bound to (cnf.jkt)")
    try:
        # After iat + window the proof is refused by its age, so the entry can go then.
        fresh = replay.use(f"{proof.jkt}:{proof.jti}", proof.iat + clock.window + 1)
    except Exception as err:  # noqa: BLE001 - any store failure leaves single use unproven
        raise VerifyError(
            "dpop_proof_replayed", f"cannot record the DPoP proof's jti, so single use is unproven: {err}"
        ) from None
    if not fresh:
        raise VerifyError("dpop_proof_replayed", "the DPoP proof's jti was used before")


def check_proof(dpop: DPoPInput, clock: ProofClock) -> CheckedProof:
    """RFC 9449 §4.3 steps 2–11: one well-formed JWT (frostmint's strict grammar), typ
    dpop+jwt, an allowed asymmetric alg, a public jwk of that alg's key type, a valid
    signature under it, then jti, htm, htu, iat and an ath to compare. Raises
    ``dpop_proof_invalid``.

    Example::

        proof = check_proof(DPoPInput(header, "POST", "https://api.example/deploy"), ProofClock(now, 90, 30))
    """
    try:
        jws = parse_compact(dpop.proof)
    except VerifyError as err:
        raise _invalid(f"DPoP proof: {err.message}") from None
    alg, key, jkt = _proof_key(jws.header)
    try:
        jwt.PyJWS().decode_complete(dpop.proof, key=key, algorithms=[alg])
    except jwt.PyJWTError:
        raise _invalid("DPoP proof signature does not verify under its jwk") from None
    return _proof_claims(jws.payload, dpop, jkt, clock)


def _proof_key(header: dict[str, Any]) -> tuple[str, Any, str]:
    """Header checks (RFC 9449 §4.2, §4.3 steps 4–7); the jwk's key and RFC 7638 thumbprint."""
    if "crit" in header:
        raise _invalid("DPoP proof header names critical extensions")
    if header.get("typ") != "dpop+jwt":  # exactly, as RFC 9449 §4.2 writes it
        raise _invalid("DPoP proof typ is not dpop+jwt")
    alg = header.get("alg")
    if alg not in _ALGS:
        raise _invalid("DPoP proof alg is not one of EdDSA, ES256, ES384")
    jwk = header.get("jwk")
    if not isinstance(jwk, dict):
        raise _invalid("DPoP proof header has no jwk object")
    if any(member in jwk for member in _PRIVATE_MEMBERS):
        raise _invalid("DPoP proof jwk carries private key material")
    kty, crv, coordinates = _ALGS[alg]
    if jwk.get("kty") != kty or jwk.get("crv") != crv:
        raise _invalid(f"DPoP proof jwk is not a {kty} {crv} key as alg {alg} requires")
    raw = {name: decode_segment(jwk[name]) if isinstance(jwk.get(name), str) else None for name in coordinates}
    if any(value is None for value in raw.values()):
        raise _invalid("DPoP proof jwk coordinates are not canonical base64url")
    if kty == "OKP" and (len(raw["x"]) != 32 or point_defect(raw["x"]) is not None):
        raise _invalid("DPoP proof jwk is not a valid Ed25519 public key")
    required = {"kty": kty, "crv": crv, **{name: jwk[name] for name in coordinates}}
    try:
        key = (OKPAlgorithm if kty == "OKP" else ECAlgorithm).from_jwk(required)
    except (jwt.PyJWTError, ValueError):
        raise _invalid("DPoP proof jwk is not a valid public key") from None
    return alg, key, _thumbprint(required)


def _thumbprint(required: dict[str, str]) -> str:
    """RFC 7638 §3: SHA-256 over the required members, sorted, without whitespace."""
    canonical = json.dumps(required, sort_keys=True, separators=(",", ":"))
    return _b64u(hashlib.sha256(canonical.encode("ascii")).digest())


def _proof_claims(payload: dict[str, Any], dpop: DPoPInput, jkt: str, clock: ProofClock) -> CheckedProof:
    """Claim checks (RFC 9449 §4.2, §4.3 steps 8–11)."""
    jti = payload.get("jti")
    if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_LENGTH:
        raise _invalid(f"DPoP proof jti is missing, empty or longer than {MAX_JTI_LENGTH} characters")
    if payload.get("htm") != dpop.htm:
        raise _invalid("DPoP proof htm is not the request's method")
    htu = payload.get("htu")
    got = normalize_htu(htu) if isinstance(htu, str) else None
    if got is None or got != normalize_htu(dpop.htu):
        raise _invalid("DPoP proof htu is not the request's URI")
    iat = numeric_date(payload["iat"]) if "iat" in payload else None
    if iat is None:
        raise _invalid("DPoP proof iat is missing or not an integer NumericDate")
    if not clock.now - clock.window <= iat <= clock.now + clock.window:
        raise _invalid(f"DPoP proof iat is more than {clock.window} s from now")
    _check_validity(payload, clock)
    ath = payload.get("ath")
    if not isinstance(ath, str) or ath == "":
        raise _invalid("DPoP proof has no ath (hash of the access token)")
    return CheckedProof(jkt, jti, iat, ath)


def _check_validity(payload: dict[str, Any], clock: ProofClock) -> None:
    """A proof's own ``nbf`` and ``exp``, when present, hold too (RFC 7519 §4.1.4–4.1.5), as
    the TypeScript SDK's JOSE library checks them."""
    for name in ("nbf", "exp"):
        if name not in payload:
            continue
        date = numeric_date(payload[name])
        if date is None:
            raise _invalid(f"DPoP proof {name} is not an integer NumericDate")
        if (name == "nbf" and date > clock.now + clock.tolerance) or (name == "exp" and date <= clock.now - clock.tolerance):
            raise _invalid(f"DPoP proof is outside its own {name}")


def normalize_htu(raw: str) -> str | None:
    """An http(s) URI reduced to what RFC 9449 §4.3 step 9 compares: scheme and host in
    lower case, the default port dropped, an empty path as ``/``, dot segments removed (RFC
    3986 §6.2.2–6.2.3), query and fragment ignored; None if it is no such URI or has userinfo.

    Example::

        normalize_htu("HTTPS://API.example:443?q=1")  # 'https://api.example/'
    """
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return None
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[parts.scheme]:
        host = f"{host}:{port}"
    return f"{parts.scheme}://{host}{_remove_dot_segments(parts.path) or '/'}"


def _remove_dot_segments(path: str) -> str:
    """Resolves ``.`` and ``..`` in an absolute path (RFC 3986 §5.2.4)."""
    segments = path.split("/")
    out: list[str] = []
    for i, segment in enumerate(segments):
        if segment not in (".", ".."):
            out.append(segment)
            continue
        if segment == ".." and len(out) > 1:
            out.pop()
        if i == len(segments) - 1:  # a trailing "." or ".." leaves a directory: ends in "/"
            out.append("")
    return "/".join(out)


def access_token_hash(token: str) -> str:
    """The ``ath`` of RFC 9449 §4.2: base64url of SHA-256 over the token's ASCII.

    Example::

        access_token_hash("eyJ...")  # 43 base64url characters
    """
    return _b64u(hashlib.sha256(token.encode("ascii")).digest())


def _b64u(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _mismatch(message: str) -> VerifyError:
    return VerifyError("dpop_binding_mismatch", message)


def _invalid(message: str) -> VerifyError:
    return VerifyError("dpop_proof_invalid", message)
