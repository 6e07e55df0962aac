"""Desktop notifications by terminal escape sequences, which also travel over SSH.

OSC 9 (iTerm2, Windows Terminal, WezTerm, kitty, foot...) and OSC 777 (urxvt, VTE terminals
such as GNOME Terminal) ask the terminal itself to show a notification; a terminal that does
not know one ignores it. The bell is rung as well. Nothing here runs a local program, so it
works the same when the console is reached over SSH.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from smsconsole.tui.plain import clean


def _clean(text: str) -> str:
    # A control character (ESC, BEL) would end the escape sequence early, and ";" splits
    # OSC 777's fields: what the console shows anywhere is cleaned the same way.
    return clean(text).replace(";", " ")[:200]


def notification_sequences(title: str, body: str) -> str:
    """The bell plus OSC 9 and OSC 777 notifications carrying ``title`` and ``body``."""
    title, body = _clean(title), _clean(body)
    return f"\x07\x1b]9;{title}: {body}\x07\x1b]777;notify;{title};{body}\x07"


NEWS_SECONDS = 5.0
"""How long the news toast shows; texts within it are told together."""


@dataclass
class News:
    """Texts that arrived close together, told as one toast: ``12 new messages from 5 people``.

    Pure: the caller says when each text came (``now``, monotonic seconds). A text more than
    ``window`` seconds after the previous one starts the count afresh (its toast is gone).
    """

    window: float = NEWS_SECONDS
    count: int = 0
    people: list[str] = field(default_factory=list)
    last_text: str = ""
    last_at: float = -1e9

    def add(self, who: str, text: str, now: float) -> None:
        """One more text from ``who``."""
        if now - self.last_at > self.window:
            self.count, self.people = 0, []
        self.count += 1
        if who in self.people:
            self.people.remove(who)
        self.people.append(who)  # the latest last
        self.last_text, self.last_at = text, now

    def summary(self) -> tuple[str, str]:
        """The toast's title and body for the texts counted so far."""
        if self.count == 1:
            return f"Text from {self.people[-1]}", self.last_text
        if len(self.people) == 1:
            return f"{self.count} new messages from {self.people[0]}", self.last_text
        title = f"{self.count} new messages from {len(self.people)} people"
        latest = list(reversed(self.people))
        names = ", ".join(latest[:3])
        if len(latest) > 3:
            names += f" and {len(latest) - 3} more"
        return title, names
