"""The composer: a multi-line text box with a live character and segment counter.

Enter sends; ctrl+j (or alt+enter) starts a new line. The counter shows how the text will be
billed: GSM-7 or UCS-2, and how many segments.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, TextArea

from smsconsole.core.sms import count_segments
from smsconsole.tui.plain import clean, plain

MAX_TEXT = 2048  # what the provider accepts (reference §5.1)


def counter_text(text: str, attachments: int = 0) -> str:
    """``42 chars · 1 segment · GSM-7 · 118 left``, with attachments and the provider's limit."""
    segments = count_segments(text)
    words = f"{len(text)} chars · {segments.count} segment{'s' if segments.count != 1 else ''}"
    words += f" · {segments.encoding}"
    if segments.count >= 1:
        words += f" · {segments.remaining} left"
    if attachments:
        words += f" · 📎 {attachments} MMS attachment{'s' if attachments != 1 else ''}"
    if len(text) > MAX_TEXT:
        words += f" · over the {MAX_TEXT}-character limit"
    return words


class MessageInput(TextArea):
    """A TextArea where Enter submits and ctrl+j / alt+enter insert a new line."""

    @dataclass
    class Submitted(Message):
        """The operator pressed Enter."""

        text: str

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.post_message(self.Submitted(self.text))
            return
        if event.key in ("ctrl+j", "alt+enter", "shift+enter"):
            event.stop()
            event.prevent_default()
            start, end = self.selection
            self._replace_via_keyboard("\n", start, end)
            return
        await super()._on_key(event)

    async def _on_paste(self, event: events.Paste) -> None:
        # A pasted text may be a stranger's: the box would write its controls to the terminal.
        event.text = clean(event.text, lines=True)
        await super()._on_paste(event)


class Composer(Vertical):
    """Where the operator writes: the text, what it will cost, where it goes from."""

    BINDINGS = [
        Binding("ctrl+g", "app.compose_in_editor", "$EDITOR", id="composer.editor"),
        Binding("ctrl+o", "app.attach", "Attach", id="composer.attach"),
    ]

    @dataclass
    class Send(Message):
        """Send this text (and the attachments) in the open conversation."""

        text: str
        media: tuple[str, ...]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.media: list[str] = []
        self.from_label = ""

    def compose(self) -> ComposeResult:
        yield Label("", id="composer-from")
        yield MessageInput(id="composer-input", soft_wrap=True, show_line_numbers=False)
        yield Label(counter_text(""), id="composer-counter")

    @property
    def input(self) -> MessageInput:
        """The text box."""
        return self.query_one(MessageInput)

    @property
    def text(self) -> str:
        """What is written."""
        return self.input.text

    def set_text(self, text: str) -> None:
        """Replace what is written (after composing in $EDITOR)."""
        self.input.load_text(clean(text, lines=True))
        self.input.move_cursor(self.input.document.end)
        self._count()

    def set_from(self, words: str) -> None:
        """Say where the message goes from and to."""
        self.from_label = words
        self.query_one("#composer-from", Label).update(plain(words))

    def attach(self, url: str) -> None:
        """Add an uploaded MMS attachment."""
        self.media.append(url)
        self._count()

    def clear(self) -> None:
        """Empty the composer after a send."""
        self.media.clear()
        self.input.clear()
        self._count()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._count()

    def _count(self) -> None:
        text = self.input.text
        label = self.query_one("#composer-counter", Label)
        label.update(counter_text(text, len(self.media)))
        label.set_class(len(text) > MAX_TEXT, "-over")

    def on_message_input_submitted(self, event: MessageInput.Submitted) -> None:
        event.stop()
        if event.text.strip() or self.media:
            self.post_message(self.Send(event.text, tuple(self.media)))
