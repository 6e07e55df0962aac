"""Text from strangers, made fit to show: plain text, never markup, never a terminal control.

Everything the console shows that came over the network (a text, a contact's name, a number,
a media file's name, the provider's error words) passes through :func:`clean` and is then
handed to Textual as a :class:`~textual.content.Content` (or a Rich ``Text``), never as a
string Textual would parse as markup. Brackets stay as they were: ``[b]hi[/b]`` is shown as
those nine characters, not escaped and not bold.

What :func:`clean` changes, and why:

- C0 controls and DEL (ESC, BEL, backspace...) would reach the terminal and be obeyed
  (clear the screen, set the window title, end an OSC sequence): each is shown as its Unicode
  control picture (``␛``, ``␇``), so the operator sees that one was there.
- C1 controls (U+0080–U+009F; U+009B is a one-byte CSI on some terminals) become U+FFFD.
- Bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C) would reorder
  what follows them on the screen (the "Trojan Source" trick): dropped.
- Lone surrogates cannot be encoded for the terminal (the write would raise): U+FFFD.
- Line ends (CR LF, CR, NEL, U+2028/9) become ``\\n``, or a space where one line is wanted;
  a tab becomes a space (its width is the terminal's to decide, not ours).
"""

from __future__ import annotations

from typing import Final

from rich.text import Text
from textual.content import Content

_REPLACEMENT: Final = "\ufffd"
_BIDI: Final = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_LINE_ENDS: Final = ("\r\n", "\r", "\x85", "\u2028", "\u2029")


def _table() -> dict[int, str | None]:
    table: dict[int, str | None] = {code: chr(0x2400 + code) for code in range(0x20)}
    table[0x7F] = "\u2421"
    table[ord("\t")] = " "
    table.update(dict.fromkeys(range(128, 160), _REPLACEMENT))
    table.update(dict.fromkeys(_BIDI))
    table.update(dict.fromkeys(range(55296, 57344), _REPLACEMENT))
    return table


_SAFE: Final = _table()
_SAFE_LINES: Final = {**_SAFE, ord("\n"): "\n"}
_SAFE_ONE_LINE: Final = {**_SAFE, ord("\n"): " "}


def clean(text: str, *, lines: bool = True, limit: int | None = None) -> str:
    """``text`` with every terminal control and bidi control made harmless (see the module).

    Args:
        text: Untrusted text.
        lines: Keep line breaks (as ``\\n``); False turns them into spaces.
        limit: Cut to at most this many characters, ending with ``…`` (None: no cut).

    Returns:
        Text that is safe to write to a terminal as it is.
    """
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    for end in _LINE_ENDS:
        if end in text:
            text = text.replace(end, "\n")
    return text.translate(_SAFE_LINES if lines else _SAFE_ONE_LINE)


def plain(text: str, *, lines: bool = True, limit: int | None = None) -> Content:
    """Untrusted text as Textual content: cleaned, and never read as markup."""
    return Content(clean(text, lines=lines, limit=limit))


def plain_text(text: str, *, lines: bool = False, limit: int | None = None) -> Text:
    """Untrusted text as a Rich ``Text`` (for the widgets that take Rich renderables)."""
    return Text(clean(text, lines=lines, limit=limit), end="")
