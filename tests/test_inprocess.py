from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from smsconsole.config import load_settings
from smsconsole.inprocess import bound_socket, serving
from smsconsole.server.app import create_app

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
