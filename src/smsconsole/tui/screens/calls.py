"""The call log: every call with its state and how long it lasted, in 80 columns."""

from __future__ import annotations

from collections.abc import Collection

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from smsconsole.core.calls import Call
from smsconsole.tui import timefmt
from smsconsole.tui.context import ConsoleContext
from smsconsole.tui.plain import plain_cell
from smsconsole.tui.updates import InboxChanged
from smsconsole.tui.widgets.key_footer import KeyFooter

STATE_WORDS = {
    "started": "ringing",
    "active": "on the line",
    "transferring": "transferring",
    "completed": "ended",
    "rejected": "rejected",
    "error": "failed",
}
# Hangup causes (reference §8) in a few words; anything else is shown lowercased.
CAUSE_WORDS = {
    "NORMAL_CLEARING": "hung up",
    "ORIGINATOR_CANCEL": "caller hung up",
    "NO_ANSWER": "no answer",
    "USER_BUSY": "busy",
    "CALL_REJECTED": "rejected",
    "UNALLOCATED_NUMBER": "no such number",
    "NORMAL_TEMPORARY_FAILURE": "network error",
}
WITH_WIDTH = 16
CAUSE_WIDTH = 14


class CallsScreen(Screen[None]):
    """Calls, newest first.

    Args:
        console: The state whose calls it shows.
    """

    BINDINGS = [Binding("escape,c", "app.pop_screen", "Back", id="calls.back")]

    def __init__(self, console: ConsoleContext) -> None:
        super().__init__()
        self.console = console

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Calls — newest first", id="calls-title")
        yield DataTable(id="calls-table", cursor_type="row", zebra_stripes=True)
        yield Static(
            "No calls yet. Calls to your numbers show here and ring wherever you are.",
            id="calls-empty",
        )
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("When", "Dir", "With", "Via", "State", "Time", "Cause")
        self.refresh_calls()
        table.focus()

    @on(InboxChanged)
    def inbox_changed(self, event: InboxChanged) -> None:
        if event.change.call is not None:
            self.refresh_calls()

    def refresh_calls(self) -> None:
        """Show the calls the console knows, newest first."""
        console = self.console
        table = self.query_one(DataTable)
        table.clear()
        calls = sorted(console.inbox.calls.values(), key=lambda c: c.start_time or "", reverse=True)
        self.query_one("#calls-empty", Static).display = not calls
        for call in calls[:500]:
            direction, other, ours = _sides(call, calls, console.inbox.numbers.keys())
            table.add_row(
                timefmt.clock(call.start_time or ""),
                direction,
                plain_cell(_cut(console.who(other), WITH_WIDTH)),
                f"…{ours[-4:]}" if ours else "—",
                plain_cell("missed" if call.missed else STATE_WORDS.get(call.state, call.state)),
                _duration(call.active_time, call.end_time),
                plain_cell(_cut(_cause(call.cause), CAUSE_WIDTH)),
                key=call.id,
            )


def _sides(call: Call, calls: list[Call], numbers: Collection[str]) -> tuple[str, str, str | None]:
    """``(direction, the other party, our number)`` of a call as the log shows them.

    A transfer's new leg goes out from the caller's number (its caller id), so our number
    is the one the transferred call came in on.
    """
    if call.direction == "in":
        return "in", call.from_, call.to
    if call.from_ in numbers:
        return "out", call.to, call.from_
    source = next(
        (
            c
            for c in calls
            if c.direction == "in"
            and c.from_ == call.from_
            and (c.start_time or "") <= (call.start_time or "")
        ),
        None,
    )
    return "fwd", call.to, source.to if source else None


def _cause(cause: str | None) -> str:
    if not cause:
        return ""
    return CAUSE_WORDS.get(cause, cause.replace("_", " ").lower())


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _duration(active: str | None, end: str | None) -> str:
    start, stop = timefmt.parse(active or ""), timefmt.parse(end or "")
    if start is None:
        return "—"
    if stop is None:
        return "…"
    return timefmt.duration((stop - start).total_seconds())
