"""The console in restricted mode (an SSH session's): it never runs a program of the user's."""

from __future__ import annotations

import stat
import webbrowser
from pathlib import Path
from typing import Any

import pytest
from textual.app import SystemCommand
from textual.notifications import SeverityLevel

from console_helpers import TOKEN, until
from smsconsole.tui import app as console_module
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.client import ConsoleClient
from smsconsole.tui.widgets.composer import Composer

OURS = "+19195550187"
REMOTE = "+14155550123"
MEDIA = "https://media.example/u/photo.jpg"


class WatchedApp(SmsConsoleApp):
    """The console, noting every notice it shows."""

    # Textual finds CSS_PATH beside the subclass's module; the console's is beside its own.
    CSS_PATH = str(Path(console_module.__file__).parent / "smsconsole.tcss")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notices: list[str] = []

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        self.notices.append(message)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)


@pytest.fixture
def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """$VISUAL and $EDITOR are a program that leaves a mark when it runs; the mark's path."""
    mark = tmp_path / "editor-ran"
    script = tmp_path / "editor.sh"
    script.write_text(f"#!/bin/sh\ntouch {mark}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("VISUAL", str(script))
    monkeypatch.setenv("EDITOR", str(script))
    return mark


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """URLs handed to the system's opener (the edge we don't own: never really opened)."""
    urls: list[str] = []

    def record(url: str, new: int = 0, autoraise: bool = True) -> bool:
        urls.append(url)
        return True

    monkeypatch.setattr(webbrowser, "open", record)
    return urls


@pytest.fixture
async def restricted(server: Any, tmp_path: Path) -> WatchedApp:
    client = ConsoleClient(server.url, TOKEN, reconnect_delays=(0.05, 0.1), timeout=5)
    return WatchedApp(
        client, prefs_path=tmp_path / "console.json", server_label="test", restricted=True
    )


def files(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def ran(mark: Path) -> bool:
    return mark.exists()


async def test_ctrl_g_runs_no_editor_and_keeps_the_text(
    restricted: WatchedApp, editor: Path
) -> None:
    app = restricted
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        app.inbox_screen.open_new(OURS, REMOTE)
        await pilot.pause()
        await pilot.press(*"half a reply")
        await pilot.press("ctrl+g")
        await until(pilot, lambda: app.notices)
        assert app.inbox_screen.query_one(Composer).text == "half a reply"
        await app.run_action("compose_in_editor")  # the palette's way in
    assert not ran(editor)
    refusal = "Not available over SSH: composing in $EDITOR. Type the message here."
    assert app.notices == [refusal, refusal]


async def test_open_media_and_any_url_go_to_no_opener(
    restricted: WatchedApp, opened: list[str]
) -> None:
    app = restricted
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        app.action_open_media(MEDIA)
        app.open_url("https://elsewhere.example/")
        await pilot.pause()
    assert opened == []
    assert app.notices[0] == f"Not available over SSH: opening attachments. The link: {MEDIA}"
    assert app.notices[1].startswith("Not available over SSH: opening links.")


async def test_no_file_of_the_server_is_attached_or_written(
    restricted: WatchedApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = restricted
    # Where a screenshot would land: the working directory or the user's Downloads.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DOWNLOAD_DIR", str(tmp_path))
    before = files(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        app.inbox_screen.open_new(OURS, REMOTE)
        await pilot.pause()
        await pilot.press("ctrl+o")
        await until(pilot, lambda: app.notices)
        assert app.screen is app.inbox_screen  # no prompt for a path opened
        app.action_suspend_process()
        await app.run_action("screenshot")
        commands: list[SystemCommand] = list(app.get_system_commands(app.screen))
        await pilot.pause()
    assert app.notices == [
        "Not available over SSH: attaching a file from the server's disk.",
        "Not available over SSH: suspending the console.",
        "Not available over SSH: saving a screenshot on the server.",
    ]
    assert "Screenshot" not in [command.title for command in commands]
    assert files(tmp_path) - before <= {tmp_path / "console.json"}


async def test_unrestricted_console_still_runs_the_editor(
    server: Any, tmp_path: Path, editor: Path
) -> None:
    client = ConsoleClient(server.url, TOKEN, reconnect_delays=(0.05, 0.1), timeout=5)
    app = WatchedApp(client, prefs_path=tmp_path / "console.json", server_label="test")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected")
        app.inbox_screen.open_new(OURS, REMOTE)
        await pilot.pause()
        await pilot.press("ctrl+g")
        await pilot.pause()
    # Headless, Textual cannot hand the terminal over, and says so; nothing is refused as SSH.
    assert not any("SSH" in notice for notice in app.notices)
