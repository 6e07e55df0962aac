from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

import loopback
from smsconsole.server.log_redaction import redact
from smsconsole.server.run import uvicorn_config
from smsconsole.settings.config import load_settings

TOKEN = "SECRET-console-token-4f1c"
PASSWORD = "SECRET-callback-password-9a2e"


class Recorder(logging.Handler):
    """Keeps every record's formatted line, as a log file would show it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextlib.contextmanager
def recording() -> Iterator[Recorder]:
    """Listen where the lines go, once uvicorn has configured its loggers.

    uvicorn's access and error loggers do not propagate under its own log config: listen on
    each, and on the root for ours.
    """
    handler = Recorder()
    loggers = [logging.getLogger(name) for name in ("uvicorn.access", "uvicorn.error", "")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


async def test_tokens_and_passwords_never_reach_a_log_line(tmp_path: Path) -> None:
    settings = load_settings(
        environ={
            "SMSCONSOLE_SERVER_TOKEN": TOKEN,
            "SMSCONSOLE_SERVER_CALLBACK_USERNAME": "bandwidth",
            "SMSCONSOLE_SERVER_CALLBACK_PASSWORD": PASSWORD,
            "SMSCONSOLE_STORE_PATH": str(tmp_path / "store.db"),
        }
    )
    # The access log on, as a user could turn it on; uvicorn's websocket lines log anyway.
    config = uvicorn_config(settings, host="127.0.0.1", port=0, access_log=True)
    with recording() as recorder:
        await exercise(config)
    logged = "\n".join(recorder.lines)
    # What was logged is there (the test listens where the lines go) ...
    assert "/ws?token=[redacted]" in logged
    assert "/api/status?token=[redacted]" in logged
    assert "refused callback" in logged
    # ... and no secret is.
    assert TOKEN not in logged
    assert PASSWORD not in logged


async def exercise(config: uvicorn.Config) -> None:
    """A console on ``/ws?token=``, a wrong token, the API and a callback with secrets."""
    async with loopback.serve_config(config) as url:
        ws = url.replace("http://", "ws://")
        async with connect(f"{ws}/ws?token={TOKEN}", open_timeout=5) as console:
            await console.send(json.dumps({"type": "subscribe", "since": 0}))
            async with asyncio.timeout(5):
                assert json.loads(await console.recv())["type"] == "live"
        with pytest.raises(InvalidStatus):
            async with connect(f"{ws}/ws?since=0&token={TOKEN}x", open_timeout=5):
                pass
        async with httpx.AsyncClient(base_url=url, timeout=5) as http:
            assert (await http.get(f"/api/status?token={TOKEN}")).status_code == 401
            refused = await http.get(
                f"/callbacks/messages?eventType=sms&password={PASSWORD}",
                auth=("bandwidth", PASSWORD),
            )
            assert refused.status_code == 400


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ('"GET /ws?token=abc HTTP/1.1" 101', '"GET /ws?token=[redacted] HTTP/1.1" 101'),
        ("/api?limit=5&TOKEN=abc&x=1", "/api?limit=5&TOKEN=[redacted]&x=1"),
        ("/x?password=p%40ss#frag", "/x?password=[redacted]#frag"),
        ("/x?access_token=a;api_secret=b", "/x?access_token=[redacted];api_secret=[redacted]"),
        ("https://bandwidth:s3cret@example.com/cb", "https://[redacted]@example.com/cb"),
        ("Authorization: Bearer abc.def", "Authorization: Bearer [redacted]"),
        ("/api?mytoken=kept&tokens=kept", "/api?mytoken=kept&tokens=kept"),
        ("mail bob@example.com at 10:00", "mail bob@example.com at 10:00"),
    ],
)
def test_redact(line: str, shown: str) -> None:
    assert redact(line) == shown


def test_redacting_filter_covers_arguments_and_tracebacks() -> None:
    from smsconsole.server.log_redaction import RedactingFilter

    try:
        raise ValueError("bad url http://u:pw@host/?token=abc")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "uvicorn.error",
            logging.ERROR,
            __file__,
            1,
            '%s - "WebSocket %s" [accepted]',
            ("127.0.0.1:5", "/ws?token=abc"),
            sys.exc_info(),
        )
    assert RedactingFilter().filter(record)
    line = logging.Formatter().format(record)
    assert "abc" not in line
    assert "pw" not in line
    assert "/ws?token=[redacted]" in line
