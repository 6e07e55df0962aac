"""Desktop notifications by terminal escape sequences, which also travel over SSH.

OSC 9 (iTerm2, Windows Terminal, WezTerm, kitty, foot...) and OSC 777 (urxvt, VTE terminals
such as GNOME Terminal) ask the terminal itself to show a notification; a terminal that does
not know one ignores it. The bell is rung as well. Nothing here runs a local program, so it
works the same when the console is reached over SSH.
"""

from __future__ import annotations

from smsconsole.tui.plain import clean


def _clean(text: str) -> str:
    # A control character (ESC, BEL) would end the escape sequence early, and ";" splits
    # OSC 777's fields: what the console shows anywhere is cleaned the same way.
    return clean(text).replace(";", " ")[:200]


def notification_sequences(title: str, body: str) -> str:
    """The bell plus OSC 9 and OSC 777 notifications carrying ``title`` and ``body``."""
    title, body = _clean(title), _clean(body)
    return f"\x07\x1b]9;{title}: {body}\x07\x1b]777;notify;{title};{body}\x07"
