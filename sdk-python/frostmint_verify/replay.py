"""Single use of DPoP proofs (RFC 9449 §11.1): a pluggable replay cache, bounded in memory by default."""

from __future__ import annotations

import heapq
import threading
import time
from typing import Callable, Protocol

#: Default capacity: proofs live about dpop_max_age + clock_tolerance (90 s by default), so
#: this covers ~1,100 proofs per second.
DEFAULT_REPLAY_CACHE_CAPACITY = 100_000


class ReplayCacheFull(Exception):
    """Every entry is still live, so a new proof cannot be recorded (and is refused)."""


class ReplayCache(Protocol):
    """Remembers the DPoP proofs already used. Must be thread-safe; one shared by several
    instances (e.g. Redis ``SET key 1 NX PXAT``) makes single use hold across a fleet."""

    def use(self, key: str, expires_at: float) -> bool:
        """Records ``key`` until ``expires_at`` (unix seconds) and returns whether it was
        unseen, atomically. An exception refuses the proof."""
        ...


class MemoryReplayCache:
    """The default :class:`ReplayCache`: in process, at most ``capacity`` live entries, each
    dropped once expired. When full of live entries it refuses new proofs (fail closed)
    rather than forget one that could then be replayed.

    Example::

        cache = MemoryReplayCache(capacity=10_000)
        verifier = Verifier(issuer=..., audience=..., jwks_uri=..., replay_cache=cache)
    """

    def __init__(self, capacity: int = DEFAULT_REPLAY_CACHE_CAPACITY, clock: Callable[[], float] = time.time) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._clock = clock
        self._seen: dict[str, float] = {}
        self._expiries: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def use(self, key: str, expires_at: float) -> bool:
        with self._lock:
            self._drop_expired()
            if key in self._seen:
                return False
            if len(self._seen) >= self._capacity:
                raise ReplayCacheFull("DPoP replay cache is full")
            self._seen[key] = expires_at
            heapq.heappush(self._expiries, (expires_at, key))
            return True

    def __len__(self) -> int:
        with self._lock:
            self._drop_expired()
            return len(self._seen)

    def _drop_expired(self) -> None:
        now = self._clock()
        while self._expiries and self._expiries[0][0] <= now:
            _, key = heapq.heappop(self._expiries)
            del self._seen[key]
