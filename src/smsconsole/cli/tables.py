"""Plain-text tables for people on a terminal (``smsconsole apps list``, ``numbers search``…).

Machines get ``--json`` instead, so these strings may change between versions. What the cells
show (prices, places, masked URLs) is :mod:`smsconsole.core.formatting`, shared with the
console and the API.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence


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


def plural(count: int, noun: str) -> str:
    """``1 number``, ``2 numbers``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
