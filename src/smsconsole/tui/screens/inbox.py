"""The main screen: conversations on the left, the open thread and the composer on the right."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, Static

from smsconsole.core.messages import Message
from smsconsole.core.phone import format_for_display
from smsconsole.core.records import Conversation
from smsconsole.tui.client import ConsoleError
from smsconsole.tui.plain import clean, plain
from smsconsole.tui.widgets.composer import Composer, MessageInput
from smsconsole.tui.widgets.conversation_list import ConversationList
from smsconsole.tui.widgets.status_bar import StatusBar
from smsconsole.tui.widgets.thread_view import ThreadView

if TYPE_CHECKING:
    from smsconsole.tui.app import SmsConsoleApp

PAGE = 50

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
    """Conversations, the open thread, and the composer."""

    BINDINGS = [
        Binding("escape", "focus_list", "Conversations", show=False, id="inbox.focus_list"),
        Binding("/", "filter", "Filter", id="inbox.filter"),
        Binding("end", "jump_end", "Newest", show=False, id="inbox.jump_end"),
    ]

    def __init__(self) -> None:
        super().__init__(id="inbox")
        self.open_conversation: str | None = None

    @property
    def console(self) -> SmsConsoleApp:
        """The app, typed."""
        from smsconsole.tui.app import SmsConsoleApp

        assert isinstance(self.app, SmsConsoleApp)
        return self.app

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with Vertical(id="sidebar"):
                yield Input(placeholder="Filter: name, number or text", id="filter")
                yield ConversationList(
                    self.console.inbox.conversations.__getitem__,
                    region=self.console.region,
                    id="conversations",
                )
            with Vertical(id="thread-pane"):
                yield Static("", id="call-bar")
                yield Label("", id="thread-title")
                yield Static(EMPTY_HINT, id="empty")
                yield ThreadView(id="thread")
                yield Label("", id="new-below")
                yield Composer(id="composer")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self.query_one(ThreadView).display = False
        self.query_one(Composer).display = False
        self.query_one("#new-below", Label).display = False
        self.query_one("#call-bar", Static).display = False
        self.query_one(ConversationList).focus()

    # -- what the app tells the screen ------------------------------------------------------

    def refresh_list(self) -> None:
        """Show the conversations again (order or membership changed)."""
        conversations = self.query_one(ConversationList)
        text = self.query_one("#filter", Input).value
        conversations.show_our_number = len(self.console.inbox.numbers) > 1
        conversations.show(self.console.inbox.matching(text))
        hint = self.query_one("#empty", Static)
        hint.display = self.open_conversation is None
        hint.update(EMPTY_HINT if not self.console.inbox.order else PICK_HINT)
        self.query_one(StatusBar).unread = self.console.inbox.unread_total

    def refresh_row(self, conversation_id: str) -> None:
        """Repaint one conversation's row."""
        self.query_one(ConversationList).refresh_row(conversation_id)
        self.query_one(StatusBar).unread = self.console.inbox.unread_total

    async def show_message(self, message: Message) -> None:
        """A new message, or a new state of one, in the open thread."""
        await self.query_one(ThreadView).upsert(message)

    def show_unreachable(self, url: str, reason: str) -> None:
        """Say plainly that nothing could be loaded yet, instead of the empty-inbox hint."""
        hint = self.query_one("#empty", Static)
        hint.display = True
        hint.update(
            plain(
                f"Cannot reach the server at {url}.\n\n{reason}\n\n"
                "The console keeps trying; the status bar shows the next attempt.",
                lines=True,
            )
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While the composer has the focus, "/" is a character of the message.
        if action == "filter" and isinstance(self.focused, MessageInput):
            return None
        return True

    def show_call_bar(self, words: str | None) -> None:
        """Show what the current call is doing, or hide the bar."""
        bar = self.query_one("#call-bar", Static)
        bar.display = words is not None
        bar.update(plain(words or ""))

    # -- opening a conversation -------------------------------------------------------------

    @on(ConversationList.Selected)
    def selected(self, event: ConversationList.Selected) -> None:
        self.open(event.conversation_id)

    def open(self, conversation_id: str, *, reveal: str | None = None) -> None:
        """Open a conversation: its newest page, marked read for every console."""
        self.open_conversation = conversation_id
        conversations = self.query_one(ConversationList)
        conversations.open_id = conversation_id
        conversations.refresh()
        self.query_one("#empty", Static).display = False
        self.query_one(ThreadView).display = True
        composer = self.query_one(Composer)
        composer.display = True
        conversation = self.console.inbox.conversations.get(conversation_id)
        if conversation is not None:
            self._title(conversation)
        self.load_thread(conversation_id, reveal)
        composer.input.focus()

    def _title(self, conversation: Conversation) -> None:
        region = self.console.region
        remote = format_for_display(conversation.remote_number, region)
        name = conversation.contact_name
        who = f"{name}  {remote}" if name else remote
        ours = format_for_display(conversation.our_number, region)
        muted = "  🔕" if conversation.id in self.console.prefs.muted else ""
        self.query_one("#thread-title", Label).update(
            Content.assemble((clean(who), "bold"), f"  via {ours}{muted}")
        )
        self.query_one(Composer).set_from(f"from {ours} to {remote}")

    @work(exclusive=True, group="thread", exit_on_error=False)
    async def load_thread(self, conversation_id: str, reveal: str | None = None) -> None:
        view = self.query_one(ThreadView)
        try:
            page = await self.console.client.messages(conversation_id, limit=PAGE)
        except ConsoleError as error:
            self.notify(f"Could not load the conversation: {error.message}", severity="error")
            return
        await view.show(conversation_id, page.items, page.next)
        if reveal is not None:
            await self._reveal(view, reveal)
        self.console.mark_read(conversation_id)

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
            await view.prepend(page.items, page.next)

    @on(ThreadView.NeedNewest)
    def need_newest(self, event: ThreadView.NeedNewest) -> None:
        # The window was paged far back and dropped the newest messages: reload them.
        self.load_thread(event.conversation_id)

    @on(ThreadView.NewBelow)
    def new_below(self, event: ThreadView.NewBelow) -> None:
        label = self.query_one("#new-below", Label)
        label.display = event.count > 0
        label.update(f"↓ {event.count} new message{'s' if event.count != 1 else ''} — press End")

    # -- sending ----------------------------------------------------------------------------

    @on(Composer.Send)
    def send(self, event: Composer.Send) -> None:
        conversation = self.console.inbox.conversations.get(self.open_conversation or "")
        if conversation is None:
            return
        self.console.send(
            conversation.our_number, conversation.remote_number, event.text, event.media
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
        filter_box.focus()

    def action_jump_end(self) -> None:
        self.query_one(ThreadView).action_jump_end()

    @on(Input.Changed, "#filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.refresh_list()

    @on(Input.Submitted, "#filter")
    def filter_done(self, event: Input.Submitted) -> None:
        self.query_one(ConversationList).focus()
