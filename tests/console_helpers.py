"""Helpers the console tests share (importable: ``tests`` is on the path)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from textual.pilot import Pilot
from textual.widgets import Input

from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.client import ConsoleClient
from smsconsole.tui.screens.dialogs import Prompt
from smsconsole.tui.widgets.conversation_list import ConversationList
from smsconsole.tui.widgets.thread_view import ThreadView

TOKEN = "console-token"


def console_app(url: str, tmp_path: Path, label: str = "test") -> SmsConsoleApp:
    """The console against ``url`` with short retry delays; ``label`` is fixed, not the port."""
    client = ConsoleClient(url, TOKEN, reconnect_delays=(0.05, 0.1), timeout=5)
    return SmsConsoleApp(client, prefs_path=tmp_path / "console.json", server_label=label)


async def until(pilot: Pilot[None], condition: Callable[[], object], seconds: float = 8.0) -> None:
    """Let the app run until ``condition`` holds; fail after ``seconds``."""
    async with asyncio.timeout(seconds):
        while not condition():
            await pilot.pause(0.02)


def prompt_ready(app: SmsConsoleApp) -> bool:
    """A Prompt is up and its text box has the focus, so typed keys land in it."""
    return isinstance(app.screen, Prompt) and app.screen.query_one(Input).has_focus


def rows(app: SmsConsoleApp) -> list[str]:
    """The conversation list's rows as the operator reads them."""
    listing = app.inbox_screen.query_one(ConversationList)
    return [listing.row_text(cid) for cid in listing.ids]


def painted(app: SmsConsoleApp) -> str:
    """The conversation list as it is painted on screen (its cached lines), not as its
    records read."""
    listing = app.inbox_screen.query_one(ConversationList)
    return "\n".join(listing.render_line(y).text for y in range(listing.size.height))


def bubbles(app: SmsConsoleApp) -> list[str]:
    """The open thread's messages as the operator reads them, oldest first."""
    return app.inbox_screen.query_one(ThreadView).texts()


@dataclass
class Wired:
    """A server whose provider is the sandbox, with one number of ours, and the sandbox to
    play the far end."""

    sandbox: httpx.AsyncClient
    url: str
    number: str


async def provision(server_url: str) -> str:
    """Create an application (calls wait to be answered) and order a number, through /api."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=server_url, headers=headers, timeout=10) as api:
        app = await api.post("/api/applications", json={"name": "console", "auto_answer": False})
        assert app.status_code == 201, app.text
        found = (await api.get("/api/available-numbers", params={"area_code": "919"})).json()
        number = found["items"][0]["number"]
        body = {"number": number, "application_id": app.json()["id"], "confirm": True}
        ordered = await api.post("/api/numbers", json=body)
        assert ordered.status_code == 201, ordered.text
        return str(number)
