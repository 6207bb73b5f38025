"""frostmint's one strict token grammar (RFC 7515 §7.1 compact serialization, tightened)."""

from __future__ import annotations

import base64
import json
import math
import re
from typing import Any, NamedTuple

from .errors import VerifyError

#: Cap on the compact token, checked before anything is decoded (same as the other SDKs).
MAX_TOKEN_BYTES = 8192
#: Cap on JSON nesting: the top-level object is depth 1, each nested object or array adds one.
MAX_JSON_DEPTH = 8

_B64URL = re.compile(r"[A-Za-z0-9_-]+")


class CompactJWS(NamedTuple):
    header: dict[str, Any]
    payload: dict[str, Any]


def parse_compact(token: str) -> CompactJWS:
    """Applies the strict grammar: at most MAX_TOKEN_BYTES, exactly three canonical base64url
    segments, header and payload strict JSON objects. Raises ``token_malformed``.

    Example::

        jws = parse_compact(token)
        jws.header["kid"]
    """
    if not isinstance(token, str) or token == "":
        raise _malformed("no token given")
    if not token.isascii() or len(token) > MAX_TOKEN_BYTES:
        raise _malformed(f"token is not ASCII or exceeds {MAX_TOKEN_BYTES} bytes")
    parts = token.split(".")
    if len(parts) != 3:
        raise _malformed("token must have exactly three segments")
    decoded = [_decode_segment(name, part) for name, part in zip(("header", "payload", "signature"), parts)]
    return CompactJWS(_object("header", decoded[0]), _object("payload", decoded[1]))


def decode_segment(segment: str) -> bytes | None:
    """Canonical unpadded base64url (RFC 7515 §2): the bytes must re-encode to the segment,
    which refuses padding, whitespace, other alphabets and nonzero unused trailing bits."""
    if not _B64URL.fullmatch(segment) or len(segment) % 4 == 1:
        return None
    raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != segment:
        return None
    return raw


def strict_json(raw: bytes) -> Any:
    """Parses one JSON value (RFC 8259), refusing what ``json.loads`` lets through: invalid
    UTF-8, ``NaN``/``Infinity`` and numbers beyond double range (RFC 7493 §2.2), nesting beyond MAX_JSON_DEPTH and duplicate member names at
    any depth (RFC 7515 §4, RFC 7519 §4). Raises ``ValueError``."""
    text = raw.decode("utf-8")  # strict: invalid UTF-8 raises UnicodeDecodeError (a ValueError)
    _check_depth(text)
    return json.loads(
        text,
        object_pairs_hook=_unique_members,
        parse_constant=_no_constant,
        parse_float=_finite_float,
        parse_int=_double_range_int,
    )


def _finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError(f"number {literal} is out of range")
    return value


def _double_range_int(literal: str) -> int:
    value = int(literal)
    _finite_float(literal)  # the same range as a double, as the other verifiers read numbers
    return value


def _decode_segment(name: str, segment: str) -> bytes:
    raw = decode_segment(segment)
    if raw is None:
        raise _malformed(f"{name} is not canonical base64url")
    return raw


def _object(name: str, raw: bytes) -> dict[str, Any]:
    try:
        value = strict_json(raw)
    except ValueError as err:
        raise _malformed(f"{name}: {err}") from None
    if not isinstance(value, dict):
        raise _malformed(f"{name} is not a JSON object")
    return value


def _check_depth(text: str) -> None:
    """Counts brackets outside strings before parsing, so a deep document never recurses."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH}")
        elif ch in "]}":
            depth -= 1


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in pairs:
        if name in out:
            raise ValueError(f"duplicate member name {name!r}")
        out[name] = value
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _malformed(message: str) -> VerifyError:
    return VerifyError("token_malformed", message)
