"""The smsconsole Textual app: a client of one server's feed and ``/api``.

The app owns the :class:`ConsoleClient` and the :class:`Inbox` state; screens show that
state and ask the app to act. Everything that talks to the server runs in workers, so the
screen never waits on the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import App, SuspendNotSupported, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import WorkerCancelled

from smsconsole.core.calls import Call
from smsconsole.core.feed import LogEvent
from smsconsole.core.messages import now_utc
from smsconsole.core.phone import InvalidPhoneNumber, format_for_display, parse_e164
from smsconsole.core.records import Conversation
from smsconsole.tui import prefs as prefs_file
from smsconsole.tui import timefmt
from smsconsole.tui.client import (
    ConsoleClient,
    ConsoleError,
    FeedEvent,
    FeedItem,
    FeedLive,
    FeedReset,
    FeedState,
)
from smsconsole.tui.commands import ConsoleCommands, MessageSearch
from smsconsole.tui.inbox import Inbox, conversation_for
from smsconsole.tui.notify import notification_sequences
from smsconsole.tui.plain import clean
from smsconsole.tui.screens.applications import ApplicationsScreen
from smsconsole.tui.screens.calls import CallsScreen
from smsconsole.tui.screens.dialogs import Confirm, IncomingCall, NewConversation, Prompt
from smsconsole.tui.screens.inbox import InboxScreen
from smsconsole.tui.screens.numbers import NumbersScreen
from smsconsole.tui.screens.wizard import SetupWizard
from smsconsole.tui.widgets.composer import Composer
from smsconsole.tui.widgets.conversation_list import ConversationList
from smsconsole.tui.widgets.status_bar import StatusBar

LOAD_RETRY = (0.5, 1.0, 2.0, 5.0, 10.0)
FIRST_PAGE = 200
REFRESH_EVERY = 0.5
TOAST_LIMIT = 500  # characters of a text a toast shows (the thread shows it whole)


class SmsConsoleApp(App[None]):
    """The console.

    Args:
        client: The server's client (the app closes it on exit).
        region: Region for reading and showing phone numbers.
        prefs_path: Where the console's preferences live (None: not remembered).
        server_label: How to name the server in the status bar.
        notifications: Ring and notify on new texts and calls (unless muted).
    """

    CSS_PATH = "smsconsole.tcss"
    TITLE = "smsconsole"
    COMMANDS = App.COMMANDS | {ConsoleCommands, MessageSearch}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        Binding("n", "new_conversation", "New", id="app.new_conversation"),
        Binding("u", "next_unread", "Next unread", id="app.next_unread"),
        Binding("c", "calls", "Calls", id="app.calls"),
        Binding("r", "name_contact", "Name", id="app.name_contact"),
        Binding("m", "mute", "Mute", id="app.mute"),
        Binding("a", "answer", "Answer", id="app.answer"),
        Binding("x", "reject", "Reject", id="app.reject"),
        Binding("s", "speak", "Speak", id="app.speak"),
        Binding("t", "transfer", "Transfer", id="app.transfer"),
        Binding("h", "hang_up", "Hang up", id="app.hang_up"),
        Binding("M", "toggle_notifications", "Notifications", show=False, id="app.notifications"),
        Binding("?", "help", "Keys", id="app.help"),
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
    ) -> None:
        """The console.

        Args:
            client: The server it attaches to.
            region: The phone region numbers are read in.
            prefs_path: Where the operator's preferences are kept.
            server_label: The server, as the status bar names it.
            notifications: Bell and desktop notifications on.
            restricted: A remote user's console (over SSH): it runs no program (editor,
                opener, shell), reads no file for them and writes none but its prefs.
        """
        super().__init__()
        self.client = client
        self.restricted = restricted
        self.region = region
        self.inbox = Inbox()
        self.prefs_path = prefs_path
        self.prefs = prefs_file.load(prefs_path)
        if not notifications:
            self.prefs.notifications = False
        self.server_label = server_label
        self.live = False
        self.loaded = asyncio.Event()
        self.notified: list[str] = []
        # (from, to, text) of sends whose outcome the server could not learn.
        self._unknown_sends: set[tuple[str, str, str]] = set()
        self._more_conversations: str | None = None  # cursor of the list's second page

    # -- start up ---------------------------------------------------------------------------

    async def on_mount(self) -> None:
        await self.push_screen(InboxScreen())
        self.set_interval(1.0, self._tick)
        if not self.is_headless:
            self._watch_terminal()
        self.status.server = self.server_label
        self.status.muted = not self.prefs.notifications
        self.connect_and_load()

    def _watch_terminal(self) -> None:
        # A console whose terminal went away (window closed, SSH dropped) must quit, not spin
        # on a dead input: on SIGHUP, and when the terminal stops answering.
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

    @property
    def inbox_screen(self) -> InboxScreen:
        """The main screen (under any dialog)."""
        return next(s for s in self.screen_stack if isinstance(s, InboxScreen))

    @property
    def status(self) -> StatusBar:
        """The status bar."""
        return self.inbox_screen.query_one(StatusBar)

    @work(exclusive=True, group="load", exit_on_error=False)
    async def connect_and_load(self) -> None:
        """Load state from ``/api`` (retrying while the server is unreachable), then follow."""
        attempt = 0
        while True:
            try:
                await self.reload()
                break
            except ConsoleError as error:
                delay = LOAD_RETRY[min(attempt, len(LOAD_RETRY) - 1)]
                attempt += 1
                self.status.state = "offline"
                self.status.retry_in = delay
                self.status.detail = error.message
                self.inbox_screen.show_unreachable(self.client.base_url, error.message)
                await asyncio.sleep(delay)
        self.loaded.set()
        self.follow_feed()
        self.load_remaining()
        self.offer_setup()

    async def reload(self) -> None:
        """Read the event log position, then conversations, contacts, numbers and calls."""
        status = await self.client.status()
        page = await self.client.conversations(limit=FIRST_PAGE)
        contacts = await self.client.contacts()
        numbers = await self.client.numbers()
        calls = await self.client.calls(limit=100)
        self.inbox.contacts = {contact.number: contact.name for contact in contacts}
        self.inbox.load(page.items, replace=True)
        self.inbox.load_numbers(numbers)
        self.inbox.load_calls(calls.items)
        self._more_conversations = page.next
        self.client.last_seq = int(status["seq"])
        self.inbox_screen.refresh_list()
        self._call_bar()

    @work(exclusive=True, group="load-more", exit_on_error=False)
    async def load_remaining(self) -> None:
        """Read the rest of the conversation list in the background.

        The list is shown again at most every ``REFRESH_EVERY`` seconds and once at the end:
        a full redraw after each page kept a 10,000-conversation console busy for a second.
        """
        cursor = self._more_conversations
        shown = time.monotonic()
        while cursor:
            page = await self.client.conversations(cursor=cursor, limit=500)
            known = self.inbox.conversations
            self.inbox.load([c for c in page.items if c.id not in known])
            cursor = page.next
            if cursor is None or time.monotonic() - shown > REFRESH_EVERY:
                self.inbox_screen.refresh_list()
                shown = time.monotonic()

    @work(exclusive=True, group="feed", exit_on_error=False)
    async def follow_feed(self) -> None:
        """Apply the feed's events as they come; show its connection state."""
        async with contextlib.aclosing(self.client.feed()) as feed:
            async for item in feed:
                await self._follow(item)

    async def _follow(self, item: FeedItem) -> None:
        """One item of the feed: a connection state or an event to apply."""
        if isinstance(item, FeedState):
            self.status.state = item.state
            self.status.retry_in = item.retry_in
            self.status.detail = item.detail
            if item.state != "connected":
                self.live = False
        elif isinstance(item, FeedEvent):
            await self.apply(item.seq, item.event)
        elif isinstance(item, FeedLive):
            self.live = True
        elif isinstance(item, FeedReset):
            await self.reload()

    async def apply(self, seq: int, event: LogEvent) -> None:
        """Apply one event to the state and the screen."""
        change = self.inbox.apply(seq, event)
        screen = self.inbox_screen
        if change.conversation_id is not None:
            if (
                change.message is not None
                and change.message.conversation_id == screen.open_conversation
            ):
                await screen.show_message(change.message)
                if change.new_inbound and self.screen is screen:
                    self.mark_read(change.conversation_id)
            screen.refresh_list()
        if change.numbers_changed:
            screen.refresh_list()
        for conversation_id in change.renamed:
            screen.refresh_row(conversation_id)
            if isinstance(self.screen, NumbersScreen):
                self.screen.show_numbers()
        if change.call is not None:
            self._call_bar()
            if isinstance(self.screen, CallsScreen):
                self.screen.refresh_calls()
        reading = change.conversation_id == screen.open_conversation and self.screen is screen
        if self.live and change.new_inbound and change.message is not None and not reading:
            message = change.message
            who = self.inbox.name_of(message.from_) or format_for_display(
                message.from_, self.region
            )
            self.alert(message.conversation_id, f"Text from {who}", message.text or "📎 attachment")
        if self.live and change.incoming_call and change.call is not None:
            self._incoming(change.call)

    # -- notifications ----------------------------------------------------------------------

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

    def alert(self, conversation_id: str | None, title: str, body: str) -> None:
        """Ring and notify (bell, OSC 9, OSC 777), unless notifications are off or muted."""
        if not self.prefs.notifications or conversation_id in self.prefs.muted:
            return
        self.notified.append(f"{title}: {body}")
        if not self.is_headless and self._driver is not None:
            self._driver.write(notification_sequences(title, body))
        self.notify(body, title=title, timeout=4)

    def _fatal_error(self) -> None:
        # Textual's own report highlights each frame's source and renders its locals: that
        # held the event loop an in-process server shares for minutes under load (no callback
        # answered meanwhile), and printed whatever a local held (tokens). A plain traceback
        # says what failed.
        self.bell()
        report = "".join(traceback.format_exc(limit=-12))
        self._exit_renderables.append(Text(report, end=""))
        self._close_messages_no_wait()

    # -- calls ------------------------------------------------------------------------------

    @property
    def active_call(self) -> Call | None:
        """The newest call that is ringing or up."""
        live = [
            c for c in self.inbox.calls.values() if c.state in ("started", "active", "transferring")
        ]
        return max(live, key=lambda c: c.start_time or "", default=None)

    def _call_bar(self) -> None:
        call = self.active_call
        if call is None:
            self.inbox_screen.show_call_bar(None)
            self.refresh_bindings()
            return
        other = call.from_ if call.direction == "in" else call.to
        who = self.inbox.name_of(other) or format_for_display(other, self.region)
        if call.state == "started":
            words = f"📞 {who} is calling · a answer · x reject"
        else:
            since = timefmt.parse(call.active_time or call.start_time or "")
            took = ""
            if since is not None:
                took = " " + timefmt.duration((datetime.now(UTC) - since).total_seconds())
            words = f"📞 {who}{took} · s speak · t transfer · h hang up"
        self.inbox_screen.show_call_bar(words)
        self.refresh_bindings()

    def _tick(self) -> None:
        # The call bar shows how long the call has been up.
        if self.active_call is not None:
            self._call_bar()

    def _incoming(self, call: Call) -> None:
        who = self.inbox.name_of(call.from_) or format_for_display(call.from_, self.region)
        self.alert(None, "Incoming call", who)

        def decided(choice: str | None) -> None:
            if choice == "answer":
                self.call_action("answer", call.id)
                # Out of the composer, so the call's keys (s, t, h) act at once.
                self.inbox_screen.query_one(ConversationList).focus()
            elif choice == "reject":
                self.call_action("reject", call.id)

        self.push_screen(IncomingCall(who, format_for_display(call.to, self.region)), decided)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        call = self.active_call
        if action in ("answer", "reject"):
            return call is not None and call.state == "started"
        if action in ("speak", "transfer", "hang_up"):
            return call is not None and call.state in ("active", "transferring")
        if action in ("name_contact", "mute"):
            return (
                isinstance(self.screen, InboxScreen) and self.screen.open_conversation is not None
            )
        return True

    @work(group="call", exit_on_error=False)
    async def call_action(self, action: str, call_id: str, argument: str = "") -> None:
        """Answer, reject, speak, transfer or hang up, through the server."""
        try:
            if action == "answer":
                await self.client.answer(call_id)
            elif action == "reject":
                await self.client.reject(call_id)
            elif action == "hangup":
                await self.client.hangup(call_id)
            elif action == "speak":
                await self.client.speak(call_id, argument)
                self.notify(f"Speaking: {argument}", timeout=3)
            elif action == "transfer":
                await self.client.transfer(call_id, argument)
                self.notify(f"Transferring to {format_for_display(argument, self.region)}")
        except ConsoleError as error:
            self.notify(f"Could not {action}: {error.message}", severity="error", timeout=8)

    def action_answer(self) -> None:
        if (call := self.active_call) is not None:
            self.call_action("answer", call.id)

    def action_reject(self) -> None:
        if (call := self.active_call) is not None:
            self.call_action("reject", call.id)

    def action_hang_up(self) -> None:
        if (call := self.active_call) is not None:
            self.call_action("hangup", call.id)

    def action_speak(self) -> None:
        call = self.active_call
        if call is None:
            return

        def spoken(sentence: str | None) -> None:
            if sentence and sentence.strip():
                self.call_action("speak", call.id, sentence.strip())

        self.push_screen(
            Prompt(
                "Say to the caller (text to speech)",
                placeholder="Please hold, I'll be right with you.",
            ),
            spoken,
        )

    def action_transfer(self) -> None:
        call = self.active_call
        if call is None:
            return

        def check(text: str) -> str | None:
            try:
                parse_e164(text, self.region)
            except InvalidPhoneNumber as problem:
                return str(problem)
            return None

        def chosen(number: str | None) -> None:
            if number:
                self.call_action("transfer", call.id, parse_e164(number, self.region))

        self.push_screen(
            Prompt(
                "Transfer the call to", placeholder="your mobile, e.g. (919) 555-0100", check=check
            ),
            chosen,
        )

    def action_calls(self) -> None:
        if not isinstance(self.screen, CallsScreen):
            self.push_screen(CallsScreen())

    # -- numbers and applications -----------------------------------------------------------

    def action_numbers(self) -> None:
        if not isinstance(self.screen, NumbersScreen):
            self.push_screen(NumbersScreen())

    def action_applications(self) -> None:
        if not isinstance(self.screen, ApplicationsScreen):
            self.push_screen(ApplicationsScreen())

    def action_setup_wizard(self) -> None:
        if not isinstance(self.screen, SetupWizard):
            self.push_screen(SetupWizard())

    @work(group="setup", exit_on_error=False)
    async def offer_setup(self) -> None:
        """First run: with a provider and no numbers yet, offer the setup wizard once."""
        if self.inbox.numbers:
            return
        try:
            status = await self.client.status()
        except ConsoleError:
            return
        if not status.get("provider") or self.inbox.numbers:
            return
        question = (
            "You have no phone numbers yet.\nSet one up now? (an application, a number, "
            "its callbacks; W or the command palette starts it later)"
        )
        if await self.push_screen_wait(Confirm(question, yes="Set up", no="Later")):
            self.action_setup_wizard()

    # -- conversations ----------------------------------------------------------------------

    @work(group="read", exit_on_error=False)
    async def mark_read(self, conversation_id: str) -> None:
        """Mark a conversation read on the server, so every console agrees."""
        conversation = self.inbox.conversations.get(conversation_id)
        if conversation is None or conversation.unread == 0:
            return
        self.inbox.mark_read_locally(conversation_id)
        self.inbox_screen.refresh_row(conversation_id)
        with contextlib.suppress(ConsoleError):  # the feed will bring the truth either way
            await self.client.mark_read(conversation_id)

    @work(group="send", exit_on_error=False)
    async def send(self, from_: str, to: str, text: str, media: tuple[str, ...]) -> None:
        """Send through the server; a refusal is shown, never dropped."""
        composer = self.inbox_screen.query_one(Composer)
        if not self.client.connected:
            self.notify(
                "Not sent: the console is not connected to the server. Your text is kept in the "
                "composer; send again when the status bar says connected.",
                severity="error",
                timeout=8,
            )
            return
        if not await self._resend_confirmed(from_, to, text):
            self.notify("Not sent again: the earlier send may already have gone out.")
            return
        composer.clear()
        try:
            message = await self.client.send(from_, to, text, media)
        except ConsoleError as error:
            if error.record is not None:
                if error.record.state == "unknown":
                    self._unknown_sends.add((from_, to, text))
                await self.inbox_screen.show_message(error.record)
            else:
                composer.set_text(text)
            self.notify(f"Not sent: {error.message}", severity="error", timeout=10)
            return
        await self.inbox_screen.show_message(message)

    async def _resend_confirmed(self, from_: str, to: str, text: str) -> bool:
        """Whether to send ``text``: asks first when the same text's send is in doubt.

        A send the server answered with state ``unknown`` may have reached the provider (v1
        has no idempotency key): sending it again could deliver it twice, so only the
        operator decides.
        """
        if (from_, to, text) not in self._unknown_sends:
            return True
        question = (
            "This text was sent before, and it is not known whether that send went out (the "
            "provider did not answer). Sending again may deliver it twice.\nSend it again?"
        )
        again: bool = await self.push_screen_wait(Confirm(question, yes="Send again"))
        return again

    def action_new_conversation(self) -> None:
        ours = sorted(self.inbox.numbers)

        def chosen(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            from_, to = result
            self.prefs.default_from = from_
            prefs_file.save(self.prefs_path, self.prefs)
            self.open_new(from_, to)

        self.push_screen(NewConversation(ours, self.prefs.default_from, self.region), chosen)

    def open_new(self, from_: str, to: str) -> None:
        """Open (or start) the conversation between ``from_`` and ``to``."""
        conversation_id = conversation_for(from_, to)
        if conversation_id not in self.inbox.conversations:
            self.inbox.conversations[conversation_id] = Conversation(
                id=conversation_id,
                our_number=from_,
                remote_number=to,
                contact_name=self.inbox.name_of(to),
                last_time=now_utc(),
                activity=0,
            )
            self.inbox.order.insert(0, conversation_id)
        self.inbox_screen.refresh_list()
        self.inbox_screen.open(conversation_id)

    def action_next_unread(self) -> None:
        screen = self.inbox_screen
        target = self.inbox.next_unread(screen.open_conversation)
        if target is None:
            self.notify("No unread conversations.", timeout=2)
            return
        if self.screen is not screen:
            self.pop_screen()
        screen.query_one("#filter").display = False
        screen.refresh_list()
        screen.open(target)

    def _open_conversation(self) -> str | None:
        return self.inbox_screen.open_conversation

    def action_name_contact(self) -> None:
        conversation = self.inbox.conversations.get(self._open_conversation() or "")
        if conversation is None:
            return
        number = conversation.remote_number

        def named(name: str | None) -> None:
            if name is not None:
                self.save_contact(number, name.strip())

        self.push_screen(
            Prompt(
                f"Name for {format_for_display(number, self.region)} (empty removes it)",
                value=conversation.contact_name or "",
            ),
            named,
        )

    @work(group="contact", exit_on_error=False)
    async def save_contact(self, number: str, name: str) -> None:
        try:
            await self.client.set_contact(number, name)
        except ConsoleError as error:
            self.notify(f"Could not save the name: {error.message}", severity="error")
            return
        for conversation_id in self.inbox.set_contact(number, name):
            self.inbox_screen.refresh_row(conversation_id)
        if (open_id := self._open_conversation()) is not None:
            self.inbox_screen.open(open_id)

    def action_mute(self) -> None:
        conversation_id = self._open_conversation()
        if conversation_id is None:
            return
        if conversation_id in self.prefs.muted:
            self.prefs.muted.remove(conversation_id)
            self.notify("Notifications on for this conversation.", timeout=2)
        else:
            self.prefs.muted.append(conversation_id)
            self.notify("Muted: no bell or notification for this conversation.", timeout=2)
        prefs_file.save(self.prefs_path, self.prefs)

    def action_toggle_notifications(self) -> None:
        self.prefs.notifications = not self.prefs.notifications
        self.status.muted = not self.prefs.notifications
        prefs_file.save(self.prefs_path, self.prefs)

    def action_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    # -- composing --------------------------------------------------------------------------

    def action_compose_in_editor(self) -> None:
        if self._refused("composing in $EDITOR. Type the message here."):
            return
        composer = self.inbox_screen.query_one(Composer)
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        with tempfile.NamedTemporaryFile(
            "w+", suffix=".txt", delete=False, encoding="utf-8"
        ) as handle:
            handle.write(composer.text)
            path = Path(handle.name)
        try:
            with self.suspend():
                subprocess.run([*shlex.split(editor), str(path)], check=False)
            composer.set_text(path.read_text(encoding="utf-8").rstrip("\n"))
        except (OSError, subprocess.SubprocessError) as error:
            self.notify(f"Could not run {editor}: {error}", severity="error")
        except SuspendNotSupported:
            self.notify("This terminal cannot hand over to an editor here.", severity="warning")
        finally:
            path.unlink(missing_ok=True)

    def action_attach(self) -> None:
        if self._refused("attaching a file from the server's disk."):
            return

        def check(text: str) -> str | None:
            path = Path(text).expanduser()
            return None if path.is_file() else f"no such file: {path}"

        def chosen(text: str | None) -> None:
            if text:
                self.upload(Path(text).expanduser())

        self.push_screen(
            Prompt("Attach a file as MMS", placeholder="~/Pictures/photo.jpg", check=check), chosen
        )

    @work(group="upload", exit_on_error=False)
    async def upload(self, path: Path) -> None:
        try:
            url = await self.client.upload_media(path)
        except ConsoleError as error:
            self.notify(f"Not attached: {error.message}", severity="error", timeout=8)
            return
        self.inbox_screen.query_one(Composer).attach(url)
        self.notify(f"Attached {path.name}", timeout=2)

    def action_open_media(self, url: str) -> None:
        """Open an MMS attachment with the system's opener (a browser for URLs)."""
        if self._refused(f"opening attachments. The link: {url[:300]}"):
            return
        self.open_url(url)

    # -- what a remote user's console does not do -------------------------------------------
    # Over SSH, each of these would run a program or touch a file on the server, as the
    # server's user: an editor or a text browser is a shell away (issue 10).

    def _refused(self, what: str) -> bool:
        """In restricted mode, say that ``what`` is not available, and answer True."""
        if self.restricted:
            self.notify(f"Not available over SSH: {what}", severity="warning")
        return self.restricted

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        if not self._refused(f"opening links. The link: {url[:300]}"):
            super().open_url(url, new_tab=new_tab)

    def action_suspend_process(self) -> None:
        if not self._refused("suspending the console."):
            super().action_suspend_process()

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        if not self._refused("saving a screenshot on the server."):
            super().action_screenshot(filename, path)

    def deliver_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str | None:
        if self._refused("saving a screenshot on the server."):
            return None
        return super().deliver_screenshot(filename, path, time_format)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if not (self.restricted and command.title == "Screenshot"):
                yield command

    # -- search -----------------------------------------------------------------------------

    def reveal(self, conversation_id: str, message_id: str) -> None:
        """Open the conversation of a search hit and scroll to the message."""
        screen = self.inbox_screen
        while self.screen is not screen:
            self.pop_screen()
        screen.open(conversation_id, reveal=message_id)

    async def on_unmount(self) -> None:
        # Stop the feed and any request in flight before closing the client, so no
        # connection is left open behind the app.
        self.workers.cancel_all()
        try:
            with contextlib.suppress(TimeoutError, WorkerCancelled):
                await asyncio.wait_for(self.workers.wait_for_complete(), 2)
        finally:
            await self.client.aclose()
