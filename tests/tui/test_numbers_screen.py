"""The numbers screen, driven with ``run_test()`` against a real server and the real sandbox."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.command import CommandList
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, Label, Select

from console_helpers import console_app, prompt_ready, until
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.client import ConsoleError
from smsconsole.tui.screens.dialogs import Confirm, Prompt
from smsconsole.tui.screens.numbers import (
    ApplicationPicker,
    NumbersScreen,
    fields_concerned,
    monthly_total,
)

SEARCH_FIELDS = ("state", "city", "zip", "area_code", "local_number", "pattern", "quantity")


async def open_numbers(pilot: Pilot[None]) -> NumbersScreen:
    """Wait for the console to load (saying no to the first-run offer), then press p."""
    app = pilot.app
    assert isinstance(app, SmsConsoleApp)
    await until(pilot, lambda: app.live)
    await pilot.pause(0.1)
    if isinstance(app.screen, Confirm):  # first run: no numbers yet
        await pilot.press("n")
    await pilot.press("p")
    await until(pilot, lambda: isinstance(app.screen, NumbersScreen))
    screen = app.screen
    assert isinstance(screen, NumbersScreen)
    return screen


def rows(screen: NumbersScreen, table: str = "#results") -> list[list[str]]:
    found = screen.query_one(table, DataTable)
    return [[str(cell) for cell in found.get_row_at(i)] for i in range(found.row_count)]


def visible_text(label: Label) -> str:
    return str(label.render()) if label.display else ""


async def search(pilot: Pilot[None], screen: NumbersScreen, kind: str = "local", **fields: str):
    """Fill the search form (other fields emptied) and press enter in it."""
    screen.query_one("#kind", Select).value = kind
    for name in SEARCH_FIELDS:
        screen.query_one(f"#{name}", Input).value = fields.get(name, "")
    screen.query_one("#state", Input).focus()
    await pilot.press("enter")


async def test_a_search_by_each_criterion(account: Any, tmp_path: Path) -> None:
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_numbers(pilot)

        async def shows(check: Callable[[list[list[str]]], bool], **fields: str) -> None:
            await search(pilot, screen, **fields)
            await until(pilot, lambda: rows(screen) and check(rows(screen)))

        def everywhere(place: str) -> Callable[[list[list[str]]], bool]:
            return lambda found: all(row[2] == place for row in found)

        await shows(lambda f: all(r[2].endswith(", TX") for r in f) and len(f) == 3,
                    state="TX", quantity="3")  # fmt: skip
        await shows(everywhere("Cary, NC"), state="NC", city="Cary")
        await shows(everywhere("Fayetteville, NC"), zip="28301")
        await shows(lambda f: {r[2] for r in f} == {"Fayetteville, NC", "Wilmington, NC"},
                    area_code="910", quantity="50")  # fmt: skip
        # The 984 overlay shares 919's local calling area (§3.1 inLocalCallingArea).
        screen.query_one("#in_local_calling_area").value = True  # type: ignore[attr-defined]
        await shows(lambda f: {r[1][:5] for r in f} == {"(984)", "(919)"},
                    area_code="984", local_number="555", quantity="60")  # fmt: skip
        screen.query_one("#in_local_calling_area").value = False  # type: ignore[attr-defined]
        await shows(lambda f: all(r[1].endswith("3") and r[5].endswith("3") for r in f),
                    state="CA", pattern="*3")  # fmt: skip
        await shows(lambda f: all(r[1].startswith("(888)") and r[2] == "toll-free" for r in f),
                    kind="tollfree", pattern="888*")  # fmt: skip
        assert all(row[4] == "$0.75" for row in rows(screen))  # toll-free monthly price


async def test_provider_validation_errors_are_shown_next_to_their_fields(
    account: Any, tmp_path: Path
) -> None:
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_numbers(pilot)
        await search(pilot, screen, city="Cary")
        city_error = screen.query_one("#row0-error", Label)  # under state, city, ZIP, area code
        await until(pilot, lambda: city_error.display)
        assert (
            visible_text(city_error) == "⚠ City: For searching by City the State is also required"
        )
        assert screen.query_one("#city", Input).has_class("-invalid")
        assert screen.query_one("#state", Input).has_class("-invalid")
        assert not screen.query_one("#zip", Input).has_class("-invalid")

        await search(pilot, screen, area_code="91")
        await until(pilot, lambda: "Area" in visible_text(city_error))
        assert visible_text(city_error) == "⚠ Area code: An Area Code must be 3 digits"
        assert screen.query_one("#area_code", Input).has_class("-invalid")
        assert not screen.query_one("#city", Input).has_class("-invalid")  # the earlier is gone

        await search(pilot, screen, state="NC", city="Gotham")  # 403 invalid-rate-center
        await until(pilot, lambda: "Gotham" in visible_text(city_error))
        assert visible_text(city_error) == "⚠ City: The city Gotham in the state NC was not found"
        assert rows(screen) == []


def test_an_error_naming_no_field_goes_above_the_form() -> None:
    error = ConsoleError(502, "searching local numbers: the provider is unavailable")
    assert fields_concerned(error) == ([], "searching local numbers: the provider is unavailable")
    zip_error = ConsoleError(
        422, "x", provider={"code": "invalid-zip-code", "message": "ZIP 00000 did not map"}
    )
    assert fields_concerned(zip_error) == (["zip"], "ZIP 00000 did not map")
    assert str(monthly_total(["0.35", "0.35", None, "bad"])) == "0.70"


async def test_nothing_is_ordered_without_the_confirmation(account: Any, tmp_path: Path) -> None:
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_numbers(pilot)
        await search(pilot, screen, area_code="919", quantity="5")
        await until(pilot, lambda: len(rows(screen)) == 5)
        await pilot.press("space", "space")  # choose the first two
        chosen = [row[1] for row in rows(screen) if row[0] == "✓"]
        assert len(chosen) == 2
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        question = app.screen.question  # type: ignore[attr-defined]
        assert question.startswith("Order 2 numbers?")
        assert all(number in question for number in chosen)
        assert question.endswith("Total: $0.70 a month.")
        await pilot.press("n")
        await until(
            pilot,
            lambda: "Nothing ordered." in visible_text(screen.query_one("#numbers-note", Label)),
        )
        assert await account.owned() == []

        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await until(pilot, lambda: len(rows(screen, "#our-numbers")) == 2)
        owned = await account.owned()
        assert sorted(n["nationalNumber"] for n in owned) == sorted(chosen)
        assert {row[3] for row in rows(screen, "#our-numbers")} == {"$0.35"}


async def take(account: Any, number: str) -> None:
    """Another account buys ``number`` (it leaves the sandbox's inventory, not for us)."""
    taken = await account.sandbox.post("/sandbox/numbers/taken", json={"number": number})
    assert taken.status_code == 200, taken.text


def note_of(screen: NumbersScreen) -> str:
    return visible_text(screen.query_one("#numbers-note", Label))


async def test_a_chosen_number_gone_before_the_order_is_named_and_nothing_is_bought(
    account: Any, tmp_path: Path
) -> None:
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_numbers(pilot)
        await search(pilot, screen, area_code="919", quantity="3")
        await until(pilot, lambda: len(rows(screen)) == 3)
        await pilot.press("space", "space", "space")
        gone = screen.results[1]
        await take(account, gone["number"])  # someone else buys it after our search
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await until(pilot, lambda: "nothing was ordered" in note_of(screen))
        assert note_of(screen).startswith(f"{gone['national_number']} is no longer available")
        assert await account.owned() == []
        assert rows(screen, "#our-numbers") == []


async def test_buying_n_confirms_the_numbers_it_will_order_and_orders_exactly_them(
    account: Any, tmp_path: Path
) -> None:
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_numbers(pilot)
        screen.query_one("#state", Input).value = "TX"
        screen.query_one("#quantity", Input).value = "2"
        screen.query_one("#results", DataTable).focus()  # b in a search field is a letter
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        question = app.screen.question  # type: ignore[attr-defined]
        assert question.startswith("Order 2 numbers?")
        assert question.endswith("Total: $0.70 a month.")
        shown = [row[1] for row in rows(screen)]  # the results are the numbers asked about
        assert len(shown) == 2
        assert all(number in question for number in shown)
        assert [row[0] for row in rows(screen)] == ["✓", "✓"]
        await pilot.press("y")
        await until(pilot, lambda: len(rows(screen, "#our-numbers")) == 2)
        assert sorted(n["nationalNumber"] for n in await account.owned()) == sorted(shown)
        assert all(row[1].endswith(", TX") for row in rows(screen, "#our-numbers"))


async def test_buying_n_never_buys_a_replacement_for_a_number_gone_meanwhile(
    account: Any, tmp_path: Path
) -> None:
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_numbers(pilot)
        screen.query_one("#area_code", Input).value = "910"
        screen.query_one("#quantity", Input).value = "2"
        screen.query_one("#results", DataTable).focus()  # b in a search field is a letter
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        gone = screen.results[0]
        await take(account, gone["number"])  # while the operator reads the question
        await pilot.press("y")
        await until(pilot, lambda: "nothing was ordered" in note_of(screen))
        assert note_of(screen).startswith(f"{gone['national_number']} is no longer available")
        assert await account.owned() == []


async def test_buying_n_may_use_a_pattern_now_that_it_orders_what_it_shows(
    account: Any, tmp_path: Path
) -> None:
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_numbers(pilot)
        screen.query_one("#state", Input).value = "CA"
        screen.query_one("#pattern", Input).value = "*3"
        screen.query_one("#quantity", Input).value = "1"
        screen.query_one("#results", DataTable).focus()  # b in a search field is a letter
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await until(pilot, lambda: len(rows(screen, "#our-numbers")) == 1)
        [owned] = await account.owned()
        assert owned["number"].endswith("3")


async def test_reassigning_shows_what_the_number_pointed_at_before(
    account: Any, tmp_path: Path
) -> None:
    first = await account.create_application("first")
    await account.create_application("second")
    number = await account.order("919", application_id=first)
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_numbers(pilot)
        await until(pilot, lambda: rows(screen, "#our-numbers")[0][2] == "first")
        note = screen.query_one("#numbers-note", Label)
        screen.query_one("#our-numbers", DataTable).focus()

        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ApplicationPicker))
        assert visible_text(app.screen.query_one("#pick-current", Label)) == "Now: first"
        await pilot.press("down", "enter")  # the second application
        await until(pilot, lambda: "now points at second" in visible_text(note))
        assert visible_text(note).endswith("(before: first).")
        [owned] = await account.owned()
        assert owned["number"] == number
        assert owned["applicationId"] != first
        assert rows(screen, "#our-numbers")[0][2] == "second"

        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ApplicationPicker))
        await pilot.press("end", "enter")  # no application: detach
        await until(pilot, lambda: "now points at no application" in visible_text(note))
        assert visible_text(note).endswith("(before: second).")
        [owned] = await account.owned()
        assert "applicationId" not in owned
        assert rows(screen, "#our-numbers")[0][2] == "—"


async def test_release_wants_the_number_typed_back(account: Any, tmp_path: Path) -> None:
    await account.order("212")
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_numbers(pilot)
        await until(pilot, lambda: rows(screen, "#our-numbers"))
        shown = rows(screen, "#our-numbers")[0][0]
        screen.query_one("#our-numbers", DataTable).focus()
        await pilot.press("delete")
        await until(pilot, lambda: prompt_ready(app))
        await pilot.press(*"212 555 0000", "enter")
        problem = app.screen.query_one("#prompt-error", Label)
        assert visible_text(problem) == f"That is not {shown}; nothing released."
        assert isinstance(app.screen, Prompt)
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert len(await account.owned()) == 1

        await pilot.press("delete")
        await until(pilot, lambda: prompt_ready(app))
        await pilot.press(*shown, "enter")
        await until(pilot, lambda: rows(screen, "#our-numbers") == [])
        assert await account.owned() == []
        assert visible_text(screen.query_one("#numbers-note", Label)) == f"Released {shown}."


async def test_every_action_on_a_second_number_is_reachable_by_keys(
    account: Any, tmp_path: Path
) -> None:
    await account.create_application("console")
    await account.order("212")
    second = await account.order("919")  # sorted after the 212 number
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_numbers(pilot)
        await until(pilot, lambda: len(rows(screen, "#our-numbers")) == 2)
        await until(pilot, lambda: rows(screen, "#our-numbers")[1][2] == "—")
        shown = rows(screen, "#our-numbers")[1][0]
        note = screen.query_one("#numbers-note", Label)
        ours = screen.query_one("#our-numbers", DataTable)
        assert ours.has_focus  # with numbers to act on, the screen starts on them
        await pilot.press("tab", "shift+tab")  # to the form and back
        await until(pilot, lambda: ours.has_focus)
        await pilot.press("down")
        await pilot.pause(0.3)  # the applications' names arrive and the table is shown again
        assert screen.selected_number() is not None
        assert screen.selected_number().number == second  # type: ignore[union-attr]

        await pilot.press("e")  # assign the second number
        await until(pilot, lambda: isinstance(app.screen, ApplicationPicker))
        await pilot.press("enter")  # the one application
        await until(pilot, lambda: "now points at console" in visible_text(note))
        assert visible_text(note).startswith(shown)
        owned = {n["number"]: n for n in await account.owned()}
        assert "applicationId" in owned[second]
        assert "applicationId" not in next(n for k, n in owned.items() if k != second)
        await until(pilot, lambda: rows(screen, "#our-numbers")[1][2] == "console")
        assert screen.selected_number().number == second  # type: ignore[union-attr]

        await pilot.press("delete")  # release it, once typed back
        await until(pilot, lambda: prompt_ready(app))
        question = app.screen.query_one(".dialog-title", Label)
        assert question.size.height == 3  # every line shown, the last saying what to do
        assert str(question.render()).endswith("Type the number to confirm.")
        assert app.screen.query_one(Input).value == ""  # the example is not a value
        await pilot.press(*shown, "enter")
        await until(pilot, lambda: len(rows(screen, "#our-numbers")) == 1)
        assert [n["number"] for n in await account.owned()] != [second]
        assert visible_text(note) == f"Released {shown}."


def first_command(commands: CommandList) -> str:
    return str(commands.get_option_at_index(0).prompt) if commands.option_count else ""


async def test_the_palette_offers_every_numbers_action(account: Any, tmp_path: Path) -> None:
    await account.order("212")
    second = await account.order("919")
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_numbers(pilot)
        await until(pilot, lambda: len(rows(screen, "#our-numbers")) == 2)
        ours = screen.query_one("#our-numbers", DataTable)
        ours.focus()
        await pilot.press("down")
        await pilot.press("ctrl+p")
        await until(pilot, lambda: app.screen.query(Input).first().has_focus)
        await pilot.press(*"release")
        commands = app.screen.query_one(CommandList)
        await until(pilot, lambda: first_command(commands).startswith("Release the number"))
        await pilot.press("down", "enter")
        await until(pilot, lambda: prompt_ready(app))
        assert second[-4:] in app.screen.query_one(Label).render().plain  # type: ignore[attr-defined]
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        assert len(await account.owned()) == 2  # nothing released without typing it back

        for words in ("assign", "order", "buy", "choose", "refresh"):
            await pilot.press("ctrl+p")
            await until(pilot, lambda: app.screen.query(Input).first().has_focus)
            await pilot.press(*words)
            commands = app.screen.query_one(CommandList)
            await until(pilot, lambda w=words, c=commands: w in first_command(c).lower())
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is screen)


async def test_space_chooses_a_result_wherever_the_focus_is_outside_a_text_field(
    account: Any, tmp_path: Path
) -> None:
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_numbers(pilot)
        await search(pilot, screen, area_code="919", quantity="3")
        await until(pilot, lambda: len(rows(screen)) == 3)
        screen.query_one("#search", Button).focus()  # tabbed away from the results
        await pilot.press("space")
        assert [row[0] for row in rows(screen)] == ["✓", "", ""]


async def test_placeholders_do_not_look_like_values(account: Any, tmp_path: Path) -> None:
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_numbers(pilot)
        for name in SEARCH_FIELDS:
            field = screen.query_one(f"#{name}", Input)
            assert field.value == ""
            assert field.placeholder.startswith("e.g."), field.placeholder
