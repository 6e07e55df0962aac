"""Bandwidth's current SDKs, unchanged, send, list and store media against the v2 sandbox
(PyPI bandwidth-sdk 23.3.1 and npm bandwidth-sdk 8.1.4; docs/bandwidth-v2.md §6.1, §6.3)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import sdk_install
from smsconsole.sandbox.bandwidth.account import MESSAGING, Application, Number

HERE = Path(__file__).resolve().parent
APP = "93de2206-9669-4e07-948d-329f4b722ee2"
OURS = "+19195550100"
FAR = "+14155550123"


@pytest.fixture
def wired(v2: Any, receiver: Any) -> Any:
    """A messaging application (outbound URL at the receiver) and one number on its peer."""
    account = v2.state.account
    account.applications[APP] = Application(
        APP, MESSAGING, "texts", outbound_url=f"{receiver.base}/out"
    )
    account.peers["3001"].messaging_app_id = APP
    account.numbers[OURS] = Number(OURS, "2001", "3001")
    return v2


def _args(v2: Any) -> list[str]:
    return [v2.base, "9900000", "bw-sandbox", "bw-sandbox-password", APP, OURS, FAR]


async def test_python_sdk_messaging_flow(
    wired: Any, python_v2_sdk: Path, receiver: Any, wait: Any
) -> None:
    flow = [str(python_v2_sdk), str(HERE / "sdk" / "messaging_flow.py"), *_args(wired)]
    result = await sdk_install.run_flow(flow)
    message = result["message"]
    assert (message["direction"], message["segment_count"], message["priority"]) == (
        "out",
        1,
        "default",
    )
    assert (message["to"], message["from"], message["owner"]) == ([FAR], OURS, OURS)
    assert message["application_id"] == APP
    assert message["tag"] == "t2"
    assert result["refused"] == {"status": 400, "type": "request-validation", "field": "from"}
    assert result["listed"] == result["sent"]
    assert result["pages"] == 2
    assert result["total"] == 3
    assert result["direction"] == "OUTBOUND"
    assert result["got_same"] is True
    assert result["media"][0]["name"] == "a b/0/x.png"
    assert result["media"][0]["length"] == 72
    assert result["media"][0]["content"] == f"{wired.base}/api/v2/users/9900000/media/a%20b/0/x.png"
    assert result["after_delete"] == ["a b/0/x.png"]
    assert result["slash_media"] == ["a b/0/x.png"]
    stored = wired.app.state.messaging.media["a b/0/x.png"]
    assert (stored.content_type, stored.cache_control) == ("image/png", "no-cache")
    await wait(lambda: len(receiver.at("/out")) == 3)


async def test_node_sdk_messaging_flow(
    wired: Any, node_v2_sdk: Path, receiver: Any, wait: Any
) -> None:
    node = shutil.which("node")
    assert node is not None
    flow = [node, str(HERE / "sdk" / "messaging_flow.js"), *_args(wired)]
    result = await sdk_install.run_flow(flow, {"NODE_PATH": str(node_v2_sdk)})
    assert result["createStatus"] == 202
    assert result["direction"] == "out"
    assert result["refused"] == {"status": 400, "type": "request-validation"}
    assert result["listed"] == result["sent"]
    assert result["pages"] == 2
    assert (result["putStatus"], result["quirkStatus"]) == (204, 204)
    assert result["got"] == "png-bytes"
    assert result["gotType"] == "image/png"
    assert result["media"] == ["a b/0/x.png", "x.bin"]
    quirk = wired.app.state.messaging.media["x.bin"]
    assert quirk.content_type == "application/json"  # the SDK's own label, stored as received
    assert json.loads(quirk.content) == {"type": "Buffer", "data": [0, 1, 2]}
    await wait(lambda: len(receiver.at("/out")) == 3)
