"""Optional v1 rate limits (reference §1.10), off unless the sandbox is created with them.

Sending messages and creating calls: 1 per second per number, averaged over 10 seconds, else
403 ``limit`` (``message-rate-limit`` / ``call-rate-limit``). Every other endpoint: a token
bucket per resource family, else 429 ``too-many-requests``/``rate-limit-reached`` with
``X-RateLimit-Reset`` in epoch milliseconds.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from smsconsole.sandbox.errors import ApiError

WINDOW_SECONDS = 10.0


class RateLimiter:
    """Rate limits of one sandbox.

    Args:
        per_number: Sends (or calls) per second per number, averaged over 10 s.
        burst: Requests a resource family may make at once.
        refill: Requests per second a resource family regains.
        clock: Monotonic seconds the windows are measured on (a test can move it by hand).
    """

    def __init__(
        self,
        per_number: float = 1.0,
        burst: int = 20,
        refill: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_number = per_number
        self.burst = burst
        self.refill = refill
        self._clock = clock
        self._sends: dict[tuple[str, str], deque[float]] = {}
        self._buckets: dict[str, tuple[float, float]] = {}

    def check_send(self, kind: str, number: str) -> None:
        """Count one message or call from ``number``; 403 ``limit`` beyond the average rate."""
        clock = self._clock()
        stamps = self._sends.setdefault((kind, number), deque())
        while stamps and clock - stamps[0] > WINDOW_SECONDS:
            stamps.popleft()
        allowed = self.per_number * WINDOW_SECONDS
        if len(stamps) >= allowed:
            rate = (len(stamps) + 1) / WINDOW_SECONDS
            noun = "messages" if kind == "message" else "calls"
            raise ApiError(
                403,
                f"{kind}-rate-limit",
                f"You can send {self.per_number:g} {noun} per 1 seconds, calculated as the "
                f"average over 10 seconds. Your rate is: {rate:g}",
                category="limit",
            )
        stamps.append(clock)

    def check_resource(self, family: str) -> None:
        """Take a token for a resource family; 429 with ``X-RateLimit-Reset`` when empty."""
        clock = self._clock()
        tokens, last = self._buckets.get(family, (float(self.burst), clock))
        tokens = min(float(self.burst), tokens + (clock - last) * self.refill)
        if tokens < 1.0:
            wait = (1.0 - tokens) / self.refill
            reset_ms = math.ceil((time.time() + wait) * 1000)
            self._buckets[family] = (tokens, clock)
            raise ApiError(
                429,
                "rate-limit-reached",
                f"Rate limit reached for {family}; retry after {reset_ms}",
                category="too-many-requests",
                details={"rateLimitResetTime": str(reset_ms)},
                headers={"X-RateLimit-Reset": str(reset_ms)},
            )
        self._buckets[family] = (tokens - 1.0, clock)
