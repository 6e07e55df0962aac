"""SMS segment counting: how many parts a text costs, as a carrier splits it.

A text that fits the GSM 03.38 alphabet is sent in GSM-7: 160 characters in one segment, or
153 per segment once it needs several (the user-data header takes 7). Characters of the
extension table (``^ { } [ ] ~ \\ | €`` and form feed) are sent as an escape plus a character
and so count twice; an escape pair is never split across two segments. Any other character
forces UCS-2 for the whole message: 70 UTF-16 code units in one segment, 67 per segment
otherwise, and a surrogate pair (most emoji) is never split either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True)
class Segments:
    """How a text is split into SMS segments.

    Attributes:
        encoding: ``GSM-7`` or ``UCS-2``.
        units: Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes.
        count: Segments the text costs (0 for an empty text).
        per_segment: Units one segment holds at this length (160/153 or 70/67).
        remaining: Units left in the last segment before another one is needed.
    """

    encoding: Encoding
    units: int
    count: int
    per_segment: int
    remaining: int


def is_gsm7(text: str) -> bool:
    """Return whether every character of ``text`` can be sent in GSM-7."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def count_segments(text: str) -> Segments:
    """Return the encoding, size and segment count of ``text``."""
    if is_gsm7(text):
        sizes = [2 if char in GSM7_EXTENSION else 1 for char in text]
        return _split("GSM-7", sizes, single=160, multi=153)
    sizes = [2 if ord(char) > 0xFFFF else 1 for char in text]
    return _split("UCS-2", sizes, single=70, multi=67)


def _split(encoding: Encoding, sizes: list[int], *, single: int, multi: int) -> Segments:
    units = sum(sizes)
    if units <= single:
        count = 1 if units else 0
        return Segments(encoding, units, count, single, single - units)
    # Fill segments greedily; an item of two units that does not fit moves whole to the next
    # segment, leaving one unit unused, as handsets and carriers do.
    count, used = 1, 0
    for size in sizes:
        if used + size > multi:
            count, used = count + 1, 0
        used += size
    return Segments(encoding, units, count, multi, multi - used)
