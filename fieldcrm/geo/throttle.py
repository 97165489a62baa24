"""Per-endpoint request pacing and back-off, shared by every chain in the process.

Public services set rules (Nominatim: at most 1 request per second; BAN: 50 per second per IP).
A ``Throttle`` spaces the calls made through it by a minimum interval, from any number of threads,
and remembers when the service asked us to back off (HTTP 429) or stopped answering.

The pacing is per process: with several gunicorn workers, each worker has its own throttle.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# After this many failures in a row (timeouts, connection refused, 5xx) the endpoint is skipped…
FAILURES_BEFORE_PAUSE = 3
# …for this long, so a dead service does not cost a full timeout on every address of a batch.
PAUSE_AFTER_FAILURES_SECONDS = 30.0
DEFAULT_RATE_LIMITED_PAUSE_SECONDS = 60.0


class Throttle:
    """Thread-safe minimum interval between calls, plus a "come back later" deadline."""

    def __init__(
        self,
        min_interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.min_interval = max(0.0, min_interval)
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._failures = 0

    def wait(self) -> None:
        """Block until this caller's turn; each caller reserves the next free slot."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.min_interval
        if slot > now:
            self._sleep(slot - now)

    def paused_for(self) -> float:
        """Seconds left before the endpoint may be called again (0 if it may)."""
        with self._lock:
            return max(0.0, self._paused_until - self._clock())

    def pause(self, seconds: float) -> None:
        """Do not call the endpoint for ``seconds`` (e.g. a 429's Retry-After)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0

    def record_failure(self) -> None:
        """Count a failure; pause the endpoint after a few in a row."""
        with self._lock:
            self._failures += 1
            if self._failures >= FAILURES_BEFORE_PAUSE:
                self._failures = 0
                self._paused_until = max(self._paused_until, self._clock() + PAUSE_AFTER_FAILURES_SECONDS)


_throttles: dict[str, Throttle] = {}
_throttles_lock = threading.Lock()


def shared_throttle(key: str, min_interval: float) -> Throttle:
    """The process-wide throttle for an endpoint (e.g. ``"nominatim https://…"``).

    Chains built from the same settings share it, so building a chain per request is safe.
    """
    with _throttles_lock:
        throttle = _throttles.get(key)
        if throttle is None:
            throttle = _throttles[key] = Throttle(min_interval)
        else:
            throttle.min_interval = max(0.0, min_interval)
        return throttle


def reset_throttles() -> None:
    """Forget every shared throttle (tests)."""
    with _throttles_lock:
        _throttles.clear()
