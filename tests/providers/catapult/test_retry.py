"""Retry decisions, pure."""

from __future__ import annotations

import pytest

from smsconsole.providers.catapult.errors import CatapultError
from smsconsole.providers.catapult.retry import (
    RetryPolicy,
    rate_limit_reset_wait,
    wait_before_retrying_answer,
)

POLICY = RetryPolicy(max_attempts=5, max_total_wait=10.0, backoff_base=0.5, backoff_max=3.0)


def test_backoff_doubles_and_is_capped() -> None:
    assert [POLICY.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_allows_bounds_attempts_and_total_wait() -> None:
    assert POLICY.allows(attempt=1, waited=0.0, wait=10.0)
    assert not POLICY.allows(attempt=1, waited=0.5, wait=10.0)
    assert not POLICY.allows(attempt=5, waited=0.0, wait=0.0)


def test_reset_header_is_epoch_milliseconds() -> None:
    assert rate_limit_reset_wait("1479308598680", now=1479308596.180) == pytest.approx(2.5)
    assert rate_limit_reset_wait("1479308598680", now=1479308600.0) == 0.0
    assert rate_limit_reset_wait("soon", now=0.0) is None
    assert rate_limit_reset_wait("nan", now=0.0) is None
    assert rate_limit_reset_wait("inf", now=0.0) is None
    assert rate_limit_reset_wait(None, now=0.0) is None


def _wait(
    status: int, method: str, category: str = "", code: str = "", reset: str | None = None
) -> float | None:
    error = CatapultError("x", status=status, category=category, code=code)
    return wait_before_retrying_answer(
        error, method=method, attempt=2, policy=POLICY, reset_header=reset, now=1000.0
    )


@pytest.mark.parametrize(
    ("status", "method", "category", "code", "reset", "expected"),
    [
        (429, "POST", "too-many-requests", "rate-limit-reached", "1003000", 3.0),
        (429, "GET", "too-many-requests", "rate-limit-reached", None, 1.0),
        (403, "POST", "limit", "message-rate-limit", None, 1.0),
        (403, "POST", "limit", "call-rate-limit", "1000500", 0.5),
        (403, "POST", "limit", "multi-message-limit", None, None),
        (403, "POST", "forbidden", "call-invalid-state", None, None),
        (503, "GET", "unavailable", "gateway-unavailable", None, 1.0),
        (503, "POST", "unavailable", "gateway-unavailable", None, None),
        (500, "DELETE", "", "", None, None),
        (404, "GET", "not-found", "call-not-found", None, None),
    ],
)
def test_which_answers_are_retried(
    status: int, method: str, category: str, code: str, reset: str | None, expected: float | None
) -> None:
    assert _wait(status, method, category, code, reset) == expected
