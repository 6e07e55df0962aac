"""The setup wizard, end to end against a real server and the real sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, Select, Static

from console_helpers import console_app, until
from smsconsole.tui.screens.dialogs import Confirm
from smsconsole.tui.screens.wizard import (
    SetupWizard,
    StepFailed,
    callback_problem,
    criteria_for,
)


def step(wizard: SetupWizard, index: int) -> str:
    title = str(wizard.query_one(f"#step-{index}", Static).render())
    return title + "\n" + str(wizard.query_one(f"#step-{index}-detail", Static).render())


def marks(wizard: SetupWizard) -> str:
    return "".join(s.state[0] for s in wizard.steps)  # d(one) f(ailed) w(aiting) r(unning)


async def first_run_wizard(pilot: Pilot[None]) -> SetupWizard:
    """The console offers the wizard on first run; say yes."""
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, Confirm))
    assert app.screen.question.startswith("You have no phone numbers yet.")  # type: ignore[attr-defined]
    await pilot.press("y")
    await until(pilot, lambda: isinstance(app.screen, SetupWizard))
    wizard = app.screen
    assert isinstance(wizard, SetupWizard)
    return wizard


async def test_the_whole_wizard_from_the_first_run_offer(account: Any, tmp_path: Path) -> None:
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        wizard = await first_run_wizard(pilot)
        await pilot.press(*"919", "enter")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        question = app.screen.question  # type: ignore[attr-defined]
        assert question.startswith("Order (919) 55")
        assert question.endswith("It costs $0.35 a month.")
        assert marks(wizard) == "drww"  # the application exists; the order waits for a yes
        await pilot.press("y")
        await until(pilot, lambda: wizard.done)
        assert step(wizard, 1).startswith("✓ 1. Application pointing at this server")
        assert "created smsconsole" in step(wizard, 1)
        assert "ordered (919) 55" in step(wizard, 2)
        assert "→ smsconsole" in step(wizard, 3)
        check = step(wizard, 4)
        assert f"bandwidth:********@127.0.0.1:{account.server.port}/callbacks/…" in check
        assert "are accepted" in check

        [number] = await account.owned()
        [application] = await account.v1_applications()
        assert number["applicationId"] == application["id"]
        assert application["name"] == "smsconsole"
        base = f"http://bandwidth:callback-secret@127.0.0.1:{account.server.port}/callbacks"
        assert application["incomingMessageUrl"] == f"{base}/messages"
        assert application["incomingCallUrl"] == f"{base}/calls"
        await until(pilot, lambda: number["number"] in app.inbox.numbers)


async def test_a_retry_does_not_repeat_what_succeeded(account: Any, tmp_path: Path) -> None:
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        wizard = await first_run_wizard(pilot)
        await pilot.press(*"9x9", "enter")  # not an area code, state or ZIP
        await until(pilot, lambda: marks(wizard) == "dfww")
        assert "Type an area code (919), a state (NC) or a ZIP code" in step(wizard, 2)
        assert str(wizard.query_one("#wizard-run").label) == "Retry from step 2"  # type: ignore[attr-defined]

        wizard.query_one("#wizard-where", Input).value = "TX"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("n")  # declined: nothing ordered
        await until(pilot, lambda: marks(wizard) == "dfww")
        assert "Not ordered: you declined" in step(wizard, 2)
        assert await account.owned() == []

        await pilot.press("ctrl+r")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await until(pilot, lambda: wizard.done)
        assert len(await account.v1_applications()) == 1  # created once, not per attempt
        [number] = await account.owned()
        assert number["state"] == "TX"


async def test_a_number_gone_while_asking_is_named_and_never_replaced(
    account: Any, tmp_path: Path
) -> None:
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        wizard = await first_run_wizard(pilot)
        await pilot.press(*"212", "enter")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        asked = app.screen.question  # type: ignore[attr-defined]
        found = await account.api.get("/api/available-numbers", params={"area_code": "212"})
        offer = found.json()["items"][0]
        assert asked.startswith(f"Order {offer['national_number']} ")
        taken = await account.sandbox.post(
            "/sandbox/numbers/taken", json={"number": offer["number"]}
        )
        assert taken.status_code == 200, taken.text  # someone else bought it meanwhile
        await pilot.press("y")
        await until(pilot, lambda: marks(wizard) == "dfww")
        assert f"{offer['national_number']} is no longer available" in step(wizard, 2)
        assert "nothing was ordered" in step(wizard, 2)
        assert await account.owned() == []

        await pilot.press("ctrl+r")  # a retry asks again, about another number
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        again = app.screen.question  # type: ignore[attr-defined]
        assert offer["national_number"] not in again
        await pilot.press("y")
        await until(pilot, lambda: wizard.done)
        [number] = await account.owned()
        assert number["nationalNumber"] in again


async def test_reusing_an_application_that_calls_back_elsewhere_fails_the_check(
    account: Any, tmp_path: Path
) -> None:
    elsewhere = await account.create_application(
        "old", incoming_message_url="https://old.example.com/sms"
    )
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        wizard = await first_run_wizard(pilot)
        select = wizard.query_one("#wizard-application", Select)
        await until(pilot, lambda: len(wizard.applications) == 1)
        select.value = elsewhere
        wizard.query_one("#wizard-where", Input).value = "212"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await until(pilot, lambda: marks(wizard) == "dddf")
        assert "reusing old" in step(wizard, 1)
        assert "https://old.example.com/sms is not a /callbacks/messages address" in step(wizard, 4)
        [number] = await account.owned()
        assert number["applicationId"] == elsewhere


def test_where_a_number_is_wanted() -> None:
    assert criteria_for(" 919 ") == {"area_code": "919"}
    assert criteria_for("nc") == {"state": "NC"}
    assert criteria_for("27511") == {"zip": "27511"}
    with pytest.raises(StepFailed):
        criteria_for("Raleigh")
    assert callback_problem("http://u:p@h:1/callbacks/calls", "calls") is None
    assert "no callback credentials" in str(callback_problem("http://h/callbacks/calls", "calls"))
    assert callback_problem(None, "messages") == "it has no incoming message URL"
    # Bandwidth v2 keeps the credentials apart from the URL (the probe checks them).
    assert callback_problem("http://h/callbacks/calls", "calls", credentials_in_url=False) is None
    assert "not a /callbacks/calls" in str(
        callback_problem("http://h/elsewhere", "calls", credentials_in_url=False)
    )


async def test_an_application_named_like_markup_is_offered_as_it_is(
    account: Any, tmp_path: Path
) -> None:
    # A name set at the provider by anyone with the account: shown, never parsed as markup.
    name = "[/] [link=file:///etc/passwd]x \x1b]0;title\x07"
    made = await account.sandbox.post(
        "/v1/users/u-sandbox/applications",
        json={"name": name, "incomingMessageUrl": "https://example.com/m"},
    )
    assert made.status_code == 201, made.text
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        wizard = await first_run_wizard(pilot)
        select = wizard.query_one("#wizard-application", Select)
        await until(pilot, lambda: len(select._options) > 1)
        await pilot.pause()
        select.expanded = True
        await pilot.pause()
        prompts = [str(getattr(p, "plain", p)) for p, _ in select._options]
        assert any(p.startswith("Reuse [/] [link=file:///etc/passwd]x") for p in prompts)
        assert all("\x1b" not in p and "\x07" not in p for p in prompts)
        assert app.is_running


async def test_an_area_code_typed_after_tab_is_taken(account: Any, tmp_path: Path) -> None:
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await first_run_wizard(pilot)
        await pilot.press("tab")  # off the field, onto the Start button
        await pilot.press(*"919")
        assert wizard.query_one("#wizard-where", Input).value == "919"
        hint = wizard.query_one("#wizard-where-hint", Static)
        assert str(hint.render()) == "searches area code 919"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        assert app.screen.question.startswith("Order (919) ")  # type: ignore[attr-defined]
        await pilot.press("n")


async def test_the_retry_button_says_where_it_retries_from(account: Any, tmp_path: Path) -> None:
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        wizard = await first_run_wizard(pilot)
        await pilot.press(*"9x9", "enter")
        await until(pilot, lambda: marks(wizard) == "dfww")
        button = wizard.query_one("#wizard-run", Button)
        await pilot.pause()
        assert str(button.label) == "Retry from step 2"
        assert button.content_region.width >= len("Retry from step 2")  # not cut off


async def test_a_number_owned_without_an_application_is_used_not_bought(
    account: Any, tmp_path: Path
) -> None:
    owned = await account.order("212")  # ours, pointing nowhere
    app = console_app(account.server.url, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.live)
        await pilot.press("W")
        await until(pilot, lambda: isinstance(app.screen, SetupWizard))
        wizard = app.screen
        assert isinstance(wizard, SetupWizard)
        choice = wizard.query_one("#wizard-number", Select)
        assert choice.value == app.inbox.numbers[owned].id  # offered, and preselected
        await pilot.press("ctrl+r")
        await until(pilot, lambda: wizard.done)
        assert "using (212) " in step(wizard, 2)
        assert "already yours: nothing ordered" in step(wizard, 2)
        [number] = await account.owned()  # nothing else was bought
        [application] = await account.v1_applications()
        assert number["number"] == owned
        assert number["applicationId"] == application["id"]
