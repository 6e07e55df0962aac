"""The call log: every call with its state and how long it lasted."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from smsconsole.core.phone import format_for_display
from smsconsole.tui import timefmt
from smsconsole.tui.context import ConsoleContext
from smsconsole.tui.plain import plain_cell
from smsconsole.tui.updates import InboxChanged

STATE_WORDS = {
    "started": "ringing",
    "active": "on the line",
    "transferring": "transferring",
    "completed": "ended",
    "rejected": "rejected",
    "error": "failed",
}


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
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("When", "Direction", "With", "Our number", "State", "Duration", "Cause")
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
            other = call.from_ if call.direction == "in" else call.to
            ours = call.to if call.direction == "in" else call.from_
            who = console.who(other)
            table.add_row(
                timefmt.clock(call.start_time or ""),
                "in" if call.direction == "in" else "out",
                plain_cell(who),
                format_for_display(ours, console.region),
                plain_cell(STATE_WORDS.get(call.state, call.state)),
                _duration(call.active_time, call.end_time),
                plain_cell((call.cause or "").replace("_", " ").lower()),
                key=call.id,
            )


def _duration(active: str | None, end: str | None) -> str:
    start, stop = timefmt.parse(active or ""), timefmt.parse(end or "")
    if start is None:
        return "—"
    if stop is None:
        return "…"
    return timefmt.duration((stop - start).total_seconds())
