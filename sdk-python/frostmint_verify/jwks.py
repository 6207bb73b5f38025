"""The issuer's JWKS, fetched over HTTPS and cached with bounded staleness."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from typing import Callable
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .errors import VerifyError
from .keys import parse_jwks

#: A JWKS body larger than this is refused; reading stops there.
MAX_JWKS_BYTES = 256 * 1024
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect could downgrade to plain HTTP: refuse it (the 3xx surfaces as an error)."""

    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def secure_url(url: str) -> str:
    """``url`` if it is https, or plain http on loopback; raises ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK):
        return url
    raise ValueError(f"jwks_uri must be https (plain http only on loopback): {url}")


def fetch_jwks(url: str, timeout: float) -> dict[str, Ed25519PublicKey]:
    """GETs and imports a JWKS. Unreachable, timeout or non-2xx → ``jwks_unavailable``;
    oversized (reading stops at the cap) or invalid → ``jwks_invalid``.

    Example::

        keys = fetch_jwks("https://mint.example/.well-known/jwks.json", timeout=5)
    """
    request = urllib.request.Request(url, headers={"Accept": "application/jwk-set+json, application/json"})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            body = response.read(MAX_JWKS_BYTES + 1)
    except urllib.error.HTTPError as err:
        raise VerifyError("jwks_unavailable", f"GET {url} answered {err.code}") from None
    except (OSError, ValueError) as err:
        raise VerifyError("jwks_unavailable", f"GET {url} failed: {err}") from None
    if len(body) > MAX_JWKS_BYTES:
        raise VerifyError("jwks_invalid", f"the JWKS at {url} exceeds {MAX_JWKS_BYTES} bytes")
    return parse_jwks(body)


class RemoteKeySet:
    """Keys from the issuer's JWKS, cached in memory and thread-safe, out of the request path:
    once ``refresh_interval`` has passed, a verification uses the cache and starts a background
    refresh; it waits for a fetch only when no usable cache exists, or for an unknown kid
    (fetches never start closer than ``cooldown`` apart). A failed refresh keeps the cached
    keys (``stale``) until ``max_staleness`` after the last success; beyond it verification
    fails closed with ``jwks_stale``. Times in seconds.

    Example::

        keys = RemoteKeySet("https://mint.example/.well-known/jwks.json")
        key, stale = keys.resolve(kid)
    """

    def __init__(
        self,
        url: str,
        *,
        refresh_interval: float = 300,
        cooldown: float = 30,
        max_staleness: float = 86_400,
        timeout: float = 5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_staleness < refresh_interval:
            raise ValueError("max_staleness must be at least refresh_interval")
        self._url = secure_url(url)
        self._refresh_interval, self._cooldown = refresh_interval, cooldown
        self._max_staleness, self._timeout, self._clock = max_staleness, timeout, clock
        self._lock = threading.Lock()  # guards the state below; never held during a fetch
        self._fetching = threading.Lock()  # one fetch at a time
        self._background: threading.Thread | None = None
        self._keys: dict[str, Ed25519PublicKey] | None = None
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self._last_error: VerifyError | None = None

    def resolve(self, kid: str) -> tuple[Ed25519PublicKey, bool]:
        """The key for ``kid`` and whether it comes from a stale cache."""
        with self._lock:
            age, cached = self._clock() - self._fetched_at, self._keys is not None
        if not cached or age > self._max_staleness:
            self._refresh()
        elif age >= self._refresh_interval:
            self._refresh_in_background()
        key, stale = self._lookup(kid)
        if key is None:
            self._refresh()
            key, stale = self._lookup(kid)
        if key is None:
            raise unknown_kid()
        return key, stale

    def _lookup(self, kid: str) -> tuple[Ed25519PublicKey | None, bool]:
        with self._lock:
            reason = self._last_error.message if self._last_error else "no fetch yet"
            if self._keys is None:
                raise VerifyError("jwks_unavailable", f"no JWKS from {self._url}: {reason}")
            age = self._clock() - self._fetched_at
            if age > self._max_staleness:
                raise VerifyError("jwks_stale", f"cached JWKS is {round(age)} s old, beyond max_staleness: {reason}")
            return self._keys.get(kid), self._last_error is not None

    def _refresh_in_background(self) -> None:
        with self._lock:
            if self._background is not None and self._background.is_alive():
                return
            self._background = threading.Thread(target=self._refresh, name="frostmint-jwks", daemon=True)
            self._background.start()

    def _refresh(self) -> None:
        """Fetches once unless a fetch began within ``cooldown``; records the outcome."""
        with self._fetching:
            with self._lock:
                now = self._clock()
                if now - self._attempted_at < self._cooldown:
                    return
                self._attempted_at = now
            try:
                keys = fetch_jwks(self._url, self._timeout)
            except VerifyError as err:
                with self._lock:
                    self._last_error = err
                return
            with self._lock:
                self._keys, self._fetched_at, self._last_error = keys, self._clock(), None


def unknown_kid() -> VerifyError:
    return VerifyError("token_kid_unknown", "no key in the issuer's JWKS matches the token's kid")
