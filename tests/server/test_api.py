"""``/api`` hit directly with httpx on a real server on loopback: status codes, JSON shapes
(DESIGN's contract) and the reasons of errors, without the console's client in between."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from smsconsole.providers.catapult.client import CatapultClient
from smsconsole.sandbox.app import create_sandbox_app

OURS, THEIRS = "+13865245000", "+13233326955"
CONVERSATION = "13865245000-13233326955"
# DESIGN: message events and /api carry the stored message with these fields.
MESSAGE_FIELDS = {
    "id",
    "conversation_id",
    "direction",
    "from",
    "to",
    "text",
    "media",
    "state",
    "delivery_state",
    "delivery_code",
    "delivery_description",
    "provider_id",
    "time",
}
CALL_FIELDS = {
    "id",
    "direction",
    "from",
    "to",
    "state",
    "provider_id",
    "start_time",
    "active_time",
    "end_time",
}
INCOMING_CALL: dict[str, Any] = {
    "eventType": "incomingcall",
    "from": THEIRS,
    "to": OURS,
    "callId": "c-api0000000000000000000001",
    "callState": "active",
    "time": "2012-11-14T16:21:59.616Z",
}


def refused(response: httpx.Response, status: int, words: str) -> None:
    """The API's error shape: ``{"error": reason}`` with ``status``, the reason saying ``words``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["error"], str)
    assert words in body["error"]


@pytest.fixture
async def texted(server: Any, seed_sms: dict[str, Any]) -> Any:
    """A server that has received one text (the seed SMS)."""
    assert (await server.callback(seed_sms)).status_code == 200
    return server


async def test_every_route_wants_the_bearer_token(server: Any) -> None:
    for method, path in [
        ("GET", "/api/conversations"),
        ("GET", f"/api/conversations/{CONVERSATION}/messages"),
        ("POST", f"/api/conversations/{CONVERSATION}/read"),
        ("POST", "/api/conversations/read"),
        ("POST", f"/api/conversations/{CONVERSATION}/archive"),
        ("POST", "/api/messages"),
        ("GET", "/api/search?q=x"),
        ("GET", "/api/calls"),
        ("GET", "/api/contacts"),
        ("GET", "/api/events"),
        ("GET", "/api/status"),
    ]:
        refused(await server.http.request(method, path), 401, "bearer token")
        wrong = await server.http.request(method, path, headers={"Authorization": "Bearer no"})
        refused(wrong, 401, "bearer token")


async def test_unknown_routes_and_methods_answer_in_the_api_shape(server: Any) -> None:
    refused(await server.api("GET", "/api/nothing-here"), 404, "Not Found")
    refused(await server.api("DELETE", "/api/conversations"), 405, "Method Not Allowed")


async def test_status_says_where_the_log_stands(texted: Any) -> None:
    answer = await texted.api("GET", "/api/status")
    assert answer.status_code == 200
    assert answer.json() == {
        "seq": 1,
        "provider": False,
        "api": "catapult-v1",
        "default_region": "US",
    }


async def test_conversations_list_with_unread_and_paging(texted: Any) -> None:
    answer = await texted.api("GET", "/api/conversations")
    assert answer.status_code == 200
    page = answer.json()
    assert set(page) == {"items", "next"}
    assert page["next"] is None
    [conversation] = page["items"]
    assert conversation["id"] == CONVERSATION
    assert (conversation["our_number"], conversation["remote_number"]) == (OURS, THEIRS)
    assert (conversation["unread"], conversation["last_preview"]) == (1, "Example")


async def test_list_parameters_are_checked(texted: Any) -> None:
    refused(await texted.api("GET", "/api/conversations?cursor=made-up"), 400, "'cursor'")
    refused(await texted.api("GET", "/api/conversations?limit=0"), 400, "limit")
    refused(await texted.api("GET", "/api/conversations?limit=many"), 400, "limit")
    refused(await texted.api("GET", "/api/calls?cursor=zz"), 400, "'cursor'")


async def test_a_threads_messages_newest_first_in_the_designs_shape(
    texted: Any, seed_sms: dict[str, Any]
) -> None:
    later = {**seed_sms, "messageId": "m-seed1", "text": "Second", "time": "2012-11-14T16:14:00Z"}
    assert (await texted.callback(later)).status_code == 200
    answer = await texted.api("GET", f"/api/conversations/{CONVERSATION}/messages?limit=1")
    assert answer.status_code == 200
    page = answer.json()
    [newest] = page["items"]
    assert set(newest) >= MESSAGE_FIELDS
    assert (newest["text"], newest["direction"], newest["state"]) == ("Second", "in", "received")
    assert (newest["from"], newest["to"], newest["provider_id"]) == (THEIRS, OURS, "m-seed1")
    assert newest["conversation_id"] == CONVERSATION
    assert page["next"] is not None
    older = await texted.api(
        "GET", f"/api/conversations/{CONVERSATION}/messages", params={"before": page["next"]}
    )
    assert [m["text"] for m in older.json()["items"]] == ["Example"]
    refused(
        await texted.api("GET", f"/api/conversations/{CONVERSATION}/messages?before=x"),
        400,
        "'before'",
    )


async def test_mark_read_answers_the_conversation_and_an_unknown_one_is_404(texted: Any) -> None:
    answer = await texted.api("POST", f"/api/conversations/{CONVERSATION}/read")
    assert answer.status_code == 200
    assert (answer.json()["id"], answer.json()["unread"]) == (CONVERSATION, 0)
    listed = (await texted.api("GET", "/api/conversations")).json()["items"]
    assert listed[0]["unread"] == 0
    refused(await texted.api("POST", "/api/conversations/1-2/read"), 404, "no such conversation")


async def test_mark_all_read_is_one_request(texted: Any) -> None:
    answer = await texted.api("POST", "/api/conversations/read")
    assert answer.status_code == 200
    assert answer.json() == {"read": [CONVERSATION]}
    listed = (await texted.api("GET", "/api/conversations")).json()["items"]
    assert listed[0]["unread"] == 0
    assert (await texted.api("POST", "/api/conversations/read")).json() == {"read": []}


async def test_archive_answers_the_conversation_and_an_unknown_one_is_404(texted: Any) -> None:
    answer = await texted.api("POST", f"/api/conversations/{CONVERSATION}/archive")
    assert answer.status_code == 200
    assert (answer.json()["id"], answer.json()["archived"]) == (CONVERSATION, True)
    listed = (await texted.api("GET", "/api/conversations")).json()["items"]
    assert listed[0]["archived"] is True
    events = (await texted.api("GET", "/api/events?since=1")).json()["items"]
    assert [item["event"]["kind"] for item in events] == ["conversation.archived"]
    refused(await texted.api("POST", "/api/conversations/1-2/archive"), 404, "no such conversation")


async def test_events_replay_the_log_in_order(texted: Any) -> None:
    assert (await texted.api("POST", f"/api/conversations/{CONVERSATION}/read")).status_code == 200
    answer = await texted.api("GET", "/api/events?since=0")
    assert answer.status_code == 200
    page = answer.json()
    assert [item["seq"] for item in page["items"]] == [1, 2]
    assert [item["event"]["kind"] for item in page["items"]] == [
        "message.received",
        "conversation.read",
    ]
    assert set(page["items"][0]["event"]["message"]) >= MESSAGE_FIELDS
    assert page["next"] is None
    after = await texted.api("GET", "/api/events?since=1")
    assert [item["seq"] for item in after.json()["items"]] == [2]
    limited = (await texted.api("GET", "/api/events?since=0&limit=1")).json()
    assert (len(limited["items"]), limited["next"]) == (1, "1")


async def test_events_since_must_be_a_whole_number_in_range(texted: Any) -> None:
    refused(await texted.api("GET", "/api/events?since=-1"), 400, "since")
    refused(await texted.api("GET", "/api/events?since=soon"), 400, "since")
    refused(await texted.api("GET", f"/api/events?since={2**63}"), 400, "since")


async def test_search_finds_words_and_wants_a_query(texted: Any) -> None:
    answer = await texted.api("GET", "/api/search", params={"q": "examp"})
    assert answer.status_code == 200
    page = answer.json()
    [hit] = page["items"]
    assert (hit["message"]["text"], page["next"]) == ("Example", None)
    assert "snippet" in hit
    nothing = await texted.api("GET", "/api/search", params={"q": "absent"})
    assert nothing.json() == {"items": [], "next": None}
    refused(await texted.api("GET", "/api/search", params={"q": "  "}), 400, "'q' is required")
    refused(await texted.api("GET", "/api/search"), 400, "'q' is required")


async def test_contacts_name_numbers_and_the_name_reaches_the_conversation(texted: Any) -> None:
    named = await texted.api("PUT", "/api/contacts/(323) 332-6955", json={"name": " Ann "})
    assert named.status_code == 200, named.text
    assert named.json() == {"number": THEIRS, "name": "Ann"}
    assert (await texted.api("GET", "/api/contacts")).json() == {
        "items": [{"number": THEIRS, "name": "Ann"}],
        "next": None,
    }
    conversation = (await texted.api("GET", "/api/conversations")).json()["items"][0]
    assert conversation["contact_name"] == "Ann"
    events = (await texted.api("GET", "/api/events?since=1")).json()["items"]
    assert events[-1]["event"] == {
        "kind": "contact.updated",
        "contact": {"number": THEIRS, "name": "Ann"},
    }
    removed = await texted.api("PUT", f"/api/contacts/{THEIRS}", json={"name": ""})
    assert removed.status_code == 200
    assert (await texted.api("GET", "/api/contacts")).json()["items"] == []


async def test_contact_input_is_checked(server: Any) -> None:
    refused(await server.api("PUT", "/api/contacts/not-a-number", json={"name": "A"}), 400, "")
    refused(await server.api("PUT", f"/api/contacts/{THEIRS}", json={}), 400, "'name'")
    refused(await server.api("PUT", f"/api/contacts/{THEIRS}", json={"name": 5}), 400, "'name'")
    refused(await server.api("PUT", f"/api/contacts/{THEIRS}", content=b"{"), 400, "")
    refused(await server.api("PUT", f"/api/contacts/{THEIRS}", json=["A"]), 400, "object")


async def test_calls_list_in_the_designs_shape(server: Any) -> None:
    assert (await server.callback(INCOMING_CALL, "/callbacks/calls")).status_code == 200
    answer = await server.api("GET", "/api/calls")
    assert answer.status_code == 200
    page = answer.json()
    [call] = page["items"]
    assert set(call) >= CALL_FIELDS
    assert (call["direction"], call["from"], call["to"], call["state"]) == (
        "in",
        THEIRS,
        OURS,
        "started",
    )
    assert (call["provider_id"], call["start_time"]) == (
        INCOMING_CALL["callId"],
        "2012-11-14T16:21:59.616Z",
    )
    assert page["next"] is None
    events = (await server.api("GET", "/api/events?since=0")).json()["items"]
    assert [(e["event"]["kind"], e["event"]["call"]["id"]) for e in events] == [
        ("call.incoming", call["id"])
    ]


async def test_call_control_without_a_provider_or_a_call(server: Any) -> None:
    assert (await server.callback(INCOMING_CALL, "/callbacks/calls")).status_code == 200
    [call] = (await server.api("GET", "/api/calls")).json()["items"]
    for action in ("answer", "reject", "hangup"):
        refused(
            await server.api("POST", f"/api/calls/{call['id']}/{action}"),
            503,
            "no provider account",
        )
    refused(await server.api("POST", "/api/calls/call-nope/answer"), 404, "no such call")
    refused(await server.api("POST", f"/api/calls/{call['id']}/dance"), 404, "unknown call action")
    refused(
        await server.api("POST", f"/api/calls/{call['id']}/speak", json={"sentence": " "}),
        400,
        "'sentence'",
    )


async def test_send_checks_its_input_before_anything_is_stored(server: Any) -> None:
    cases: list[tuple[Any, str]] = [
        ({"to": THEIRS, "text": "hi"}, "'from'"),
        ({"from": OURS, "text": "hi"}, "'to'"),
        ({"from": "nope", "to": THEIRS, "text": "hi"}, "'from'"),
        ({"from": OURS, "to": THEIRS}, "'text' is required"),
        ({"from": OURS, "to": THEIRS, "text": "   "}, "'text' is required"),
        ({"from": OURS, "to": THEIRS, "text": "x" * 5000}, "at most"),
        ({"from": OURS, "to": THEIRS, "text": "hi"}, "not one of this account's numbers"),
        ("hello", "object"),
    ]
    for body, words in cases:
        refused(await server.api("POST", "/api/messages", json=body), 400, words)
    assert (await server.api("GET", "/api/conversations")).json()["items"] == []
    assert (await server.api("GET", "/api/status")).json()["seq"] == 0


@pytest.fixture
async def account(start_server: Any, serve: Any, tmp_path: Path) -> AsyncIterator[tuple[Any, str]]:
    """A server wired to the sandbox, with one number of the account: (server, number)."""
    sandbox_app = create_sandbox_app(seed=3, speed=0.01, callback_timeout_cap=2.0)
    async with contextlib.AsyncExitStack() as stack:
        url = await stack.enter_async_context(serve(sandbox_app))
        provider = CatapultClient(
            url, user_id="u-sandbox", api_token="t-sandbox", api_secret="s-sandbox"
        )
        await stack.enter_async_context(provider)
        server = await stack.enter_async_context(
            start_server(tmp_path / "store.db", provider=provider)
        )
        found = await server.api("GET", "/api/available-numbers", params={"state": "NC"})
        number = found.json()["items"][0]["number"]
        ordered = await server.api("POST", "/api/numbers", json={"number": number, "confirm": True})
        assert ordered.status_code == 201, ordered.text
        yield server, number


async def test_send_answers_201_with_the_stored_message(account: tuple[Any, str]) -> None:
    server, number = account
    sent = await server.api(
        "POST", "/api/messages", json={"from": number, "to": THEIRS, "text": "On my way"}
    )
    assert sent.status_code == 201, sent.text
    message = sent.json()
    assert set(message) >= MESSAGE_FIELDS
    assert (message["direction"], message["from"], message["to"]) == ("out", number, THEIRS)
    assert (message["text"], message["media"]) == ("On my way", [])
    # Accepted by the provider: queued, or further if its callback overtook the answer.
    assert message["state"] in {"queued", "sending", "sent"}
    assert message["provider_id"]
    thread = await server.api("GET", f"/api/conversations/{message['conversation_id']}/messages")
    assert [m["id"] for m in thread.json()["items"]] == [message["id"]]
    kinds = [e["event"]["kind"] for e in (await server.api("GET", "/api/events")).json()["items"]]
    assert "message.sent" in kinds
    refused(
        await server.api(
            "POST", "/api/messages", json={"from": OURS, "to": THEIRS, "text": "not ours"}
        ),
        400,
        "not one of this account's numbers",
    )
