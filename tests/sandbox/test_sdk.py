"""Bandwidth's own v1 SDKs, unchanged, complete the getting-started flow against the sandbox.

The SDKs are installed once into a cache directory (``SMSCONSOLE_SDK_CACHE``, default
``<repo>/.cache/sdk``): a separate venv with ``bandwidth-sdk==3.0.3`` and an npm prefix with
``node-bandwidth@4.0.0``. Each test is skipped, with the reason, only when that install fails.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import sdk_install

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def python_sdk() -> Path:
    """The interpreter of a venv where ``import bandwidth`` (the v1 SDK) works."""
    return sdk_install.python_sdk("py", "bandwidth-sdk==3.0.3", "bandwidth")


@pytest.fixture(scope="session")
def node_sdk() -> Path:
    """The ``node_modules`` directory holding ``node-bandwidth`` 4.0.0."""
    return sdk_install.node_sdk("node", "node-bandwidth", "4.0.0")


async def test_python_sdk_flow(sandbox: Any, python_sdk: Path) -> None:
    args = [str(python_sdk), str(HERE / "sdk" / "python_flow.py"), sandbox.base, "u-sandbox"]
    result = await sdk_install.run_flow([*args, "t-sandbox", "s-sandbox"], {})
    assert result["app"]["callback_http_method"] == "get"
    assert len(result["found"]) == 2
    ordered = result["ordered"][0]
    assert ordered["number"].startswith("+1910")
    assert result["number"]["application_id"] == result["app"]["id"]
    assert result["by_e164"]["id"] == ordered["id"]
    assert result["listed"] == list(reversed(result["message_ids"]))  # paged via Link, size 2
    assert result["remaining"] == []
    world = sandbox.state.world
    assert world.numbers[ordered["id"]].number_state == "released"


async def test_node_sdk_flow(sandbox: Any, node_sdk: Path) -> None:
    node = shutil.which("node")
    assert node is not None
    args = [node, str(HERE / "sdk" / "node_flow.js"), sandbox.base, "u-sandbox"]
    result = await sdk_install.run_flow(
        [*args, "t-sandbox", "s-sandbox"], {"NODE_PATH": str(node_sdk)}
    )
    assert result["fetched"]["id"] == result["app"]["id"]
    assert len(result["found"]) == 3
    ordered = result["ordered"][0]
    assert result["number"]["applicationId"] == result["app"]["id"]
    assert result["number"]["id"] == ordered["id"]
    assert result["listed"] == list(reversed(result["sent"]))
    assert result["appsFirstPage"] == 1
    assert sandbox.state.world.numbers[ordered["id"]].number_state == "released"
