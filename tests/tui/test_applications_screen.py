"""The applications screen against a real server and the real sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Checkbox, DataTable, Input, Label, Select

from console_helpers import console_app, until
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.screens.applications import (
    DEFAULT_URLS,
    ApplicationForm,
    ApplicationsScreen,
)
from smsconsole.tui.screens.dialogs import Confirm


async def open_applications(pilot: Pilot[None]) -> ApplicationsScreen:
    app = pilot.app
    assert isinstance(app, SmsConsoleApp)
    await until(pilot, lambda: app.live)
    await pilot.pause(0.1)
    if isinstance(app.screen, Confirm):  # first run: no numbers yet
        await pilot.press("n")
    await pilot.press("A")
    await until(pilot, lambda: isinstance(app.screen, ApplicationsScreen))
    screen = app.screen
    assert isinstance(screen, ApplicationsScreen)
    return screen


def rows(screen: ApplicationsScreen) -> list[list[str]]:
    table = screen.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def note(screen: ApplicationsScreen) -> str:
    return str(screen.query_one("#applications-note", Label).render())


async def test_create_with_the_servers_urls_then_edit(account: Any, tmp_path: Path) -> None:
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_applications(pilot)
        await until(pilot, lambda: "No applications yet" in note(screen))
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, ApplicationForm))
        form = app.screen
        hints = [str(label.render()) for label in form.query(".dialog-hint").results(Label)]
        assert DEFAULT_URLS in hints  # the form says blank URLs are the server's
        await pilot.press(*"front desk", "enter")
        await until(pilot, lambda: len(rows(screen)) == 1)
        here = f"http://bandwidth:********@127.0.0.1:{account.server.port}/callbacks"
        assert rows(screen)[0] == [
            "front desk",
            f"{here}/messages",
            f"{here}/calls",
            "POST",
            "no",
            "0",
        ]

        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, ApplicationForm))
        form = app.screen
        assert form.query_one("#app-name", Input).value == "front desk"
        form.query_one("#app-method", Select).value = "GET"
        form.query_one("#app-auto-answer", Checkbox).value = True
        form.query_one("#app-name", Input).focus()
        await pilot.press("end", *" 2", "enter")
        await until(pilot, lambda: rows(screen)[0][0] == "front desk 2")
        assert rows(screen)[0][3:5] == ["GET", "yes"]
        [saved] = await account.v1_applications()
        assert saved["callbackHttpMethod"].upper() == "GET"
        assert saved["autoAnswer"] is True
        assert saved["incomingMessageUrl"].endswith("/callbacks/messages")  # unchanged


async def test_delete_warns_about_numbers_still_pointing_at_it(
    account: Any, tmp_path: Path
) -> None:
    application = await account.create_application("shop")
    number = await account.order("305", application_id=application)
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_applications(pilot)
        await until(pilot, lambda: rows(screen) and rows(screen)[0][5] == "1")
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        question = app.screen.question  # type: ignore[attr-defined]
        assert question.startswith("Delete the application shop?\n⚠ 1 number(s) still point")
        assert "(305) 555-" in question
        await pilot.press("n")  # kept
        await pilot.pause(0.2)
        assert len(await account.v1_applications()) == 1

        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await until(pilot, lambda: note(screen).startswith("Deleted shop."))
        assert "⚠ Still pointing at it: (305) 555-" in note(screen)
        assert await account.v1_applications() == []
        assert rows(screen) == []
        assert number.startswith("+1305")
