"""The demo's simulated people on the v2 sandbox: they reply to texts, call in and ring until
answered (or give up), and pick up then hang up the calls placed to them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loopback import serve, wait_for
from smsconsole.sandbox.bandwidth.account import MESSAGING, VOICE, Application, Number
from smsconsole.sandbox.bandwidth.app import create_v2_sandbox_app
from smsconsole.sandbox.contacts import CONTACTS, CallPlan

OURS = "+19195550100"
AUTH = ("bw-sandbox", "bw-sandbox-password")
RING = '<?xml version="1.0"?><Response><Ring duration="30" answerCall="false"/></Response>'
HOLD = '<?xml version="1.0"?><Response><Pause duration="600"/></Response>'


@pytest.fixture
async def world() -> AsyncIterator[tuple[Any, list[dict[str, Any]], str]]:
    """A v2 sandbox with contacts (none acting on their own), our number on both apps, and a
    receiver that rings initiates unanswered and holds answered calls."""
    seen: list[dict[str, Any]] = []

    async def hook(request: Request) -> Response:
        body = json.loads(await request.body() or b"null")
        seen.append({"path": request.url.path, "body": body})
        if request.url.path == "/initiate":
            return Response(RING, media_type="application/xml")
        if request.url.path == "/answer":
            return Response(HOLD, media_type="application/xml")
        return Response("")

    receiver = Starlette(routes=[Route("/{path:path}", hook, methods=["POST"])])
    app = create_v2_sandbox_app(seed=5, speed=0.01, contacts=True, contact_interval=1e9)
    async with serve(receiver) as hooks, serve(app) as base:
        account = app.state.sandbox.account
        account.applications["m"] = Application(
            "m", MESSAGING, "texts", inbound_url=f"{hooks}/in", outbound_url=f"{hooks}/out"
        )
        account.applications["v"] = Application(
            "v", VOICE, "calls", initiated_url=f"{hooks}/initiate", status_url=f"{hooks}/status"
        )
        account.peers["3001"].messaging_app_id = "m"
        account.peers["3001"].voice_app_id = "v"
        account.numbers[OURS] = Number(OURS, "2001", "3001")
        yield app, seen, base


async def test_a_text_to_a_contact_is_answered(world: Any) -> None:
    _, seen, base = world
    contact = CONTACTS[0].number
    async with httpx.AsyncClient(base_url=base, auth=AUTH) as client:
        sent = await client.post(
            "/api/v2/users/9900000/messages",
            json={"applicationId": "m", "from": OURS, "to": [contact], "text": "hello?"},
        )
    assert sent.status_code == 202, sent.text
    await wait_for(lambda: any(hit["path"] == "/in" for hit in seen))
    [reply] = [hit["body"][0] for hit in seen if hit["path"] == "/in"]
    assert reply["type"] == "message-received"
    assert (reply["message"]["from"], reply["to"]) == (contact, OURS)
    assert reply["message"]["text"] in (
        "Yes, that works for me.",
        "Hmm, not sure. Let me check.",
        "No, sorry.",
    )  # a reply to a question


async def test_a_contact_calling_in_rings_until_answered_then_hangs_up(world: Any) -> None:
    app, seen, base = world
    people = app.state.contacts
    call = people.call(CONTACTS[1].number, OURS)
    people._spawn(people._call_in(call, CallPlan(ring=3000.0, talk=100.0)))
    await wait_for(lambda: any(hit["path"] == "/initiate" for hit in seen))
    await asyncio.sleep(0.1)
    assert call.answer_time is None  # ringing: nothing answers it
    async with httpx.AsyncClient(base_url=base, auth=AUTH) as client:  # the console answers
        answered = await client.put(
            f"/api/v2/accounts/9900000/calls/{call.id}/bxml",
            content='<Bxml><Pause duration="600"/></Bxml>',
            headers={"Content-Type": "application/xml"},
        )
    assert answered.status_code == 204, answered.text
    await wait_for(lambda: call.answer_time is not None)
    await wait_for(lambda: not call.live, seconds=5)
    assert call.disconnect_cause == "hangup"
    await wait_for(lambda: any(hit["path"] == "/status" for hit in seen))


async def test_a_contact_gives_up_on_a_call_nobody_answers(world: Any) -> None:
    app, _, _ = world
    people = app.state.contacts
    call = people.call(CONTACTS[2].number, OURS)
    people._spawn(people._call_in(call, CallPlan(ring=20.0, talk=100.0)))
    await wait_for(lambda: not call.live, seconds=5)
    assert call.answer_time is None
    assert call.disconnect_cause == "cancel"


async def test_a_call_placed_to_a_contact_is_picked_up_and_hung_up(world: Any) -> None:
    app, _, base = world
    answer_url = app.state.sandbox.account.applications["v"].initiated_url.replace(
        "/initiate", "/answer"
    )
    async with httpx.AsyncClient(base_url=base, auth=AUTH) as client:
        created = await client.post(
            "/api/v2/accounts/9900000/calls",
            json={"from": OURS, "to": CONTACTS[3].number, "applicationId": "v",
                  "answerUrl": answer_url},
        )  # fmt: skip
    assert created.status_code == 201, created.text
    call = app.state.voice.engine.calls[created.json()["callId"]]
    await wait_for(lambda: call.answer_time is not None)
    await wait_for(lambda: not call.live, seconds=10)
    assert call.disconnect_cause == "hangup"
