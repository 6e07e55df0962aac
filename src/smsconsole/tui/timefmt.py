"""Times as the console shows them: short, local, relative to now."""

from __future__ import annotations

from datetime import datetime


def parse(iso: str) -> datetime | None:
    """Read an ISO-8601 time from the API (UTC, ``Z``)."""
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None


def short(iso: str, now: datetime | None = None) -> str:
    """``14:05`` today, ``Nov 27`` this year, ``2025-11-27`` before."""
    moment = parse(iso)
    if moment is None:
        return ""
    local = moment.astimezone()
    current = (now or datetime.now().astimezone()).astimezone()
    if local.date() == current.date():
        return local.strftime("%H:%M")
    if local.year == current.year:
        return local.strftime("%b %d")
    return local.strftime("%Y-%m-%d")


def clock(iso: str) -> str:
    """``Nov 27 14:05``: the date and time of a message."""
    moment = parse(iso)
    return moment.astimezone().strftime("%b %d %H:%M") if moment else ""


def duration(seconds: float) -> str:
    """``4:05`` or ``1:02:03``."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
