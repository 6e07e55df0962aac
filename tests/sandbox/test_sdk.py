"""Bandwidth's own v1 SDKs, unchanged, complete the getting-started flow against the sandbox.

The SDKs are installed once into a cache directory (``SMSCONSOLE_SDK_CACHE``, default
``<repo>/.cache/sdk``): a separate venv with ``bandwidth-sdk==3.0.3`` and an npm prefix with
``node-bandwidth@4.0.0``. Each test is skipped, with the reason, only when that install fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("SMSCONSOLE_SDK_CACHE", HERE.parents[1] / ".cache" / "sdk"))
INSTALL_TIMEOUT = 600


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
    )


@pytest.fixture(scope="session")
def python_sdk() -> Path:
    """The interpreter of a venv where ``import bandwidth`` (the v1 SDK) works."""
    venv = CACHE / "py"
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    if python.exists() and _run([str(python), "-c", "import bandwidth"]).returncode == 0:
        return python
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed, so bandwidth-sdk==3.0.3 cannot be installed")
    created = _run([uv, "venv", "--python", "3.11", str(venv)])
    installed = _run([uv, "pip", "install", "--python", str(python), "bandwidth-sdk==3.0.3"])
    if created.returncode or installed.returncode:
        pytest.skip(f"cannot install bandwidth-sdk==3.0.3: {installed.stderr[-500:]}")
    return python


@pytest.fixture(scope="session")
def node_sdk() -> Path:
    """The ``node_modules`` directory holding ``node-bandwidth`` 4.0.0."""
    modules = CACHE / "node" / "node_modules"
    if (modules / "node-bandwidth" / "package.json").exists():
        return modules
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        pytest.skip("node and npm are needed for the node-bandwidth check")
    result = _run(
        [npm, "install", "--no-save", "--prefix", str(CACHE / "node"), "node-bandwidth@4.0.0"]
    )
    if result.returncode:
        pytest.skip(f"cannot install node-bandwidth@4.0.0: {result.stderr[-500:]}")
    return modules


async def _run_flow(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "NO_PROXY": "127.0.0.1,localhost", **env},
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode == 0, err.decode()
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


async def test_python_sdk_flow(sandbox: Any, python_sdk: Path) -> None:
    args = [str(python_sdk), str(HERE / "sdk" / "python_flow.py"), sandbox.base, "u-sandbox"]
    result = await _run_flow([*args, "t-sandbox", "s-sandbox"], {})
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
    result = await _run_flow([*args, "t-sandbox", "s-sandbox"], {"NODE_PATH": str(node_sdk)})
    assert result["fetched"]["id"] == result["app"]["id"]
    assert len(result["found"]) == 3
    ordered = result["ordered"][0]
    assert result["number"]["applicationId"] == result["app"]["id"]
    assert result["number"]["id"] == ordered["id"]
    assert result["listed"] == list(reversed(result["sent"]))
    assert result["appsFirstPage"] == 1
    assert sandbox.state.world.numbers[ordered["id"]].number_state == "released"
