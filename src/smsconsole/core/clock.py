"""Times as smsconsole stores and sends them: ISO-8601 UTC with milliseconds."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(moment: datetime) -> str:
    """Write a time as ISO-8601 UTC with milliseconds (``2016-05-03T14:05:40.112Z``).

    One fixed width, so stored times sort correctly as text.
    """
    utc = moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    # isoformat, not strftime: the same text at a tenth of the cost (three per callback).
    return utc.isoformat(timespec="milliseconds") + "Z"


def now_utc() -> str:
    """The current time as :func:`iso_utc` writes it."""
    return iso_utc(datetime.now(UTC))
