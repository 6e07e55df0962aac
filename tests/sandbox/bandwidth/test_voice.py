"""Voice v2 through the real sandbox: calls, BXML webhooks answered by a scripted loopback
receiver, the far end, transfers, gathers, and hostile requests."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from smsconsole.sandbox.bandwidth.account import VOICE, Application, Credentials, Number
from smsconsole.sandbox.bandwidth.voice_engine import far_end_outcome

APP = "va-1"
OURS = "+19195550100"
CALLER = "+14155550123"
XML = {"Content-Type": "application/xml"}


@dataclass
class Hit:
    """One webhook request the receiver got."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def event(self) -> dict[str, Any]:
        """The JSON body (POST) or the query parameters (GET)."""
        if self.method == "GET":
            return dict(self.query)
        data: dict[str, Any] = json.loads(self.body)
        return data

    def creds(self) -> tuple[str, str] | None:
        """The Basic credentials sent, if any."""
        header = self.headers.get("authorization")
        if header is None:
            return None
        user, _, password = base64.b64decode(header.split()[1]).decode().partition(":")
        return user, password


@dataclass
class Hooks:
    """A loopback webhook receiver answering scripted BXML per path (default: empty 200)."""

    base: str = ""
    hits: list[Hit] = field(default_factory=list)
    script: dict[str, Any] = field(default_factory=dict)

    def url(self, path: str) -> str:
        """The absolute URL of ``path``."""
        return self.base + path

    def at(self, path: str) -> list[dict[str, Any]]:
        """Events received on ``path``."""
        return [hit.event() for hit in self.hits if hit.path == path]

    def order(self) -> list[tuple[str, str]]:
        """(path, eventType) of every hit, in arrival order."""
        return [(hit.path, hit.event().get("eventType", "")) for hit in self.hits]


@pytest.fixture
async def hooks(serve_app: Callable[[Any], Any]) -> AsyncIterator[Hooks]:
    """The scripted receiver: ``script[path]`` is BXML text, ``("status", n)``, ``"slow"``
    (answers after 2 s) or ``("raw", text)``."""
    state = Hooks()

    async def record(request: Request) -> Response:
        body = await request.body()
        query = dict(request.query_params)
        state.hits.append(Hit(request.method, request.url.path, query, dict(request.headers), body))
        answer = state.script.get(request.url.path, "")
        if answer == "slow":
            await asyncio.sleep(2)
            return Response("<Response/>", media_type="application/xml")
        if isinstance(answer, tuple) and answer[0] == "status":
            return Response("boom", answer[1])
        if isinstance(answer, tuple) and answer[0] == "raw":
            return Response(answer[1], media_type="text/plain")
        return Response(answer, media_type="application/xml")

    app = Starlette(routes=[Route("/{path:path}", record, methods=["GET", "POST"])])
    async with serve_app(app) as base:
        state.base = base
        yield state


def setup(v2: Any, hooks: Hooks, **app_fields: Any) -> Application:
    """Our number on the default peer, whose voice application calls ``hooks``."""
    fields: dict[str, Any] = {
        "initiated_url": hooks.url("/initiate"),
        "status_url": hooks.url("/status"),
        "callback_creds": Credentials("cb-user", "cb-pass"),
        **app_fields,
    }
    app = Application(APP, VOICE, "voice", **fields)
    account = v2.state.account
    account.applications[APP] = app
    account.applications["ma-1"] = Application("ma-1", "Messaging-V2", "texts")
    account.numbers[OURS] = Number(OURS, "2001", "3001")
    account.peers["3001"].voice_app_id = APP
    return app


def outbound(hooks: Hooks, **fields: Any) -> dict[str, Any]:
    """A createCall body from our number, webhooks to ``hooks``."""
    return {
        "from": OURS,
        "to": "+14155550199",
        "applicationId": APP,
        "answerUrl": hooks.url("/answer"),
        "disconnectUrl": hooks.url("/disconnect"),
        **fields,
    }


async def state_of(v2: Any, call_id: str) -> dict[str, Any]:
    response = await v2.client.get(v2.voice(f"calls/{call_id}"))
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def inbound(v2: Any, hooks: Hooks, wait: Any, initiate: str) -> str:
    """A call from CALLER to OURS whose initiate is answered ``initiate``; its id."""
    hooks.script["/initiate"] = initiate
    created = await v2.sim("POST", "inbound/calls", {"from": CALLER, "to": OURS})
    await wait(lambda: hooks.at("/initiate"))
    return str(created["id"])


def voice_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"type", "description", "id"}
    return body


# -- outbound ---------------------------------------------------------------------------------
async def test_an_outbound_call_is_answered_runs_its_bxml_and_hangs_up(v2, hooks, wait) -> None:
    setup(v2, hooks)
    hooks.script["/answer"] = "<Response><SpeakSentence>hello</SpeakSentence></Response>"
    body = outbound(hooks, username="ans-user", password="ans-pass", tag="t0")
    response = await v2.client.post(v2.voice("calls"), json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    call_id = created["callId"]
    assert call_id.startswith("c-")
    assert len(call_id.split("-")) == 7
    assert response.headers["location"] == created["callUrl"]
    assert created["callUrl"] == f"{v2.base}/api/v2/accounts/9900000/calls/{call_id}"
    assert created["password"] == "*****"
    assert created["username"] == "ans-user"
    for key, value in {
        "accountId": "9900000", "applicationId": APP, "from": OURS, "to": "+14155550199",
        "answerMethod": "POST", "disconnectMethod": "POST", "callTimeout": 30,
        "callbackTimeout": 15, "tag": "t0", "priority": 5,
    }.items():  # fmt: skip
        assert created[key] == value, key

    await wait(lambda: hooks.at("/disconnect"))
    answer, disconnect = hooks.at("/answer")[0], hooks.at("/disconnect")[0]
    assert answer["eventType"] == "answer"
    assert answer["callId"] == call_id
    assert answer["direction"] == "outbound"
    assert answer["tag"] == "t0"
    assert answer["answerTime"]
    assert disconnect["eventType"] == "disconnect"
    assert disconnect["cause"] == "hangup"
    assert disconnect["endTime"]
    assert disconnect["answerTime"] == answer["answerTime"]
    assert all(hit.creds() == ("ans-user", "ans-pass") for hit in hooks.hits)
    assert hooks.order() == [("/answer", "answer"), ("/disconnect", "disconnect")]
    state = await state_of(v2, call_id)
    assert state["state"] == "disconnected"
    assert state["disconnectCause"] == "hangup"
    assert state["direction"] == "outbound"
    assert state["answerTime"]
    assert state["endTime"]
    log = v2.state.callback_log
    assert [entry["url"] for entry in log] == [hooks.url("/answer"), hooks.url("/disconnect")]
    assert set(log[0]) == {"service", "method", "url", "attempt", "status", "error", "body", "time"}
    assert log[0]["service"] == "voice"
    assert log[0]["status"] == 200
    assert log[0]["attempt"] == 1
    assert json.loads(log[0]["body"])["eventType"] == "answer"


def test_the_far_end_answers_except_designated_numbers() -> None:
    assert far_end_outcome("+14155550199") == "answer"
    assert far_end_outcome("+15005550042") == "busy"
    assert far_end_outcome("+15005550150") == "no-answer"
    assert far_end_outcome("+15005550299") == "rejected"
    assert far_end_outcome("+15005550300") == "answer"
    assert far_end_outcome("sip:someone@example.com") == "answer"


@pytest.mark.parametrize(
    ("to", "cause"),
    [("+15005550042", "busy"), ("+15005550150", "timeout"), ("+15005550299", "rejected")],
)
async def test_designated_numbers_end_unanswered(v2, hooks, wait, to: str, cause: str) -> None:
    setup(v2, hooks)
    body = outbound(hooks, to=to, callTimeout=2)
    call_id = (await v2.client.post(v2.voice("calls"), json=body)).json()["callId"]
    await wait(lambda: hooks.at("/disconnect"))
    (disconnect,) = hooks.at("/disconnect")
    assert disconnect["cause"] == cause
    assert "answerTime" not in disconnect
    assert hooks.at("/answer") == []
    assert (await state_of(v2, call_id))["disconnectCause"] == cause


async def test_the_remote_route_drives_a_ringing_outbound_call(v2, hooks, wait) -> None:
    setup(v2, hooks)
    hooks.script["/answer"] = '<Response><Pause duration="60"/></Response>'
    body = outbound(hooks, to="+15005550150", callTimeout=300)
    call_id = (await v2.client.post(v2.voice("calls"), json=body)).json()["callId"]
    assert (await state_of(v2, call_id))["state"] == "initiated"
    # not answered yet: it cannot be redirected, nor given BXML
    redirect = {"redirectUrl": hooks.url("/r")}
    voice_error(await v2.client.post(v2.voice(f"calls/{call_id}"), json=redirect), 409)
    assert await v2.sim("POST", f"calls/{call_id}/remote", {"action": "answer"}) == {
        "id": call_id,
        "state": "answered",
    }
    await wait(lambda: hooks.at("/answer"))
    async with httpx.AsyncClient(base_url=v2.base) as plain:
        again = await plain.post(f"/sandbox/calls/{call_id}/remote", json={"action": "answer"})
        assert again.status_code == 409
        assert "error" in again.json()
    await v2.sim("POST", f"calls/{call_id}/remote", {"action": "hangup"})
    await wait(lambda: hooks.at("/disconnect"))
    assert hooks.at("/disconnect")[0]["cause"] == "hangup"


async def test_cancelling_a_ringing_outbound_call(v2, hooks, wait) -> None:
    setup(v2, hooks)
    body = outbound(hooks, to="+15005550150", callTimeout=300)
    call_id = (await v2.client.post(v2.voice("calls"), json=body)).json()["callId"]
    done = await v2.client.post(v2.voice(f"calls/{call_id}"), json={"state": "completed"})
    assert done.status_code == 200
    await wait(lambda: hooks.at("/disconnect"))
    assert hooks.at("/disconnect")[0]["cause"] == "cancel"


# -- inbound ----------------------------------------------------------------------------------
async def test_an_inbound_call_rings_unanswered_until_bxml_answers_it(v2, hooks, wait) -> None:
    setup(v2, hooks)
    call_id = await inbound(
        v2, hooks, wait, '<Response><Ring duration="30" answerCall="false"/></Response>'
    )
    (initiate,) = hooks.at("/initiate")
    assert initiate["eventType"] == "initiate"
    assert initiate["callId"] == call_id
    assert initiate["from"] == CALLER
    assert initiate["to"] == OURS
    assert initiate["direction"] == "inbound"
    assert initiate["applicationId"] == APP
    assert "answerTime" not in initiate
    assert "tag" not in initiate
    assert hooks.hits[0].creds() == ("cb-user", "cb-pass")
    await asyncio.sleep(0.1)
    ringing = await state_of(v2, call_id)
    assert ringing["state"] == "initiated"
    assert ringing["answerTime"] is None

    bxml = '<Bxml><SpeakSentence>hi</SpeakSentence><Pause duration="30"/></Bxml>'
    put = await v2.client.put(v2.voice(f"calls/{call_id}/bxml"), content=bxml, headers=XML)
    assert put.status_code == 204
    assert put.content == b""
    await wait(lambda: v2.app.state.voice.engine.calls[call_id].state == "answered")
    answered = await state_of(v2, call_id)
    assert answered["answerTime"]
    assert answered["endTime"] is None

    body = {"state": "completed", "redirectMethod": "POST", "redirectFallbackMethod": "POST"}
    done = await v2.client.post(v2.voice(f"calls/{call_id}"), json=body)
    assert done.status_code == 200
    await wait(lambda: hooks.at("/status"))
    (disconnect,) = hooks.at("/status")
    assert disconnect["eventType"] == "disconnect"
    assert disconnect["cause"] == "hangup"
    assert disconnect["answerTime"] == answered["answerTime"]
    assert hooks.hits[-1].creds() == ("cb-user", "cb-pass")

    again = await v2.client.post(v2.voice(f"calls/{call_id}"), json={"state": "completed"})
    error = voice_error(again, 409)
    assert error == {
        "type": "validation",
        "description": f"Call [{call_id}] cannot be modified in its current state",
        "id": "",
    }
    put = await v2.client.put(v2.voice(f"calls/{call_id}/bxml"), content=bxml, headers=XML)
    voice_error(put, 409)
    redirect = {"redirectUrl": hooks.url("/r")}
    voice_error(await v2.client.post(v2.voice(f"calls/{call_id}"), json=redirect), 409)


async def test_rejecting_an_unanswered_inbound_call(v2, hooks, wait) -> None:
    setup(v2, hooks)
    call_id = await inbound(
        v2, hooks, wait, '<Response><Ring duration="30" answerCall="false"/></Response>'
    )
    body = {"state": "completed", "redirectMethod": "POST", "redirectFallbackMethod": "POST"}
    assert (await v2.client.post(v2.voice(f"calls/{call_id}"), json=body)).status_code == 200
    await wait(lambda: hooks.at("/status"))
    (disconnect,) = hooks.at("/status")
    assert disconnect["cause"] == "rejected"
    assert "answerTime" not in disconnect
    state = await state_of(v2, call_id)
    assert state["disconnectCause"] == "rejected"
    assert state["answerTime"] is None


async def test_ringing_that_runs_out_rejects_the_call(v2, hooks, wait) -> None:
    setup(v2, hooks)
    await inbound(v2, hooks, wait, '<Response><Ring duration="1" answerCall="false"/></Response>')
    await wait(lambda: hooks.at("/status"))
    assert hooks.at("/status")[0]["cause"] == "rejected"


async def test_a_redirect_answers_an_unanswered_inbound_call(v2, hooks, wait) -> None:
    setup(v2, hooks)
    call_id = await inbound(
        v2, hooks, wait, '<Response><Ring duration="30" answerCall="false"/></Response>'
    )
    hooks.script["/redirect"] = '<Response><Tag>after</Tag><Pause duration="60"/></Response>'
    body = {
        "state": "active",
        "redirectUrl": hooks.url("/redirect"),
        "redirectMethod": "POST",
        "username": "r-user",
        "password": "r-pass",
        "tag": "redirected",
    }
    assert (await v2.client.post(v2.voice(f"calls/{call_id}"), json=body)).status_code == 200
    await wait(lambda: v2.app.state.voice.engine.calls[call_id].state == "answered")
    (redirect,) = hooks.at("/redirect")
    assert redirect["eventType"] == "redirect"
    assert redirect["tag"] == "redirected"
    assert "answerTime" not in redirect
    assert hooks.hits[-1].creds() == ("r-user", "r-pass")
    await v2.sim("POST", f"calls/{call_id}/remote", {"action": "hangup"})
    await wait(lambda: hooks.at("/status"))
    disconnect = hooks.at("/status")[0]
    assert disconnect["cause"] == "hangup"
    assert disconnect["tag"] == "after"


async def test_the_caller_giving_up_cancels_a_ringing_call(v2, hooks, wait) -> None:
    setup(v2, hooks)
    call_id = await inbound(
        v2, hooks, wait, '<Response><Ring duration="30" answerCall="false"/></Response>'
    )
    assert (await v2.sim("POST", f"calls/{call_id}/remote", {"action": "hangup"}))["state"] == (
        "disconnected"
    )
    await wait(lambda: hooks.at("/status"))
    assert hooks.at("/status")[0]["cause"] == "cancel"


async def test_a_get_method_sends_the_event_as_query_parameters(v2, hooks, wait) -> None:
    setup(v2, hooks, initiated_method="GET", status_method="GET")
    call_id = await inbound(v2, hooks, wait, "<Response><Hangup/></Response>")
    await wait(lambda: hooks.at("/status"))
    initiate = hooks.hits[0]
    assert initiate.method == "GET"
    assert initiate.query["callId"] == call_id
    assert initiate.query["eventType"] == "initiate"
    assert hooks.hits[1].method == "GET"
    assert hooks.hits[1].query["cause"] == "rejected"


# -- gather and transfer ----------------------------------------------------------------------
async def test_gather_collects_dtmf_from_the_far_end(v2, hooks, wait) -> None:
    setup(v2, hooks)
    hooks.script["/gather"] = "<Response><SpeakSentence>thanks</SpeakSentence></Response>"
    call_id = await inbound(
        v2,
        hooks,
        wait,
        '<Response><Gather gatherUrl="/gather" maxDigits="5" terminatingDigits="#" '
        'firstDigitTimeout="60" interDigitTimeout="60" tag="menu">'
        "<SpeakSentence>Press something</SpeakSentence></Gather></Response>",
    )
    await wait(lambda: v2.app.state.voice.engine.calls[call_id].digits is not None)
    result = await v2.sim("POST", f"calls/{call_id}/remote", {"action": "dtmf", "digits": "12#"})
    assert result == {"id": call_id, "state": "answered"}
    await wait(lambda: hooks.at("/status"))
    (gather,) = hooks.at("/gather")
    assert gather["eventType"] == "gather"
    assert gather["digits"] == "12"
    assert gather["terminatingDigit"] == "#"
    assert gather["tag"] == "menu"
    assert hooks.order() == [
        ("/initiate", "initiate"),
        ("/gather", "gather"),
        ("/status", "disconnect"),
    ]
    assert hooks.at("/status")[0]["cause"] == "hangup"


async def test_a_gather_timing_out_sends_empty_digits(v2, hooks, wait) -> None:
    setup(v2, hooks)
    await inbound(
        v2, hooks, wait, '<Response><Gather gatherUrl="/gather" firstDigitTimeout="1"/></Response>'
    )
    await wait(lambda: hooks.at("/status"))
    gather = hooks.at("/gather")[0]
    assert gather["digits"] == ""
    assert gather["terminatingDigit"] == ""


async def test_a_transfer_bridges_a_b_leg_then_continues_the_a_leg(v2, hooks, wait) -> None:
    setup(v2, hooks)
    hooks.script["/ta"] = "<Response><SpeakSentence>connecting you</SpeakSentence></Response>"
    hooks.script["/tc"] = "<Response><SpeakSentence>bye</SpeakSentence><Hangup/></Response>"
    a_leg = await inbound(
        v2,
        hooks,
        wait,
        '<Response><Transfer transferCallerId="+19195550100" transferCompleteUrl="/tc">'
        '<PhoneNumber transferAnswerUrl="/ta" transferDisconnectUrl="/td" username="b" '
        'password="bp">+14155550199</PhoneNumber></Transfer></Response>',
    )
    await wait(lambda: hooks.at("/ta"))
    (answer,) = hooks.at("/ta")
    b_leg = answer["callId"]
    assert answer["eventType"] == "transferAnswer"
    assert b_leg != a_leg
    assert answer["parentCallId"] == a_leg
    assert answer["direction"] == "outbound"
    assert answer["transferTo"] == "+14155550199"
    assert answer["transferCallerId"] == OURS
    assert hooks.hits[-1].creds() == ("b", "bp")
    b_state = await state_of(v2, b_leg)
    assert b_state["parentCallId"] == a_leg
    assert b_state["state"] == "answered"
    assert (await state_of(v2, a_leg))["state"] == "answered"
    await asyncio.sleep(0.1)  # bridged: nothing happens until a party hangs up
    assert [path for path, _ in hooks.order()] == ["/initiate", "/ta"]

    await v2.sim("POST", f"calls/{b_leg}/remote", {"action": "hangup"})
    await wait(lambda: hooks.at("/status"))
    assert hooks.order() == [
        ("/initiate", "initiate"),
        ("/ta", "transferAnswer"),
        ("/td", "transferDisconnect"),
        ("/tc", "transferComplete"),
        ("/status", "disconnect"),
    ]
    (disconnect,) = hooks.at("/td")
    assert disconnect["callId"] == b_leg
    assert disconnect["parentCallId"] == a_leg
    assert disconnect["cause"] == "hangup"
    assert disconnect["endTime"]
    (complete,) = hooks.at("/tc")
    assert complete["callId"] == a_leg
    assert complete["cause"] == "hangup"
    assert complete["transferTo"] == "+14155550199"
    assert hooks.at("/status")[0]["cause"] == "hangup"


async def test_a_transfer_to_a_busy_number_completes_with_busy(v2, hooks, wait) -> None:
    setup(v2, hooks)
    hooks.script["/tc"] = "<Response><Hangup/></Response>"
    await inbound(
        v2,
        hooks,
        wait,
        '<Response><Transfer transferCompleteUrl="/tc"><PhoneNumber transferAnswerUrl="/ta" '
        'transferDisconnectUrl="/td">+15005550001</PhoneNumber></Transfer></Response>',
    )
    await wait(lambda: hooks.at("/status"))
    assert hooks.at("/ta") == []
    assert hooks.at("/td")[0]["cause"] == "busy"
    assert hooks.at("/tc")[0]["cause"] == "busy"
    assert hooks.at("/tc")[0]["transferCallerId"] == CALLER  # blank: the caller's number


async def test_ending_the_a_leg_hangs_up_the_bridged_b_leg(v2, hooks, wait) -> None:
    setup(v2, hooks)
    a_leg = await inbound(
        v2,
        hooks,
        wait,
        '<Response><Transfer transferCompleteUrl="/tc"><PhoneNumber transferAnswerUrl="/ta" '
        'transferDisconnectUrl="/td">+14155550199</PhoneNumber></Transfer></Response>',
    )
    await wait(lambda: hooks.at("/ta"))
    await v2.client.post(v2.voice(f"calls/{a_leg}"), json={"state": "completed"})
    await wait(lambda: hooks.at("/status") and hooks.at("/td"))
    assert hooks.at("/td")[0]["cause"] == "hangup"
    assert hooks.at("/tc") == []  # the A-leg is gone


# -- webhook failures -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "cause"),
    [
        (("status", 500), "callback-error"),
        ("slow", "callback-error"),
        (("raw", "I am not XML"), "invalid-bxml"),
        ("<Bxml><Pause/></Bxml>", "invalid-bxml"),
        ('<!DOCTYPE x [<!ENTITY a "b">]><Response/>', "invalid-bxml"),
        ("<Response><Dance/></Response>", "invalid-bxml"),
        ("", "hangup"),
    ],
)
async def test_a_failing_answer_webhook_ends_the_call(
    v2, hooks, wait, answer: Any, cause: str
) -> None:
    setup(v2, hooks)
    hooks.script["/answer"] = answer
    created = await v2.client.post(v2.voice("calls"), json=outbound(hooks, callbackTimeout=1))
    call_id = created.json()["callId"]
    await wait(lambda: hooks.at("/disconnect"))
    (disconnect,) = hooks.at("/disconnect")
    assert disconnect["cause"] == cause
    state = await state_of(v2, call_id)
    assert state["disconnectCause"] == cause
    if cause != "hangup":
        assert state["errorMessage"]
        assert state["errorId"]
        assert disconnect["errorMessage"] == state["errorMessage"]
    if answer == "slow":
        assert "within" in v2.state.callback_log[0]["error"]


async def test_the_fallback_url_is_tried_once_with_its_credentials(v2, hooks, wait) -> None:
    setup(v2, hooks)
    hooks.script["/answer"] = ("status", 503)
    hooks.script["/fallback"] = "<Response><Tag>from-fallback</Tag></Response>"
    body = outbound(
        hooks,
        answerFallbackUrl=hooks.url("/fallback"),
        fallbackUsername="fb",
        fallbackPassword="fbp",
    )
    await v2.client.post(v2.voice("calls"), json=body)
    await wait(lambda: hooks.at("/disconnect"))
    assert [path for path, _ in hooks.order()] == ["/answer", "/fallback", "/disconnect"]
    assert hooks.hits[1].creds() == ("fb", "fbp")
    disconnect = hooks.at("/disconnect")[0]
    assert disconnect["cause"] == "hangup"
    assert disconnect["tag"] == "from-fallback"
    log = v2.state.callback_log
    assert [(e["attempt"], e["status"]) for e in log[:2]] == [(1, 503), (2, 200)]


async def test_an_unreachable_initiate_url_ends_the_inbound_call(v2, hooks, wait) -> None:
    setup(v2, hooks, initiated_url="http://127.0.0.1:9/initiate")
    created = await v2.sim("POST", "inbound/calls", {"from": CALLER, "to": OURS})
    await wait(lambda: hooks.at("/status"))
    assert hooks.at("/status")[0]["cause"] == "callback-error"
    assert (await state_of(v2, created["id"]))["disconnectCause"] == "callback-error"


# -- hostile and wrong requests ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"to": None}, "to"),
        ({"to": 14155550199}, "to"),
        ({"to": "4155550199"}, "E164"),
        ({"from": "+19195550999"}, "not a number of this account"),
        ({"applicationId": "nope"}, "Voice-V2"),
        ({"applicationId": "ma-1"}, "Voice-V2"),
        ({"answerUrl": "ftp://h/a"}, "only http and https"),
        ({"answerUrl": None}, "answerUrl"),
        ({"answerMethod": "PUT"}, "GET or POST"),
        ({"callTimeout": "30"}, "number"),
        ({"callTimeout": True}, "number"),
        ({"callTimeout": 1e9}, "between"),
        ({"callbackTimeout": 0}, "between"),
        ({"priority": 9}, "priority"),
        ({"tag": "x" * 5000}, "tag"),
        ({"username": ["u"]}, "username"),
    ],
)
async def test_create_call_validates_its_body(
    v2, hooks, change: dict[str, Any], words: str
) -> None:
    setup(v2, hooks)
    body = {**outbound(hooks), **change}
    error = voice_error(await v2.client.post(v2.voice("calls"), json=body), 400)
    assert error["type"] == "validation"
    assert words in error["description"]
    assert v2.app.state.voice.engine.calls == {}


async def test_requests_that_are_not_json_objects_are_refused(v2, hooks) -> None:
    setup(v2, hooks)
    path = v2.voice("calls")
    bad = await v2.client.post(path, content=b"{nope", headers={"content-type": "application/json"})
    voice_error(bad, 400)
    voice_error(await v2.client.post(path, json=[1, 2]), 400)
    text = await v2.client.post(path, content=b"hi", headers={"content-type": "text/plain"})
    assert voice_error(text, 415)["description"] == "Content type 'text/plain' not supported"
    huge = await v2.client.post(path, json={"tag": "x" * 100_000})
    voice_error(huge, 400)


async def test_credentials_account_ids_unknown_calls_and_methods(v2, hooks) -> None:
    setup(v2, hooks)
    async with httpx.AsyncClient(base_url=v2.base, auth=("bw-sandbox", "wrong")) as wrong:
        refused = await wrong.post(v2.voice("calls"), json=outbound(hooks))
    assert voice_error(refused, 401) == {
        "type": "authentication-error",
        "description": "The credentials provided were invalid",
        "id": None,
    }
    other = await v2.client.get("/api/v2/accounts/9900001/calls/c-1")
    voice_error(other, 401)
    missing = await v2.client.get(v2.voice("calls/c-nope"))
    assert voice_error(missing, 404)["description"] == "Call [c-nope] not found"
    update = await v2.client.post(v2.voice("calls/c-nope"), json={"state": "completed"})
    voice_error(update, 404)
    put = await v2.client.put(v2.voice("calls/c-nope/bxml"), content="<Bxml/>", headers=XML)
    voice_error(put, 404)
    voice_error(await v2.client.delete(v2.voice("calls/c-nope")), 405)


async def test_updates_with_bad_bodies_or_bad_bxml_are_refused(v2, hooks, wait) -> None:
    setup(v2, hooks)
    call_id = await inbound(v2, hooks, wait, '<Response><Pause duration="60"/></Response>')
    path = v2.voice(f"calls/{call_id}")
    for body in (
        {"state": "paused"},
        {"state": 3},
        {"state": "active"},
        {"redirectUrl": 5},
        {"redirectUrl": "javascript:alert(1)"},
        {"state": "completed", "redirectUrl": hooks.url("/r")},
        {"redirectUrl": hooks.url("/r"), "redirectMethod": "DELETE"},
    ):
        voice_error(await v2.client.post(path, json=body), 400)
    put = path + "/bxml"
    for document in (
        "not xml",
        "<Response><Pause/></Response>",
        '<!DOCTYPE x SYSTEM "http://evil/x.dtd"><Bxml/>',
        "<Bxml><Pause duration='-1'/></Bxml>",
        "<Bxml>" + "<Pause/>" * 10000 + "</Bxml>",
    ):
        voice_error(await v2.client.put(put, content=document, headers=XML), 400)
    wrong_type = await v2.client.put(put, content="<Bxml/>", headers={"content-type": "text/plain"})
    voice_error(wrong_type, 415)
    assert (await state_of(v2, call_id))["state"] == "answered"  # untouched by all that


async def test_simulation_routes_refuse_what_they_cannot_do(v2, hooks) -> None:
    async with httpx.AsyncClient(base_url=v2.base) as plain:
        not_ours = await plain.post("/sandbox/inbound/calls", json={"from": CALLER, "to": OURS})
        assert not_ours.status_code == 404
        assert "error" in not_ours.json()
        v2.state.account.numbers[OURS] = Number(OURS, "2001", "3001")
        no_app = await plain.post("/sandbox/inbound/calls", json={"from": CALLER, "to": OURS})
        assert no_app.status_code == 409
        assert "voice application" in no_app.json()["error"]
        bad = await plain.post("/sandbox/inbound/calls", content=b"[")
        assert bad.status_code == 400
        wrong = await plain.post("/sandbox/inbound/calls", json={"from": 1, "to": OURS})
        assert wrong.status_code == 400
        unknown = await plain.post("/sandbox/calls/c-x/remote", json={"action": "answer"})
        assert unknown.status_code == 404
    setup(v2, hooks)
    hooks.script["/initiate"] = '<Response><Pause duration="60"/></Response>'
    call_id = (await v2.sim("POST", "inbound/calls", {"from": CALLER, "to": OURS}))["id"]
    async with httpx.AsyncClient(base_url=v2.base) as plain:
        remote = f"/sandbox/calls/{call_id}/remote"
        assert (await plain.post(remote, json={"action": "fly"})).status_code == 400
        assert (await plain.post(remote, json={"action": "busy"})).status_code == 409
        assert (await plain.post(remote, json={"action": ["x"]})).status_code == 400
        dtmf = await plain.post(remote, json={"action": "dtmf", "digits": "12a"})
        assert dtmf.status_code == 400


async def test_list_calls_and_the_double_slash_path(v2, hooks, wait) -> None:
    setup(v2, hooks)
    first = await v2.client.post(v2.voice("calls"), json=outbound(hooks, to="+15005550150"))
    second = await v2.client.post("/api/v2//accounts/9900000/calls", json=outbound(hooks))
    assert first.status_code == second.status_code == 201
    listed = await v2.client.get(v2.voice("calls"))
    ids = [call["callId"] for call in listed.json()]
    assert ids == [first.json()["callId"], second.json()["callId"]]
    only = await v2.client.get(v2.voice("calls"), params={"to": "+15005550150"})
    assert [call["callId"] for call in only.json()] == ids[:1]
    voice_error(await v2.client.get(v2.voice("calls"), params={"pageSize": "0"}), 400)


async def test_reset_forgets_calls(v2, hooks, wait) -> None:
    setup(v2, hooks)
    call_id = await inbound(v2, hooks, wait, '<Response><Pause duration="60"/></Response>')
    await v2.sim("POST", "reset")
    voice_error(await v2.client.get(v2.voice(f"calls/{call_id}")), 404)


async def test_the_redirect_verb_fetches_the_next_document_relative_to_the_last(
    v2, hooks, wait
) -> None:
    setup(v2, hooks)
    hooks.script["/flow/next"] = "<Response><Tag>second</Tag><Hangup/></Response>"
    hooks.script["/initiate"] = (
        '<Response><Tag>first</Tag><Redirect redirectUrl="flow/next" username="x" password="y"/>'
        "<Pause duration='60'/></Response>"
    )
    await v2.sim("POST", "inbound/calls", {"from": CALLER, "to": OURS})
    await wait(lambda: hooks.at("/status"))
    (redirect,) = hooks.at("/flow/next")
    assert redirect["eventType"] == "redirect"
    assert redirect["tag"] == "first"
    assert hooks.hits[1].creds() == ("x", "y")
    status = hooks.at("/status")[0]
    # Tag and Redirect do not answer: the Hangup rejects the still unanswered call
    assert status["cause"] == "rejected"
    assert status["tag"] == "second"


@pytest.mark.parametrize(("to", "cause"), [("+14155550199", "hangup"), ("+15005550001", "busy")])
async def test_forward_hands_the_call_over(v2, hooks, wait, to: str, cause: str) -> None:
    setup(v2, hooks)
    call_id = await inbound(v2, hooks, wait, f'<Response><Forward to="{to}"/></Response>')
    if cause == "hangup":
        await wait(lambda: v2.app.state.voice.engine.calls[call_id].state == "answered")
        await v2.sim("POST", f"calls/{call_id}/remote", {"action": "hangup"})
    await wait(lambda: hooks.at("/status"))
    assert hooks.at("/status")[0]["cause"] == cause
    assert [path for path, _ in hooks.order()] == ["/initiate", "/status"]


async def test_json_bombs_and_bad_urls_are_refused(v2, hooks) -> None:
    setup(v2, hooks)
    deep = b"[" * 50_000 + b"]" * 50_000
    nested = await v2.client.post(
        v2.voice("calls"), content=deep, headers={"content-type": "application/json"}
    )
    voice_error(nested, 400)
    for url in ("http://[::1", "http://", "not a url", "https:///x"):
        body = {**outbound(hooks), "answerUrl": url}
        voice_error(await v2.client.post(v2.voice("calls"), json=body), 400)
    async with httpx.AsyncClient(base_url=v2.base) as plain:
        bomb = await plain.post(
            "/sandbox/inbound/calls", content=b"[" * 10_000, headers={"content-type": "x"}
        )
        assert bomb.status_code == 400
        big = await plain.post("/sandbox/inbound/calls", content=b" " * 100_000)
        assert big.status_code == 413  # over the simulation routes' 64 KiB bound
        assert "over" in big.json()["error"]


async def test_a_bad_url_in_bxml_ends_the_call_with_callback_error(v2, hooks, wait) -> None:
    setup(v2, hooks)
    call_id = await inbound(
        v2, hooks, wait, '<Response><Redirect redirectUrl="http://[::1/x"/></Response>'
    )
    await wait(lambda: hooks.at("/status"))
    assert hooks.at("/status")[0]["cause"] == "callback-error"
    assert (await state_of(v2, call_id))["errorMessage"]


async def test_an_unreachable_disconnect_url_is_retried_once(v2, hooks, wait) -> None:
    setup(v2, hooks)
    hooks.script["/answer"] = "<Response><Hangup/></Response>"
    body = outbound(hooks, disconnectUrl="http://127.0.0.1:9/disconnect")
    await v2.client.post(v2.voice("calls"), json=body)
    log = v2.state.callback_log
    await wait(lambda: len(log) == 3 and log[-1]["error"] is not None)
    assert [(e["url"], e["attempt"], e["status"]) for e in log] == [
        (hooks.url("/answer"), 1, 200),
        ("http://127.0.0.1:9/disconnect", 1, None),
        ("http://127.0.0.1:9/disconnect", 2, None),
    ]
    assert json.loads(log[1]["body"])["cause"] == "hangup"


async def test_ring_answers_by_default_and_a_gather_without_url_goes_on(v2, hooks, wait) -> None:
    setup(v2, hooks)
    call_id = await inbound(
        v2,
        hooks,
        wait,
        '<Response><Ring duration="1"/><Gather maxDigits="1" firstDigitTimeout="1"/>'
        '<Redirect redirectUrl="/after"/></Response>',
    )
    await wait(lambda: hooks.at("/status"))
    assert [path for path, _ in hooks.order()] == ["/initiate", "/after", "/status"]
    assert hooks.at("/after")[0]["answerTime"]
    assert (await state_of(v2, call_id))["disconnectCause"] == "hangup"


async def test_an_answer_url_with_get(v2, hooks, wait) -> None:
    setup(v2, hooks)
    body = outbound(hooks, answerMethod="GET", disconnectMethod="GET", tag="q")
    created = (await v2.client.post(v2.voice("calls"), json=body)).json()
    assert created["answerMethod"] == "GET"
    await wait(lambda: hooks.at("/disconnect"))
    answer, disconnect = hooks.hits
    assert answer.method == disconnect.method == "GET"
    assert answer.query["eventType"] == "answer"
    assert answer.query["tag"] == "q"
    assert disconnect.query["cause"] == "hangup"
