"""Our phone numbers, and numbers to buy: search, order, assign to an application, release.

Ordering spends money and releasing cannot be undone, so both ask first: an order shows the
numbers and their total monthly cost before anything is bought, and exactly those numbers are
ordered at that total, or none (the server refuses an order without ``confirm``, and orders
nothing if one is gone or the total changed); a release wants the number typed back. The
provider's validation errors are shown in its own words next to the search field they concern
(reference §3.1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Final

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Header,
    Input,
    Label,
    OptionList,
    Select,
    Static,
)
from textual.widgets.option_list import Option

from smsconsole.core.formatting import location, money, monthly_cost, price
from smsconsole.core.phone import InvalidPhoneNumber, format_for_display, parse_e164
from smsconsole.core.records import NumberRecord
from smsconsole.tui.client import ConsoleError
from smsconsole.tui.context import ConsoleContext
from smsconsole.tui.plain import plain, plain_cell
from smsconsole.tui.screens.dialogs import Confirm, Prompt
from smsconsole.tui.updates import InboxChanged
from smsconsole.tui.widgets.key_footer import KeyFooter

# The search form's fields, in two rows: (id, caption, example, width class). The example is
# shown as "e.g. ..." in the empty field, dimmed, so it does not read as a value typed in.
ROWS: Final = (
    (
        ("state", "State", "NC", "-short"),
        ("city", "City (with state)", "Cary", "-long"),
        ("zip", "ZIP", "27511", "-short"),
        ("area_code", "Area code", "919", "-short"),
    ),
    (
        ("local_number", "Local no.", "555", "-short"),
        ("pattern", "Pattern: ? one digit, * any", "*2?9*", "-long"),
        ("quantity", "How many", "10", "-short"),
    ),
)
ROW_OF: Final = {name: index for index, row in enumerate(ROWS) for name, *_ in row}
CRITERIA: Final = ("state", "city", "zip", "area_code", "local_number", "pattern")
# Words in a validation message (the provider's, §3.1, or the server's) and the fields they name.
FIELD_WORDS: Final = (
    (re.compile(r"\bcity\b", re.I), "city"),
    (re.compile(r"\bstate\b", re.I), "state"),
    (re.compile(r"\bzip\b", re.I), "zip"),
    (re.compile(r"area[ _]?code", re.I), "area_code"),
    (re.compile(r"local[ _]?number\b", re.I), "local_number"),
    (re.compile(r"\bpattern\b", re.I), "pattern"),
    (re.compile(r"\bquantity\b", re.I), "quantity"),
)
# Codes whose message may not name the field (§3.1: invalid-zip-code, invalid-rate-center).
CODE_FIELDS: Final = {"invalid-zip-code": ("zip",), "invalid-rate-center": ("city", "state")}


def fields_concerned(error: ConsoleError) -> tuple[list[str], str]:
    """The search fields an error is about, and the words to show next to them.

    The provider's own message is preferred (its words); a server refusal (no provider
    details) is matched on the server's message. No field named: an empty list.
    """
    details = error.provider or {}
    words = str(details.get("message") or error.message)
    code = str(details.get("code") or "")
    named = list(CODE_FIELDS.get(code, ()))
    for pattern, field in FIELD_WORDS:
        if field not in named and pattern.search(words):
            named.append(field)
    return named, words


def price_of(value: object) -> Decimal:
    """A monthly price as the provider gives it (``"0.35"``); unknown counts as zero."""
    return price(value) or Decimal(0)


def place_of(found: dict[str, Any]) -> str:
    """Where an available number is (``Cary, NC``, ``toll-free``), from the API's fields."""
    return location(found["number"], found.get("city"), found.get("state"))


def monthly_total(prices: Iterable[object]) -> Decimal:
    """The sum of monthly prices."""
    return sum((price_of(price) for price in prices), Decimal(0))


class ApplicationPicker(ModalScreen[str | None]):
    """Choose the application a number points at; ``""`` detaches, None cancels."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="pick.cancel")]

    def __init__(self, number: str, current: str, applications: dict[str, str]) -> None:
        super().__init__(classes="dialog")
        self.number = number
        self.current = current
        self.applications = applications

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(plain(f"Application for {self.number}"), classes="dialog-title")
            yield Label(plain(f"Now: {self.current}"), id="pick-current", classes="dialog-hint")
            options = [Option(plain(name), id=app_id) for app_id, name in self.applications.items()]
            options.append(Option("No application (detach: texts and calls go nowhere)", id=""))
            yield OptionList(*options, id="pick-list")
            yield Label("enter: choose   escape: cancel", classes="dialog-hint")

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id or "")


class NumbersScreen(Screen[None]):
    """Our numbers with their applications and prices, and a search for numbers to buy."""

    # The tooltips name each action in the command palette (ConsoleCommands offers them).
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="numbers.back"),
        Binding(
            "space",
            "choose",
            "Choose",
            id="numbers.choose",
            tooltip="Choose the search result under the cursor (or unchoose it)",
        ),
        Binding("o", "order", "Order", id="numbers.order", tooltip="Order the chosen numbers"),
        Binding(
            "b",
            "order_quantity",
            "Buy N",
            id="numbers.order_quantity",
            tooltip="Buy 'How many' numbers matching the search",
        ),
        Binding(
            "e",
            "assign",
            "Assign",
            id="numbers.assign",
            tooltip="Assign the number under the cursor to an application (or detach it)",
        ),
        Binding(
            "delete",
            "release",
            "Release",
            id="numbers.release",
            tooltip="Release the number under the cursor (type it back to confirm)",
        ),
        Binding(
            "R",
            "refresh",
            "Refresh",
            show=False,
            id="numbers.refresh",
            tooltip="Refresh our numbers from the provider",
        ),
    ]

    def __init__(self, console: ConsoleContext) -> None:
        super().__init__(id="numbers-screen")
        self.console = console
        self.results: list[dict[str, Any]] = []
        self.chosen: list[str] = []
        self.application_names: dict[str, str] = {}
        self.noted = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("Your numbers", classes="section-title")
        yield DataTable(id="our-numbers", cursor_type="row")
        yield Label("", id="numbers-note")
        yield Label("Find numbers to buy", classes="section-title")
        yield Label("", id="form-error")
        with Vertical(id="search-form"):
            for index, row in enumerate(ROWS):
                with Horizontal(classes="form-fields"):
                    if index == 0:
                        with Vertical(classes="field -kind"):
                            yield Label("Kind", classes="field-caption")
                            yield Select(
                                [("Local", "local"), ("Toll-free", "tollfree")],
                                value="local",
                                allow_blank=False,
                                compact=True,
                                id="kind",
                            )
                    for name, caption, example, width in row:
                        with Vertical(classes=f"field {width}"):
                            yield Label(caption, classes="field-caption")
                            yield Input(placeholder=f"e.g. {example}", id=name, compact=True)
                    if index == 1:
                        with Vertical(classes="field -check"):
                            yield Checkbox(
                                "Local calling area", id="in_local_calling_area", compact=True
                            )
                            yield Button("Search", id="search", compact=True, variant="primary")
                yield Label("", id=f"row{index}-error", classes="field-error")
        yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
        yield Static(
            "tab: numbers, form, results · enter: search · space: choose · ctrl+p: commands",
            id="numbers-hint",
        )
        yield KeyFooter()

    def on_mount(self) -> None:
        ours = self.query_one("#our-numbers", DataTable)
        ours.add_columns("Number", "Location", "Application", "Monthly")
        results = self.query_one("#results", DataTable)
        results.add_column("✓", key="chosen", width=1)
        results.add_columns("Number", "Location", "Rate center", "Monthly", "Match")
        self.query_one("#form-error", Label).display = False
        for label in self.query(".field-error"):
            label.display = False
        self.show_numbers()
        self.load_applications()
        # With numbers to act on, start on them (e and delete work at once); else on the search.
        first = ours if ours.row_count else self.query_one("#state", Input)
        first.focus()

    # -- our numbers --------------------------------------------------------------------------

    @on(InboxChanged)
    def inbox_changed(self, event: InboxChanged) -> None:
        if event.change.renamed:
            self.show_numbers()

    def show_numbers(self) -> None:
        """Show our numbers as the console knows them (the feed keeps them current).

        The cursor stays on the number it was on (or the row where it was, if that number
        is gone): the table is shown again whenever names or numbers arrive, and a cursor
        sent back to the first row would put a later release or assignment on another number.
        """
        table = self.query_one("#our-numbers", DataTable)
        was = self.selected_number()
        row = table.cursor_row
        table.clear()
        numbers = sorted(self.console.inbox.numbers.values(), key=lambda n: n.number)
        for record in numbers:
            table.add_row(
                format_for_display(record.number, self.console.region),
                plain_cell(location(record.number, record.city, record.state)),
                plain_cell(self.application_label(record.application_id)),
                money(record.price) if record.price else "",
                key=record.id,
            )
        if not numbers and not self.noted:
            self.note("You have no numbers yet: search below and order one.")
        ids = [record.id for record in numbers]
        if was is not None and was.id in ids:
            row = ids.index(was.id)
        if numbers:
            table.move_cursor(row=min(row, len(numbers) - 1), animate=False)
        self.refresh_bindings()

    def application_label(self, application_id: str | None, none: str = "—") -> str:
        """An application's name (or id when not known yet); ``none`` for none."""
        if not application_id:
            return none
        return self.application_names.get(application_id, application_id)

    def note(self, text: str, *, error: bool = False) -> None:
        """Say what happened, under our numbers."""
        self.noted = bool(text)
        label = self.query_one("#numbers-note", Label)
        label.update(plain(text, lines=True))
        label.set_class(error, "-error")

    @work(exclusive=True, group="numbers-apps", exit_on_error=False)
    async def load_applications(self) -> None:
        """Read the applications' names, to show which one each number points at."""
        try:
            applications = await self.console.client.applications()
        except ConsoleError as error:
            self.note(f"Could not read the applications: {error.message}", error=True)
            return
        self.application_names = {a["id"]: a.get("name") or a["id"] for a in applications}
        self.show_numbers()

    async def reload_numbers(self) -> None:
        """Read our numbers from the server and show them."""
        self.console.inbox.load_numbers(await self.console.client.numbers())
        self.show_numbers()

    def selected_number(self) -> NumberRecord | None:
        """Our number under the cursor of the numbers table."""
        table = self.query_one("#our-numbers", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((n for n in self.console.inbox.numbers.values() if n.id == key), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Assigning and releasing are shown dimmed (and not offered) with no number."""
        if action in ("assign", "release"):
            return True if self.console.inbox.numbers else None
        return True

    def action_refresh(self) -> None:
        self.refresh_from_provider()

    @work(exclusive=True, group="numbers-refresh", exit_on_error=False)
    async def refresh_from_provider(self) -> None:
        """Have the server sync our numbers from the provider."""
        try:
            self.console.inbox.load_numbers(await self.console.client.numbers(refresh=True))
        except ConsoleError as error:
            self.note(error.message, error=True)
            return
        self.show_numbers()

    # -- search -------------------------------------------------------------------------------

    def criteria(self) -> dict[str, str]:
        """The search criteria filled in (toll-free numbers take only a pattern, §3.2)."""
        names = CRITERIA if self.kind == "local" else ("pattern",)
        found = {name: self.query_one(f"#{name}", Input).value.strip() for name in names}
        criteria = {name: value for name, value in found.items() if value}
        if self.kind == "local" and self.query_one("#in_local_calling_area", Checkbox).value:
            criteria["in_local_calling_area"] = "true"
        return criteria

    @property
    def kind(self) -> str:
        """``local`` or ``tollfree``."""
        return str(self.query_one("#kind", Select).value)

    @property
    def quantity(self) -> int | None:
        """How many numbers the operator asked for (None: the provider's default)."""
        text = self.query_one("#quantity", Input).value.strip()
        return int(text) if text.isdigit() else None

    def clear_errors(self) -> None:
        """Forget the last validation errors."""
        self.query_one("#form-error", Label).display = False
        for label in self.query(".field-error").results(Label):
            label.display = False
        for field in self.query("#search-form Input").results(Input):
            field.remove_class("-invalid")

    def show_error(self, error: ConsoleError) -> None:
        """Show a refusal next to the fields it concerns, else above the form."""
        fields, words = fields_concerned(error)
        if not fields:
            self.form_error(error.message)
            return
        for field in fields:
            self.query_one(f"#{field}", Input).add_class("-invalid")
        self.field_error(fields[0], words)

    def field_error(self, field: str, words: str) -> None:
        """Show a problem with a field right under the row that holds it."""
        self.query_one(f"#{field}", Input).add_class("-invalid")
        label = self.query_one(f"#row{ROW_OF[field]}-error", Label)
        caption = next(c for row in ROWS for name, c, *_ in row if name == field)
        label.update(plain(f"⚠ {caption.split(' (')[0].split(':')[0]}: {words}", lines=True))
        label.display = True

    def form_error(self, text: str) -> None:
        """Show a problem with the whole search, above the form."""
        label = self.query_one("#form-error", Label)
        label.update(plain(text, lines=True))
        label.display = True

    @on(Input.Submitted, "#search-form Input")
    @on(Button.Pressed, "#search")
    def submitted(self) -> None:
        self.search()

    @work(exclusive=True, group="numbers-search", exit_on_error=False)
    async def search(self) -> None:
        """Search numbers to buy and show them with their location and price."""
        self.clear_errors()
        quantity_text = self.query_one("#quantity", Input).value.strip()
        try:
            if quantity_text and not quantity_text.isdigit():
                raise ConsoleError(None, "'quantity' must be a whole number")
            found = await self.console.client.available_numbers(
                kind=self.kind, quantity=self.quantity, **self.criteria()
            )
        except ConsoleError as error:
            self.show_error(error)
            return
        self.show_results(found)

    def show_results(self, found: list[dict[str, Any]]) -> None:
        """Show a search's results; nothing is chosen yet."""
        self.results = found
        self.chosen = []
        table = self.query_one("#results", DataTable)
        table.clear()
        for item in found:
            table.add_row(
                "",
                plain_cell(item.get("national_number") or format_for_display(item["number"])),
                plain_cell(place_of(item)),
                plain_cell(item.get("rate_center") or ""),
                money(item.get("price")),
                plain_cell((item.get("pattern_match") or "").rstrip()),
                key=item["number"],
            )
        if not found:
            self.form_error("No numbers match: widen the search (another city, area or pattern).")
        else:
            table.focus()

    def action_choose(self) -> None:
        """Choose the result under its cursor, wherever the focus is (but in a text field,
        where space is a space)."""
        table = self.query_one("#results", DataTable)
        if not self.results:
            self.form_error("Search first: enter in the form shows numbers to choose.")
            return
        table.focus()
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        number = str(row_key.value)
        if number in self.chosen:
            self.chosen.remove(number)
        else:
            self.chosen.append(number)
        table.update_cell(row_key, "chosen", "✓" if number in self.chosen else "")
        table.action_cursor_down()

    # -- order --------------------------------------------------------------------------------

    def action_order(self) -> None:
        if not self.chosen:
            self.form_error("Choose numbers in the results with space first (or b to buy N).")
            return
        self.order_chosen()

    @work(exclusive=True, group="numbers-order", exit_on_error=False)
    async def order_chosen(self) -> None:
        """Order the numbers chosen in the results, once the operator agrees to their cost."""
        by_number = {item["number"]: item for item in self.results}
        await self.confirm_and_order([by_number[n] for n in self.chosen if n in by_number])

    def action_order_quantity(self) -> None:
        self.clear_errors()
        self.order_quantity()

    @work(exclusive=True, group="numbers-order", exit_on_error=False)
    async def order_quantity(self) -> None:
        """Find ``quantity`` matching numbers, show them chosen, and offer to order them.

        The provider's search-and-order (§3.3) would pick the numbers itself, after the
        confirmation; the numbers found here are the ones asked about and the ones ordered.
        """
        quantity = self.quantity or 1
        try:
            found = await self.console.client.available_numbers(
                kind=self.kind, quantity=quantity, **self.criteria()
            )
        except ConsoleError as error:
            self.show_error(error)
            return
        if len(found) < quantity:
            self.form_error(f"Only {len(found)} numbers match; ask for fewer or widen the search.")
            return
        self.show_results(found)
        table = self.query_one("#results", DataTable)
        for item in found:
            self.chosen.append(item["number"])
            table.update_cell(item["number"], "chosen", "✓")
        await self.confirm_and_order(found)

    async def confirm_and_order(self, chosen: list[dict[str, Any]]) -> None:
        """Ask with each number and the total monthly cost, then order exactly those.

        The server orders all of them or, if one is gone or the total changed, none (and
        says which); the total asked about is sent along so it is the total charged.
        """
        lines = [
            f"  {item.get('national_number') or item['number']}  {place_of(item)}  "
            f"{money(item.get('price'))}/month"
            for item in chosen
        ]
        total = monthly_total(item.get("price") for item in chosen)
        count = f"{len(chosen)} number{'s' if len(chosen) != 1 else ''}"
        cost = monthly_cost(item.get("price") for item in chosen)
        question = f"Order {count}?\n" + "\n".join(lines) + f"\nTotal: {cost}."
        if not await self.app.push_screen_wait(Confirm(question, yes="Order", no="Cancel")):
            self.note("Nothing ordered.")
            return
        try:
            ordered = await self.console.client.order_numbers(
                numbers=[item["number"] for item in chosen],
                total_monthly_cost=f"{total:f}",
                confirm=True,
            )
        except ConsoleError as error:
            await self._after_order(error.message, error=True)
            return
        self.chosen = [n for n in self.chosen if n not in {r.number for r in ordered}]
        shown = ", ".join(r.national_number or format_for_display(r.number) for r in ordered)
        await self._after_order(f"Ordered {shown}.")

    async def _after_order(self, words: str, *, error: bool = False) -> None:
        self.note(words, error=error)
        try:
            await self.reload_numbers()
        except ConsoleError as problem:
            self.note(f"{words} (could not list our numbers: {problem.message})", error=True)
        if self.results:
            self.search()

    # -- assign and release -------------------------------------------------------------------

    def action_assign(self) -> None:
        record = self.selected_number()
        if record is None:
            self.note("Order a number first.", error=True)
            return
        self.assign(record)

    @work(exclusive=True, group="numbers-assign", exit_on_error=False)
    async def assign(self, record: NumberRecord) -> None:
        """Point a number at an application (or none), saying what it pointed at before."""
        shown = format_for_display(record.number, self.console.region)
        picker = ApplicationPicker(
            shown, self.application_label(record.application_id), self.application_names
        )
        choice = await self.app.push_screen_wait(picker)
        if choice is None:
            return
        try:
            answer = await self.console.client.assign_number(record.id, choice or None)
        except ConsoleError as error:
            self.note(error.message, error=True)
            return
        before = answer.get("previous_application_id") or None
        now = self.application_label(choice or None, "no application")
        if before == (choice or None):
            self.note(f"{shown} already pointed at {now}.")
        else:
            was = self.application_label(before, "none")
            self.note(f"{shown} now points at {now} (before: {was}).")
        await self.reload_numbers()

    def action_release(self) -> None:
        record = self.selected_number()
        if record is None:
            self.note("There is no number to release.", error=True)
            return
        shown = format_for_display(record.number, self.console.region)
        region = self.console.region

        def check(text: str) -> str | None:
            try:
                typed = parse_e164(text, region)
            except InvalidPhoneNumber:
                typed = ""
            return None if typed == record.number else f"That is not {shown}; nothing released."

        def confirmed(text: str | None) -> None:
            if text is not None:
                self.release(record)

        # One line each: a dialog's title does not wrap, and the last words say what to do.
        prompt = Prompt(
            f"Release {shown}?\nIt is gone for good (it cannot be had back).\n"
            "Type the number to confirm.",
            placeholder=f"type {shown} here",
            check=check,
        )
        self.app.push_screen(prompt, confirmed)

    @work(exclusive=True, group="numbers-release", exit_on_error=False)
    async def release(self, record: NumberRecord) -> None:
        """Release a number the operator typed back."""
        shown = format_for_display(record.number, self.console.region)
        try:
            await self.console.client.release_number(record.id)
        except ConsoleError as error:
            self.note(error.message, error=True)
            return
        self.note(f"Released {shown}.")
        await self.reload_numbers()
