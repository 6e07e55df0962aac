"""The provider's applications: where texts and calls to our numbers are sent (reference §2).

Created from here, an application's callback URLs default to this server's (the server fills
them in with its public URL and callback credentials), so a new operator need type nothing
but a name. Deleting one warns first when numbers still point at it.
"""

from __future__ import annotations

from typing import Any, Final

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Checkbox, DataTable, Header, Input, Label, Select

from smsconsole.core.formatting import masked_url
from smsconsole.core.phone import format_for_display
from smsconsole.tui.client import ConsoleError
from smsconsole.tui.context import ConsoleContext
from smsconsole.tui.plain import clean, plain, plain_cell
from smsconsole.tui.screens.dialogs import Confirm
from smsconsole.tui.widgets.key_footer import KeyFooter

DEFAULT_URLS: Final = (
    "Leave the URLs blank to use this server's: its public URL + /callbacks/calls and "
    "/callbacks/messages, with its callback credentials (the server fills them in)."
)


class ApplicationForm(ModalScreen[dict[str, Any] | None]):
    """Create or edit an application; answers the fields to send, or None when cancelled.

    Args:
        application: The application to edit (None: a new one).
    """

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="app-form.cancel")]

    def __init__(self, application: dict[str, Any] | None = None) -> None:
        super().__init__(classes="dialog")
        self.application = application or {}

    def compose(self) -> ComposeResult:
        given = self.application
        editing = bool(given)
        with Vertical(classes="dialog-box -wide"):
            yield Label(
                plain(f"Edit {given.get('name', '')}") if editing else "New application",
                classes="dialog-title",
            )
            yield Label("Name", classes="field-caption")
            yield Input(clean(given.get("name", "")), placeholder="smsconsole", id="app-name")
            yield Label("Incoming call URL", classes="field-caption")
            yield Input(
                clean(given.get("incoming_call_url", "")),
                placeholder="blank: this server's /callbacks/calls",
                id="app-call-url",
            )
            yield Label("Incoming message URL", classes="field-caption")
            yield Input(
                clean(given.get("incoming_message_url", "")),
                placeholder="blank: this server's /callbacks/messages",
                id="app-message-url",
            )
            if not editing:
                yield Label(DEFAULT_URLS, classes="dialog-hint")
            with Horizontal(classes="form-row"):
                yield Select(
                    [("Callbacks by POST (JSON)", "POST"), ("Callbacks by GET (query)", "GET")],
                    value=str(given.get("callback_http_method") or "POST").upper(),
                    allow_blank=False,
                    compact=True,
                    id="app-method",
                )
                yield Checkbox(
                    "Answer calls automatically",
                    bool(given.get("auto_answer", False)),
                    compact=True,
                    id="app-auto-answer",
                )
            yield Label("", id="app-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#app-name", Input).focus()

    @on(Button.Pressed, "#cancel")
    def cancelled(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    @on(Input.Submitted)
    def save(self) -> None:
        name = self.query_one("#app-name", Input).value.strip()
        if not name:
            self.query_one("#app-error", Label).update("Give the application a name.")
            return
        fields: dict[str, Any] = {
            "name": name,
            "callback_http_method": str(self.query_one("#app-method", Select).value),
            "auto_answer": self.query_one("#app-auto-answer", Checkbox).value,
        }
        for key, widget in (
            ("incoming_call_url", "#app-call-url"),
            ("incoming_message_url", "#app-message-url"),
        ):
            value = self.query_one(widget, Input).value.strip()
            if value:  # blank: the server's default (new) or unchanged (edit)
                fields[key] = value
        self.dismiss(fields)


class ApplicationsScreen(Screen[None]):
    """The account's applications: list, create, edit, delete."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="applications.back"),
        Binding("n", "create", "New", id="applications.create"),
        Binding("e,enter", "edit", "Edit", id="applications.edit"),
        Binding("delete", "delete", "Delete", id="applications.delete"),
    ]

    def __init__(self, console: ConsoleContext) -> None:
        super().__init__(id="applications-screen")
        self.console = console
        self.applications: list[dict[str, Any]] = []
        self.noted = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(
            "Applications — where texts and calls to your numbers go", classes="section-title"
        )
        yield DataTable(id="applications", cursor_type="row", zebra_stripes=True)
        yield Label("", id="applications-note")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Name", "Messages to", "Calls to", "Method", "Auto-answer", "Numbers")
        table.focus()
        self.load()

    def note(self, text: str, *, error: bool = False) -> None:
        """Say what happened."""
        self.noted = bool(text)
        label = self.query_one("#applications-note", Label)
        label.update(plain(text, lines=True))
        label.set_class(error, "-error")

    def numbers_of(self, application_id: str) -> list[str]:
        """Our numbers (shown nationally) that point at an application."""
        return sorted(
            format_for_display(n.number, self.console.region)
            for n in self.console.inbox.numbers.values()
            if n.application_id == application_id
        )

    @work(exclusive=True, group="applications-load", exit_on_error=False)
    async def load(self) -> None:
        """Read the applications and show them."""
        try:
            self.applications = await self.console.client.applications()
        except ConsoleError as error:
            self.note(f"Could not read the applications: {error.message}", error=True)
            return
        table = self.query_one(DataTable)
        table.clear()
        for app in self.applications:
            table.add_row(
                plain_cell(app.get("name") or ""),
                plain_cell(masked_url(app.get("incoming_message_url")) or "—"),
                plain_cell(masked_url(app.get("incoming_call_url")) or "—"),
                plain_cell(str(app.get("callback_http_method") or "POST").upper()),
                "yes" if app.get("auto_answer") else "no",
                str(len(self.numbers_of(app["id"]))),
                key=app["id"],
            )
        if not self.applications and not self.noted:
            self.note("No applications yet: press n to create one pointing at this server.")

    def selected(self) -> dict[str, Any] | None:
        """The application under the cursor."""
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((a for a in self.applications if a["id"] == key), None)

    def action_create(self) -> None:
        self.edit(None)

    def action_edit(self) -> None:
        application = self.selected()
        if application is not None:
            self.edit(application)

    @work(exclusive=True, group="applications-edit", exit_on_error=False)
    async def edit(self, application: dict[str, Any] | None) -> None:
        """Ask for the fields, then create or update the application."""
        fields = await self.app.push_screen_wait(ApplicationForm(application))
        if fields is None:
            return
        client = self.console.client
        try:
            if application is None:
                saved = await client.create_application(**fields)
                self.note(f"Created {saved.get('name')}.")
            else:
                saved = await client.update_application(application["id"], **fields)
                self.note(f"Saved {saved.get('name')}.")
        except ConsoleError as error:
            self.note(error.message, error=True)
            return
        self.load()

    def action_delete(self) -> None:
        application = self.selected()
        if application is not None:
            self.delete(application)

    @work(exclusive=True, group="applications-delete", exit_on_error=False)
    async def delete(self, application: dict[str, Any]) -> None:
        """Delete an application after a confirmation that names the numbers still on it."""
        name = application.get("name") or application["id"]
        attached = self.numbers_of(application["id"])
        question = f"Delete the application {name}?"
        if attached:
            question += (
                f"\n⚠ {len(attached)} number(s) still point at it: {', '.join(attached)}. "
                "Texts and calls to them will go nowhere until you assign another."
            )
        if not await self.app.push_screen_wait(Confirm(question, yes="Delete", no="Keep")):
            return
        try:
            answer = await self.console.client.delete_application(application["id"])
        except ConsoleError as error:
            self.note(error.message, error=True)
            return
        left = answer.get("numbers_still_assigned") or []
        if left:
            shown = ", ".join(format_for_display(n["number"], self.console.region) for n in left)
            self.note(f"Deleted {name}. ⚠ Still pointing at it: {shown}.", error=True)
        else:
            self.note(f"Deleted {name}.")
        self.load()
