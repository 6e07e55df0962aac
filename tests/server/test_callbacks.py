from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

CALLBACK_AUTH = ("bandwidth", "callback-secret")


async def test_post_callback_is_committed_then_acknowledged(
    server: Any, seed_sms: dict[str, Any]
) -> None:
    response = await server.callback(seed_sms)
    assert response.status_code == 200
    assert response.json() == {"outcome": "stored"}
    conversations = (await server.api("GET", "/api/conversations")).json()
    [conversation] = conversations["items"]
    assert (
        conversation["remote_number"],
        conversation["unread"],
        conversation["last_preview"],
    ) == (
        "+13233326955",
        1,
        "Example",
    )


async def test_get_callback_with_query_string(server: Any, seed_sms: dict[str, Any]) -> None:
    response = await server.http.get("/callbacks/messages", params=seed_sms, auth=CALLBACK_AUTH)
    assert response.status_code == 200, response.text
    log = (await server.api("GET", "/api/callbacks")).json()["items"]
    assert log[0]["method"] == "GET"
    assert "authorization" not in {name.lower() for name in log[0]["headers"]}
    assert "text=Example" in log[0]["body"]


async def test_incoming_call_callback(server: Any) -> None:
    call = {
        "eventType": "incomingcall",
        "from": "+13233326955",
        "to": "+13865245000",
        "callId": "c-seed",
        "callUri": "https://api.catapult.inetwork.com/v1/users/u-x/calls/c-seed",
        "callState": "active",
        "applicationId": "a-x",
        "time": "2012-11-14T16:21:59.616Z",
    }
    response = await server.callback(call, "/callbacks/calls")
    assert response.status_code == 200
    assert response.json() == {"outcome": "stored"}  # v1 reads no BXML from the answer
    [logged] = (await server.api("GET", "/api/calls")).json()["items"]
    assert (logged["from"], logged["state"], logged["provider_id"]) == (
        "+13233326955",
        "started",
        "c-seed",
    )


async def test_duplicate_and_concurrent_deliveries_store_one_message(
    server: Any, seed_sms: dict[str, Any]
) -> None:
    responses = await asyncio.gather(*(server.callback(seed_sms) for _ in range(12)))
    assert {r.status_code for r in responses} == {200}
    assert sorted(r.json()["outcome"] for r in responses).count("stored") == 1
    again = await server.callback(seed_sms)
    assert again.json() == {"outcome": "duplicate"}
    [conversation] = (await server.api("GET", "/api/conversations")).json()["items"]
    messages = (await server.api("GET", f"/api/conversations/{conversation['id']}/messages")).json()
    assert len(messages["items"]) == 1
    assert conversation["unread"] == 1


async def test_credentials_are_required(server: Any, seed_sms: dict[str, Any]) -> None:
    missing = await server.http.post("/callbacks/messages", json=seed_sms)
    wrong = await server.http.post("/callbacks/messages", json=seed_sms, auth=("bandwidth", "nope"))
    wrong_user = await server.http.post(
        "/callbacks/calls", json=seed_sms, auth=("x", "callback-secret")
    )
    for response in (missing, wrong, wrong_user):
        assert response.status_code == 401
        assert response.json()["error"] == "missing or wrong callback credentials"
    assert missing.headers["www-authenticate"].startswith("Basic")
    assert (await server.api("GET", "/api/events")).json()["items"] == []


async def post_raw(
    server: Any, body: bytes, content_type: str = "application/json"
) -> httpx.Response:
    return await server.http.post(
        "/callbacks/messages",
        content=body,
        headers={"Content-Type": content_type},
        auth=CALLBACK_AUTH,
    )


async def test_malformed_requests_get_4xx_with_a_reason_and_store_nothing(
    server: Any, seed_sms: dict[str, Any]
) -> None:
    missing = {k: v for k, v in seed_sms.items() if k != "messageId"}
    cases: list[tuple[bytes, str, int, str]] = [
        (b"{not json", "application/json", 400, "JSON"),
        (b"[]", "application/json", 400, "array"),
        (json.dumps(missing).encode(), "application/json", 400, "messageId"),
        (json.dumps({**seed_sms, "time": "yesterday"}).encode(), "application/json", 400, "'time'"),
        (json.dumps(seed_sms).encode(), "text/plain", 415, "application/json"),
        (
            b'{"eventType": "sms", "pad": "' + b"x" * 70_000 + b'"}',
            "application/json",
            413,
            "limit",
        ),
    ]
    for body, content_type, status, fragment in cases:
        response = await post_raw(server, body, content_type)
        assert response.status_code == status, (body[:40], response.text)
        assert fragment in response.json()["error"]
    query = await server.http.get(
        "/callbacks/calls", params={"eventType": "hangup"}, auth=CALLBACK_AUTH
    )
    assert query.status_code == 400
    assert "callId" in query.json()["error"]
    assert (await server.api("GET", "/api/events")).json()["items"] == []
    assert (await server.api("GET", "/api/callbacks")).json()["items"] == []


async def test_oversized_chunked_body_is_refused(server: Any) -> None:
    async def chunks() -> Any:
        for _ in range(20):
            yield b"x" * 4096

    response = await server.http.post(
        "/callbacks/messages",
        content=chunks(),
        headers={"Content-Type": "application/json"},
        auth=CALLBACK_AUTH,
    )
    assert response.status_code == 413


async def test_unknown_event_type_is_kept_raw(server: Any) -> None:
    payload = {"eventType": "somethingNew", "callId": "c-1", "extra": "kept"}
    response = await server.callback(payload, "/callbacks/calls")
    assert response.status_code == 200
    [logged] = (await server.api("GET", "/api/callbacks")).json()["items"]
    assert json.loads(logged["body"]) == payload
    assert logged["outcome"] == "stored"


async def test_out_of_order_receipt_does_not_move_state_back(server: Any) -> None:
    base = {
        "eventType": "sms",
        "direction": "out",
        "messageId": "m-out",
        "from": "+13865245000",
        "to": "+13233326955",
        "text": "hi",
        "time": "2026-11-27T10:00:00Z",
    }
    receipt = {**base, "state": "sent", "deliveryState": "delivered", "deliveryCode": "0"}
    assert (await server.callback(receipt)).status_code == 200
    assert (await server.callback({**base, "state": "sending"})).status_code == 200
    [conversation] = (await server.api("GET", "/api/conversations")).json()["items"]
    [message] = (
        await server.api("GET", f"/api/conversations/{conversation['id']}/messages")
    ).json()["items"]
    assert (message["state"], message["delivery_state"]) == ("sent", "delivered")


async def test_only_post_and_get_reach_the_callback_handler(
    server: Any, seed_sms: dict[str, Any]
) -> None:
    # Starlette adds HEAD to every GET route; a HEAD with a body must not ingest a message.
    body = json.dumps(seed_sms)
    headers = {"Content-Type": "application/json"}
    for method in ("HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"):
        for path in ("/callbacks/messages", "/callbacks/calls"):
            response = await server.http.request(
                method, path, content=body, headers=headers, auth=CALLBACK_AUTH
            )
            assert response.status_code == 405, (method, path)
            assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}
            if method != "HEAD":
                assert response.json() == {
                    "error": f"{method} is not allowed here; use GET or POST"
                }
    assert (await server.api("GET", "/api/callbacks")).json()["items"] == []
    assert (await server.api("GET", "/api/conversations")).json()["items"] == []
