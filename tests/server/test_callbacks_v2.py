"""The callback server on a Bandwidth v2 account (``provider.api = "bandwidth-v2"``): real
v2 bodies (docs/bandwidth-v2.md §3.3, §4.6) posted to a real server with a real SQLite file.

Messaging callbacks are arrays of events, each stored once, the answer coming only after
all are committed; voice webhooks are answered with the BXML the call needs next.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from smsconsole.providers.bandwidth.parser import BandwidthCallbacks
from smsconsole.server.app import create_app
from smsconsole.settings.config import load_settings
from smsconsole.store.sqlite import SqliteStore

CALLBACK_AUTH = ("bandwidth", "callback-secret")
TOKEN = "v2-token"
V2 = {"SMSCONSOLE_PROVIDER_API": "bandwidth-v2"}
APP = "93de2206-9669-4e07-948d-329f4b722ee2"
OURS, REMOTE, OTHER = "+19195550187", "+14155550123", "+14155550199"
CALL = "c-95ac8d6e-1a31c52e-b38f-4198-93c1-51633ec68f8d"
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def received(message_id: str, sender: str, text: str) -> dict[str, Any]:
    """An inbound text as v2 sends it (§3.3's example with its own id, sender and text)."""
    return {
        "type": "message-received",
        "time": "2026-12-02T07:30:16.000Z",
        "description": "Incoming message received",
        "to": OURS,
        "message": {
            "id": message_id,
            "time": "2026-12-02T07:30:16.000Z",
            "to": [OURS],
            "from": sender,
            "text": text,
            "applicationId": APP,
            "owner": OURS,
            "direction": "in",
            "segmentCount": 1,
        },
    }


FIRST = received("1701418216000w8c2dpq6ye4ntzq5", REMOTE, "Are you there?")
SECOND = received("1701418216001a7b3kx9mq2vpl4re", OTHER, "Call me back")
INITIATE: dict[str, Any] = {
    "eventType": "initiate",
    "eventTime": "2026-12-02T07:40:11.554Z",
    "accountId": "9900000",
    "applicationId": "7fc9698a-b04a-468b-9e8f-91238c0d0086",
    "from": REMOTE,
    "to": OURS,
    "direction": "inbound",
    "callId": CALL,
    "callUrl": f"https://voice.bandwidth.com/api/v2/accounts/9900000/calls/{CALL}",
    "startTime": "2026-12-02T07:40:10.234Z",
}
ANSWER = INITIATE | {
    "eventType": "answer",
    "eventTime": "2026-12-02T07:40:21.100Z",
    "direction": "outbound",
    "from": OURS,
    "to": REMOTE,
    "answerTime": "2026-12-02T07:40:21.010Z",
}
DISCONNECT = INITIATE | {
    "eventType": "disconnect",
    "eventTime": "2026-12-02T07:42:55.533Z",
    "answerTime": "2026-12-02T07:40:21.010Z",
    "endTime": "2026-12-02T07:42:54.123Z",
    "cause": "hangup",
}


async def post(
    http: httpx.AsyncClient, payload: object, path: str = "/callbacks/messages"
) -> httpx.Response:
    return await http.post(path, content=json.dumps(payload).encode(), auth=CALLBACK_AUTH,
                           headers={"Content-Type": "application/json; charset=utf-8"})  # fmt: skip


async def api(http: httpx.AsyncClient, path: str) -> Any:
    response = await http.get(path, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    return response.json()


async def texts(http: httpx.AsyncClient) -> list[tuple[str, str]]:
    """Every stored message as (sender, text), oldest conversation first."""
    found = []
    for conversation in (await api(http, "/api/conversations"))["items"]:
        thread = await api(http, f"/api/conversations/{conversation['id']}/messages?limit=200")
        found += [(m["from"], m["text"]) for m in thread["items"]]
    return sorted(found)


def bxml(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    assert response.text.startswith(DECLARATION)
    return ET.fromstring(response.content)


@contextlib.asynccontextmanager
async def v2_server(
    serve: Any, store_path: Path, writer: list[Any] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """A server reading v2 callbacks, with no account (the v2 provider is not built yet)."""
    settings = load_settings(
        environ={
            **V2,
            "SMSCONSOLE_SERVER_TOKEN": TOKEN,
            "SMSCONSOLE_SERVER_CALLBACK_USERNAME": CALLBACK_AUTH[0],
            "SMSCONSOLE_SERVER_CALLBACK_PASSWORD": CALLBACK_AUTH[1],
            "SMSCONSOLE_STORE_PATH": str(store_path),
        }
    )
    store = SqliteStore(store_path, writer_setup=None if writer is None else writer.append)
    app = create_app(settings, store=store)
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
        yield http


@pytest.fixture
async def http(serve: Any, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with v2_server(serve, tmp_path / "store.db") as client:
        yield client


async def test_a_two_event_array_is_stored_as_two_messages_and_a_retry_as_none(
    http: httpx.AsyncClient,
) -> None:
    first = await post(http, [FIRST, SECOND])
    assert (first.status_code, first.json()) == (200, {"outcome": "stored"})
    assert await texts(http) == [(REMOTE, "Are you there?"), (OTHER, "Call me back")]
    seq = (await api(http, "/api/status"))["seq"]
    logged = (await api(http, "/api/callbacks"))["items"]
    assert [entry["outcome"] for entry in logged] == ["stored", "stored"]

    again = await post(http, [FIRST, SECOND])
    assert (again.status_code, again.json()) == (200, {"outcome": "duplicate"})
    assert await texts(http) == [(REMOTE, "Are you there?"), (OTHER, "Call me back")]
    assert (await api(http, "/api/status"))["seq"] == seq


async def test_one_event_keeps_the_one_event_answer(http: httpx.AsyncClient) -> None:
    assert (await post(http, [FIRST])).json() == {"outcome": "stored"}
    assert (await post(http, [FIRST])).json() == {"outcome": "duplicate"}
    # An array of one new and one seen event stored something: "stored".
    assert (await post(http, [FIRST, SECOND])).json() == {"outcome": "stored"}


async def test_a_store_failing_part_way_answers_503_and_the_retry_stores_the_rest_once(
    serve: Any, tmp_path: Path
) -> None:
    writer: list[Any] = []
    big = received("1701418216002zz9kq1mx7vb3wd0p", OTHER, "long " * 4000)
    async with v2_server(serve, tmp_path / "store.db", writer) as http:
        assert (await post(http, [received("m-warm", REMOTE, "warm up")])).status_code == 200
        pages = writer[0].execute("PRAGMA page_count").fetchone()[0]
        # Room for the first event (its copy of the ~20 kB body, a short text) and not for
        # the second (the body again, and its 20 kB text in the message and the event log).
        writer[0].execute(f"PRAGMA max_page_count = {pages + 12}")
        failed = await post(http, [FIRST, big])
        assert failed.status_code == 503, failed.text
        assert "try again" in failed.json()["error"]
        assert (REMOTE, "Are you there?") in await texts(http)  # the first was committed
        assert len(await texts(http)) == 2

        writer[0].execute("PRAGMA max_page_count = 1000000")
        retried = await post(http, [FIRST, big])
        assert (retried.status_code, retried.json()) == (200, {"outcome": "stored"})
        stored = await texts(http)
        assert sorted(stored) == sorted(
            [(REMOTE, "warm up"), (REMOTE, "Are you there?"), (OTHER, "long " * 4000)]
        )
        outcomes = [entry["outcome"] for entry in (await api(http, "/api/callbacks"))["items"]]
        assert sorted(outcomes) == ["duplicate", "stored", "stored", "stored"]


async def test_an_inbound_call_is_answered_with_ringing_bxml_also_when_repeated(
    http: httpx.AsyncClient,
) -> None:
    first = await post(http, INITIATE, "/callbacks/calls")
    root = bxml(first)
    [ring] = list(root)
    assert (root.tag, ring.tag, ring.get("answerCall")) == ("Response", "Ring", "false")
    assert float(ring.get("duration", "0")) > 0
    again = await post(http, INITIATE, "/callbacks/calls")
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    [call] = (await api(http, "/api/calls"))["items"]
    assert (call["provider_id"], call["from"], call["state"]) == (CALL, REMOTE, "started")
    assert len((await api(http, "/api/callbacks"))["items"]) == 2


async def test_a_webhook_by_get_is_read_from_the_query(http: httpx.AsyncClient) -> None:
    response = await http.get("/callbacks/calls", params=INITIATE, auth=CALLBACK_AUTH)
    [ring] = list(bxml(response))
    assert ring.tag == "Ring"


async def test_an_answered_call_is_held_and_a_disconnect_gets_an_empty_2xx(
    http: httpx.AsyncClient,
) -> None:
    [pause] = list(bxml(await post(http, ANSWER, "/callbacks/calls")))
    assert pause.tag == "Pause"
    assert float(pause.get("duration", "0")) >= 3600
    ended = await post(http, DISCONNECT, "/callbacks/calls")
    assert 200 <= ended.status_code < 300
    assert ended.content == b""
    again = await post(http, DISCONNECT, "/callbacks/calls")
    assert (again.status_code, again.content) == (ended.status_code, b"")


@pytest.mark.parametrize(
    ("raw", "status", "fragment"),
    [
        (b"[]", 400, "no event"),
        (b"[1, 2]", 400, "must be a JSON object"),
        (b'[{"type": "message-received"}]', 400, "'message'"),
        (json.dumps({k: v for k, v in INITIATE.items() if k != "eventType"}).encode(), 400,
         "'eventType'"),
        (b'[{"type": "\xff"}]', 400, "UTF-8"),
        (b"[" + b'"x", ' * 20_000 + b'"x"]', 413, "limit"),
    ],
    ids=["empty-array", "not-objects", "incomplete", "no-event-type", "not-utf8", "huge"],
)  # fmt: skip
async def test_what_is_no_v2_callback_gets_a_4xx_reason_and_changes_nothing(
    http: httpx.AsyncClient, raw: bytes, status: int, fragment: str
) -> None:
    for path in ("/callbacks/messages", "/callbacks/calls"):
        response = await http.post(path, content=raw, auth=CALLBACK_AUTH,
                                   headers={"Content-Type": "application/json"})  # fmt: skip
        assert response.status_code == status, response.text
        assert fragment in response.json()["error"]
    assert (await api(http, "/api/callbacks"))["items"] == []
    assert (await api(http, "/api/events"))["items"] == []


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
async def test_a_time_past_the_calendar_is_a_400_naming_it(
    http: httpx.AsyncClient, moment: str
) -> None:
    # A zone offset can push a valid-looking time past datetime's range (an OverflowError,
    # once a 500 that Bandwidth would retry for a day).
    message = FIRST | {"time": moment}
    voice = INITIATE | {"eventTime": moment}
    for path, body, field in (
        ("/callbacks/messages", [message], "time"),
        ("/callbacks/calls", voice, "eventTime"),
    ):
        response = await post(http, body, path)
        assert response.status_code == 400, response.text
        assert field in response.json()["error"]
        assert "out of range" in response.json()["error"]
    queried = await http.get("/callbacks/calls", params={**INITIATE, "eventTime": moment},
                             auth=CALLBACK_AUTH)  # fmt: skip
    assert queried.status_code == 400, queried.text
    assert (await api(http, "/api/events"))["items"] == []


async def test_a_body_of_over_a_hundred_events_is_refused_whole(http: httpx.AsyncClient) -> None:
    # Each event is stored with its own copy of the raw body: the count is bounded.
    many = [received(f"m-many{n:04d}", REMOTE, "hi") for n in range(101)]
    refused = await post(http, many)
    assert refused.status_code == 413
    assert "100-event limit" in refused.json()["error"]
    assert (await api(http, "/api/callbacks"))["items"] == []
    accepted = await post(http, many[:100])
    assert (accepted.status_code, accepted.json()) == (200, {"outcome": "stored"})
    assert len(await texts(http)) == 100


def failed(message_id: str, code: int) -> dict[str, Any]:
    """An outbound message that failed (§3.3's "Message Failed" example, one recipient)."""
    return {
        "type": "message-failed",
        "time": "2026-12-02T07:31:16Z",
        "description": "forbidden to country",
        "to": REMOTE,
        "errorCode": code,
        "message": {
            "id": message_id,
            "time": "2026-12-02T07:31:15Z",
            "to": [REMOTE],
            "from": OURS,
            "text": "",
            "applicationId": APP,
            "owner": OURS,
            "direction": "out",
            "segmentCount": 1,
        },
    }


class AskedWhyItFailed(BandwidthCallbacks):
    """The provider seam, as far as a failed message's follow-up uses it: it records what it
    is asked, and answers only once the test lets it (uvicorn runs in the test's loop)."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.go = asyncio.Event()

    async def message_failure(self, message_id: str) -> tuple[str, str] | None:
        self.asked.append(message_id)
        await self.go.wait()
        return ("4432", "forbidden to country")

    async def aclose(self) -> None:
        return None


async def test_each_failed_message_of_an_array_is_followed_up_after_the_answer(
    serve: Any, tmp_path: Path, wait_for: Any
) -> None:
    provider = AskedWhyItFailed()
    settings = load_settings(
        environ={
            **V2,
            "SMSCONSOLE_SERVER_TOKEN": TOKEN,
            "SMSCONSOLE_SERVER_CALLBACK_USERNAME": CALLBACK_AUTH[0],
            "SMSCONSOLE_SERVER_CALLBACK_PASSWORD": CALLBACK_AUTH[1],
            "SMSCONSOLE_STORE_PATH": str(tmp_path / "store.db"),
        }
    )
    app = create_app(settings, provider=provider, catch_up_on_start=False)  # type: ignore[arg-type]
    async with serve(app) as url, httpx.AsyncClient(base_url=url, timeout=10) as http:
        answered = await post(http, [failed("m-fail-1", 4432), failed("m-fail-2", 4720)])
        # Answered while the first lookup still waits: the follow-up runs after the answer.
        assert (answered.status_code, answered.json()) == (200, {"outcome": "stored"})
        await wait_for(lambda: provider.asked == ["m-fail-1"])
        provider.go.set()
        await wait_for(lambda: provider.asked == ["m-fail-1", "m-fail-2"])
        again = await post(http, [failed("m-fail-1", 4432), failed("m-fail-2", 4720)])
        assert again.json() == {"outcome": "duplicate"}
