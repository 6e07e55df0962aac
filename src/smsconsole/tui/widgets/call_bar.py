"""The call bar: the current call, how long it has been up, and its controls."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from textual import work
from textual.widgets import Static

from smsconsole.core.calls import Call
from smsconsole.core.phone import format_for_display
from smsconsole.tui import timefmt
from smsconsole.tui.client import ConsoleError
from smsconsole.tui.context import ConsoleContext
from smsconsole.tui.plain import plain

RINGING_ACTIONS = ("answer", "reject")
# Keys no one types into a message by accident: a ringing call never takes a letter.
ANSWER_KEY = "ctrl+t"
REJECT_KEY = "ctrl+r"
UP_ACTIONS = ("speak", "transfer", "hang_up")


def live_call(calls: Iterable[Call]) -> Call | None:
    """The newest call that is ringing or up."""
    live = [c for c in calls if c.state in ("started", "active", "transferring")]
    return max(live, key=lambda c: c.start_time or "", default=None)


def allowed(call: Call | None, action: str) -> bool | None:
    """Whether a call key applies to ``call`` (None: ``action`` is not a call key)."""
    if action in RINGING_ACTIONS:
        return call is not None and call.state == "started"
    if action in UP_ACTIONS:
        return call is not None and call.state in ("active", "transferring")
    return None


class CallBar(Static):
    """What the current call is doing (hidden when there is none), and what it is told.

    Args:
        console: The client and state the call comes from.
        id: The widget's id.
    """

    def __init__(self, console: ConsoleContext, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.console = console

    @property
    def active_call(self) -> Call | None:
        """The newest call that is ringing or up."""
        return live_call(self.console.inbox.calls.values())

    def on_mount(self) -> None:
        self.display = False
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        # The bar shows how long the call has been up.
        if self.active_call is not None:
            self.show_call()

    def show_call(self) -> None:
        """Show the current call, or hide the bar; the call keys follow."""
        call = self.active_call
        words: str | None = None
        if call is not None:
            who = self.console.who(call.from_ if call.direction == "in" else call.to)
            if call.state == "started":
                words = f"📞 {who} calling  ^{ANSWER_KEY[-1]} answer  ^{REJECT_KEY[-1]} reject"
            else:
                since = timefmt.parse(call.active_time or call.start_time or "")
                took = ""
                if since is not None:
                    took = " " + timefmt.duration((datetime.now(UTC) - since).total_seconds())
                words = f"📞 {who}{took} · s speak · t transfer · h hang up"
        self.display = words is not None
        self.update(plain(words or ""))
        self.app.refresh_bindings()

    # -- controls ---------------------------------------------------------------------------

    def answer(self, call_id: str | None = None) -> None:
        """Answer ``call_id`` (the current call when None)."""
        self._control("answer", call_id)

    def reject(self, call_id: str | None = None) -> None:
        """Reject ``call_id`` (the current call when None)."""
        self._control("reject", call_id)

    def hang_up(self) -> None:
        """Hang up the current call."""
        self._control("hangup")

    def speak(self, call_id: str, sentence: str) -> None:
        """Say ``sentence`` into the call (text to speech)."""
        self.call_action("speak", call_id, sentence)

    def transfer(self, call_id: str, number: str) -> None:
        """Send the call to ``number`` (E.164)."""
        self.call_action("transfer", call_id, number)

    def _control(self, action: str, call_id: str | None = None) -> None:
        if call_id is None and (call := self.active_call) is not None:
            call_id = call.id
        if call_id is not None:
            self.call_action(action, call_id)

    @work(group="call", exit_on_error=False)
    async def call_action(self, action: str, call_id: str, argument: str = "") -> None:
        """Answer, reject, speak, transfer or hang up, through the server."""
        client, notify = self.console.client, self.console.notify
        try:
            if action == "answer":
                await client.answer(call_id)
            elif action == "reject":
                await client.reject(call_id)
            elif action == "hangup":
                await client.hangup(call_id)
            elif action == "speak":
                await client.speak(call_id, argument)
                notify(f"Speaking: {argument}", timeout=3)
            elif action == "transfer":
                await client.transfer(call_id, argument)
                notify(f"Transferring to {format_for_display(argument, self.console.region)}")
        except ConsoleError as error:
            notify(f"Could not {action}: {error.message}", severity="error", timeout=8)
