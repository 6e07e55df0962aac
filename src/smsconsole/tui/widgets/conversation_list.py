"""The conversation list: a virtual list (Textual's Line API) of two-line rows.

Only the rows on screen are rendered, so ten thousand conversations cost what a screenful
does (measured in bench/tui.py). Rows are fixed height, so a row is found from a screen line
in constant time. A row's lines are kept once painted (keyed by the conversation record, which
is frozen, and by everything else the row shows), so repainting the list while texts stream in
paints only the rows that changed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from smsconsole.core.phone import format_for_display
from smsconsole.core.records import Conversation
from smsconsole.tui import timefmt
from smsconsole.tui.plain import clean
from smsconsole.tui.widgets.scrolled import set_virtual_size

ROW_HEIGHT = 2
LINE_CACHE = 1024
"""Painted lines kept: a few screenfuls of two-line rows, in each state they are shown in."""


class Palette(NamedTuple):
    """The styles a row is painted with, read from the stylesheet once per style change."""

    base: Style
    open: Style
    cursor: Style
    unread: Style
    dim: Style
    badge: Style


class ConversationList(ScrollView, can_focus=True):
    """Conversations, newest activity first, with unread badges."""

    COMPONENT_CLASSES = {
        "conversation-list--cursor",
        "conversation-list--unread",
        "conversation-list--badge",
        "conversation-list--dim",
        "conversation-list--open",
    }
    DEFAULT_CSS = """
    ConversationList {
        background: $surface;
        overflow-x: hidden;
        & > .conversation-list--cursor { background: $primary 40%; }
        &:focus > .conversation-list--cursor { background: $primary 70%; }
        & > .conversation-list--open { background: $boost; }
        & > .conversation-list--unread { text-style: bold; }
        & > .conversation-list--badge { background: $accent; color: $text; text-style: bold; }
        & > .conversation-list--dim { color: $text-muted; }
    }
    """
    BINDINGS = [
        Binding("down,j", "cursor_down", "Next", show=False, id="list.down"),
        Binding("up,k", "cursor_up", "Previous", show=False, id="list.up"),
        Binding("home,g", "first", "First", show=False, id="list.first"),
        Binding("end,G", "last", "Last", show=False, id="list.last"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page_up"),
        Binding("enter", "open", "Open", id="list.open"),
    ]

    cursor: reactive[int] = reactive(0, repaint=False)
    """Index of the highlighted row."""

    class Selected(Message):
        """The operator opened a conversation."""

        def __init__(self, conversation_id: str) -> None:
            self.conversation_id = conversation_id
            super().__init__()

    class Highlighted(Message):
        """The cursor moved to a conversation."""

        def __init__(self, conversation_id: str) -> None:
            self.conversation_id = conversation_id
            super().__init__()

    def __init__(
        self,
        lookup: Callable[[str], Conversation],
        *,
        region: str = "US",
        on_open: Callable[[str], None] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._lookup = lookup
        # Opened at once rather than by a message: the keys typed right after enter, in the
        # same read of the terminal, then go where opening put the focus (the composer).
        self._on_open = on_open
        self._ids: list[str] = []
        self.phone_region = region
        self._show_our_number = False
        self.open_id: str | None = None
        self.missed: set[str] = set()
        """Conversations with a missed call the operator has not looked at."""
        self._lines: LRUCache[tuple[object, ...], Strip] = LRUCache(LINE_CACHE)
        self._palette: Palette | None = None
        # The first row on screen and what each row showed, as the last show left them.
        self._shown: tuple[int, list[tuple[Conversation | None, bool, bool]]] = (0, [])

    @property
    def show_our_number(self) -> bool:
        """Each row names which of our numbers the conversation is on (we have several)."""
        return self._show_our_number

    @show_our_number.setter
    def show_our_number(self, value: bool) -> None:
        if value != self._show_our_number:
            self._show_our_number = value
            self.refresh()

    @property
    def ids(self) -> list[str]:
        """The conversation ids shown, in order."""
        return self._ids

    @property
    def highlighted(self) -> str | None:
        """The conversation under the cursor."""
        return self._ids[self.cursor] if 0 <= self.cursor < len(self._ids) else None

    def show(self, ids: list[str], *, keep: str | None = None) -> None:
        """Show these conversations; keep the cursor on ``keep`` (or the current one).

        Only the rows on screen that now show something else are repainted.
        """
        keep = keep or self.highlighted
        self._ids = ids
        # No width of its own: rows are cut to the view, so there is never a sideways scroll.
        set_virtual_size(self, Size(0, len(ids) * ROW_HEIGHT))
        if keep in ids:
            self.set_reactive(ConversationList.cursor, ids.index(keep))
        else:
            self.set_reactive(ConversationList.cursor, min(self.cursor, max(len(ids) - 1, 0)))
        # Compared with what the last show put on screen, not with the state now: the state
        # has already taken the events this show is for.
        first = int(self.scroll_y) // ROW_HEIGHT
        after = self._on_screen()
        shown_first, before = self._shown
        self._shown = (first, after)
        if shown_first != first or len(before) != len(after):
            self.refresh()
            return
        pairs = enumerate(zip(before, after, strict=True))
        changed = [first + i for i, (old, new) in pairs if old != new]
        if changed:
            self.refresh(*(self._row_region(index) for index in changed))

    def _on_screen(self) -> list[tuple[Conversation | None, bool, bool]]:
        """What each row on screen shows: its conversation, whether it has the cursor, and
        whether it is marked for a missed call."""
        first = int(self.scroll_y) // ROW_HEIGHT
        last = min(len(self._ids), first + self.size.height // ROW_HEIGHT + 2)
        shown = []
        for index in range(first, last):
            try:
                conversation: Conversation | None = self._lookup(self._ids[index])
            except KeyError:  # gone from the state since it was shown
                conversation = None
            missed = self._ids[index] in self.missed
            shown.append((conversation, index == self.cursor, missed))
        return shown

    def _row_region(self, index: int) -> Region:
        """Where row ``index`` is on screen (off screen: a region nothing is drawn in)."""
        return Region(0, index * ROW_HEIGHT - int(self.scroll_y), self.size.width, ROW_HEIGHT)

    def mark_open(self, conversation_id: str) -> None:
        """Mark the conversation that is open (and its missed call seen): two rows repainted."""
        before, self.open_id = self.open_id, conversation_id
        self.missed.discard(conversation_id)
        for changed in {before, conversation_id}:
            if changed is not None:
                self.refresh_row(changed)

    def refresh_row(self, conversation_id: str) -> None:
        """Repaint one row (its data changed, not its place)."""
        if conversation_id in self._ids:
            self.refresh(self._row_region(self._ids.index(conversation_id)))

    def select(self, conversation_id: str) -> None:
        """Move the cursor to ``conversation_id`` and open it."""
        if conversation_id in self._ids:
            self.cursor = self._ids.index(conversation_id)
            self.action_open()

    def watch_cursor(self, old: int, new: int) -> None:
        scrolled = self.scroll_y
        self._scroll_cursor_into_view()
        if self.scroll_y == scrolled:
            # Two rows changed, not the list: a key press repaints four lines, not a screenful.
            self.refresh(self._row_region(old), self._row_region(new))
        else:
            self.refresh()
        if self.highlighted is not None:
            self.post_message(self.Highlighted(self.highlighted))

    def _scroll_cursor_into_view(self) -> None:
        self.scroll_to_region(
            Region(0, self.cursor * ROW_HEIGHT, max(self.size.width, 1), ROW_HEIGHT),
            animate=False,
            force=True,
            immediate=True,
        )

    def _move(self, delta: int) -> None:
        if self._ids:
            self.cursor = max(0, min(len(self._ids) - 1, self.cursor + delta))

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_first(self) -> None:
        self._move(-len(self._ids))

    def action_last(self) -> None:
        self._move(len(self._ids))

    def action_page_down(self) -> None:
        self._move(max(1, self.size.height // ROW_HEIGHT))

    def action_page_up(self) -> None:
        self._move(-max(1, self.size.height // ROW_HEIGHT))

    def action_open(self) -> None:
        if self.highlighted is None:
            return
        if self._on_open is not None:
            self._on_open(self.highlighted)
        else:
            self.post_message(self.Selected(self.highlighted))

    async def _on_click(self, event: events.Click) -> None:
        index = int(event.y + self.scroll_y) // ROW_HEIGHT
        if 0 <= index < len(self._ids):
            self.cursor = index
            self.action_open()

    def row_text(self, conversation_id: str) -> str:
        """The two lines of a conversation's row as the operator reads them."""
        conversation = self._lookup(conversation_id)
        width = max(self.size.width, 40)
        lines = (
            self._row(conversation, part, width, self.rich_style) for part in range(ROW_HEIGHT)
        )
        return "\n".join("".join(segment.text for segment in line).rstrip() for line in lines)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        # Painted rows are keyed by the styles they were painted with, so they are kept: a
        # focus change restyles the cursor's row only, not the screenful (bench/tui.py).
        self._palette = None

    def _styles(self) -> Palette:
        if self._palette is None:
            component = self.get_component_rich_style
            self._palette = Palette(
                base=self.rich_style,
                open=component("conversation-list--open"),
                cursor=component("conversation-list--cursor"),
                unread=component("conversation-list--unread", partial=True),
                dim=component("conversation-list--dim", partial=True),
                badge=component("conversation-list--badge"),
            )
        return self._palette

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width  # beside the scrollbar, not under it
        line = y + int(self.scroll_y)
        index, part = divmod(line, ROW_HEIGHT)
        palette = self._styles()
        if index >= len(self._ids):
            return Strip.blank(width, palette.base)
        conversation = self._lookup(self._ids[index])
        style = palette.base
        if conversation.id == self.open_id:
            style += palette.open
        if index == self.cursor:
            style += palette.cursor  # its colour follows the focus
        key = (
            conversation,
            part,
            width,
            style,
            palette.unread,  # the styles of its parts (not the cursor's: a row without it is
            palette.dim,  # the same whatever the focus)
            palette.badge,
            self.show_our_number,
            self.phone_region,
            conversation.id in self.missed,  # a mark that is not in the record
            date.today(),  # "14:05" today is "Nov 27" tomorrow
        )
        strip = self._lines.get(key)
        if strip is None:
            segments = self._row(conversation, part, width, style)
            strip = Strip(segments, width).apply_style(style).crop_extend(0, width, style)
            self._lines[key] = strip
        return strip

    def _row(
        self, conversation: Conversation, part: int, width: int, style: Style
    ) -> list[Segment]:
        palette = self._styles()
        unread = conversation.unread > 0
        strong = style + palette.unread if unread else style
        dim = style + palette.dim
        if part == 0:
            who = clean(conversation.contact_name or "") or format_for_display(
                conversation.remote_number, self.phone_region
            )
            right = timefmt.short(conversation.last_time)
            if self.show_our_number:
                ours = format_for_display(conversation.our_number, self.phone_region)
                right = f"→{ours[-4:]} {right}"
            marker = "● " if unread else "  "
            return _fit([(marker + who, strong)], [(right, dim)], width)
        badge = f" {conversation.unread} " if unread else ""
        arrow = "you: " if conversation.last_direction == "out" else ""
        text = "  " + arrow + clean(conversation.last_preview or "")
        if conversation.id in self.missed:
            text = "  📵 missed call" + (f" · {text.strip()}" if conversation.last_preview else "")
        return _fit([(text, dim)], [(badge, style + palette.badge)], width)


def _fit(
    left: list[tuple[str, Style]], right: list[tuple[str, Style]], width: int
) -> list[Segment]:
    """Left-aligned and right-aligned text on one line, the left cut to fit."""
    right_text = "".join(text for text, _ in right)
    room = max(0, width - cell_len(right_text) - 1)
    segments: list[Segment] = []
    used = 0
    for text, style in left:
        if used >= room:
            break
        piece = (
            text if cell_len(text) <= room - used else set_cell_size(text, room - used - 1) + "…"
        )
        segments.append(Segment(piece, style))
        used += cell_len(piece)
    segments.append(Segment(" " * max(0, width - used - cell_len(right_text))))
    segments.extend(Segment(text, style) for text, style in right)
    return segments
