"""Setup: the provider's getting-started path as four steps that can each be retried.

1. an application pointing at this server (created, or an existing one reused);
2. a number searched where the operator wants one, and ordered after a cost confirmation (or
   one the account owns that points at no application, used as it is);
3. the number assigned to the application;
4. the application's callback URLs checked against this server's form.

What succeeded is kept: a retry starts at the step that failed, so nothing is ordered twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from rich.console import RenderableType
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Header, Input, Label, Select, Static

from smsconsole.core.formatting import masked_url, monthly_cost
from smsconsole.core.phone import format_for_display
from smsconsole.core.records import NumberRecord
from smsconsole.tui.client import ConsoleError
from smsconsole.tui.context import ConsoleContext
from smsconsole.tui.plain import plain, plain_cell
from smsconsole.tui.screens.dialogs import Confirm
from smsconsole.tui.screens.numbers import place_of, price_of
from smsconsole.tui.widgets.key_footer import KeyFooter

NEW: Final = "__new__"
STEPS: Final = (
    "Application pointing at this server",
    "Search and order a number",
    "Assign the number to the application",
    "Check the callback URLs",
)
MARKS: Final = {"waiting": "·", "running": "…", "done": "✓", "failed": "✗"}


class StepFailed(Exception):
    """A step could not be done; the message says why and what to do."""


@dataclass
class Step:
    """One step's state and what it last said."""

    title: str
    state: str = "waiting"
    detail: str = ""


def criteria_for(where: str) -> dict[str, str]:
    """Search criteria from what the operator typed: an area code, a state or a ZIP code."""
    text = where.strip()
    if len(text) == 3 and text.isdigit():
        return {"area_code": text}
    if len(text) == 5 and text.isdigit():
        return {"zip": text}
    if len(text) == 2 and text.isalpha():
        return {"state": text.upper()}
    raise StepFailed("Type an area code (919), a state (NC) or a ZIP code (27511), then retry.")


def where_hint(where: str) -> str:
    """What a search in ``where`` would look for, or how to say where."""
    if not where.strip():
        return "type an area code, a state or a ZIP code"
    try:
        [(field, value)] = criteria_for(where).items()
    except StepFailed:
        return "not an area code (919), a state (NC) or a ZIP code (27511)"
    return f"searches {field.replace('_', ' ').replace('zip', 'ZIP code')} {value}"


def callback_problem(url: str | None, kind: str, *, credentials_in_url: bool = True) -> str | None:
    """Why a callback URL is not this server's ``/callbacks/{kind}`` with credentials (§9).

    ``credentials_in_url``: whether the provider carries them in the URL (Catapult v1);
    Bandwidth v2 keeps them apart and never shows them, so only the probe can tell.
    """
    if not url:
        return f"it has no incoming {kind[:-1]} URL"
    parts = urlsplit(url)
    if not parts.path.rstrip("/").endswith(f"/callbacks/{kind}"):
        return f"its {kind[:-1]} URL {masked_url(url)} is not a /callbacks/{kind} address"
    if credentials_in_url and (not parts.username or not parts.password):
        return f"its {kind[:-1]} URL carries no callback credentials, so the server would refuse"
    return None


class SetupWizard(Screen[None]):
    """Create or reuse an application, order a number, assign it, check the callbacks."""

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Close", id="wizard.close"),
        Binding("ctrl+r", "run", "Start / retry", id="wizard.run"),
    ]

    def __init__(self, console: ConsoleContext) -> None:
        super().__init__(id="wizard")
        self.console = console
        self.steps = [Step(title) for title in STEPS]
        self.applications: dict[str, dict[str, Any]] = {}
        self.application: dict[str, Any] | None = None
        self.number: NumberRecord | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="wizard-body"):
            yield Label("Set up a number", classes="section-title")
            yield Static(
                "Four steps. Each says what it is doing; if one fails, fix what it says and "
                "retry: what succeeded is not done again.",
                classes="wizard-intro",
            )
            with Horizontal(classes="wizard-row"):
                yield Label("Application", classes="wizard-caption")
                yield Select(
                    [("Create a new one", NEW)],
                    value=NEW,
                    allow_blank=False,
                    compact=True,
                    id="wizard-application",
                )
                yield Input("smsconsole", placeholder="name", compact=True, id="wizard-name")
            with Horizontal(classes="wizard-row"):
                yield Label("Number", classes="wizard-caption")
                yield Select(
                    self._number_options(),
                    value=self._unassigned()[0].id if self._unassigned() else NEW,
                    allow_blank=False,
                    compact=True,
                    id="wizard-number",
                )
            with Horizontal(classes="wizard-row"):
                yield Label("Order it in", classes="wizard-caption")
                yield Input(
                    placeholder="e.g. area code 919, state NC or ZIP 27511",
                    compact=True,
                    select_on_focus=False,  # digits typed off it are added, not replaced
                    id="wizard-where",
                )
            yield Static(where_hint(""), id="wizard-where-hint")
            for index, step in enumerate(self.steps, start=1):
                yield Static(self._line(index, step), id=f"step-{index}", classes="wizard-step")
                yield Static("", id=f"step-{index}-detail", classes="wizard-detail")
            yield Static("", id="wizard-done")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Start", id="wizard-run", variant="primary")
                yield Button("Close (esc)", id="wizard-close")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.number_chosen()
        where = self.query_one("#wizard-where", Input)
        (self.query_one("#wizard-number", Select) if where.disabled else where).focus()
        self.load_applications()

    def _unassigned(self) -> list[NumberRecord]:
        """Numbers we own that point at no application: the wizard can use one of them."""
        numbers = self.console.inbox.numbers.values()
        return sorted((n for n in numbers if not n.application_id), key=lambda n: n.number)

    def _number_options(self) -> list[tuple[RenderableType, str]]:
        options: list[tuple[RenderableType, str]] = [("Order a new one", NEW)]
        for record in self._unassigned():
            shown = format_for_display(record.number, self.console.region)
            options.append((plain_cell(f"Use {shown}: yours, no application"), record.id))
        return options

    @on(Select.Changed, "#wizard-number")
    def number_chosen(self) -> None:
        """A number we own needs no search: the place to order in does not apply."""
        ordering = self.query_one("#wizard-number", Select).value == NEW
        self.query_one("#wizard-where", Input).disabled = not ordering
        self.query_one("#wizard-where-hint", Static).display = ordering

    @on(Input.Changed, "#wizard-where")
    def where_changed(self, event: Input.Changed) -> None:
        self.query_one("#wizard-where-hint", Static).update(where_hint(event.value))

    def on_key(self, event: events.Key) -> None:
        # Digits typed off a text field (after a Tab onto the buttons) are the area code or
        # ZIP being typed: they go to the field rather than nowhere. Letters stay keys.
        where = self.query_one("#wizard-where", Input)
        focused = self.app.focused
        if (
            event.character is not None
            and event.character.isdigit()
            and not isinstance(focused, Input)
            and not where.disabled
        ):
            event.stop()
            event.prevent_default()
            where.focus()
            where.insert_text_at_cursor(event.character)

    @staticmethod
    def _line(index: int, step: Step) -> str:
        return f"{MARKS[step.state]} {index}. {step.title}"

    def show(self, index: int, state: str, detail: str) -> None:
        """Show step ``index`` (1-based) in a new state."""
        step = self.steps[index - 1]
        step.state, step.detail = state, detail
        widget = self.query_one(f"#step-{index}", Static)
        widget.update(self._line(index, step))
        for name in MARKS:
            widget.set_class(name == state, f"-{name}")
        self.query_one(f"#step-{index}-detail", Static).update(plain(detail, lines=True))

    @work(exclusive=True, group="wizard-apps", exit_on_error=False)
    async def load_applications(self) -> None:
        """Offer the existing applications for reuse, preselecting one that points here."""
        try:
            found = await self.console.client.applications()
        except ConsoleError:
            return  # step 1 will say why, when it runs
        self.applications = {app["id"]: app for app in found}
        select = self.query_one("#wizard-application", Select)
        options: list[tuple[RenderableType, str]] = [("Create a new one", NEW)]
        # A Select reads a str prompt as markup; the name is whatever the provider holds.
        options += [(plain_cell(f"Reuse {a.get('name') or a['id']}"), a["id"]) for a in found]
        select.set_options(options)
        here = urlsplit(self.console.client.base_url).netloc
        for app in found:
            url = urlsplit(app.get("incoming_message_url") or "")
            if url.hostname and url.netloc.rsplit("@", 1)[-1] == here:
                select.value = app["id"]
                break

    @on(Button.Pressed, "#wizard-close")
    def close(self) -> None:
        self.app.pop_screen()

    @on(Button.Pressed, "#wizard-run")
    @on(Input.Submitted)
    def action_run(self) -> None:
        if not self.query_one("#wizard-run", Button).disabled:  # running, or all done
            self.run_steps()

    @property
    def done(self) -> bool:
        """Whether every step succeeded."""
        return all(step.state == "done" for step in self.steps)

    @work(exclusive=True, group="wizard-run", exit_on_error=False)
    async def run_steps(self) -> None:
        """Run the steps not yet done, in order, stopping at the first that fails."""
        button = self.query_one("#wizard-run", Button)
        button.disabled = True
        actions = (self.step_application, self.step_number, self.step_assign, self.step_check)
        try:
            for index, action in enumerate(actions, start=1):
                if self.steps[index - 1].state == "done":
                    continue
                try:
                    detail = await action(index)
                except (StepFailed, ConsoleError) as error:
                    text = error.message if isinstance(error, ConsoleError) else str(error)
                    self.show(index, "failed", text)
                    self._label(button, f"Retry from step {index}")
                    return
                self.show(index, "done", detail)
            self._label(button, "Done")
            assert self.number is not None
            shown = format_for_display(self.number.number, self.console.region)
            self.query_one("#wizard-done", Static).update(
                f"All set: {shown} is yours and calls back to this server. Press esc for the inbox."
            )
            self.query_one("#wizard-body", VerticalScroll).scroll_end(animate=False)
        finally:
            button.disabled = self.done

    @staticmethod
    def _label(button: Button, text: str) -> None:
        # A new label does not lay the button out again by itself: "Retry from step 2" was
        # cut to the width "Start" had.
        button.label = text
        button.refresh(layout=True)

    async def step_application(self, index: int) -> str:
        """Step 1: reuse the chosen application, or create one with this server's URLs."""
        chosen = self.query_one("#wizard-application", Select).value
        if isinstance(chosen, str) and chosen in self.applications:
            self.application = self.applications[chosen]
            return f"reusing {self.application.get('name')} ({chosen})"
        name = self.query_one("#wizard-name", Input).value.strip() or "smsconsole"
        self.show(index, "running", f"creating the application {name}…")
        self.application = await self.console.client.create_application(name)
        url = masked_url(self.application.get("incoming_message_url")) or "—"
        return f"created {name}; texts and calls go to {url.rsplit('/', 1)[0]}/…"

    async def step_number(self, index: int) -> str:
        """Step 2: use the number chosen that we own, or find one where the operator asked
        and order it if they agree."""
        chosen = self.query_one("#wizard-number", Select).value
        owned = next((n for n in self._unassigned() if n.id == chosen), None)
        if owned is not None:
            self.number = owned
            shown = format_for_display(owned.number, self.console.region)
            return f"using {shown}, already yours: nothing ordered"
        where = self.query_one("#wizard-where", Input).value
        criteria = criteria_for(where)
        self.show(index, "running", f"searching numbers in {where.strip()}…")
        found = await self.console.client.available_numbers(quantity=1, **criteria)
        if not found:
            raise StepFailed(f"No numbers available in {where.strip()}: try another, then retry.")
        offer = found[0]
        shown = offer.get("national_number") or offer["number"]
        price = price_of(offer.get("price"))
        cost = monthly_cost([offer.get("price")])
        question = f"Order {shown} ({place_of(offer)})?\nIt costs {cost}."
        self.show(index, "running", f"found {shown}; waiting for your answer…")
        if not await self.app.push_screen_wait(Confirm(question, yes="Order", no="Not now")):
            raise StepFailed("Not ordered: you declined. Retry to be asked again.")
        self.show(index, "running", f"ordering {shown}…")
        [self.number] = await self.console.client.order_numbers(
            numbers=[offer["number"]], total_monthly_cost=f"{price:f}", confirm=True
        )
        self.console.inbox.numbers[self.number.number] = self.number
        return f"ordered {shown} for {cost}"

    async def step_assign(self, index: int) -> str:
        """Step 3: point the new number at the application."""
        assert self.number is not None
        assert self.application is not None
        shown = format_for_display(self.number.number, self.console.region)
        name = self.application.get("name") or self.application["id"]
        self.show(index, "running", f"assigning {shown} to {name}…")
        await self.console.client.assign_number(self.number.id, self.application["id"])
        return f"{shown} → {name}"

    async def step_check(self, index: int) -> str:
        """Step 4: the server has a provider, and the application calls back to this server."""
        self.show(index, "running", "asking the server…")
        status = await self.console.client.status()
        if not status.get("provider"):
            raise StepFailed("The server has no provider account configured.")
        assert self.application is not None
        wanted = self.application["id"]
        current = {a["id"]: a for a in await self.console.client.applications()}
        application = current.get(wanted)
        if application is None:
            self.show(1, "waiting", "the application was deleted meanwhile")
            raise StepFailed("The application no longer exists: retry to create it again.")
        in_url = status.get("api", "catapult-v1") != "bandwidth-v2"
        for kind in ("messages", "calls"):
            url = application.get(f"incoming_{kind[:-1]}_url")
            if (problem := callback_problem(url, kind, credentials_in_url=in_url)) is not None:
                raise StepFailed(f"The application {problem}: fix it under Applications (A).")
        self.show(index, "running", "calling the callback URLs as the provider would…")
        probes = await self.console.client.check_callbacks(wanted)
        failures = [
            f"{kind}: {probe['detail']} ({probe.get('url')})"
            for kind, probe in probes.items()
            if not probe.get("ok")
        ]
        if failures:
            raise StepFailed(
                "; ".join(failures) + ". Fix server.public_url or the tunnel, then retry."
            )
        url = masked_url(application.get("incoming_message_url")) or "—"
        return f"texts and calls reach this server at {url.rsplit('/', 1)[0]}/… and are accepted"
