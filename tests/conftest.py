"""Fixtures every test directory shares.

Test modules do not import each other (``--import-mode=importlib``); what they share is
here as fixtures, built on the helpers of ``tests/loopback.py``.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from hypothesis import strategies as st

import loopback

Serve = Callable[[Any], contextlib.AbstractAsyncContextManager[str]]
WaitFor = Callable[..., Any]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Pay Hypothesis's one-time costs before any test's clock starts.

    On its first draw in a fresh checkout (CI's), Hypothesis builds its Unicode tables and
    scans every loaded module of the project for constants to try; that took over 2 s and
    failed whichever property test drew first with the ``too_slow`` health check. One
    throwaway draw here, after every test module is imported, fills both caches.
    """
    if session.items:
        hypothesis.find(st.text(min_size=1), bool)


@pytest.fixture(autouse=True)
def isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Keep every test away from the real user's config and data directories."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.delenv("SMSCONSOLE_CONFIG", raising=False)
    return home


@pytest.fixture
def serve() -> Serve:
    """Run an ASGI app under uvicorn on loopback: ``async with serve(app[, sock]) as url``.

    Without ``sock`` it listens on a free port; with one (from ``bound_socket``) the caller
    knew the port before building the app, e.g. to put it in the app's callback URLs.
    """
    return loopback.serve


@pytest.fixture
def free_socket() -> Callable[[], socket.socket]:
    """Make a bound loopback socket whose port is known before the server starts."""
    return loopback.bound_socket


@pytest.fixture
def wait_for() -> Callable[..., Any]:
    """Poll ``predicate`` until true: ``await wait_for(lambda: ..., seconds=5)``."""
    return loopback.wait_for
