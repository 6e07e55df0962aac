"""The one table of SMS segment counts that both the console's counter and the sandbox obey.

GSM-7: 160 septets in one segment, 153 per part once split; extension characters
(``€ { } [ ] ~ \\ | ^`` and form feed) take two. Any other character makes the whole text
UCS-2: 70 UTF-16 code units in one segment, 67 per part; a character outside the BMP (most
emoji) takes two units. Used by tests/core/test_sms.py and tests/sandbox/test_segments.py.
"""

from __future__ import annotations

from typing import NamedTuple


class Row(NamedTuple):
    """One text and what a carrier charges for it."""

    name: str
    text: str
    encoding: str
    count: int


SEGMENT_TABLE = [
    Row("gsm one char", "Example", "GSM-7", 1),
    Row("gsm 160 fills one", "a" * 160, "GSM-7", 1),
    Row("gsm 161 splits", "a" * 161, "GSM-7", 2),
    Row("gsm 306 is two parts of 153", "a" * 306, "GSM-7", 2),
    Row("gsm 307 is three", "a" * 307, "GSM-7", 3),
    Row("gsm accents in the basic table", "é" * 160, "GSM-7", 1),
    Row("gsm 80 euros are 160 septets", "€" * 80, "GSM-7", 1),
    Row("gsm 81 euros are 162 septets", "€" * 81, "GSM-7", 2),
    Row("gsm 150 chars with 6 braces", "a" * 144 + "{}" * 3, "GSM-7", 1),
    Row("gsm 157 chars with 4 brackets", "a" * 153 + "[]" * 2, "GSM-7", 2),
    Row("ucs2 one char", "ç", "UCS-2", 1),
    Row("ucs2 70 fills one", "я" * 70, "UCS-2", 1),
    Row("ucs2 71 splits", "я" * 71, "UCS-2", 2),
    Row("ucs2 77 (issue 13)", "Привет! " * 9 + "Пока!", "UCS-2", 2),
    Row("ucs2 134 is two parts of 67", "я" * 134, "UCS-2", 2),
    Row("ucs2 135 is three", "я" * 135, "UCS-2", 3),
    Row("ucs2 35 emoji are 70 code units", "😀" * 35, "UCS-2", 1),
    Row("ucs2 36 emoji are 72 code units", "😀" * 36, "UCS-2", 2),
    Row("ucs2 one emoji switches 69 letters", "a" * 69 + "😀", "UCS-2", 2),
]
