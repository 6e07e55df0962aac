"""The smsconsole Textual app: a thin shell around one server's feed and ``/api``.

The app owns the :class:`ConsoleClient` and the :class:`Inbox` state. It loads the state,
follows the feed, and tells its screens what changed with Textual messages
(:mod:`smsconsole.tui.updates`); each screen is given a :class:`ConsoleContext` and acts on
its own. What talks to the server runs in workers, so the screen never waits on the network.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import ClassVar

from textual import events, work
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input, TextArea
from textual.worker import WorkerCancelled

from smsconsole.core.feed import LogEvent
from smsconsole.tui import loading
from smsconsole.tui import prefs as prefs_file
from smsconsole.tui.client import ConsoleClient, FeedEvent, FeedItem, FeedLive, FeedReset, FeedState
from smsconsole.tui.commands import ConsoleCommands, MessageSearch
from smsconsole.tui.context import ConsoleContext
from smsconsole.tui.screens.applications import ApplicationsScreen
from smsconsole.tui.screens.calls import CallsScreen
from smsconsole.tui.screens.dialogs import About, about_lines
from smsconsole.tui.screens.help import KeysHelp, console_keys
from smsconsole.tui.screens.inbox import InboxScreen
from smsconsole.tui.screens.numbers import NumbersScreen
from smsconsole.tui.screens.wizard import SetupWizard
from smsconsole.tui.state import Inbox
from smsconsole.tui.terminal import TerminalApp
from smsconsole.tui.typed import in_text_box, typed_actions
from smsconsole.tui.updates import Connection, InboxChanged, Loaded, Unreachable, Update
from smsconsole.tui.widgets.call_bar import ANSWER_KEY, REJECT_KEY, allowed, live_call


class SmsConsoleApp(TerminalApp):
    """The console.

    Args:
        client: The server it attaches to (the app closes it on exit).
        region: The phone region numbers are read and shown in.
        prefs_path: Where the operator's preferences are kept (None: not remembered).
        server_label: The server, as the status bar names it.
        notifications: Bell and desktop notifications on (unless muted).
        restricted: A remote user's console (over SSH): it runs no program (editor,
            opener, shell), reads no file for them and writes none but its prefs.
        sandbox_url: The simulated provider's address, when there is one (the demo): the
            about screen shows how to text or call in with curl.
    """

    CSS_PATH = "smsconsole.tcss"
    TITLE = "smsconsole"
    COMMANDS = TerminalApp.COMMANDS | {ConsoleCommands, MessageSearch}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        Binding("n", "new_conversation", "New", id="app.new_conversation"),
        Binding("u", "next_unread", "Next unread", id="app.next_unread"),
        Binding("c", "calls", "Calls", id="app.calls"),
        Binding("r", "name_contact", "Name", id="app.name_contact"),
        Binding("C", "place_call", "Call", id="app.place_call"),
        Binding("m", "mute", "Mute", id="app.mute"),
        # Priority, and not letters: they work from the composer and are never typed by chance.
        Binding(ANSWER_KEY, "answer", "Answer", priority=True, id="app.answer"),
        Binding(REJECT_KEY, "reject", "Reject", priority=True, id="app.reject"),
        Binding("s", "speak", "Speak", id="app.speak"),
        Binding("t", "transfer", "Transfer", id="app.transfer"),
        Binding("h", "hang_up", "Hang up", id="app.hang_up"),
        Binding("M", "toggle_notifications", "Notifications", show=False, id="app.notifications"),
        Binding("?", "help", "Keys", id="app.help"),
        Binding("i", "about", "About", show=False, id="app.about"),
        Binding("f1", "keys", "Keys", show=False, id="app.keys"),
        Binding("p", "numbers", "Phone numbers", show=False, id="app.numbers"),
        Binding("A", "applications", "Applications", show=False, id="app.applications"),
        Binding("W", "setup_wizard", "Set up a number", show=False, id="app.setup_wizard"),
    ]

    def __init__(
        self,
        client: ConsoleClient,
        *,
        region: str = "US",
        prefs_path: Path | None = None,
        server_label: str = "",
        notifications: bool = True,
        restricted: bool = False,
        sandbox_url: str = "",
    ) -> None:
        super().__init__()
        self.sandbox_url = sandbox_url
        self.server_label = server_label
        self.client = client
        self.inbox = Inbox()
        prefs = prefs_file.load(prefs_path)
        if not notifications:
            prefs.notifications = False
        self.context = ConsoleContext(
            client, self.inbox, prefs, prefs_path, region, restricted, server_label, self
        )
        self.live = False
        self.loaded = asyncio.Event()
        self._more_conversations: str | None = None  # cursor of the list's second page

    @property
    def inbox_screen(self) -> InboxScreen:
        """The main screen (under any dialog)."""
        return next(s for s in self.screen_stack if isinstance(s, InboxScreen))

    def tell(self, update: Callable[[], Update]) -> None:
        """Post an update to every screen shown (each makes its own copy of the message)."""
        for screen in self.screen_stack:
            screen.post_message(update())

    # -- start up ---------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[None]:
        # The inbox is the bottom of the stack, not pushed above Textual's blank default:
        # a screen beneath the top one is a "background screen", and each of its frames
        # asked the top one for a whole repaint (15-60 ms a time under a stream of texts,
        # the frames key presses waited for: bench/tui.py).
        return InboxScreen(self.context)

    async def on_mount(self) -> None:
        if not self.is_headless:
            self.watch_terminal()
        self.connect_and_load()

    @work(exclusive=True, group="load", exit_on_error=False)
    async def connect_and_load(self) -> None:
        """Load state from ``/api`` (retrying while the server is unreachable), then follow."""

        def unreachable(delay: float, why: str) -> None:
            self.tell(partial(Unreachable, self.client.base_url, delay, why))

        self._more_conversations = await loading.load_retrying(self.client, self.inbox, unreachable)
        self.tell(Loaded)
        self.loaded.set()
        self.follow_feed()
        self.load_remaining()
        self.inbox_screen.offer_setup()

    async def reload(self) -> None:
        """Load the state again from ``/api`` (its first page of conversations)."""
        self._more_conversations = await loading.load(self.client, self.inbox)
        self.tell(Loaded)

    @work(exclusive=True, group="load-more", exit_on_error=False)
    async def load_remaining(self) -> None:
        """Read the rest of the conversation list in the background."""
        cursor = self._more_conversations
        await loading.load_remaining(self.client, self.inbox, cursor, lambda: self.tell(Loaded))

    # -- the feed: its items in, the Inbox's changes out to the screens ---------------------

    @work(exclusive=True, group="feed", exit_on_error=False)
    async def follow_feed(self) -> None:
        """Apply the feed's events as they come; show its connection state."""
        async with contextlib.aclosing(self.client.feed()) as feed:
            async for item in feed:
                await self._follow(item)

    async def _follow(self, item: FeedItem) -> None:
        """One item of the feed: a connection state or an event to apply."""
        if isinstance(item, FeedState):
            self.tell(partial(Connection, item.state, item.retry_in, item.detail))
            if item.state != "connected":
                self.live = False
        elif isinstance(item, FeedEvent):
            await self.apply(item.seq, item.event)
        elif isinstance(item, FeedLive):
            self.live = True
        elif isinstance(item, FeedReset):
            await self.reload()

    async def apply(self, seq: int, event: LogEvent) -> None:
        """Apply one event to the state, and tell the screens what it changed."""
        # The one place a feed event enters the console's state (Inbox.apply).
        change = self.inbox.apply(seq, event)
        self.tell(partial(InboxChanged, change, live=self.live))

    # -- keys: the screens act; the app only says which keys apply --------------------------

    def on_key(self, event: events.Key) -> None:
        """A typed character that reached the app while a text box has the focus is the
        text box's: it came in one read of the terminal with the key that moved the focus
        there (enter to the composer, / to the filter), and was sent on before the focus
        moved. It is typed there, in order, rather than lost or run as a key."""
        focused = self.focused
        # Only to a box that takes every typed character (a read-only TextArea lets it go on
        # up, and it would come back here for ever).
        takes = isinstance(focused, Input) or (
            isinstance(focused, TextArea) and not focused.read_only
        )
        if event.is_printable and focused is not None and takes and not focused.disabled:
            event.stop()
            event.prevent_default()
            focused.post_message(events.Key(event.key, event.character))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _TYPED_ACTIONS and in_text_box(self.focused):
            return False  # a text box types the key (a call's s, t, h too): not offered, not run
        call_key = allowed(live_call(self.inbox.calls.values()), action)
        if call_key is not None:
            return call_key
        if action in ("name_contact", "mute", "place_call"):
            return (
                isinstance(self.screen, InboxScreen) and self.screen.open_conversation is not None
            )
        return True

    def action_new_conversation(self) -> None:
        self.inbox_screen.new_conversation()

    def action_next_unread(self) -> None:
        self.inbox_screen.next_unread()

    def action_name_contact(self) -> None:
        self.inbox_screen.name_contact()

    def action_mute(self) -> None:
        self.inbox_screen.mute()

    def action_archive(self) -> None:
        self.inbox_screen.action_archive()

    def action_mark_all_read(self) -> None:
        self.inbox_screen.mark_all_read()

    def action_place_call(self) -> None:
        self.inbox_screen.place_call()

    def action_toggle_notifications(self) -> None:
        self.inbox_screen.toggle_notifications()

    def action_compose_in_editor(self) -> None:
        self.inbox_screen.compose_in_editor()

    def action_attach(self) -> None:
        self.inbox_screen.attach()

    def action_answer(self) -> None:
        self.inbox_screen.call_bar.answer()

    def action_reject(self) -> None:
        self.inbox_screen.call_bar.reject()

    def action_hang_up(self) -> None:
        self.inbox_screen.call_bar.hang_up()

    def action_speak(self) -> None:
        self.inbox_screen.speak()

    def action_transfer(self) -> None:
        self.inbox_screen.transfer()

    def action_help(self) -> None:
        if isinstance(self.screen, KeysHelp):
            self.pop_screen()
        else:
            self.push_screen(KeysHelp(console_keys(self.BINDINGS)))

    def action_keys(self) -> None:
        # f1: the help where "?" would be typed (a text box has the focus).
        self.action_help()

    def action_about(self) -> None:
        if not isinstance(self.screen, About):
            ours = sorted(self.inbox.numbers)
            lines = about_lines(self.client.base_url, self.server_label, self.sandbox_url, ours)
            self.push_screen(About(lines))

    def action_calls(self) -> None:
        if not isinstance(self.screen, CallsScreen):
            self.push_screen(CallsScreen(self.context))

    def action_numbers(self) -> None:
        if not isinstance(self.screen, NumbersScreen):
            self.push_screen(NumbersScreen(self.context))

    def action_applications(self) -> None:
        if not isinstance(self.screen, ApplicationsScreen):
            self.push_screen(ApplicationsScreen(self.context))

    def action_setup_wizard(self) -> None:
        if not isinstance(self.screen, SetupWizard):
            self.push_screen(SetupWizard(self.context))

    async def on_unmount(self) -> None:
        # Stop the feed and any request in flight before closing the client, so no
        # connection is left open behind the app.
        self.workers.cancel_all()
        try:
            with contextlib.suppress(TimeoutError, WorkerCancelled):
                await asyncio.wait_for(self.workers.wait_for_complete(), 2)
        finally:
            await self.client.aclose()


_TYPED_ACTIONS = typed_actions(SmsConsoleApp.BINDINGS)
