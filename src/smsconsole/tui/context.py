"""What a screen of the console is given: the client, the state, the operator's preferences.

The app builds one :class:`ConsoleContext` and hands it to every screen it opens, so no screen
imports the app (data down); what the feed changes reaches the screens as Textual messages
(:mod:`smsconsole.tui.updates`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from textual.notifications import SeverityLevel

from smsconsole.core.phone import format_for_display
from smsconsole.tui import prefs as prefs_file
from smsconsole.tui.client import ConsoleClient
from smsconsole.tui.notify import NEWS_SECONDS
from smsconsole.tui.prefs import Prefs
from smsconsole.tui.state import Inbox


class Shell(Protocol):
    """Where a screen's toasts and rings go: the app, toward its terminal."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
    ) -> None:
        """Show a toast (no markup; a terminal's controls cleaned out)."""

    def ring(self, title: str, body: str) -> None:
        """Ring the terminal and raise a desktop notification (bell, OSC 9, OSC 777)."""

    def news(self, title: str, body: str, timeout: float) -> None:
        """Show the news toast, in place of the one shown before (if it is still up)."""


@dataclass
class ConsoleContext:
    """The console's client, state and preferences, as every screen is given them.

    Attributes:
        client: The server's client.
        inbox: Conversations, calls and numbers as the console knows them.
        prefs: The operator's preferences (saved with :meth:`save_prefs`).
        prefs_path: Where the preferences are kept (None: not remembered).
        region: The phone region numbers are read and shown in.
        restricted: A remote user's console (over SSH): it runs no program, opens no link,
            reads no file for them and writes none but its prefs.
        server_label: The server, as the status bar names it.
        shell: Shows the toasts and rings the terminal.
    """

    client: ConsoleClient
    inbox: Inbox
    prefs: Prefs
    prefs_path: Path | None
    region: str
    restricted: bool
    server_label: str
    shell: Shell

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
    ) -> None:
        """Show a toast."""
        self.shell.notify(message, title=title, severity=severity, timeout=timeout)

    def who(self, number: str) -> str:
        """A number as the operator knows it: the contact's name, else the number shown."""
        return self.inbox.name_of(number) or format_for_display(number, self.region)

    def save_prefs(self) -> None:
        """Remember the preferences."""
        prefs_file.save(self.prefs_path, self.prefs)

    def alerting(self, conversation_id: str | None) -> bool:
        """Whether news of this conversation rings (notifications on, it is not muted)."""
        return self.prefs.notifications and conversation_id not in self.prefs.muted

    def alert(self, conversation_id: str | None, title: str, body: str) -> None:
        """Ring and notify, unless notifications are off or the conversation is muted."""
        if not self.alerting(conversation_id):
            return
        self.shell.ring(title, body)
        self.notify(body, title=title, timeout=4)

    def tell_news(self, title: str, body: str) -> None:
        """Ring once and show the texts that came as one toast (``News.summary``)."""
        self.shell.ring(title, body)
        self.shell.news(title, body, NEWS_SECONDS)

    # Over SSH, what would run a program or touch a file on the server, as the server's
    # user, is refused: an editor or a text browser is a shell away (issue 10).
    def refused(self, what: str) -> bool:
        """In restricted mode, say that ``what`` is not available, and answer True."""
        if self.restricted:
            self.notify(f"Not available over SSH: {what}", severity="warning")
        return self.restricted
