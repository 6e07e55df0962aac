"""Plain-text tables and the small formats they show: money, places, masked URLs.

Output for people on a terminal (``smsconsole apps list``, ``numbers search``…); machines get
``--json`` instead, so these strings may change between versions.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

MASK = "****"


def table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, right: Collection[int] = ()
) -> str:
    """Align ``rows`` under ``headers`` in columns two spaces apart.

    Args:
        headers: Column titles.
        rows: One sequence of cell texts per row, as long as ``headers``.
        right: Indexes of columns to align right (amounts).

    Returns:
        The lines joined with newlines, without trailing spaces.
    """
    widths = [len(title) for title in headers]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(width) if index in right else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), *(line(row) for row in rows)])


def money(amount: Decimal | None) -> str:
    """A monthly price as ``$0.35`` (more decimals only when the provider gave them)."""
    if amount is None:
        return "?"
    cents = amount.quantize(Decimal("0.01"))
    shown = cents if cents == amount else amount.normalize()
    return f"${shown:f}"


def place(city: str | None, state: str | None) -> str:
    """``Cary, NC`` from the provider's upper-case ``CARY``/``NC``; empty when unknown."""
    town = " ".join(word.capitalize() for word in (city or "").split())
    return ", ".join(part for part in (town, state or "") if part)


def masked_url(url: str | None) -> str | None:
    """``url`` with the password of its userinfo replaced by ``****`` (callback credentials)."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"{user}:{MASK}@{host}", parts.path, parts.query, ""))


def plural(count: int, noun: str) -> str:
    """``1 number``, ``2 numbers``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
