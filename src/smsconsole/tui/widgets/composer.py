"""The composer: a multi-line text box with a live character and segment counter.

Enter sends; ctrl+j (or alt+enter) starts a new line. The counter shows how the text will be
billed: GSM-7 or UCS-2, and how many segments; the line under it names the attachments.
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
from smsconsole.tui.drafts import Draft
from smsconsole.tui.plain import clean, plain
from smsconsole.tui.widgets.thread_view import media_name

MAX_TEXT = 2048  # what the provider accepts (reference §5.1)
NOWHERE = "no conversation open"
"""What the line above the text box says until a conversation is opened (it is disabled)."""


def counter_text(text: str) -> str:
    """``42 chars · 1 segment · GSM-7 · 118 left``, and the provider's limit when it is over."""
    segments = count_segments(text)
    words = f"{len(text)} chars · {segments.count} segment{'s' if segments.count != 1 else ''}"
    words += f" · {segments.encoding}"
    if segments.count >= 1:
        words += f" · {segments.remaining} left"
    if len(text) > MAX_TEXT:
        words += f" · over the {MAX_TEXT}-character limit"
    return words


def attachments_text(media: list[str]) -> str:
    """``📎 a.jpg, b.png · MMS · ctrl+l removes b.png`` (empty without any)."""
    if not media:
        return ""
    names = ", ".join(media_name(url) for url in media)
    last = "it" if len(media) == 1 else media_name(media[-1])
    return f"📎 {names} · MMS · ctrl+l removes {last}"


class MessageInput(TextArea):
    """A TextArea where Enter submits and ctrl+j / alt+enter insert a new line."""

    @dataclass
    class Submitted(Message):
        """The operator pressed Enter."""

        text: str

    async def _on_key(self, event: events.Key) -> None:
        if _escape_then_key(event):
            # The terminal sends escape as ESC, and alt+n as ESC n: escape and then a quick
            # key reach Textual as one alt+key, which a TextArea types as the bare letter.
            # Nothing here is bound to alt+letter, so it was meant as the two keys.
            event.stop()
            event.prevent_default()
            escape = self.screen.active_bindings.get("escape")
            if escape is not None and escape.enabled:
                await self.app.run_action(escape.binding.action, escape.node)
            # Queued behind the focus change the escape made, so it reaches the new focus.
            self.app.post_message(events.Key(event.character or "", event.character))
            return
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


def _escape_then_key(event: events.Key) -> bool:
    """Whether a key is ESC followed by a letter or digit, read as one alt+key."""
    character = event.character or ""
    return (
        event.key.startswith("alt+")
        and len(character) == 1
        and character.isalnum()
        and character.isascii()
    )


class Composer(Vertical):
    """Where the operator writes: the text, what it will cost, where it goes from."""

    BINDINGS = [
        Binding("ctrl+g", "app.compose_in_editor", "$EDITOR", id="composer.editor"),
        Binding("ctrl+o", "app.attach", "Attach", id="composer.attach"),
        Binding("ctrl+l", "remove_attachment", "Remove attachment", id="composer.remove"),
    ]

    @dataclass
    class Send(Message):
        """Send this text (and the attachments) in the open conversation."""

        text: str
        media: tuple[str, ...]

    class Edited(Message):
        """What is written or attached changed (the open conversation's draft)."""

    def __init__(self, *, id: str | None = None, disabled: bool = False) -> None:
        super().__init__(id=id, disabled=disabled)
        self.media: list[str] = []
        self.from_label = ""
        self._attached_words: str | None = None  # the attachments line, as last shown

    def compose(self) -> ComposeResult:
        yield Label(NOWHERE, id="composer-from")
        yield MessageInput(id="composer-input", soft_wrap=True, show_line_numbers=False)
        yield Label("" if self.disabled else counter_text(""), id="composer-counter")
        yield Label("", id="composer-media")

    def on_mount(self) -> None:
        self._count()  # the lines under the box as they start (no attachments line)

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
        # One line of a fixed size (the stylesheet's): new words need no layout.
        self.query_one("#composer-from", Label).update(plain(words), layout=False)

    def attach(self, url: str) -> None:
        """Add an uploaded MMS attachment."""
        self.media.append(url)
        self._count()
        self.post_message(self.Edited())

    def clear(self) -> None:
        """Empty the composer after a send."""
        self.restore(Draft())

    def draft(self) -> Draft:
        """What is written and attached, to keep for this conversation."""
        return Draft(text=self.input.text, media=list(self.media))

    def restore(self, draft: Draft) -> None:
        """Show a conversation's draft (an empty one clears the composer)."""
        self.media = list(draft.media)
        self.input.load_text(clean(draft.text, lines=True))
        self.input.move_cursor(self.input.document.end)
        self._count()
        self.post_message(self.Edited())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "remove_attachment":
            return bool(self.media)
        return True

    def action_remove_attachment(self) -> None:
        """Take the last attachment off the message."""
        if self.media:
            self.media.pop()
            self._count()
            self.post_message(self.Edited())

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._count()
        self.post_message(self.Edited())

    def watch_disabled(self, disabled: bool) -> None:
        super().watch_disabled(disabled)
        if self.is_mounted:
            self._count()

    def _count(self) -> None:
        text = self.input.text
        label = self.query_one("#composer-counter", Label)
        # Nothing to count until a conversation is open (the composer is disabled till then).
        words = "" if self.disabled else counter_text(text)
        label.update(words, layout=False)  # one line of a fixed size
        label.set_class(len(text) > MAX_TEXT, "-over")
        words = attachments_text(self.media)
        if words != self._attached_words:  # a keystroke changes the text, not this line
            self._attached_words = words
            attached = self.query_one("#composer-media", Label)
            attached.update(plain(words))  # a new length: a layout
            if attached.display != bool(words):
                attached.display = bool(words)
        self.refresh_bindings()

    def on_message_input_submitted(self, event: MessageInput.Submitted) -> None:
        event.stop()
        if event.text.strip() or self.media:
            self.post_message(self.Send(event.text, tuple(self.media)))
