"""Small modal dialogs: confirm, ask for a line of text, start a conversation, attach a file,
a ringing call."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from smsconsole.core.phone import InvalidPhoneNumber, format_for_display, parse_e164
from smsconsole.tui import attachments
from smsconsole.tui.plain import clean, plain


class Confirm(ModalScreen[bool]):
    """Ask yes or no."""

    BINDINGS = [
        Binding("escape,n", "dismiss(False)", "No", id="confirm.no"),
        Binding("y", "dismiss(True)", "Yes", id="confirm.yes"),
    ]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__(classes="dialog")
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(plain(self.question, lines=True), classes="dialog-title")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="primary")
                yield Button(f"{self.no} (n)", id="no")

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class Prompt(ModalScreen[str | None]):
    """Ask for one line of text; ``check`` may refuse it with a reason shown under the box."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="prompt.cancel")]

    def __init__(
        self,
        title: str,
        *,
        placeholder: str = "",
        value: str = "",
        check: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__(classes="dialog")
        self.title_text = title
        self.placeholder = placeholder
        self.value = value
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(plain(self.title_text, lines=True), classes="dialog-title")
            # An Input draws its value as it is (a contact's name may hold controls).
            yield Input(value=clean(self.value), placeholder=self.placeholder, id="prompt-input")
            yield Label("", id="prompt-error", classes="dialog-error")
            yield Label("enter: OK   escape: cancel", classes="dialog-hint")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        problem = self.check(event.value) if self.check else None
        if problem:
            self.query_one("#prompt-error", Label).update(plain(problem, lines=True))
            return
        self.dismiss(event.value)


class NewConversation(ModalScreen[tuple[str, str] | None]):
    """Choose which of our numbers to send from and the number to text; both validated."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="new.cancel")]

    def __init__(self, ours: list[str], default_from: str | None, region: str) -> None:
        super().__init__(classes="dialog")
        self.ours = ours
        self.default_from = default_from if default_from in ours else (ours[0] if ours else None)
        self.phone_region = region

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label("New conversation", classes="dialog-title")
            if not self.ours:
                yield Label(
                    "You have no numbers yet: order one first (numbers screen or setup).",
                    classes="dialog-error",
                )
            yield Select(
                [(format_for_display(n, self.phone_region), n) for n in self.ours],
                value=self.default_from if self.default_from else Select.NULL,
                allow_blank=not self.ours,
                prompt="From",
                id="new-from",
            )
            yield Input(placeholder="To: e.g. (415) 555-0123 or +44 20 7183 8750", id="new-to")
            yield Label("", id="new-error", classes="dialog-error")
            yield Label("enter: start   escape: cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#new-to", Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        error = self.query_one("#new-error", Label)
        chosen = self.query_one("#new-from", Select).value
        if not isinstance(chosen, str):
            error.update("Choose which of your numbers to send from.")
            return
        try:
            to = parse_e164(event.value, self.phone_region)
        except InvalidPhoneNumber as problem:
            error.update(plain(str(problem), lines=True))
            return
        if to in self.ours:
            error.update("That is one of your own numbers.")
            return
        self.dismiss((chosen, to))


def about_lines(server: str, label: str, sandbox: str, ours: list[str]) -> list[str]:
    """The about screen: the server, and in the demo the sandbox with curl lines to try."""
    lines = [f"Server: {server}" + (f"  ({label})" if label else "")]
    if not sandbox:
        return lines
    to, remote = (ours[0] if ours else "<your number>"), "+14155550123"

    def curl(path: str, body: str) -> list[str]:
        # Broken with backslashes, so each line fits the dialog and pastes as one command.
        return [
            "  curl -u t-sandbox:s-sandbox -H content-type:application/json \\",
            f"    -X POST {sandbox}{path} \\",
            f"    -d '{body}'",
        ]

    return [
        *lines,
        f"Sandbox (the simulated provider): {sandbox}",
        "",
        "Text in as someone else:",
        *curl("/sandbox/inbound/messages", f'{{"from":"{remote}","to":"{to}","text":"hi"}}'),
        "Call in:",
        *curl("/sandbox/inbound/calls", f'{{"from":"{remote}","to":"{to}"}}'),
    ]


class About(ModalScreen[None]):
    """What this console is attached to; in the demo, how to play the far end with curl."""

    BINDINGS = [Binding("escape,i,q", "dismiss(None)", "Close", id="about.close")]

    def __init__(self, lines: list[str]) -> None:
        super().__init__(classes="dialog")
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box -wide"):
            yield Label("About this console", classes="dialog-title")
            yield Label(plain("\n".join(self.lines), lines=True), id="about-text")
            yield Label("escape: close", classes="dialog-hint")


class PlaceCall(ModalScreen[str | None]):
    """How to call someone: ring my phone then connect me, or call them and speak a message."""

    BINDINGS = [
        Binding("r", "dismiss('ring_me')", "Ring my phone", id="place.ring_me"),
        Binding("s", "dismiss('speak')", "Speak a message", id="place.speak"),
        Binding("escape", "dismiss(None)", "Cancel", id="place.cancel"),
    ]

    def __init__(self, who: str, ours: str) -> None:
        super().__init__(classes="dialog")
        self.who = who
        self.ours = ours

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box -call"):
            yield Label(plain(f"📞 Call {self.who}"), classes="dialog-title")
            yield Label(plain(f"from {self.ours}"), classes="dialog-hint")
            with Vertical(classes="dialog-buttons -stacked"):
                yield Button("Ring my phone, then connect me (r)", id="ring_me", variant="primary")
                yield Button("Call them and speak a message (s)", id="speak")
                yield Button("Cancel (esc)", id="cancel")

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "cancel" else event.button.id)


class AttachFile(ModalScreen[Path | None]):
    """Ask for a file to attach: its path completed as it is typed, checked before upload."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="attach.cancel"),
        Binding("tab", "complete", "Complete", id="attach.complete"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label("Attach a file as MMS", classes="dialog-title")
            yield Input(
                placeholder="~/Pictures/photo.jpg",
                suggester=attachments.PathSuggester(),
                id="attach-path",
            )
            yield Label("", id="attach-matches", classes="dialog-hint")
            yield Label("", id="attach-error", classes="dialog-error")
            yield Label("tab: complete   enter: attach   escape: cancel", classes="dialog-hint")

    def __init__(self) -> None:
        super().__init__(classes="dialog")

    def action_complete(self) -> None:
        box = self.query_one("#attach-path", Input)
        completed = attachments.completion(box.value)
        if completed is not None:
            box.value = completed
            box.cursor_position = len(completed)

    @on(Input.Changed, "#attach-path")
    def changed(self, event: Input.Changed) -> None:
        self.query_one("#attach-error", Label).update("")
        _, found = attachments.matches(event.value) if event.value else ("", [])
        listed = "  ".join(found[: attachments.MAX_LISTED])
        if len(found) > attachments.MAX_LISTED:
            listed += f"  … {len(found) - attachments.MAX_LISTED} more"
        self.query_one("#attach-matches", Label).update(plain(listed) if len(found) > 1 else "")

    @on(Input.Submitted, "#attach-path")
    def submitted(self, event: Input.Submitted) -> None:
        wrong = attachments.problem(event.value)
        if wrong is not None:
            self.query_one("#attach-error", Label).update(plain(wrong, lines=True))
            return
        self.dismiss(Path(event.value).expanduser())


class IncomingCall(ModalScreen[str | None]):
    """A call is ringing: answer, reject, or leave it (closed by the console when it ends).

    Args:
        caller: Who is calling, as the console names them.
        to: Which of our numbers they called.
        call_id: Our id of the call.
    """

    # Nothing is focused when it opens: it opens under the operator's hands, and an Enter or
    # a space meant for the list must not press "Answer" (only the keys it names act; tab
    # reaches the buttons).
    AUTO_FOCUS = ""

    BINDINGS = [
        Binding("a", "dismiss('answer')", "Answer", id="call.answer"),
        Binding("x,r", "dismiss('reject')", "Reject", id="call.reject"),
        Binding("escape", "dismiss(None)", "Ignore", id="call.ignore"),
    ]

    def __init__(self, caller: str, to: str, call_id: str = "") -> None:
        super().__init__(classes="dialog")
        self.call_id = call_id
        self.over = False
        self.caller = caller
        self.to = to

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box -call"):
            yield Label("📞 Incoming call", classes="dialog-title")
            yield Label(plain(self.caller), id="caller")
            yield Label(plain(f"to {self.to}"), classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Answer (a)", id="answer", variant="success")
                yield Button("Reject (x)", id="reject", variant="error")
                yield Button("Ignore (esc)", id="ignore")

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "ignore" else event.button.id)

    def close(self) -> None:
        """The call stopped ringing: go now, or as soon as what covers this prompt goes."""
        self.over = True
        if self.app.screen is self:
            self.dismiss(None)

    def on_screen_resume(self) -> None:
        if self.over and self.app.screen is self:
            self.dismiss(None)
