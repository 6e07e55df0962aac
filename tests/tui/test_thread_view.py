"""The thread view's layout and behaviour, in a tiny app holding only a ``ThreadView``."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.strip import Strip

from smsconsole.core.messages import Message
from smsconsole.tui import timefmt
from smsconsole.tui.widgets.thread_view import MAX_MESSAGES, ThreadView, lay_out, wrap

TIME = "2026-11-27T14:05:00.000Z"
WIDTH, HEIGHT = 60, 20
TEXT_WIDTH = int(WIDTH * 0.8) - 2  # the bubble's widest text: 80% of the view, less padding


def message(n: int, direction: str = "in", text: str | None = None, **fields: object) -> Message:
    values: dict[str, object] = {
        "id": f"m{n:05d}",
        "conversation_id": "c",
        "direction": direction,
        "from_": "+14155550123" if direction == "in" else "+19195550187",
        "to": "+19195550187" if direction == "in" else "+14155550123",
        "text": f"message {n}" if text is None else text,
        "state": "received" if direction == "in" else "sent",
        "time": TIME,
    }
    values.update(fields)
    return Message(**values)  # type: ignore[arg-type]


def newest_first(first: int, last: int) -> list[Message]:
    """Messages ``first``..``last`` as the API pages them: newest first."""
    return [message(n) for n in range(last, first - 1, -1)]


class ThreadApp(App[None]):
    """A ThreadView alone, noting what it asks of its parent and the media it opens."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []
        self.newest: list[str] = []
        self.counts: list[int] = []
        self.opened: list[str] = []

    def compose(self) -> ComposeResult:
        yield ThreadView()

    @property
    def view(self) -> ThreadView:
        return self.query_one(ThreadView)

    def on_thread_view_need_older(self, event: ThreadView.NeedOlder) -> None:
        self.asked.append(event.before)

    def on_thread_view_need_newest(self, event: ThreadView.NeedNewest) -> None:
        self.newest.append(event.conversation_id)

    def on_thread_view_new_below(self, event: ThreadView.NewBelow) -> None:
        self.counts.append(event.count)

    def action_open_media(self, url: str) -> None:
        self.opened.append(url)


def screen_lines(view: ThreadView) -> list[str]:
    """The view's visible lines as text."""
    return [view.render_line(y).text for y in range(view.scrollable_content_region.height)]


def content_line(view: ThreadView, y: int) -> Strip:
    """Line ``y`` of the scrolled content as rendered, whether or not it is in view."""
    return view.render_line(y - view.scroll_offset.y)


def bubble_lines(view: ThreadView, message_id: str) -> list[str]:
    """A message's bubble as rendered: from its first line to the next message's blank line."""
    start = view.line_of(message_id)
    assert start is not None
    ids = view.message_ids
    index = ids.index(message_id)
    following = view.line_of(ids[index + 1]) if index + 1 < len(ids) else None
    end = following - 1 if following is not None else view.virtual_size.height
    return [content_line(view, y).text for y in range(start, end)]


def test_wrap_counts_wide_characters_as_two_cells() -> None:
    for text in ("你好世界" * 10, "😀 " * 30, "word " * 40, "averyveryverylongword" * 5):
        lines = wrap(text, 12)
        assert all(cell_len(line) <= 12 for line in lines)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_wrap_keeps_line_breaks_and_marks_control_characters() -> None:
    assert wrap("one\ntwo", 20) == ["one", "two"]
    # Shown as U+FFFD, so the reader sees something was there; never sent to the terminal.
    assert wrap("a\x1b]0;evil\x07b", 20) == ["a\ufffd]0;evil\ufffdb"]


def test_layout_rows_are_text_media_then_meta() -> None:
    laid = lay_out(message(1, "out", "look at this", media=("https://m.example/x/photo.jpg",)), 30)
    kinds = [row.kind for row in laid.rows]
    assert kinds == ["body", "media", "meta"]
    assert laid.rows[1].text == "📎 photo.jpg"
    assert laid.rows[1].url == "https://m.example/x/photo.jpg"
    assert laid.rows[2].text == f"{timefmt.clock(TIME)} · ✓ sent"
    assert laid.inner == max(cell_len(row.text) for row in laid.rows)


async def test_theirs_sit_left_ours_right_wrapped_to_most_of_the_width() -> None:
    app = ThreadApp()
    long = "the order came in yesterday please call me back when you get this " * 2
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        view = app.view
        await view.show("c", [message(2, "out", "see you at ten"), message(1, text=long)], None)
        await pilot.pause()
        width = view.scrollable_content_region.width
        theirs = bubble_lines(view, "m00001")
        assert len(theirs) > 2  # wrapped, then the meta line
        for line in theirs:
            assert len(line) - len(line.lstrip(" ")) == 1  # the padding, at the left edge
            assert cell_len(line.rstrip()) <= TEXT_WIDTH + 1
        ours = bubble_lines(view, "m00002")
        assert ours[0].strip() == "see you at ten"
        assert ours[-1].strip() == f"{timefmt.clock(TIME)} · ✓ sent"
        assert all(len(line) == width for line in ours)
        # The meta line is the widest: it ends one cell (the padding) before the right edge.
        assert len(ours[-1]) - len(ours[-1].rstrip(" ")) == 1
        assert ours[0].index("see") == ours[-1].index(timefmt.clock(TIME)[:3])  # one block


async def test_texts_are_what_the_operator_reads_oldest_first() -> None:
    app = ThreadApp()
    mms = message(2, "out", "", media=("https://m.example/a/b.png",), delivery_state="delivered")
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        await app.view.show("c", [mms, message(1, text="hi\nthere")], None)
        await pilot.pause()
        clock = timefmt.clock(TIME)
        assert app.view.texts() == [f"hi\nthere\n{clock}", f"📎 b.png\n{clock} · ✓✓ delivered"]
        assert app.view.message_ids == ["m00001", "m00002"]


async def test_show_ends_at_the_newest_and_the_top_asks_for_older_once() -> None:
    app = ThreadApp()
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        view = app.view
        await view.show("c", newest_first(1, 50), "cursor-1")
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y > 0
        assert "message 50" in "".join(screen_lines(view))
        view.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        await pilot.press("up", "pageup")
        await pilot.pause()
        assert app.asked == ["cursor-1"]
        view.older_failed()
        await pilot.press("home")
        await pilot.pause()
        assert app.asked == ["cursor-1", "cursor-1"]


async def test_prepend_keeps_the_same_lines_in_view() -> None:
    app = ThreadApp()
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        view = app.view
        await view.show("c", newest_first(51, 100), "cursor-51")
        await pilot.pause()
        view.scroll_to(y=7, animate=False, immediate=True)
        await pilot.pause()
        before = screen_lines(view)
        start = view.line_of("m00051")
        assert start is not None
        await view.prepend(newest_first(1, 50), "cursor-1")
        await pilot.pause()
        assert screen_lines(view) == before
        assert view.message_ids == [f"m{n:05d}" for n in range(1, 101)]
        assert view.older_cursor == "cursor-1"
        added = view.line_of("m00051")
        assert added is not None
        assert view.scroll_y == 7 + added - start
        assert view.virtual_size.height == sum(1 + len(t.splitlines()) for t in view.texts())


async def test_prepend_beyond_the_window_drops_the_newest_and_end_asks_for_them() -> None:
    app = ThreadApp()
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        view = app.view
        await view.show("c", newest_first(101, 100 + MAX_MESSAGES), "cursor")
        await view.prepend(newest_first(1, 100), "older")
        await pilot.pause()
        assert len(view.message_ids) == MAX_MESSAGES
        assert view.message_ids[0] == "m00001"
        assert view.message_ids[-1] == f"m{MAX_MESSAGES:05d}"
        await view.upsert(message(MAX_MESSAGES + 101))  # newer than the window: counted only
        assert view.new_below == 1
        await pilot.press("end")
        await pilot.pause()
        assert app.newest == ["c"]


async def test_new_message_while_scrolled_up_counts_and_at_bottom_scrolls() -> None:
    app = ThreadApp()
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        view = app.view
        await view.show("c", newest_first(1, 30), None)
        await pilot.pause()
        await view.upsert(message(31))  # at the bottom: follows it
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y
        assert view.new_below == 0
        view.scroll_to(y=0, animate=False, immediate=True)
        await view.upsert(message(32))
        await view.upsert(message(33))
        await pilot.pause()
        assert view.new_below == 2
        assert app.counts[-1] == 2
        assert view.scroll_y == 0
        await view.upsert(message(34, "out"))  # ours: always shown
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y
        assert view.new_below == 0
        assert view.message_ids[-1] == "m00034"


async def test_upsert_of_a_shown_message_updates_it_in_place() -> None:
    app = ThreadApp()
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        view = app.view
        await view.show("c", [message(1, "out", "ping", state="queued")], None)
        await view.upsert(message(9, conversation_id="other"))  # another thread: ignored
        await view.upsert(
            message(1, "out", "ping", delivery_state="not-delivered", delivery_code="775")
        )
        await pilot.pause()
        [text] = view.texts()
        assert text.endswith("✗ not delivered: recipient opted out")
        shown = " ".join(line.strip(" ▌") for line in bubble_lines(view, "m00001"))
        assert shown.endswith("✗ not delivered: recipient opted out")
        assert bubble_lines(view, "m00001")[0].lstrip().startswith("▌")  # the failed marker


async def test_reveal_scrolls_to_the_message_and_flashes_it() -> None:
    app = ThreadApp()
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        view = app.view
        await view.show("c", newest_first(1, 60), None)
        await pilot.pause()
        start = view.line_of("m00010")
        assert start is not None
        plain = content_line(view, start)
        assert await view.reveal("m00010")
        await pilot.pause()
        assert view.scroll_y == start - 1  # the blank line above it at the top
        assert screen_lines(view)[1].strip() == "message 10"
        flashed = view.render_line(1)
        assert flashed.text == plain.text
        assert [s.style for s in flashed] != [s.style for s in plain]  # another background
        assert not await view.reveal("m99999")


async def test_clicking_an_attachment_opens_it() -> None:
    app = ThreadApp()
    url = "https://m.example/a/photo.jpg"
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        view = app.view
        await view.show("c", [message(1, text="", media=(url,))], None)
        await pilot.pause()
        line = next(y for y, text in enumerate(screen_lines(view)) if "📎 photo.jpg" in text)
        await pilot.click(ThreadView, offset=(3, line))
        await pilot.pause()
        assert app.opened == [url]


async def test_resize_rewraps_and_stays_at_the_bottom() -> None:
    app = ThreadApp()
    long = "sounds good what time works for you parcel delivered front door " * 3
    async with app.run_test(size=(100, HEIGHT)) as pilot:
        view = app.view
        await view.show("c", [message(n, text=long) for n in range(20, 0, -1)], None)
        await pilot.pause()
        wide = view.virtual_size.height
        await resize(pilot, 50)
        assert view.virtual_size.height > wide
        assert view.scroll_y == view.max_scroll_y
        for line in bubble_lines(view, "m00020"):
            assert cell_len(line.rstrip()) <= int(view.scrollable_content_region.width * 0.8)


async def resize(pilot: Pilot[None], width: int) -> None:
    await pilot.resize_terminal(width, HEIGHT)
    await pilot.pause()
    await pilot.pause()
