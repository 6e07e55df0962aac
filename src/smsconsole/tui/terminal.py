"""How the console behaves toward its terminal, apart from what it shows.

Toasts that show a stranger's words as they are, the bell and desktop notifications, a plain
report when the console fails, quitting when the terminal goes away — and, for a remote
user's console (over SSH), refusing what would run a program or touch a file on the server
as the server's user: an editor or a text browser is a shell away (issue 10).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from rich.text import Text
from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
from textual.app import App, SystemCommand
from textual.notifications import Notification, Notify, SeverityLevel
from textual.screen import Screen

from smsconsole.tui.context import ConsoleContext
from smsconsole.tui.notify import notification_sequences
from smsconsole.tui.plain import clean

TOAST_LIMIT = 500  # characters of a text a toast shows (the thread shows it whole)


@dataclass(frozen=True)
class _KeyName:
    """A key's name where Textual's sequence table expects one of its ``Keys`` (``.value``)."""

    value: str


# Most terminals (xterm, tmux, GNOME Terminal without the kitty protocol) send alt+enter as
# ESC CR. Textual's parser knows no such sequence, waits ESCDELAY, then reads the CR as a bare
# enter, dropping the alt: the composer would send where it should start a new line.
cast(dict[str, Any], ANSI_SEQUENCES_KEYS).setdefault("\x1b\r", (_KeyName("alt+enter"),))


class TerminalApp(App[None]):
    """A Textual app that is careful with its terminal (the console's base)."""

    context: ConsoleContext  # set by the console app before it mounts
    _news_toast: Notification | None = None

    def watch_terminal(self) -> None:
        """Quit when the terminal goes away (window closed, SSH dropped), not spin on it."""
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError, AttributeError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.exit)
        # Textual draws on stderr; watch that terminal, if it is one.
        stream = sys.__stderr__
        if stream is not None and stream.isatty():
            self._terminal_fd = stream.fileno()
            self.set_interval(2.0, self._terminal_alive)

    def _terminal_alive(self) -> None:
        try:
            os.get_terminal_size(self._terminal_fd)
        except OSError:
            self.exit()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """A toast that shows its words as they are.

        Textual parses a toast's message as markup unless told otherwise, and most toasts
        here carry a stranger's words (a text, a name, the provider's reason): one ``[/]``
        would crash the console at its next repaint. So markup is off, and what a terminal
        would obey is cleaned out, for every toast of every screen.
        """
        if len(message) > TOAST_LIMIT:
            message = message[:TOAST_LIMIT] + "…"
        super().notify(
            clean(message, lines=True),
            title=clean(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def news(self, title: str, body: str, timeout: float) -> None:
        """The news toast: a newer one takes the place of the one still shown."""
        previous = self._news_toast
        if previous is not None and previous in self._notifications:
            self._unnotify(previous)
        if len(body) > TOAST_LIMIT:
            body = body[:TOAST_LIMIT] + "…"
        # Markup off: a stranger's words, shown as they are (see notify).
        toast = Notification(
            clean(body, lines=True), clean(title), "information", timeout, markup=False
        )
        self._news_toast = toast
        self.post_message(Notify(toast))

    def ring(self, title: str, body: str) -> None:
        """The bell and a desktop notification (OSC 9, OSC 777), on a real terminal."""
        if not self.is_headless and self._driver is not None:
            self._driver.write(notification_sequences(title, body))

    def _fatal_error(self) -> None:
        # Textual's own report highlights each frame's source and renders its locals: that
        # held the event loop an in-process server shares for minutes under load (no callback
        # answered meanwhile), and printed whatever a local held (tokens). A plain traceback
        # says what failed.
        self.bell()
        report = "".join(traceback.format_exc(limit=-12))
        self._exit_renderables.append(Text(report, end=""))
        self._close_messages_no_wait()

    # -- what a remote user's console does not do (ConsoleContext.refused) -----------------

    def action_open_media(self, url: str) -> None:
        """Open an MMS attachment with the system's opener (a browser for URLs)."""
        if not self.context.refused(f"opening attachments. The link: {url[:300]}"):
            self.open_url(url)

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        if not self.context.refused(f"opening links. The link: {url[:300]}"):
            super().open_url(url, new_tab=new_tab)

    def action_suspend_process(self) -> None:
        if not self.context.refused("suspending the console."):
            super().action_suspend_process()

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        if not self.context.refused("saving a screenshot on the server."):
            super().action_screenshot(filename, path)

    def deliver_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str | None:
        if self.context.refused("saving a screenshot on the server."):
            return None
        return super().deliver_screenshot(filename, path, time_format)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if not (self.context.restricted and command.title == "Screenshot"):
                yield command
