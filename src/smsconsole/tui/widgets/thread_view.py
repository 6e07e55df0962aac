"""A conversation's messages as bubbles: ours on the right, theirs on the left.

``ThreadView`` is one Line-API widget (a ``ScrollView`` that renders line by line), not a
widget per message: Textual never mounts, measures or lays out bubbles, so opening a thread
and paging older messages in cost the wrapping of the new messages only (reference notes
§2(a): "a Line-API pane with a per-message wrap cache keyed by (message_id, width)"; toolong's
``LogLines``, §1.7).

The view holds a window of messages, oldest first, not the whole history: it starts with the
newest page and inserts older pages above as the operator scrolls up (asking its parent through
``ThreadView.NeedOlder``). Each message's height at the current width is kept in a list and
their prefix sums give the first line of each message, so finding the message under a line is
a bisection and inserting a page is a list insert plus one pass over the window. A new message
scrolls into view when the operator is at the bottom; otherwise an "N new" marker says so.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from typing import ClassVar, Literal

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Size
from textual.message import Message as TextualMessage
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from smsconsole.core.events import delivery_code_meaning
from smsconsole.core.messages import Message, thread_cursor
from smsconsole.tui import timefmt
from smsconsole.tui.call_entries import is_call
from smsconsole.tui.plain import clean
from smsconsole.tui.widgets.scrolled import set_virtual_size

MAX_MESSAGES = 2000
"""The most messages the window holds; pages beyond it drop messages from the far end."""
BUBBLE_SHARE = 0.8
"""A bubble's widest, as a share of the view's width."""
MIN_TEXT_WIDTH = 8
FLASH_SECONDS = 3.0
LAYOUT_CACHE = 4 * MAX_MESSAGES
STRIP_CACHE = 512

RowKind = Literal["body", "media", "meta"]


def delivery_words(message: Message) -> str:
    """Where an outbound message stands, in words: queued, sent, delivered, failed (why)."""
    if message.direction == "in" or is_call(message):
        return ""
    if message.state == "error":
        return f"✗ failed: {failure_words(message)}"
    if message.delivery_state == "not-delivered":
        meaning = delivery_code_meaning(message.delivery_code or "999")
        return f"✗ not delivered: {meaning}"
    if message.delivery_state == "delivered":
        return "✓✓ delivered"
    if message.state == "sent":
        return "✓ sent"
    if message.state == "unknown":
        return "? unknown — not sure it was sent"
    return "… sending" if message.state == "sending" else "… queued"


def failure_words(message: Message) -> str:
    """Why a send failed: the provider's words and code, and what a delivery code means."""
    parts = []
    if message.error_message:
        code = f" ({message.error_code})" if message.error_code else ""
        parts.append(f"{message.error_message.rstrip('.')}{code}")
    if message.delivery_code:
        meaning = f"{delivery_code_meaning(message.delivery_code)} (code {message.delivery_code})"
        description = message.delivery_description
        if description and description.lower() != delivery_code_meaning(message.delivery_code):
            meaning += f": {description}"
        parts.append(meaning)
    return "; ".join(parts) or "the provider gave no reason (yet)"


def media_name(url: str) -> str:
    """The file name an attachment's URL ends with (the URL itself when it has none)."""
    return url.rstrip("/").rsplit("/", 1)[-1] or url


def meta_line(message: Message) -> str:
    """``Nov 27 14:05 · ✓✓ delivered``: when, and for ours where it stands."""
    meta = timefmt.clock(message.time)
    words = delivery_words(message)
    return f"{meta} · {words}" if words else meta


def plain_text(message: Message) -> str:
    """A message as the operator reads it: text, attachments, then time and delivery."""
    parts = [message.text] if message.text else []
    parts += [f"📎 {media_name(url)}" for url in message.media]
    parts.append(meta_line(message))
    return "\n".join(parts)


def failed(message: Message) -> bool:
    """Whether a message did not get through (refused or not delivered)."""
    return message.state == "error" or message.delivery_state == "not-delivered"


@dataclass(frozen=True)
class Row:
    """One line of a bubble's text: what it says, what it is, and the attachment it opens."""

    text: str
    kind: RowKind
    url: str = ""


@dataclass(frozen=True)
class Laid:
    """A message wrapped to a width: its rows, and the widest of them in cells."""

    rows: tuple[Row, ...]
    inner: int


def wrap(text: str, width: int) -> list[str]:
    """``text`` wrapped to ``width`` cells (wide characters counted as two)."""
    text = clean(text, lines=True)  # a text is shown, never obeyed by the terminal
    if "\n" not in text and cell_len(text) <= width:
        return [text]  # most texts are short: skip the wrapper
    return [line.plain.rstrip() for line in Content(text).wrap(width)]


def lay_out(message: Message, width: int) -> Laid:
    """Wrap a message's text, attachments and meta line to ``width`` cells."""
    rows = [Row(line, "body") for line in wrap(message.text, width)] if message.text else []
    for url in message.media:
        rows += [Row(line, "media", url) for line in wrap(f"📎 {media_name(url)}", width)]
    rows += [Row(line, "meta") for line in wrap(meta_line(message), width)]
    return Laid(tuple(rows), max(cell_len(row.text) for row in rows))


class ThreadView(ScrollView, can_focus=True):
    """The messages of the open conversation, oldest at the top."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "thread-view--ours",
        "thread-view--theirs",
        "thread-view--failed",
        "thread-view--meta",
        "thread-view--found",
        "thread-view--hint",
    }

    DEFAULT_CSS = """
    ThreadView {
        overflow-x: hidden;
        /* Always there: a scrollbar that came and went laid the screen out (bench/tui.py). */
        overflow-y: scroll;
    }
    ThreadView > .thread-view--theirs {
        background: $panel;
    }
    ThreadView > .thread-view--ours {
        background: $primary 35%;
    }
    ThreadView > .thread-view--failed {
        color: $error;
    }
    ThreadView > .thread-view--meta {
        text-style: dim;
    }
    ThreadView > .thread-view--found {
        background: $warning 40%;
    }
    ThreadView > .thread-view--hint {
        color: $text-muted;
    }
    """

    new_below: reactive[int] = reactive(0)
    """Messages that arrived while the operator was scrolled up."""

    class NeedOlder(TextualMessage):
        """The operator reached the top; load the page before ``before``."""

        def __init__(self, conversation_id: str, before: str) -> None:
            self.conversation_id = conversation_id
            self.before = before
            super().__init__()

    class NeedNewest(TextualMessage):
        """The newest messages left the window (paging far back); show the newest page again."""

        def __init__(self, conversation_id: str) -> None:
            self.conversation_id = conversation_id
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
        self._newer_dropped = False
        self._messages: list[Message] = []
        self._heights: list[int] = []
        self._starts: list[int] = [0]
        self._positions: dict[str, int] = {}
        self._width = 0
        self._found: str | None = None
        self._found_timer: Timer | None = None
        # Keyed by the message itself (frozen: a new state is a new key) and the width.
        self._layouts: LRUCache[tuple[Message, int], Laid] = LRUCache(LAYOUT_CACHE)
        self._strips: LRUCache[tuple[Message, int, bool], list[Strip]] = LRUCache(STRIP_CACHE)
        self._hint = Content("")
        # What the pane says while an open conversation's first page is on its way (or did
        # not come); None once it is shown.
        self._awaiting: Content | None = None
        self._hint_strips: tuple[tuple[Content, Size], list[Strip]] | None = None

    @property
    def hint(self) -> Content:
        """What the pane says while no conversation is open (what to do, or what is wrong)."""
        return self._hint

    @hint.setter
    def hint(self, words: Content) -> None:
        if words != self._hint:
            self._hint = words
            if self.conversation_id is None:
                self.refresh()

    # -- what is shown ----------------------------------------------------------------------

    @property
    def messages(self) -> tuple[Message, ...]:
        """The messages shown, oldest first."""
        return tuple(self._messages)

    @property
    def message_ids(self) -> list[str]:
        """Ids of the messages shown, oldest first."""
        return [message.id for message in self._messages]

    def texts(self) -> list[str]:
        """Each message shown, oldest first, as the operator reads it (see ``plain_text``)."""
        return [plain_text(message) for message in self._messages]

    def line_of(self, message_id: str) -> int | None:
        """The first line of a message's bubble in the scrolled content, if it is shown."""
        index = self._positions.get(message_id)
        return None if index is None else self._starts[index] + 1

    # -- layout -----------------------------------------------------------------------------

    def _text_width(self) -> int:
        return max(MIN_TEXT_WIDTH, int(self._width * BUBBLE_SHARE) - 2)

    def _laid(self, message: Message) -> Laid:
        key = (message, self._width)
        laid = self._layouts.get(key)
        if laid is None:
            laid = lay_out(message, self._text_width())
            self._layouts[key] = laid
        return laid

    def _height(self, message: Message) -> int:
        if not self._width:
            return 0  # not laid out yet: measured on the first Resize
        return 1 + len(self._laid(message).rows)  # a blank line, then the bubble

    def _restart(self) -> None:
        """Recompute where each message starts and the scrolled size (one pass)."""
        self._starts = list(accumulate(self._heights, initial=0))
        self._positions = {message.id: index for index, message in enumerate(self._messages)}
        set_virtual_size(self, Size(self._width, self._starts[-1]))

    def _measure(self) -> None:
        """Lay every message out at the current width."""
        self._width = self.scrollable_content_region.width
        self._heights = [self._height(message) for message in self._messages]
        self._restart()

    def _fit_width(self) -> None:
        """Re-wrap when the width changed, keeping the line at the top (or the bottom) in view."""
        if self.scrollable_content_region.width == self._width:
            return
        at_end = self._at_end()
        top = self.scroll_offset.y
        index = max(0, bisect_right(self._starts, top) - 1)
        within = top - self._starts[index]
        self._measure()
        if at_end:
            self.scroll_end(animate=False, immediate=True, force=True)
        elif index < len(self._messages):
            within = min(within, self._heights[index] - 1)
            self.scroll_to(
                y=self._starts[index] + within, animate=False, immediate=True, force=True
            )

    def on_resize(self, event: events.Resize) -> None:
        self._fit_width()

    def watch_show_vertical_scrollbar(self) -> None:
        # The scrollbar takes columns from the text without a Resize event.
        self.call_after_refresh(self._fit_width)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()
        self._hint_strips = None

    # -- rendering --------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        if not self._messages:
            return self._hint_line(y)
        line = self.scroll_offset.y + y
        if line >= self._starts[-1]:
            return Strip.blank(self._width, self.rich_style)
        index = bisect_right(self._starts, line) - 1
        return self._bubble_strips(index)[line - self._starts[index]]

    def _words(self) -> Content:
        """What an empty pane says."""
        if self.conversation_id is None:
            return self._hint
        return self._awaiting or Content("No messages yet.")

    def _hint_line(self, y: int) -> Strip:
        """Line ``y`` of what an empty pane says, centred in it."""
        width, height = self._width or self.scrollable_content_region.width, self.size.height
        words = self._words()
        key = (words, Size(width, height))
        if self._hint_strips is None or self._hint_strips[0] != key:
            style = self.get_visual_style("thread-view--hint")
            lines = words.wrap(max(1, width - 2))
            top = max(0, (height - len(lines)) // 2)
            base = self.rich_style
            strips = [Strip.blank(width, base)] * top
            for line in lines:
                left = max(0, (width - line.cell_length) // 2)
                segments = [Segment(" " * left, base), *line.render_segments(style)]
                strips.append(Strip(segments).crop_extend(0, width, base))
            self._hint_strips = (key, strips)
        strips = self._hint_strips[1]
        return strips[y] if y < len(strips) else Strip.blank(width, self.rich_style)

    def _bubble_strips(self, index: int) -> list[Strip]:
        message = self._messages[index]
        found = message.id == self._found
        key = (message, self._width, found)
        strips = self._strips.get(key)
        if strips is None:
            strips = self._paint(message, self._laid(message), found)
            self._strips[key] = strips
        return strips

    def _paint(self, message: Message, laid: Laid, found: bool) -> list[Strip]:
        """A message's lines as strips: the blank line above, then the bubble."""
        width = self._width
        base = self.rich_style
        kind = "thread-view--ours" if message.direction == "out" else "thread-view--theirs"
        if found:
            kind = "thread-view--found"
        bubble = self.get_visual_style(kind).rich_style
        meta = self.get_visual_style(kind, "thread-view--meta").rich_style
        edge = (
            Segment("▌", self.get_visual_style(kind, "thread-view--failed").rich_style)
            if failed(message)
            else Segment(" ", bubble)
        )
        left = max(0, width - laid.inner - 2) if message.direction == "out" else 0
        strips = [Strip.blank(width, base)]
        for row in laid.rows:
            style = meta if row.kind == "meta" else bubble
            if row.kind == "media":
                style += Style(underline=True, meta={"@click": f"app.open_media({row.url!r})"})
            segments = [Segment(" " * left, base)] if left else []
            segments += [
                edge,
                Segment(row.text, style),
                Segment(" " * (laid.inner - cell_len(row.text) + 1), bubble),
            ]
            strips.append(Strip(segments).crop_extend(0, width, base))
        return strips

    # -- filling the window -----------------------------------------------------------------

    def awaiting(self, conversation_id: str, words: Content) -> None:
        """Empty the view for a conversation whose first page is slow to come, or did not."""
        self.conversation_id = conversation_id
        self.older_cursor = None
        self._awaiting = words
        self._messages, self._heights = [], []
        self._found = None
        self._restart()
        self.refresh()

    async def show(
        self, conversation_id: str, newest_first: list[Message], older: str | None
    ) -> None:
        """Show a conversation's newest page (``older`` is the cursor of the page before)."""
        self.conversation_id = conversation_id
        self._awaiting = None
        self.older_cursor = older
        self._loading_older = False
        self._newer_dropped = False
        self._messages = list(reversed(newest_first))[-MAX_MESSAGES:]
        self._found = None
        self._measure()
        self.new_below = 0
        self.scroll_end(animate=False, immediate=True, force=True)
        self.refresh()

    async def prepend(self, newest_first: list[Message], older: str | None) -> None:
        """Insert an older page above what is shown, keeping the view where it was."""
        self.older_cursor = older
        self._loading_older = False
        fresh = [m for m in reversed(newest_first) if m.id not in self._positions]
        if not fresh:
            return
        heights = [self._height(message) for message in fresh]
        self._messages[0:0] = fresh
        self._heights[0:0] = heights
        if len(self._messages) > MAX_MESSAGES:
            # Far from where the operator reads: End shows the newest page again.
            del self._messages[MAX_MESSAGES:], self._heights[MAX_MESSAGES:]
            self._newer_dropped = True
        self._restart()
        self.scroll_to(
            y=self.scroll_offset.y + sum(heights), animate=False, immediate=True, force=True
        )
        self.refresh()

    async def upsert(self, message: Message) -> None:
        """Show a new message, or a new state of one already shown."""
        if message.conversation_id != self.conversation_id:
            return
        index = self._positions.get(message.id)
        if index is not None:
            self._replace(index, message)
            return
        if self._newer_dropped:
            self.new_below += 1  # not adjacent to the window; End shows the newest page
            return
        at_bottom = self._at_end()
        self._messages.append(message)
        self._heights.append(self._height(message))
        self._drop_oldest()
        self._restart()
        if at_bottom or message.direction == "out":
            self.scroll_end(animate=False, force=True)
        else:
            self.new_below += 1
        self.refresh()

    def _replace(self, index: int, message: Message) -> None:
        if message == self._messages[index]:
            return
        self._messages[index] = message
        height = self._height(message)
        if height != self._heights[index]:
            at_end = self._at_end()
            self._heights[index] = height
            self._restart()
            if at_end:
                self.scroll_end(animate=False, force=True)
        self.refresh()

    def _drop_oldest(self) -> None:
        excess = len(self._messages) - MAX_MESSAGES
        if excess <= 0:
            return
        removed = sum(self._heights[:excess])
        del self._messages[:excess], self._heights[:excess]
        self.older_cursor = thread_cursor(self._messages[0])
        self.scroll_to(
            y=max(0, self.scroll_offset.y - removed), animate=False, immediate=True, force=True
        )

    def _at_end(self) -> bool:
        return self.max_scroll_y == 0 or self.scroll_offset.y >= self.max_scroll_y

    # -- scrolling --------------------------------------------------------------------------

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self.new_below and self._at_end() and not self._newer_dropped:
            self.new_below = 0
        if new <= 0 < old:
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
        """Scroll to the newest message (asking for the newest page if it left the window)."""
        if self._newer_dropped and self.conversation_id:
            self.post_message(self.NeedNewest(self.conversation_id))
        self.scroll_end(animate=False, force=True)
        if not self._newer_dropped:
            self.new_below = 0

    def action_scroll_end(self) -> None:
        self.action_jump_end()

    # Pushing further up at the top asks for older messages, as reaching the top does.

    def action_scroll_up(self) -> None:
        self._older_at_top()
        super().action_scroll_up()

    def action_page_up(self) -> None:
        self._older_at_top()
        super().action_page_up()

    def action_scroll_home(self) -> None:
        self._older_at_top()
        super().action_scroll_home()

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._older_at_top()
        super()._on_mouse_scroll_up(event)

    def _older_at_top(self) -> None:
        if self.scroll_offset.y == 0:
            self.request_older()

    async def reveal(self, message_id: str) -> bool:
        """Scroll to a message and flash it; False if it is not in the window."""
        index = self._positions.get(message_id)
        if index is None:
            return False
        self.scroll_to(y=self._starts[index], animate=False, immediate=True, force=True)
        self._found = message_id
        if self._found_timer is not None:
            self._found_timer.stop()
        self._found_timer = self.set_timer(FLASH_SECONDS, self._unflash)
        self.refresh()
        return True

    def _unflash(self) -> None:
        self._found = None
        self._found_timer = None
        self.refresh()
