"""Bandwidth's current SDKs, unchanged, drive Voice v2 calls on the sandbox (§6.1, §6.3)."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import sdk_install
from smsconsole.sandbox.bandwidth.account import VOICE, Application, Number

HERE = Path(__file__).resolve().parent / "sdk"
OURS = "+19195550100"
HOLD = '<Response><Pause duration="60"/></Response>'


@dataclass
class Hooks:
    """A receiver answering every synchronous webhook with a long Pause."""

    base: str = ""
    events: list[tuple[str, dict[str, Any], str | None]] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [path for path, _, _ in self.events]


@pytest.fixture
async def hooks(serve_app: Callable[[Any], Any]) -> AsyncIterator[Hooks]:
    state = Hooks()

    async def record(request: Request) -> Response:
        body = json.loads(await request.body())
        state.events.append((request.url.path, body, request.headers.get("authorization")))
        return Response(HOLD, media_type="application/xml")

    app = Starlette(routes=[Route("/{path:path}", record, methods=["POST"])])
    async with serve_app(app) as base:
        state.base = base
        yield state


def setup(v2: Any) -> None:
    account = v2.state.account
    account.applications["va-1"] = Application("va-1", VOICE, "voice")
    account.numbers[OURS] = Number(OURS, "2001", "3001")


async def test_python_sdk_voice_flow(v2, hooks, python_v2_sdk: Path, wait) -> None:
    setup(v2)
    args = [str(python_v2_sdk), str(HERE / "voice_flow.py"), v2.base, "9900000"]
    args += ["bw-sandbox", "bw-sandbox-password", hooks.base, OURS, "va-1"]
    result = await sdk_install.run_flow(args)
    assert result["created_status"] == 201
    assert result["location"] == result["call_url"]
    assert result["answer_method"] == "POST"
    assert result["enqueued"]
    assert result["answered_state"] == "answered"
    assert result["answered_direction"] == "outbound"
    assert result["answer_time"]
    assert result["redirected_status"] == 200
    assert result["replaced_status"] == 204
    assert result["completed_status"] == 200
    assert result["ended_state"] == "disconnected"
    assert result["ended_cause"] == "hangup"
    assert result["conflict"]["status"] == 409
    assert "cannot be modified" in result["conflict"]["description"]
    assert result["missing"] == {"status": 404, "type": "NotFoundException"}
    await wait(lambda: "/disconnect" in hooks.paths())
    assert hooks.paths() == ["/answer", "/redirect", "/disconnect"]
    redirect = hooks.events[1][1]
    assert redirect["eventType"] == "redirect"
    assert redirect["tag"] == "redirected"
    assert hooks.events[2][1]["cause"] == "hangup"
    # createCall's username/password go to answerUrl and disconnectUrl, not to a redirect
    # that names none of its own
    assert [auth is not None for _, _, auth in hooks.events] == [True, False, True]


async def test_node_sdk_voice_flow(v2, hooks, node_v2_sdk: Path, wait) -> None:
    setup(v2)
    node = shutil.which("node")
    assert node is not None
    args = [node, str(HERE / "voice_flow.js"), v2.base, "9900000"]
    args += ["bw-sandbox", "bw-sandbox-password", hooks.base, OURS, "va-1"]
    result = await sdk_install.run_flow(args, {"NODE_PATH": str(node_v2_sdk)})
    assert result["createdStatus"] == 201
    assert result["location"] == result["callUrl"]
    assert result["answeredState"] == "answered"
    assert result["redirectedStatus"] == 200
    assert result["replacedStatus"] == 204
    assert result["completedStatus"] == 200
    assert result["endedState"] == "disconnected"
    assert result["endedCause"] == "hangup"
    assert result["missing"]["status"] == 404
    assert result["missing"]["data"]["type"] == "validation"
    await wait(lambda: len(hooks.paths()) >= 2)
    assert hooks.paths() == ["/answer", "/redirect"]  # no disconnectUrl given
