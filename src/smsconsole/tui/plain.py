"""Text from the network, made safe to show: never parsed as markup, never obeyed.

Anything a stranger can choose (message texts, contact names, media file names, the
provider's error words) reaches the console. Two things could go wrong with it. Textual
parses ``[...]`` in a ``str`` as markup, so a text could style, click or crash the screen;
and control characters would reach the terminal as they are: ESC and C1 controls start
escape sequences (clear the screen, set the title), bidi controls reorder what is read
(a "Trojan Source" trick), and a lone surrogate cannot be written to the terminal at all.

:func:`clean` removes or replaces those characters; :func:`plain` wraps the result in a
:class:`~textual.content.Content`, which Textual shows as it is, with no markup.
"""

from __future__ import annotations

from typing import Final

from rich.text import Text
from textual.content import Content

REPLACEMENT: Final = "\ufffd"
# Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the marks that steer
# them (U+200E, U+200F, U+061C): invisible, and they reorder the text around them.
BIDI_CONTROLS: Final = frozenset(
    [*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A)), *"\u200e\u200f\u061c"]
)
_LINE_BREAKS: Final = frozenset("\n\r\u2028\u2029\x85\x0b\x0c")


def _table(lines: bool) -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for code in (*range(0x20), *range(0x7F, 0xA0)):
        table[code] = REPLACEMENT
    table[ord("\t")] = " "
    for char in _LINE_BREAKS:
        table[ord(char)] = "\n" if lines else " "
    table[ord("\r")] = "" if lines else " "  # \r\n is one line break
    for char in BIDI_CONTROLS:
        table[ord(char)] = None
    for code in range(0xD800, 0xE000):  # lone surrogates (a valid str holds no pairs)
        table[code] = REPLACEMENT
    return table


_ONE_LINE: Final = _table(lines=False)
_MANY_LINES: Final = _table(lines=True)


def clean(text: str, *, lines: bool = False) -> str:
    """``text`` with nothing a terminal would obey.

    Control characters (C0, DEL, C1) and lone surrogates become U+FFFD, so it shows that
    something was there; bidi controls are dropped; tabs become spaces.

    Args:
        text: Text from the network.
        lines: Keep line breaks (as ``\\n``); otherwise they become spaces, for one-line
            places such as a list row, a title or a toast.
    """
    if text.isascii() and text.isprintable():
        return text  # the common case: nothing to do
    return text.translate(_MANY_LINES if lines else _ONE_LINE)


def plain(text: str, *, lines: bool = False) -> Content:
    """``text`` cleaned, as content Textual shows as it is (no markup)."""
    return Content(clean(text, lines=lines))


def plain_cell(text: str) -> Text:
    """``text`` cleaned, for a ``DataTable`` cell (a ``str`` cell would be parsed as markup)."""
    return Text(clean(text))
