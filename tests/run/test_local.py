"""``smsconsole`` with no command: first-run guidance, and the all-in-one console on a pty."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from loopback import free_port

ANSI = re.compile(
    r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b."
)


def test_first_run_without_an_account_says_what_to_do(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSCONSOLE_")}
    done = subprocess.run(
        [sys.executable, "-m", "smsconsole"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "provider.user_id, provider.api_token, provider.api_secret" in done.stderr
    assert "config.toml" in done.stderr
    assert "SMSCONSOLE_PROVIDER_API_SECRET=..." in done.stderr
    assert "smsconsole demo" in done.stderr


@pytest.fixture
def sandbox() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "smsconsole", "sandbox", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{url}/sandbox/outbox", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the sandbox did not start"
                time.sleep(0.1)
        yield url
    finally:
        process.kill()
        process.wait(10)


def read_until(master: int, wanted: str, seconds: float) -> str:
    seen = ""
    deadline = time.monotonic() + seconds
    while wanted not in ANSI.sub("", seen):
        remaining = deadline - time.monotonic()
        assert remaining > 0, (
            f"{wanted!r} never appeared; screen text: {ANSI.sub('', seen)[-800:]!r}"
        )
        ready, _, _ = select.select([master], [], [], min(remaining, 0.5))
        if ready:
            try:
                seen += os.read(master, 65536).decode("utf-8", "replace")
            except OSError:
                break
    return seen


def test_all_in_one_console_against_the_account(sandbox: str, tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSCONSOLE_")}
    env.update(
        {
            "SMSCONSOLE_PROVIDER_BASE_URL": sandbox,
            "SMSCONSOLE_PROVIDER_USER_ID": "u-sandbox",
            "SMSCONSOLE_PROVIDER_API_TOKEN": "t-sandbox",
            "SMSCONSOLE_PROVIDER_API_SECRET": "s-sandbox",
            "SMSCONSOLE_SERVER_PORT": str(port),
            "SMSCONSOLE_SERVER_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "SMSCONSOLE_SERVER_CALLBACK_PASSWORD": "pw",
            "SMSCONSOLE_STORE_PATH": str(tmp_path / "store.db"),
            "TERM": "xterm-256color",
        }
    )
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "smsconsole"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    try:
        screen = read_until(master, "connected", 40)
        assert "callbacks at http://127.0.0.1" in ANSI.sub("", screen)
        # the server in the same process answers the provider's callbacks and the API
        health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert health.json() == {"status": "ok"}
        os.write(master, b"\x11")  # ctrl+q
        started = time.monotonic()
        while process.poll() is None and time.monotonic() - started < 30:
            select.select([master], [], [], 0.2)
            try:
                screen += os.read(master, 65536).decode("utf-8", "replace")
            except OSError:
                break
        assert process.wait(5) == 0, ANSI.sub("", screen)[-600:]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        os.close(master)
