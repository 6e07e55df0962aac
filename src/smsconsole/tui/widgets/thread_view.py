"""A conversation's messages as bubbles: ours on the right, theirs on the left.

The view holds a window of recent messages, not the whole history: it starts with the newest
page and mounts older pages above as the operator scrolls up (asking its parent through
``ThreadView.NeedOlder``). A new message scrolls into view when the operator is at the
bottom; otherwise an "N new" marker says so.
"""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message as TextualMessage
from textual.reactive import reactive
from textual.widgets import Static

from smsconsole.domain import delivery_code_meaning
from smsconsole.threads import Message, thread_cursor
from smsconsole.tui import timefmt

MAX_BUBBLES = 400


def delivery_words(message: Message) -> str:
    """Where an outbound message stands, in words: queued, sent, delivered, failed (why)."""
    if message.direction == "in":
        return ""
    if message.state == "error":
        reason = message.error_message or (
            delivery_code_meaning(message.delivery_code) if message.delivery_code else "not sent"
        )
        return f"✗ failed: {reason}"
    if message.delivery_state == "not-delivered":
        meaning = delivery_code_meaning(message.delivery_code or "999")
        return f"✗ not delivered: {meaning}"
    if message.delivery_state == "delivered":
        return "✓✓ delivered"
    if message.state == "sent":
        return "✓ sent"
    return "… sending" if message.state == "sending" else "… queued"


class Bubble(Horizontal):
    """One message: a row holding the bubble, which sits right for ours, left for theirs."""

    def __init__(self, message: Message) -> None:
        super().__init__(classes="-ours" if message.direction == "out" else "-theirs")
        self.message = message
        self.body = Static(classes="bubble-body")
        self.markup = ""
        self.update_message(message)

    def compose(self) -> ComposeResult:
        yield self.body

    def update_message(self, message: Message) -> None:
        """Show ``message`` (a newer state of the same one)."""
        self.message = message
        parts = [escape(message.text)] if message.text else []
        for url in message.media:
            name = url.rstrip("/").rsplit("/", 1)[-1] or url
            parts.append(f"[@click=app.open_media({url!r})]📎 {escape(name)}[/]")
        meta = timefmt.clock(message.time)
        words = delivery_words(message)
        if words:
            meta = f"{meta} · {words}"
        parts.append(f"[dim]{escape(meta)}[/dim]")
        failed = message.state == "error" or message.delivery_state == "not-delivered"
        self.set_class(failed, "-failed")
        self.markup = "\n".join(parts)
        self.body.update(self.markup)

    @property
    def plain(self) -> str:
        """What the bubble says, without styling (as the operator reads it)."""
        return Content.from_markup(self.markup).plain


class ThreadView(VerticalScroll, can_focus=True):
    """The messages of the open conversation, oldest at the top."""

    new_below: reactive[int] = reactive(0)
    """Messages that arrived while the operator was scrolled up."""

    class NeedOlder(TextualMessage):
        """The operator reached the top; load the page before ``before``."""

        def __init__(self, conversation_id: str, before: str) -> None:
            self.conversation_id = conversation_id
            self.before = before
            super().__init__()

    class NewBelow(TextualMessage):
        """How many unseen messages are below the view changed."""

        def __init__(self, count: int) -> None:
            self.count = count
            super().__init__()

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.conversation_id: str | None = None
        self.older_cursor: str | None = None
        self._loading_older = False
        self._bubbles: dict[str, Bubble] = {}

    @property
    def message_ids(self) -> list[str]:
        """Ids of the messages shown, oldest first."""
        return [bubble.message.id for bubble in self.query(Bubble)]

    async def show(
        self, conversation_id: str, newest_first: list[Message], older: str | None
    ) -> None:
        """Show a conversation's newest page (``older`` is the cursor of the page before)."""
        self.conversation_id = conversation_id
        self.older_cursor = older
        self._bubbles.clear()
        await self.remove_children()
        bubbles = [self._bubble(message) for message in reversed(newest_first)]
        if bubbles:
            await self.mount_all(bubbles)
        self.new_below = 0
        self.scroll_end(animate=False, immediate=True)

    async def prepend(self, newest_first: list[Message], older: str | None) -> None:
        """Mount an older page above what is shown, keeping the view where it was."""
        self.older_cursor = older
        self._loading_older = False
        fresh = [m for m in reversed(newest_first) if m.id not in self._bubbles]
        if not fresh:
            return
        before_height = self.virtual_size.height
        first = next(iter(self.query(Bubble)), None)
        bubbles = [self._bubble(message) for message in fresh]
        if first is not None:
            await self.mount_all(bubbles, before=first)
        else:
            await self.mount_all(bubbles)
        self.call_after_refresh(self._keep_position, before_height)

    def _keep_position(self, before_height: int) -> None:
        grown = self.virtual_size.height - before_height
        self.scroll_to(y=self.scroll_y + grown, animate=False, immediate=True)

    async def upsert(self, message: Message) -> None:
        """Show a new message, or a new state of one already shown."""
        if message.conversation_id != self.conversation_id:
            return
        bubble = self._bubbles.get(message.id)
        if bubble is not None:
            bubble.update_message(message)
            return
        at_bottom = self.is_vertical_scroll_end or self.max_scroll_y == 0
        await self.mount(self._bubble(message))
        if at_bottom or message.direction == "out":
            self.scroll_end(animate=False)
            await self._prune()
        else:
            self.new_below += 1

    async def _prune(self) -> None:
        bubbles = list(self.query(Bubble))
        excess = len(bubbles) - MAX_BUBBLES
        if excess > 0:
            for bubble in bubbles[:excess]:
                self._bubbles.pop(bubble.message.id, None)
            await self.remove_children(bubbles[:excess])
            oldest = bubbles[excess].message
            self.older_cursor = thread_cursor(oldest)

    def _bubble(self, message: Message) -> Bubble:
        bubble = Bubble(message)
        self._bubbles[message.id] = bubble
        return bubble

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self.is_vertical_scroll_end and self.new_below:
            self.new_below = 0
        if (new <= 0 and old > 0) or (new <= 0 and self.max_scroll_y == 0):
            self.request_older()

    def request_older(self) -> None:
        """Ask for the page before the oldest shown, once at a time."""
        if self.older_cursor and self.conversation_id and not self._loading_older:
            self._loading_older = True
            self.post_message(self.NeedOlder(self.conversation_id, self.older_cursor))

    def older_failed(self) -> None:
        """Loading older messages failed; allow another try."""
        self._loading_older = False

    def watch_new_below(self, count: int) -> None:
        self.post_message(self.NewBelow(count))

    def action_jump_end(self) -> None:
        """Scroll to the newest message."""
        self.scroll_end(animate=False)
        self.new_below = 0

    async def reveal(self, message_id: str) -> bool:
        """Scroll to a message and flash it; False if it is not in the window."""
        bubble = self._bubbles.get(message_id)
        if bubble is None:
            return False
        self.scroll_to_widget(bubble, animate=False, top=True)
        bubble.add_class("-found")
        self.set_timer(3, lambda: bubble.remove_class("-found"))
        return True
