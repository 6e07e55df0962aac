from __future__ import annotations

import asyncio
import io
import json
import logging
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from smsconsole.run.inprocess import bound_socket, run_console, serving
from smsconsole.server.app import create_app
from smsconsole.settings.config import load_settings
from smsconsole.tui import app as console_module
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.client import ConsoleClient

TOKEN = "SECRET-inprocess-token-77c1"


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


async def test_the_demo_and_all_in_one_servers_log_no_token(tmp_path: Path) -> None:
    # demo and the all-in-one mode log to a file through the root logger (log_config=None);
    # listen on uvicorn's loggers too, and at info, whatever servers started by earlier tests
    # left them set to.
    recorder = Recorder()
    root = logging.getLogger()
    listened = [root, logging.getLogger("uvicorn.error"), logging.getLogger("uvicorn.access")]
    levels = [logger.level for logger in listened]
    for logger in listened:
        logger.addHandler(recorder)
        logger.setLevel(logging.INFO)
    settings = load_settings(
        environ={
            "SMSCONSOLE_SERVER_TOKEN": TOKEN,
            "SMSCONSOLE_STORE_PATH": str(tmp_path / "store.db"),
        }
    )
    sock = bound_socket(0)
    port = sock.getsockname()[1]
    try:
        async with serving(create_app(settings, catch_up_on_start=False), sock):
            async with connect(f"ws://127.0.0.1:{port}/ws?token={TOKEN}") as console:
                await console.send(json.dumps({"type": "subscribe", "since": 0}))
                async with asyncio.timeout(5):
                    assert json.loads(await console.recv())["type"] == "live"
            async with httpx.AsyncClient() as http:
                await http.get(f"http://127.0.0.1:{port}/api/status?token={TOKEN}")
    finally:
        for logger, level in zip(listened, levels, strict=True):
            logger.removeHandler(recorder)
            logger.setLevel(level)
    logged = "\n".join(recorder.lines)
    assert "/ws?token=[redacted]" in logged
    assert TOKEN not in logged


# -- a console that fails beside its server ---------------------------------------------------

CONSOLE_TOKEN = "console-token"
CALLBACK_AUTH = ("bandwidth", "callback-secret")
CSS = Path(console_module.__file__).with_name("smsconsole.tcss")  # subclasses live here


class FailingConsole(SmsConsoleApp):
    """A console whose first action raises, as a bug in a handler would."""

    CSS_PATH = CSS

    def on_mount(self) -> None:  # after the console's own (Textual runs both)
        self.set_interval(0.05, self.explode_once_loaded)

    async def explode_once_loaded(self) -> None:
        if self.loaded.is_set():
            await self.run_action("explode")

    def action_explode(self) -> None:
        raise RuntimeError("boom in a console action")


class QuittingConsole(SmsConsoleApp):
    """A console the operator quits at once."""

    CSS_PATH = CSS

    def on_mount(self) -> None:  # after the console's own (Textual runs both)
        self.set_timer(0.2, self.exit)  # once the screen has settled


def sms(n: int) -> dict[str, str]:
    return {
        "eventType": "sms",
        "direction": "in",
        "messageId": f"m-{n}",
        "from": "+14155550123",
        "to": "+19195550187",
        "text": f"after the console failed {n}",
        "time": f"2026-11-27T10:00:0{n}Z",
        "state": "received",
    }


async def test_a_failed_console_leaves_the_server_acknowledging_callbacks(
    tmp_path: Path,
) -> None:
    sock = bound_socket(0)
    port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    settings = load_settings(
        environ={
            "SMSCONSOLE_SERVER_TOKEN": CONSOLE_TOKEN,
            "SMSCONSOLE_SERVER_CALLBACK_USERNAME": CALLBACK_AUTH[0],
            "SMSCONSOLE_SERVER_CALLBACK_PASSWORD": CALLBACK_AUTH[1],
            "SMSCONSOLE_SERVER_PORT": str(port),
            "SMSCONSOLE_STORE_PATH": str(tmp_path / "store.db"),
        }
    )
    started: list[SmsConsoleApp] = []
    answers: list[int] = []
    said = io.StringIO()

    def console() -> SmsConsoleApp:
        kind = FailingConsole if not started else QuittingConsole
        app = kind(ConsoleClient(url, CONSOLE_TOKEN, timeout=5), prefs_path=tmp_path / "prefs.json")
        started.append(app)
        return app

    async def again() -> bool:
        # The console is gone; the provider's callbacks still get their answer.
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            for n in range(3):
                response = await http.post("/callbacks/messages", json=sms(n), auth=CALLBACK_AUTH)
                answers.append(response.status_code)
        return True  # the operator pressed enter: a fresh console

    try:
        async with serving(create_app(settings), sock):
            await run_console(console, server_url=url, again=again, out=said, headless=True)
    finally:
        sock.close()

    assert started[0].return_code == 1  # it did fail
    assert len(answers) == 3, answers
    assert all(200 <= code < 300 for code in answers), answers
    words = said.getvalue()
    assert "the console stopped on an error" in words
    assert f"The server at {url} is still running" in words
    assert len(started) == 2
    assert started[1].return_code == 0


async def test_a_console_quit_by_the_operator_is_not_restarted(tmp_path: Path) -> None:
    asked: list[bool] = []

    async def again() -> bool:
        asked.append(True)
        return False

    def console() -> SmsConsoleApp:
        client = ConsoleClient("http://127.0.0.1:9", CONSOLE_TOKEN, timeout=1)
        return QuittingConsole(client, prefs_path=tmp_path / "prefs.json")

    said = io.StringIO()
    await run_console(console, server_url="x", again=again, out=said, headless=True)
    assert asked == []
    assert said.getvalue() == ""
