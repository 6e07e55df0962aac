"""Snapshots of setting up numbers: search results, the order confirmation, the wizard.

The sandbox and a server wired to it run on a thread of their own (``snap_compare`` runs the
app on its own event loop); the server's public URL is fixed so no port shows. The sandbox's
inventory is seeded, so the numbers found are the same every run.
Regenerate with ``pytest tests/tui/test_admin_snapshots.py --snapshot-update`` after looking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from console_helpers import console_app, until
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.screens.dialogs import Confirm
from smsconsole.tui.screens.numbers import NumbersScreen
from smsconsole.tui.screens.wizard import SetupWizard

PUBLIC_URL = "https://console.example.com"
SnapCompare = Callable[..., bool]


@pytest.fixture
def account_server(tmp_path: Path, provider_in_thread: Any) -> Iterator[Any]:
    """The sandbox and a server; the account has an application "front desk" and one number."""
    with provider_in_thread(tmp_path / "store.db", PUBLIC_URL) as server:
        created = server.api("POST", "/api/applications", json={"name": "front desk"})
        assert created.status_code == 201, created.text
        found = server.api("GET", "/api/available-numbers", params={"area_code": "919"})
        number = found.json()["items"][0]["number"]
        body = {"number": number, "application_id": created.json()["id"], "confirm": True}
        ordered = server.api("POST", "/api/numbers", json=body)
        assert ordered.status_code == 201, ordered.text
        yield server


def still(screen: Any) -> None:
    """No blinking cursors in a snapshot."""
    for field in screen.query(Input).results(Input):
        field.cursor_blink = False


async def searched(pilot: Pilot[None]) -> NumbersScreen:
    """Open the numbers screen, search area code 910, choose the first two results."""
    app = pilot.app
    assert isinstance(app, SmsConsoleApp)
    await until(pilot, lambda: app.live and app.inbox.numbers)
    await pilot.press("p")
    await until(pilot, lambda: isinstance(app.screen, NumbersScreen))
    screen = app.screen
    assert isinstance(screen, NumbersScreen)
    ours = screen.query_one("#our-numbers", DataTable)
    await until(pilot, lambda: ours.row_count and str(ours.get_row_at(0)[2]) == "front desk")
    still(screen)
    screen.query_one("#area_code", Input).focus()
    await pilot.press(*"910", "enter")
    results = screen.query_one("#results", DataTable)
    await until(pilot, lambda: results.row_count == 10 and results.has_focus)
    await pilot.press("space", "space")
    await pilot.pause()
    return screen


@pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])
def test_numbers_with_results(
    snap_compare: SnapCompare, account_server: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    app = console_app(account_server.url, tmp_path, "test-server")

    async def run_before(pilot: Pilot[None]) -> None:
        await searched(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_order_confirmation(snap_compare: SnapCompare, account_server: Any, tmp_path: Path) -> None:
    app = console_app(account_server.url, tmp_path, "test-server")

    async def run_before(pilot: Pilot[None]) -> None:
        await searched(pilot)
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_wizard_done(snap_compare: SnapCompare, account_server: Any, tmp_path: Path) -> None:
    app = console_app(account_server.url, tmp_path, "test-server")

    async def run_before(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: app.live and app.inbox.numbers)
        await pilot.press("W")
        await until(pilot, lambda: isinstance(app.screen, SetupWizard))
        wizard = app.screen
        assert isinstance(wizard, SetupWizard)
        still(wizard)
        await until(pilot, lambda: wizard.applications)  # "front desk" offered for reuse
        await pilot.press(*"212", "enter")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        # The public URL of this fixture is made up, so the last step shows what to fix.
        await until(pilot, lambda: wizard.steps[3].state == "failed")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
