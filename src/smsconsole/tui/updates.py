"""What the app tells its screens, as Textual messages each screen handles itself.

The app follows the feed and loads from ``/api``; it posts these to every screen it shows
and never calls into a screen. A screen that has nothing to show for one ignores it.
"""

from __future__ import annotations

from textual.message import Message

from smsconsole.tui.state import Change


class Update(Message, bubble=False):
    """Something the screens may show (it does not bubble up to the app)."""


class InboxChanged(Update):
    """One feed event changed the console's state.

    Attributes:
        change: What the event changed (:meth:`Inbox.apply`'s answer).
        live: The feed has caught up: the event is news (ring for it), not replay.
    """

    def __init__(self, change: Change, *, live: bool) -> None:
        super().__init__()
        self.change = change
        self.live = live


class Loaded(Update):
    """Conversations, numbers or calls were (re)loaded from ``/api``: show them again."""


class Connection(Update):
    """The feed's connection state changed.

    Attributes:
        state: connecting, connected, reconnecting or offline.
        retry_in: Seconds until the next attempt, when not connected.
        detail: Why, when not connected.
    """

    def __init__(self, state: str, retry_in: float | None, detail: str) -> None:
        super().__init__()
        self.state = state
        self.retry_in = retry_in
        self.detail = detail


class Unreachable(Update):
    """Nothing could be loaded yet: the server did not answer (the app tries again).

    Attributes:
        url: The server's address.
        retry_in: Seconds until the next attempt.
        detail: What went wrong.
    """

    def __init__(self, url: str, retry_in: float, detail: str) -> None:
        super().__init__()
        self.url = url
        self.retry_in = retry_in
        self.detail = detail
