"""The main screen: conversations, the open thread and the composer, and what the operator does
with them (reply, start, read, name, mute, search hits, the editor, attachments, call prompts)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import subprocess
import tempfile
import time
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Header, Input, Label, Static, TextArea

from smsconsole.core.calls import Call
from smsconsole.core.clock import now_utc
from smsconsole.core.messages import Message
from smsconsole.core.phone import InvalidPhoneNumber, format_for_display, parse_e164
from smsconsole.core.records import Conversation, Page
from smsconsole.tui import call_entries
from smsconsole.tui import drafts as drafts_file
from smsconsole.tui.client import ConsoleError
from smsconsole.tui.context import ConsoleContext
from smsconsole.tui.drafts import Draft
from smsconsole.tui.notify import News
from smsconsole.tui.plain import clean, plain
from smsconsole.tui.screens.dialogs import (
    AttachFile,
    Confirm,
    IncomingCall,
    NewConversation,
    PlaceCall,
    Prompt,
)
from smsconsole.tui.state import conversation_for
from smsconsole.tui.typed import in_text_box, typed_actions
from smsconsole.tui.updates import Connection, InboxChanged, Loaded, Unreachable
from smsconsole.tui.widgets.call_bar import CallBar
from smsconsole.tui.widgets.composer import Composer
from smsconsole.tui.widgets.conversation_list import ConversationList
from smsconsole.tui.widgets.key_footer import KeyFooter
from smsconsole.tui.widgets.status_bar import StatusBar
from smsconsole.tui.widgets.thread_view import ThreadView

PAGE = 50
NEWS_GATHER = 0.3  # seconds a text's toast waits for the texts that follow it (a flood)
FIRST_PAGE_WAIT = 0.05
"""Seconds opening a conversation holds the screen's next frame for the first page of
messages, so both are painted at once (each frame repaints much of the screen)."""
LIST_EVERY = 0.25
"""Seconds: under a stream of feed events the list is shown again at most this often (each
time most rows on screen move and are painted again: at 30 a second, frames of list took the
time key presses needed; bench/tui.py)."""

PICK_HINT = (
    "Choose a conversation on the left ([b]↑ ↓[/b], [b]enter[/b]), "
    "or press [b]n[/b] to start one.\n[b]u[/b] jumps to the next unread."
)
EMPTY_HINT = (
    "No conversations yet.\n\n"
    "Texts to your numbers appear here as they arrive.\n"
    "Press [b]n[/b] to text someone, [b]ctrl+p[/b] for every command, [b]?[/b] for keys."
)


class InboxScreen(Screen[None]):
    """Conversations, the open thread, the composer, and what the operator does with them.

    Args:
        console: The client, the state and the preferences it shows and acts on.
    """

    BINDINGS = [
        Binding("escape", "focus_list", "Conversations", show=False, id="inbox.focus_list"),
        Binding("/", "filter", "Filter", id="inbox.filter"),
        Binding("end", "jump_end", "Newest", show=False, id="inbox.jump_end"),
        Binding("e", "archive", "Archive", show=False, id="inbox.archive"),
        Binding("R", "mark_all_read", "Mark all read", show=False, id="inbox.mark_all_read"),
    ]

    def __init__(self, console: ConsoleContext) -> None:
        super().__init__(id="inbox")
        self.console = console
        self.open_conversation: str | None = None
        # (from, to, text) of sends whose outcome the server could not learn.
        self._unknown_sends: set[tuple[str, str, str]] = set()
        # The filter's text and the conversations the server's search of every message found.
        self._found_in_messages: tuple[str, frozenset[str]] = ("", frozenset())
        # What was written and not sent, per conversation; a restricted console keeps them
        # only for the session (it writes no file but its prefs).
        self._drafts_path = (
            None if console.restricted else drafts_file.path_beside(console.prefs_path)
        )
        self.drafts: dict[str, Draft] = drafts_file.load(self._drafts_path)
        self._drafts_dirty = False
        self._news = News()
        self._news_timer: Timer | None = None
        self._list_due = False  # the feed changed the list since it was last shown
        self._list_shown = 0.0  # when it was (time.monotonic)
        self._hint: str | None = EMPTY_HINT  # what the thread pane's hint says (None: other)

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with Vertical(id="sidebar"):
                yield Input(placeholder="Filter: name, number or any message", id="filter")
                yield Static("", id="no-match", markup=False)
                yield ConversationList(
                    self.console.inbox.conversations.__getitem__,
                    region=self.console.region,
                    on_open=self.open,
                    id="conversations",
                )
            with Vertical(id="thread-pane"):
                yield CallBar(self.console, id="call-bar")
                yield Label("", id="thread-title")
                yield ThreadView(id="thread")
                yield Label("", id="new-below")
                yield Composer(id="composer", disabled=True)  # until a conversation is open
        yield StatusBar(id="status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self.query_one("#no-match", Static).display = False
        self.query_one("#new-below", Label).display = False
        self.thread.hint = Content.from_markup(EMPTY_HINT)
        self.status.server = self.console.server_label
        self.status.muted = not self.console.prefs.notifications
        self.query_one(ConversationList).focus()
        self.set_interval(1.0, self.save_drafts)

    def on_unmount(self) -> None:
        self.save_drafts()

    def save_drafts(self) -> None:
        """Write the drafts if they changed since the last write."""
        if self._drafts_dirty:
            self._drafts_dirty = False
            drafts_file.save(self._drafts_path, self.drafts)

    @on(Composer.Edited)
    def draft_edited(self, event: Composer.Edited) -> None:
        if self.open_conversation is not None:
            self.drafts[self.open_conversation] = self.query_one(Composer).draft()
            self._drafts_dirty = True

    @property
    def thread(self) -> ThreadView:
        """The open conversation's messages."""
        return self.query_one(ThreadView)

    @property
    def status(self) -> StatusBar:
        """The status bar."""
        return self.query_one(StatusBar)

    @property
    def call_bar(self) -> CallBar:
        """The call bar (the current call and its controls)."""
        return self.query_one(CallBar)

    # -- what the app tells the screen ------------------------------------------------------

    @on(InboxChanged)
    async def inbox_changed(self, event: InboxChanged) -> None:
        """Show what one feed event changed; ring for news (a text, a call)."""
        change = event.change
        if change.conversation_id is not None:
            if (
                change.message is not None
                and change.message.conversation_id == self.open_conversation
            ):
                await self.show_message(change.message)
                if change.new_inbound and self.app.screen is self:
                    self.mark_read(change.conversation_id)
            self.list_changed()
        if change.numbers_changed:
            self.list_changed()
        for conversation_id in change.renamed:
            self.refresh_row(conversation_id)
        if change.call is not None:
            self.call_bar.show_call()
            self._call_changed(change.call, live=event.live)
            await self.query_one(ThreadView).upsert(call_entries.entry(change.call))
        reading = change.conversation_id == self.open_conversation and self.app.screen is self
        if event.live and change.new_inbound and change.message is not None and not reading:
            self._news_of(change.message)

    def _news_of(self, message: Message) -> None:
        """Count a text for the news toast, told a moment later with any that follow it."""
        if not self.console.alerting(message.conversation_id):
            return
        who = self.console.who(message.from_)
        self._news.add(who, message.text or "📎 attachment", time.monotonic())
        if self._news_timer is None:
            self._news_timer = self.set_timer(NEWS_GATHER, self._tell_news)

    def _tell_news(self) -> None:
        self._news_timer = None
        self.console.tell_news(*self._news.summary())

    @on(Loaded)
    def loaded(self, event: Loaded) -> None:
        self.refresh_list()
        self.call_bar.show_call()

    @on(Connection)
    def connection(self, event: Connection) -> None:
        self.status.state = event.state
        self.status.retry_in = event.retry_in
        self.status.detail = event.detail

    @on(Unreachable)
    def unreachable(self, event: Unreachable) -> None:
        self.status.state = "offline"
        self.status.retry_in = event.retry_in
        self.status.detail = event.detail
        self.show_unreachable(event.url, event.detail)

    def list_changed(self) -> None:
        """The feed changed the list: show it again within ``LIST_EVERY`` seconds.

        Events can arrive by the hundred per second; showing the list again for each one
        (filtering, placing the cursor, counting unread over every conversation) kept the
        console from answering keys. The first change after a quiet spell is shown at once.
        """
        if self._list_due:
            return
        self._list_due = True
        wait = self._list_shown + LIST_EVERY - time.monotonic()
        if wait > 0:
            self.set_timer(wait, self._show_due_list)
        else:
            self.call_later(self._show_due_list)

    def _show_due_list(self) -> None:
        if self._list_due:
            self.refresh_list()

    def refresh_list(self) -> None:
        """Show the conversations again (order or membership changed)."""
        self._list_due = False
        self._list_shown = time.monotonic()
        conversations = self.query_one(ConversationList)
        text = self.query_one("#filter", Input).value
        conversations.show_our_number = len(self.console.inbox.numbers) > 1
        searched, found = self._found_in_messages
        shown = self.console.inbox.matching(text, found if searched == text else ())
        conversations.show(shown)
        no_match = self.query_one("#no-match", Static)
        no_match.display = bool(text.strip()) and not shown
        if no_match.display:
            no_match.update(f"No conversations match “{clean(text.strip())}”.")
        words = EMPTY_HINT if not self.console.inbox.order else PICK_HINT
        if words != self._hint:
            self._hint = words
            self.thread.hint = Content.from_markup(words)
        self.status.unread = self.console.inbox.unread_total

    def refresh_row(self, conversation_id: str) -> None:
        """Repaint one conversation's row."""
        self.query_one(ConversationList).refresh_row(conversation_id)
        self.status.unread = self.console.inbox.unread_total

    async def show_message(self, message: Message) -> None:
        """A new message, or a new state of one, in the open thread."""
        await self.query_one(ThreadView).upsert(message)

    def show_unreachable(self, url: str, reason: str) -> None:
        """Say plainly that nothing could be loaded yet, instead of the empty-inbox hint."""
        self._hint = None
        self.thread.hint = plain(
            f"Cannot reach the server at {url}.\n\n{reason}\n\n"
            "The console keeps trying; the status bar shows the next attempt.",
            lines=True,
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While a text box has the focus, "/" and the screen's letters are characters of its
        # text: neither offered nor run.
        return not (action in _TYPED_ACTIONS and in_text_box(self.focused))

    # -- opening a conversation -------------------------------------------------------------

    def open(self, conversation_id: str, *, reveal: str | None = None) -> None:
        """Open a conversation: its newest page, marked read for every console."""
        # Asked for first, so the server works on it while the screen changes.
        page = asyncio.ensure_future(self.console.client.messages(conversation_id, limit=PAGE))
        composer = self.query_one(Composer)
        if conversation_id != self.open_conversation:
            # Each conversation keeps what was written in it (its draft is saved on edits).
            self.open_conversation = conversation_id
            composer.restore(self.drafts.get(conversation_id, Draft()))
        # Nothing here lays the screen out: the thread pane and the composer are in place
        # from the start, so opening repaints what changed (bench/tui.py: "open").
        self.query_one(ConversationList).mark_open(conversation_id)
        composer.disabled = False
        conversation = self.console.inbox.conversations.get(conversation_id)
        if conversation is not None:
            self._title(conversation)
        self.load_thread(conversation_id, reveal, page)
        # At once, not after the keys already read: what is typed right after enter (one
        # read of the terminal) is the message's, not the list's keys (c, n, p...).
        self.set_focus(composer.input)

    def _title(self, conversation: Conversation) -> None:
        region = self.console.region
        remote = format_for_display(conversation.remote_number, region)
        name = conversation.contact_name
        who = f"{name}  {remote}" if name else remote
        ours = format_for_display(conversation.our_number, region)
        muted = "  🔕" if conversation.id in self.console.prefs.muted else ""
        # One line of a fixed size (the stylesheet's): new words need no layout.
        self.query_one("#thread-title", Label).update(
            Content.assemble((clean(who), "bold"), f"  via {ours}{muted}"), layout=False
        )
        self.query_one(Composer).set_from(f"from {ours} to {remote}")

    @work(exclusive=True, group="thread", exit_on_error=False)
    async def load_thread(
        self,
        conversation_id: str,
        reveal: str | None = None,
        fetching: asyncio.Future[Page[Message]] | None = None,
    ) -> None:
        view = self.thread
        if fetching is None:
            fetching = asyncio.ensure_future(
                self.console.client.messages(conversation_id, limit=PAGE)
            )
        shown: bool | None = None
        try:
            # Opening and its messages in one frame (each frame repaints much of the screen),
            # unless the server is slow: then the pane says so until they come.
            with self.app.batch_update():
                await asyncio.wait({fetching}, timeout=FIRST_PAGE_WAIT)
                if fetching.done():
                    shown = await self._show_first(view, conversation_id, fetching)
                else:
                    view.awaiting(conversation_id, Content("Loading…"))
            if shown is None:
                shown = await self._show_first(view, conversation_id, fetching)
        finally:
            fetching.cancel()  # when another conversation was opened meanwhile
        if not shown:
            return
        if reveal is not None:
            await self._reveal(view, reveal)
        self.mark_read(conversation_id)

    async def _show_first(
        self, view: ThreadView, conversation_id: str, fetching: asyncio.Future[Page[Message]]
    ) -> bool:
        """Show a conversation's first page as it comes; False if it could not be loaded."""
        try:
            page = await fetching
        except ConsoleError as error:
            view.awaiting(conversation_id, plain(f"Could not load the conversation: {error}"))
            self.notify(f"Could not load the conversation: {error.message}", severity="error")
            return False
        calls = self.console.inbox.calls.values()
        items = call_entries.merged(page.items, calls, conversation_id, page.next is None)
        await view.show(conversation_id, items, page.next)
        return True

    async def _reveal(self, view: ThreadView, message_id: str) -> None:
        # Page older messages in until the one searched for is shown (bounded).
        for _ in range(40):
            if await view.reveal(message_id) or not view.older_cursor:
                return
            page = await self.console.client.messages(
                view.conversation_id or "", before=view.older_cursor, limit=PAGE * 4
            )
            await view.prepend(page.items, page.next)

    @on(ThreadView.NeedOlder)
    def need_older(self, event: ThreadView.NeedOlder) -> None:
        self.load_older(event.conversation_id, event.before)

    @work(group="older", exit_on_error=False)
    async def load_older(self, conversation_id: str, before: str) -> None:
        view = self.query_one(ThreadView)
        try:
            page = await self.console.client.messages(conversation_id, before=before, limit=PAGE)
        except ConsoleError as error:
            view.older_failed()
            self.notify(f"Could not load older messages: {error.message}", severity="warning")
            return
        if view.conversation_id == conversation_id:
            calls = self.console.inbox.calls.values()
            items = call_entries.merged(page.items, calls, conversation_id, page.next is None)
            await view.prepend(items, page.next)

    @on(ThreadView.NeedNewest)
    def need_newest(self, event: ThreadView.NeedNewest) -> None:
        # The window was paged far back and dropped the newest messages: reload them.
        self.load_thread(event.conversation_id)

    @on(ThreadView.NewBelow)
    def new_below(self, event: ThreadView.NewBelow) -> None:
        label = self.query_one("#new-below", Label)
        shown = label.display
        label.display = event.count > 0
        # One line of fixed size: a new count needs no layout (it came with each new text).
        words = f"↓ {event.count} new message{'s' if event.count != 1 else ''} — press End"
        label.update(words, layout=not shown)

    # -- sending ----------------------------------------------------------------------------

    @on(Composer.Send)
    def send(self, event: Composer.Send) -> None:
        conversation = self.console.inbox.conversations.get(self.open_conversation or "")
        if conversation is None:
            return
        self.send_text(conversation.our_number, conversation.remote_number, event.text, event.media)

    def _give_back(self, from_: str, to: str, text: str, media: tuple[str, ...]) -> None:
        """A send that did not go: its words back in its own conversation's composer."""
        conversation_id = conversation_for(from_, to)
        draft = Draft(text=text, media=list(media))
        if conversation_id == self.open_conversation:
            self.query_one(Composer).restore(draft)
        else:
            self.drafts[conversation_id] = draft
            self._drafts_dirty = True

    @work(group="send", exit_on_error=False)
    async def send_text(self, from_: str, to: str, text: str, media: tuple[str, ...]) -> None:
        """Send through the server; a refusal is shown, never dropped."""
        composer = self.query_one(Composer)
        notify = self.console.notify
        if not self.console.client.connected:
            notify(
                "Not sent: the console is not connected to the server. Your text is kept in the "
                "composer; send again when the status bar says connected.",
                severity="error",
                timeout=8,
            )
            return
        if not await self._resend_confirmed(from_, to, text):
            notify("Not sent again: the earlier send may already have gone out.")
            return
        composer.clear()
        try:
            message = await self.console.client.send(from_, to, text, media)
        except ConsoleError as error:
            if error.record is not None:
                if error.record.state == "unknown":
                    self._unknown_sends.add((from_, to, text))
                await self.show_message(error.record)
            else:
                self._give_back(from_, to, text, media)
            notify(f"Not sent: {error.message}", severity="error", timeout=10)
            return
        await self.show_message(message)

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
        again: bool = await self.app.push_screen_wait(Confirm(question, yes="Send again"))
        return again

    @work(group="setup", exit_on_error=False)
    async def offer_setup(self) -> None:
        """First run: with a provider and no numbers yet, offer the setup wizard once."""
        if self.console.inbox.numbers:
            return
        try:
            status = await self.console.client.status()
        except ConsoleError:
            return
        if not status.get("provider") or self.console.inbox.numbers:
            return
        question = (
            "You have no phone numbers yet.\nSet one up now? (an application, a number, "
            "its callbacks; W or the command palette starts it later)"
        )
        if await self.app.push_screen_wait(Confirm(question, yes="Set up", no="Later")):
            await self.app.run_action("setup_wizard")

    # -- conversations ----------------------------------------------------------------------

    @work(group="read", exit_on_error=False)
    async def mark_read(self, conversation_id: str) -> None:
        """Mark a conversation read on the server, so every console agrees."""
        inbox = self.console.inbox
        conversation = inbox.conversations.get(conversation_id)
        if conversation is None or conversation.unread == 0:
            return
        inbox.mark_read_locally(conversation_id)
        self.refresh_row(conversation_id)
        with contextlib.suppress(ConsoleError):  # the feed will bring the truth either way
            await self.console.client.mark_read(conversation_id)

    def new_conversation(self) -> None:
        """Ask for the numbers of a new conversation, then open it."""
        prefs = self.console.prefs

        def chosen(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            from_, to = result
            prefs.default_from = from_
            self.console.save_prefs()
            self.open_new(from_, to)

        ours = sorted(self.console.inbox.numbers)
        dialog = NewConversation(ours, prefs.default_from, self.console.region)
        self.app.push_screen(dialog, chosen)

    def open_new(self, from_: str, to: str) -> None:
        """Open (or start) the conversation between ``from_`` and ``to``."""
        conversation_id = self._start_conversation(from_, to)
        self.refresh_list()
        self.open(conversation_id)

    def _start_conversation(self, from_: str, to: str) -> str:
        """The conversation between ``from_`` and ``to``, shown here before its first text."""
        inbox = self.console.inbox
        conversation_id = conversation_for(from_, to)
        if conversation_id not in inbox.conversations:
            inbox.conversations[conversation_id] = Conversation(
                id=conversation_id,
                our_number=from_,
                remote_number=to,
                contact_name=inbox.name_of(to),
                last_time=now_utc(),
                activity=0,
            )
            inbox.order.insert(0, conversation_id)
        return conversation_id

    def next_unread(self) -> None:
        """Open the next conversation with unread texts (back on this screen)."""
        target = self.console.inbox.next_unread(self.open_conversation)
        if target is None:
            self.console.notify("No unread conversations.", timeout=2)
            return
        if self.app.screen is not self:
            self.app.pop_screen()
        self.query_one("#filter").display = False
        self.refresh_list()
        self.open(target)

    def reveal(self, conversation_id: str, message_id: str) -> None:
        """Open the conversation of a search hit and scroll to the message."""
        while self.app.screen is not self:
            self.app.pop_screen()
        self.open(conversation_id, reveal=message_id)

    def name_contact(self) -> None:
        """Ask for a name for the open conversation's number."""
        conversation = self.console.inbox.conversations.get(self.open_conversation or "")
        if conversation is None:
            return
        number = conversation.remote_number

        def named(name: str | None) -> None:
            if name is not None:
                self.save_contact(number, name.strip())

        shown = format_for_display(number, self.console.region)
        prompt = Prompt(
            f"Name for {shown} (empty removes it)", value=conversation.contact_name or ""
        )
        self.app.push_screen(prompt, named)

    @work(group="contact", exit_on_error=False)
    async def save_contact(self, number: str, name: str) -> None:
        try:
            await self.console.client.set_contact(number, name)
        except ConsoleError as error:
            self.console.notify(f"Could not save the name: {error.message}", severity="error")
            return
        for conversation_id in self.console.inbox.set_contact(number, name):
            self.refresh_row(conversation_id)
        if self.open_conversation is not None:
            self.open(self.open_conversation)

    def mute(self) -> None:
        """Mute the open conversation, or ring for it again."""
        conversation_id = self.open_conversation
        if conversation_id is None:
            return
        muted = self.console.prefs.muted
        if conversation_id in muted:
            muted.remove(conversation_id)
            self.console.notify("Notifications on for this conversation.", timeout=2)
        else:
            muted.append(conversation_id)
            self.console.notify("Muted: no bell or notification for this conversation.", timeout=2)
        self.console.save_prefs()

    def toggle_notifications(self) -> None:
        """Bell and desktop notifications on or off, for every conversation."""
        prefs = self.console.prefs
        prefs.notifications = not prefs.notifications
        self.status.muted = not prefs.notifications
        self.console.save_prefs()

    # -- composing --------------------------------------------------------------------------

    def compose_in_editor(self) -> None:
        """Write the message in ``$VISUAL`` or ``$EDITOR``."""
        if self.console.refused("composing in $EDITOR. Type the message here."):
            return
        composer = self.query_one(Composer)
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        with tempfile.NamedTemporaryFile(
            "w+", suffix=".txt", delete=False, encoding="utf-8"
        ) as handle:
            handle.write(composer.text)
            path = Path(handle.name)
        try:
            with self.app.suspend():
                subprocess.run([*shlex.split(editor), str(path)], check=False)
            composer.set_text(path.read_text(encoding="utf-8").rstrip("\n"))
        except (OSError, subprocess.SubprocessError) as error:
            self.console.notify(f"Could not run {editor}: {error}", severity="error")
        except SuspendNotSupported:
            self.console.notify(
                "This terminal cannot hand over to an editor here.", severity="warning"
            )
        finally:
            path.unlink(missing_ok=True)

    def attach(self) -> None:
        """Ask for a file, upload it, and add it to the message as MMS."""
        if self.console.refused("attaching a file from the server's disk."):
            return

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.upload(path)

        self.app.push_screen(AttachFile(), chosen)

    @work(group="upload", exit_on_error=False)
    async def upload(self, path: Path) -> None:
        try:
            url = await self.console.client.upload_media(path)
        except ConsoleError as error:
            self.console.notify(f"Not attached: {error.message}", severity="error", timeout=8)
            return
        self.query_one(Composer).attach(url)
        self.console.notify(f"Attached {path.name}", timeout=2)

    # -- calls ------------------------------------------------------------------------------

    def _call_changed(self, call: Call, *, live: bool) -> None:
        """A call rang in, changed or ended: ring, close its prompt, say it was missed."""
        ringing = self.call_bar.active_call
        self.status.ringing = (
            self.console.who(ringing.from_)
            if ringing is not None and ringing.state == "started" and ringing.direction == "in"
            else ""
        )
        if call.state != "started":
            self._close_prompts(call.id)
        if not live:
            return
        if call.state == "started" and call.direction == "in":
            self._incoming(call)
        elif call.missed:
            who = self.console.who(call.from_)
            self.console.alert(None, "Missed call", who)
            self._mark_missed(call)

    def _mark_missed(self, call: Call) -> None:
        """Mark the caller's conversation (started here if they never texted) until opened."""
        conversation_id = call_entries.conversation_of(call)
        if conversation_id not in self.console.inbox.conversations:
            self._start_conversation(call.to, call.from_)
        if conversation_id != self.open_conversation or self.app.screen is not self:
            self.query_one(ConversationList).missed.add(conversation_id)
        self.refresh_list()

    def _close_prompts(self, call_id: str | None = None) -> None:
        """Dismiss the prompt of ``call_id`` (every call prompt when None)."""
        for screen in list(self.app.screen_stack):
            if isinstance(screen, IncomingCall) and call_id in (None, screen.call_id):
                screen.close()

    def _typing(self) -> bool:
        """Whether the operator is writing (a text box has the focus, or a draft waits)."""
        focused = self.app.focused
        screen = self.app.screen
        return (
            (isinstance(screen, ModalScreen) and not isinstance(screen, IncomingCall))
            # A hidden box may hold the focus (after a dialog): no one is typing into it.
            or (isinstance(focused, Input | TextArea) and focused.is_on_screen)
            or bool(self.query_one(Composer).text)
        )

    def _incoming(self, call: Call) -> None:
        who = self.console.who(call.from_)
        self.console.alert(None, "Incoming call", who)
        # One prompt at a time, for the newest call; none while the operator types: the call
        # rings in the call bar and the status bar, and ctrl+t answers it from anywhere.
        self._close_prompts()
        if self._typing():
            return

        def decided(choice: str | None) -> None:
            if choice == "answer":
                self.call_bar.answer(call.id)
                # Out of the composer, so the call's keys (s, t, h) act at once.
                self.query_one(ConversationList).focus()
            elif choice == "reject":
                self.call_bar.reject(call.id)

        dialog = IncomingCall(who, format_for_display(call.to, self.console.region), call.id)
        self.app.push_screen(dialog, decided)

    @work(group="place-call", exit_on_error=False)
    async def place_call(self) -> None:
        """Call the open conversation's number: choose how, confirm (it costs), place it."""
        conversation = self.console.inbox.conversations.get(self.open_conversation or "")
        if conversation is None:
            return
        region, notify = self.console.region, self.console.notify
        who = self.console.who(conversation.remote_number)
        ours = format_for_display(conversation.our_number, region)
        mode = await self.app.push_screen_wait(PlaceCall(who, ours))
        if mode is None:
            return
        sentence: str | None = None
        if mode == "speak":
            asked = await self.app.push_screen_wait(
                Prompt(f"Say to {who} when they answer", placeholder="Your order is ready.")
            )
            sentence = (asked or "").strip()
            if not sentence:
                return
            question = f"Call {who} from {ours} and say:\n“{sentence}”\nCalls are charged."
        else:
            question = (
                f"Ring your phone, then connect you to {who} (they see {ours})?\n"
                "Both calls are charged."
            )
        if not await self.app.push_screen_wait(Confirm(question, yes="Call")):
            return
        try:
            await self.console.client.place_call(
                conversation.our_number, conversation.remote_number, mode, sentence
            )
        except ConsoleError as error:
            notify(f"Could not call: {error.message}", severity="error", timeout=10)
            return
        if mode == "ring_me":
            notify(f"Ringing your phone; pick up to be connected to {who}.", timeout=8)
        else:
            notify(f"Calling {who} to speak your message.", timeout=5)

    def speak(self) -> None:
        """Ask what to say into the current call (text to speech), then say it."""
        call = self.call_bar.active_call
        if call is None:
            return

        def spoken(sentence: str | None) -> None:
            if sentence and sentence.strip():
                self.call_bar.speak(call.id, sentence.strip())

        self.app.push_screen(
            Prompt(
                "Say to the caller (text to speech)",
                placeholder="Please hold, I'll be right with you.",
            ),
            spoken,
        )

    def transfer(self) -> None:
        """Ask where to send the current call, then transfer it."""
        call = self.call_bar.active_call
        if call is None:
            return
        region = self.console.region

        def check(text: str) -> str | None:
            try:
                parse_e164(text, region)
            except InvalidPhoneNumber as problem:
                return str(problem)
            return None

        def chosen(number: str | None) -> None:
            if number:
                self.call_bar.transfer(call.id, parse_e164(number, region))

        self.app.push_screen(
            Prompt(
                "Transfer the call to", placeholder="your mobile, e.g. (919) 555-0100", check=check
            ),
            chosen,
        )

    # -- keys -------------------------------------------------------------------------------

    def action_focus_list(self) -> None:
        filter_box = self.query_one("#filter", Input)
        if filter_box.has_focus and not filter_box.value:
            filter_box.display = False
        self.query_one(ConversationList).focus()

    def action_filter(self) -> None:
        filter_box = self.query_one("#filter", Input)
        filter_box.display = True
        self.set_focus(filter_box)  # at once: the keys typed after "/" are the filter's

    def action_jump_end(self) -> None:
        self.query_one(ThreadView).action_jump_end()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.refresh_list()
        self.search_messages(event.value)

    @work(exclusive=True, group="filter-search", exit_on_error=False)
    async def search_messages(self, text: str) -> None:
        """Ask the server which conversations have ``text`` in any message, not only the last."""
        await asyncio.sleep(0.15)  # typing: one search when the operator pauses
        found: frozenset[str] = frozenset()
        if len(text.strip()) >= 2:
            with contextlib.suppress(ConsoleError):  # the names and last messages still filter
                hits = await self.console.client.search(text, limit=500)
                found = frozenset(hit.message.conversation_id for hit in hits)
        self._found_in_messages = (text, found)
        self.refresh_list()

    def action_archive(self) -> None:
        listing = self.query_one(ConversationList)
        on_list = listing.has_focus or self.open_conversation is None
        target = listing.highlighted if on_list else self.open_conversation
        if target is not None:
            self.archive(target)

    @work(group="archive", exit_on_error=False)
    async def archive(self, conversation_id: str) -> None:
        """Archive a conversation on the server: out of every console's list until it is
        texted again (the feed's ``conversation.archived`` takes it out here too)."""
        who = self.console.who(self.console.inbox.conversations[conversation_id].remote_number)
        try:
            await self.console.client.archive(conversation_id)
        except ConsoleError as error:
            self.notify(f"Could not archive {who}: {error}", severity="error")
            return
        self.notify(f"Archived {who}; it comes back when a new message arrives.")

    def action_mark_all_read(self) -> None:
        self.mark_all_read()

    @work(group="read", exit_on_error=False)
    async def mark_all_read(self) -> None:
        """Mark every conversation read in one request (the feed brings each one's read)."""
        try:
            read = await self.console.client.mark_all_read()
        except ConsoleError as error:
            self.notify(f"Could not mark everything read: {error}", severity="error")
            return
        for conversation_id in read:
            self.console.inbox.mark_read_locally(conversation_id)
        self.refresh_list()
        self.notify(
            f"Marked {len(read)} conversation{'s' if len(read) != 1 else ''} read."
            if read
            else "Nothing was unread."
        )

    @on(Input.Submitted, "#filter")
    def filter_done(self, event: Input.Submitted) -> None:
        self.query_one(ConversationList).focus()


_TYPED_ACTIONS = typed_actions(InboxScreen.BINDINGS)
