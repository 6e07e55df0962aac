"""Stored times: one fixed width, UTC, milliseconds, so they sort correctly as text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from smsconsole.core.clock import iso_utc, now_utc


def test_a_time_is_written_in_utc_with_milliseconds() -> None:
    assert iso_utc(datetime(2016, 5, 3, 14, 5, 40, 112_999, tzinfo=UTC)) == (
        "2016-05-03T14:05:40.112Z"
    )


def test_an_offset_is_converted_and_a_naive_time_is_taken_as_utc() -> None:
    raleigh = timezone(timedelta(hours=-4))
    assert iso_utc(datetime(2016, 5, 3, 10, 5, 40, tzinfo=raleigh)) == "2016-05-03T14:05:40.000Z"
    assert iso_utc(datetime(2016, 5, 3, 14, 5, 40)) == "2016-05-03T14:05:40.000Z"


def test_now_is_written_the_same_way() -> None:
    before = iso_utc(datetime.now(UTC))
    now = now_utc()
    assert len(now) == len(before) == 24
    assert now.endswith("Z")
    assert before <= now


moments = st.datetimes(
    min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


def to_millisecond(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@given(moments, moments)
def test_text_order_is_time_order(first: datetime, second: datetime) -> None:
    a, b = iso_utc(first), iso_utc(second)
    assert len(a) == len(b) == 24
    assert (a < b) == (to_millisecond(first) < to_millisecond(second))
    assert (a == b) == (to_millisecond(first) == to_millisecond(second))
