"""Installing a provider's own SDK once, into a cache, for the tests that run it unchanged.

The cache is ``SMSCONSOLE_SDK_CACHE`` (default ``<repo>/.cache/sdk``): one venv or npm prefix
per SDK and version, reused across runs. A test that needs an SDK whose install fails is
skipped with the installer's words. ``run_flow`` runs a flow script and returns the JSON
object its last line prints.
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

CACHE = Path(
    os.environ.get("SMSCONSOLE_SDK_CACHE", Path(__file__).resolve().parents[1] / ".cache" / "sdk")
)
INSTALL_TIMEOUT = 600
FLOW_TIMEOUT = 60


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
    )


def python_sdk(venv_name: str, requirement: str, module: str) -> Path:
    """The interpreter of a cached venv where ``import <module>`` works after installing
    ``requirement`` (skips the test when it cannot be installed)."""
    venv = CACHE / venv_name
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    if python.exists() and _run([str(python), "-c", f"import {module}"]).returncode == 0:
        return python
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip(f"uv is not installed, so {requirement} cannot be installed")
    created = _run([uv, "venv", "--python", "3.11", str(venv)])
    installed = _run([uv, "pip", "install", "--python", str(python), requirement])
    if created.returncode or installed.returncode:
        pytest.skip(f"cannot install {requirement}: {installed.stderr[-500:]}")
    return python


def node_sdk(prefix_name: str, package: str, version: str) -> Path:
    """The ``node_modules`` directory of a cached npm prefix holding ``package@version``."""
    modules = CACHE / prefix_name / "node_modules"
    manifest = modules / package / "package.json"
    if manifest.exists() and json.loads(manifest.read_text()).get("version") == version:
        return modules
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        pytest.skip(f"node and npm are needed for the {package} check")
    result = _run(
        [npm, "install", "--no-save", "--prefix", str(CACHE / prefix_name), f"{package}@{version}"]
    )
    if result.returncode:
        pytest.skip(f"cannot install {package}@{version}: {result.stderr[-500:]}")
    return modules


async def run_flow(args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a flow script to its end (bounded); the JSON object of its last stdout line."""
    process = await asyncio.create_subprocess_exec(
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "NO_PROXY": "127.0.0.1,localhost", **(env or {})},
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=FLOW_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode == 0, err.decode()
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result
