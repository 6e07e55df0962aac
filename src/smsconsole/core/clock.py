"""Times as smsconsole stores and sends them: ISO-8601 UTC with milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(moment: datetime) -> str:
    """Write a time as ISO-8601 UTC with milliseconds (``2016-05-03T14:05:40.112Z``).

    One fixed width, so stored times sort correctly as text.
    """
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def now_utc() -> str:
    """The current time as :func:`iso_utc` writes it."""
    return iso_utc(datetime.now(UTC))
