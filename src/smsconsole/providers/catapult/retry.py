"""When a failed Catapult request may be sent again, and how long to wait first.

Pure decisions over plain values; :mod:`.session` applies them. The rules
(and why) are summarised in :mod:`.client`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from smsconsole.providers.catapult.errors import CatapultError

# §1.10 / §1.9: codes of the 403 "limit" category that mean "sent too fast". The fifth,
# multi-message-limit, means "more than 50 in one batch": waiting does not help.
RATE_LIMIT_CODES = frozenset(
    {
        "message-rate-limit",
        "message-rate-limit-overall",
        "message-rate-limit-per-tn",
        "call-rate-limit",
    }
)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds on retrying a request.

    Attributes:
        max_attempts: how many times one request may be sent in total (1 = never retry).
        max_total_wait: the most seconds spent waiting between attempts of one request; a
            wait that would exceed it is not started and the error is raised instead.
        backoff_base: the first backoff wait in seconds; it doubles on each retry.
        backoff_max: the longest single backoff wait in seconds.
    """

    max_attempts: int = 4
    max_total_wait: float = 60.0
    backoff_base: float = 0.5
    backoff_max: float = 8.0

    def backoff(self, attempt: int) -> float:
        """The wait after failed attempt number ``attempt`` (1-based)."""
        wait: float = self.backoff_base * 2.0 ** max(attempt - 1, 0)
        return min(wait, self.backoff_max)

    def allows(self, attempt: int, waited: float, wait: float) -> bool:
        """Whether attempt ``attempt`` may be followed by another after waiting ``wait``."""
        return attempt < self.max_attempts and waited + wait <= self.max_total_wait


NO_RETRY = RetryPolicy(max_attempts=1, max_total_wait=0.0)


def rate_limit_reset_wait(reset_header: str | None, now: float) -> float | None:
    """Seconds until ``X-RateLimit-Reset`` (epoch **milliseconds**, §1.10), never negative.

    Returns ``None`` when the header is absent or unreadable.
    """
    if reset_header is None:
        return None
    try:
        reset_ms = float(reset_header.strip())
    except ValueError:
        return None
    if not math.isfinite(reset_ms):  # "nan"/"inf" parse as floats but say nothing
        return None
    return max(reset_ms / 1000.0 - now, 0.0)


def wait_before_retrying_answer(
    error: CatapultError,
    *,
    method: str,
    attempt: int,
    policy: RetryPolicy,
    reset_header: str | None,
    now: float,
) -> float | None:
    """How long to wait before resending a request that got an error answer.

    Args:
        error: the error the answer was parsed into.
        method: the request's HTTP method.
        attempt: the 1-based number of the attempt that failed.
        policy: the retry bounds (for the backoff curve).
        reset_header: the ``X-RateLimit-Reset`` header, if any.
        now: the current time, epoch seconds.

    Returns:
        Seconds to wait, or ``None`` when this answer must not be retried. Bounds are the
        caller's job (:meth:`RetryPolicy.allows`).
    """
    status = error.status
    # 429 and 403/limit mean the request was refused, so resending is safe even for a create.
    if status == 429:
        reset = rate_limit_reset_wait(reset_header, now)
        return policy.backoff(attempt) if reset is None else reset
    if status == 403 and error.category == "limit" and error.code in RATE_LIMIT_CODES:
        reset = rate_limit_reset_wait(reset_header, now)
        return policy.backoff(attempt) if reset is None else reset
    # A 5xx on a write may have half-happened; only reads are repeated.
    if status is not None and status >= 500 and method == "GET":
        return policy.backoff(attempt)
    return None
