"""Messaging v2 of the v2 sandbox through the real app: sending, the lifecycle and its
callbacks (arrays, credentials, order, retries, faults), inbound texts, the list API and
refusals (docs/bandwidth-v2.md §2, §3)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from smsconsole.sandbox.bandwidth.account import MESSAGING, VOICE, Application, Credentials, Number

APP = "93de2206-9669-4e07-948d-329f4b722ee2"
OURS = "+19195550100"
LONELY = "+19195550199"  # ours, on a peer without a messaging application
FAR = "+14155550123"
FAR2 = "+14155550124"


@pytest.fixture
def wired(v2: Any, receiver: Any) -> Any:
    """The sandbox with a messaging application (URLs at the receiver) on peer 3001 and one
    number there; another number on a peer without applications."""
    from smsconsole.sandbox.bandwidth.account import SipPeer

    account = v2.state.account
    account.applications[APP] = Application(
        APP,
        MESSAGING,
        "texts",
        inbound_url=f"{receiver.base}/in",
        outbound_url=f"{receiver.base}/out",
        inbound_creds=Credentials("in-user", "in-pw"),
        outbound_creds=Credentials("out-user", "out-pw"),
    )
    account.peers["3001"].messaging_app_id = APP
    account.numbers[OURS] = Number(OURS, "2001", "3001")
    account.peers["3002"] = SipPeer("3002", "2001", "bare")
    account.numbers[LONELY] = Number(LONELY, "2001", "3002")
    return v2


async def send(v2: Any, **fields: Any) -> httpx.Response:
    body = {"applicationId": APP, "to": [FAR], "from": OURS, "text": "hi", **fields}
    return await v2.client.post(v2.messaging("messages"), json=body)


def events(receiver: Any, path: str) -> list[dict[str, Any]]:
    """Every event received on ``path`` (each request body is an array)."""
    found: list[dict[str, Any]] = []
    for request in receiver.at(path):
        body = json.loads(request.body)
        assert isinstance(body, list)
        found.extend(body)
    return found


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def test_a_sent_text_is_accepted_and_its_delivery_called_back(
    wired: Any, receiver: Any, wait: Any
) -> None:
    answer = await send(wired, tag="msg-42")
    assert answer.status_code == 202
    assert answer.headers["content-type"] == "application/json"
    message = answer.json()
    assert message["owner"] == OURS
    assert message["from"] == OURS
    assert message["to"] == [FAR]
    assert message["applicationId"] == APP
    assert message["direction"] == "out"
    assert message["segmentCount"] == 1
    assert message["text"] == "hi"
    assert message["tag"] == "msg-42"
    assert message["priority"] == "default"
    assert len(message["id"]) == 29
    assert message["id"][:13].isdigit()
    datetime.fromisoformat(message["time"])
    await wait(lambda: len(receiver.at("/out")) == 1)
    request = receiver.at("/out")[0]
    assert request.method == "POST"
    assert request.headers["user-agent"] == "BandwidthAPI/v2"
    assert request.headers["content-type"].startswith("application/json")
    assert request.headers["authorization"] == basic("out-user", "out-pw")
    body = json.loads(request.body)
    assert isinstance(body, list)
    assert len(body) == 1
    event = body[0]
    assert event["type"] == "message-delivered"
    assert event["description"] == "ok"
    assert event["to"] == FAR
    assert "errorCode" not in event
    inner = event["message"]
    assert inner["id"] == message["id"]
    assert inner["text"] == ""
    assert inner["tag"] == "msg-42"
    assert inner["direction"] == "out"
    assert inner["to"] == [FAR]
    assert receiver.at("/in") == []
    log = wired.state.callback_log
    assert len(log) == 1
    entry = log[0]
    assert entry["service"] == "messaging"
    assert (entry["method"], entry["url"], entry["attempt"]) == ("POST", f"{receiver.base}/out", 1)
    assert (entry["status"], entry["error"]) == (200, None)
    assert json.loads(entry["body"]) == body
    datetime.fromisoformat(entry["time"])


async def test_a_group_mms_reports_sending_then_delivery_per_destination_in_order(
    wired: Any, receiver: Any, wait: Any
) -> None:
    answer = await send(wired, to=[FAR, FAR2], media=["https://example.com/a.png"])
    assert answer.status_code == 202
    assert answer.json()["media"] == ["https://example.com/a.png"]
    await wait(lambda: len(events(receiver, "/out")) == 4)
    seen = [(e["type"], e["to"]) for e in events(receiver, "/out")]
    assert seen == [
        ("message-sending", FAR),
        ("message-sending", FAR2),
        ("message-delivered", FAR),
        ("message-delivered", FAR2),
    ]
    assert events(receiver, "/out")[0]["description"] == "Message is sending to carrier"
    assert all(e["message"]["to"] == [FAR, FAR2] for e in events(receiver, "/out"))


@pytest.mark.parametrize(
    ("to", "code", "words"),
    [
        ("+15005550775", 4775, "destination-rejected-due-to-user-opt-out"),
        ("+15005550050", 5500, "message-send-failed"),
        ("+15005554432", 4432, "forbidden to country"),
        ("+15005550902", 9902, "delivery-receipt-expired"),
    ],
)
async def test_designated_destinations_fail_with_an_error_code(
    wired: Any, receiver: Any, wait: Any, to: str, code: int, words: str
) -> None:
    answer = await send(wired, to=[FAR, to])
    await wait(lambda: len(events(receiver, "/out")) == 2)
    delivered, failed = events(receiver, "/out")
    assert (delivered["type"], delivered["to"]) == ("message-delivered", FAR)
    assert (failed["type"], failed["to"]) == ("message-failed", to)
    assert failed["errorCode"] == code
    assert failed["description"] == words
    listed = await wired.client.get(
        wired.messaging("messages"), params={"messageId": answer.json()["id"]}
    )
    statuses = {
        m["destinationTn"]: (m["messageStatus"], m["errorCode"]) for m in listed.json()["messages"]
    }
    assert statuses == {FAR: ("DELIVERED", 0), to: ("FAILED", code)}


async def test_media_of_the_sandbox_that_is_missing_fails_the_message(
    wired: Any, receiver: Any, wait: Any
) -> None:
    url = f"{wired.base}/api/v2/users/9900000/media/none.png"
    await send(wired, media=[url])
    await wait(lambda: len(events(receiver, "/out")) == 2)
    failed = events(receiver, "/out")[1]
    assert (failed["type"], failed["errorCode"]) == ("message-failed", 4410)


async def test_a_failing_receiver_is_retried_and_later_events_wait_their_turn(
    wired: Any, receiver: Any, wait: Any
) -> None:
    receiver.behaviour["/out"] = "fail"
    await send(wired, to=[FAR, FAR2], media=["https://example.com/a.png"])
    log = wired.state.callback_log
    await wait(lambda: len(log) >= 3)
    assert [e["attempt"] for e in log[:3]] == [1, 2, 3]
    assert all(e["status"] == 500 and e["error"] == "HTTP 500" for e in log[:3])
    assert len({e["body"] for e in log[:3]}) == 1  # the same event, again
    receiver.behaviour["/out"] = "ok"
    await wait(lambda: len([e for e in log if e["status"] == 200]) == 4)
    seen = [(e["type"], e["to"]) for e in events(receiver, "/out")]
    delivered_in_order = [s for i, s in enumerate(seen) if s not in seen[:i]]
    assert delivered_in_order == [
        ("message-sending", FAR),
        ("message-sending", FAR2),
        ("message-delivered", FAR),
        ("message-delivered", FAR2),
    ]


async def test_an_event_is_given_up_after_a_bounded_number_of_attempts(
    wired: Any, receiver: Any, wait: Any
) -> None:
    from smsconsole.sandbox.bandwidth.messaging_delivery import MAX_ATTEMPTS

    receiver.behaviour["/out"] = "fail"
    await send(wired)
    service = wired.app.state.messaging
    await wait(lambda: service.delivery.idle() and wired.state.callback_log, seconds=10)
    assert [e["attempt"] for e in wired.state.callback_log] == list(range(1, MAX_ATTEMPTS + 1))


async def test_a_slow_receiver_times_out_and_an_unreachable_one_is_a_connection_error(
    wired: Any, receiver: Any, wait: Any
) -> None:
    receiver.behaviour["/out"] = "slow"  # 1 s; the sandbox's cap is 0.5 s
    await send(wired)
    log = wired.state.callback_log
    await wait(lambda: len(log) >= 1)
    assert (log[0]["status"], log[0]["error"]) == (None, "timeout")
    receiver.behaviour["/out"] = "ok"
    await wait(lambda: any(e["status"] == 200 for e in log))
    wired.state.account.applications[APP].outbound_url = "http://127.0.0.1:9/out"
    log.clear()
    await send(wired)
    await wait(lambda: len(log) >= 2)
    assert log[0]["error"].startswith("connection error")
    assert log[1]["attempt"] == 2


async def test_the_fault_switches_duplicate_and_reorder_callbacks(
    wired: Any, receiver: Any, wait: Any
) -> None:
    assert await wired.sim("GET", "messaging/faults") == {"duplicate": False, "reorder": False}
    switched = await wired.sim("POST", "messaging/faults", {"duplicate": True, "reorder": True})
    assert switched == {"duplicate": True, "reorder": True}
    await send(wired, media=["https://example.com/a.png"])
    await wait(lambda: len(events(receiver, "/out")) == 4)
    seen = [e["type"] for e in events(receiver, "/out")]
    assert seen == ["message-delivered", "message-delivered", "message-sending", "message-sending"]
    first, second = receiver.at("/out")[:2]
    assert first.body == second.body
    await wired.sim("POST", "messaging/faults", {"duplicate": False})
    assert (await wired.sim("GET", "messaging/faults"))["reorder"] is True
    await wired.sim("POST", "reset")
    assert await wired.sim("GET", "messaging/faults") == {"duplicate": False, "reorder": False}


@pytest.mark.parametrize(
    "body",
    [{"duplicate": "yes"}, {"shuffle": True}, [1]],
)
async def test_the_fault_switches_refuse_what_they_do_not_know(wired: Any, body: Any) -> None:
    async with httpx.AsyncClient(base_url=wired.base) as plain:
        answer = await plain.post("/sandbox/messaging/faults", json=body)
    assert answer.status_code == 400
    assert "error" in answer.json()


async def test_an_inbound_text_reaches_the_inbound_url_with_its_words(
    wired: Any, receiver: Any, wait: Any
) -> None:
    created = await wired.sim(
        "POST", "inbound/messages", {"from": FAR, "to": OURS, "text": "Are you there?"}
    )
    await wait(lambda: len(receiver.at("/in")) == 1)
    request = receiver.at("/in")[0]
    assert request.headers["authorization"] == basic("in-user", "in-pw")
    assert request.headers["user-agent"] == "BandwidthAPI/v2"
    (event,) = json.loads(request.body)
    assert event["type"] == "message-received"
    assert event["description"] == "Incoming message received"
    assert event["to"] == OURS
    inner = event["message"]
    assert inner["id"] == created["id"]
    assert (inner["from"], inner["to"], inner["owner"]) == (FAR, [OURS], OURS)
    assert (inner["text"], inner["direction"], inner["applicationId"]) == (
        "Are you there?",
        "in",
        APP,
    )
    assert inner["segmentCount"] == 1
    listed = await wired.client.get(
        wired.messaging("messages"), params={"messageId": created["id"]}
    )
    (item,) = listed.json()["messages"]
    assert (item["messageStatus"], item["messageDirection"]) == ("RECEIVED", "INBOUND")
    assert (item["sourceTn"], item["destinationTn"]) == (FAR, OURS)
    assert "text" not in item
    assert await wired.sim("GET", "outbox") == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"from": FAR, "to": "+19995550000", "text": "x"}, 404),
        ({"from": FAR, "to": LONELY, "text": "x"}, 409),
        ({"from": "nobody", "to": OURS, "text": "x"}, 400),
        ({"from": FAR, "to": OURS, "text": 5}, 400),
        ({"from": FAR, "to": OURS, "media": "x"}, 400),
        ({"from": FAR, "to": OURS, "text": "x" * 5000}, 400),
    ],
)
async def test_inbound_texts_must_reach_a_number_with_a_messaging_application(
    wired: Any, body: dict[str, Any], status: int
) -> None:
    async with httpx.AsyncClient(base_url=wired.base) as plain:
        answer = await plain.post("/sandbox/inbound/messages", json=body)
        assert answer.status_code == status
        assert "error" in answer.json()
        broken = await plain.post("/sandbox/inbound/messages", content=b"{not json")
        assert broken.status_code == 400
        huge = await plain.post("/sandbox/inbound/messages", content=b"[" * 200_000)
        assert huge.status_code == 413


async def test_the_outbox_shows_sent_messages_with_their_text_newest_last(
    wired: Any, receiver: Any, wait: Any
) -> None:
    first = (await send(wired, text="one", tag="t1")).json()
    second = (await send(wired, text="two", to=[FAR, FAR2])).json()
    await wait(lambda: len(events(receiver, "/out")) == 3)
    outbox = await wired.sim("GET", "outbox")
    assert [m["id"] for m in outbox] == [first["id"], second["id"]]
    assert [m["text"] for m in outbox] == ["one", "two"]
    assert outbox[0]["tag"] == "t1"
    assert outbox[1]["to"] == [FAR, FAR2]
    assert outbox[1]["from"] == OURS
    assert outbox[1]["status"] == "DELIVERED"
    assert outbox[0]["media"] == []


async def test_the_list_pages_through_items_without_text(
    wired: Any, receiver: Any, wait: Any
) -> None:
    sent = [
        (await send(wired, text=f"n{i}", to=[f"+1415555020{i}"])).json()["id"] for i in range(5)
    ]
    await wait(lambda: len(events(receiver, "/out")) == 5)
    ids: list[str] = []
    token = None
    pages = 0
    while True:
        params = {"sourceTn": OURS, "limit": "2", **({"pageToken": token} if token else {})}
        answer = await wired.client.get(wired.messaging("messages"), params=params)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/json"
        page = answer.json()
        assert page["totalCount"] == 5
        for item in page["messages"]:
            assert not {"text", "tag", "media", "applicationId"} & set(item)
            assert item["messageDirection"] == "OUTBOUND"
            assert item["messageStatus"] == "DELIVERED"
            assert item["messageType"] == "sms"
            assert isinstance(item["segmentCount"], int)
        ids.extend(item["messageId"] for item in page["messages"])
        pages += 1
        token = page["pageInfo"].get("nextPageToken")
        if token is None:
            break
        assert page["pageInfo"]["nextPage"].startswith(wired.base)
        assert f"pageToken={token}" in page["pageInfo"]["nextPage"]
    assert pages == 3
    assert ids == sent
    newest = await wired.client.get(
        wired.messaging("messages"),
        params={"sourceTn": OURS, "sort": "receiveTime:desc", "limit": 1},
    )
    assert newest.json()["messages"][0]["messageId"] == sent[-1]
    assert "prevPageToken" not in newest.json()["pageInfo"]


async def test_the_list_filters(wired: Any, receiver: Any, wait: Any) -> None:
    await send(wired, to=[FAR])
    await send(wired, to=["+15005550775"], media=["https://example.com/x.png"])
    await wired.sim("POST", "inbound/messages", {"from": FAR2, "to": OURS, "text": "yo"})
    await wait(lambda: len(events(receiver, "/out")) == 3 and len(receiver.at("/in")) == 1)

    async def count(**params: Any) -> int:
        answer = await wired.client.get(wired.messaging("messages"), params=params)
        assert answer.status_code == 200, answer.text
        total: int = answer.json()["totalCount"]
        return total

    assert await count(sourceTn=OURS) == 2
    assert await count(destinationTn=OURS) == 1
    assert await count(destinationTn=f"{FAR},{FAR2}") == 1
    assert await count(sourceTn="+1415") == 1  # a partial number
    assert await count(messageDirection="INBOUND") == 1
    assert await count(messageStatus="FAILED") == 1
    assert await count(messageType="mms") == 1
    assert await count(errorCode=4775) == 1
    hour = timedelta(hours=1)
    moment = datetime.now(UTC)
    assert (
        await count(
            fromDateTime=(moment - hour).isoformat(), toDateTime=(moment + hour).isoformat()
        )
        == 3
    )
    assert await count(fromDateTime=(moment + hour).isoformat()) == 0


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"messageStatus": "LOST"},
        {"messageDirection": "in"},
        {"messageType": "fax"},
        {"limit": "0"},
        {"limit": "x"},
        {"limit": "99999999999999999999"},
        {"errorCode": "1e3"},
        {"pageToken": "!!!"},
        {"pageToken": base64.urlsafe_b64encode(b'{"offset": -1}').decode()},
        {"sourceTn": "+1"},
        {"destinationTn": ",".join(["+14155550100"] * 11)},
        {"fromDateTime": "yesterday"},
        {"fromDateTime": "2026-01-01T00:00:00Z", "toDateTime": "2026-02-01T00:00:00Z"},
        {"sort": "text:asc"},
        {"limit": "9000", "pageToken": base64.urlsafe_b64encode(b'{"offset": 5000}').decode()},
    ],
)
async def test_the_list_refuses_bad_queries_in_its_own_words(wired: Any, params: Any) -> None:
    answer = await wired.client.get(wired.messaging("messages"), params=params)
    assert answer.status_code == 400
    body = answer.json()
    assert body["type"] == "request-validation"
    assert body["description"]


def _field_errors(answer: httpx.Response) -> dict[str, str]:
    body = answer.json()
    assert body["type"] == "request-validation"
    assert body["description"].startswith("Your request could not be accepted")
    return {e["fieldName"]: e["description"] for e in body["fieldErrors"]}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"from": "+19995550000"}, "from"),
        ({"from": LONELY}, "from"),
        ({"from": "+invalid"}, "from"),
        ({"from": 19195550100}, "from"),
        ({"applicationId": "no-such-app"}, "applicationId"),
        ({"applicationId": 7}, "applicationId"),
        ({"applicationId": "voice-app"}, "applicationId"),
        ({"applicationId": "other-msg-app"}, "applicationId"),
        ({"to": []}, "to"),
        ({"to": None}, "to"),
        ({"to": [5]}, "to"),
        ({"to": ["4155550123"]}, "to"),
        ({"to": [FAR, FAR]}, "to"),
        ({"to": [f"+1415555{i:04d}" for i in range(11)]}, "to"),
        ({"text": "x" * 2049}, "text"),
        ({"text": ["hi"]}, "text"),
        ({"text": "", "media": None}, "text"),
        ({"media": "https://example.com/a.png"}, "media"),
        ({"media": ["ftp://example.com/a.png"]}, "media"),
        ({"media": ["https://example.com/" + "a" * 4096]}, "media"),
        ({"tag": "t" * 1025}, "tag"),
        ({"tag": 5}, "tag"),
        ({"priority": "urgent"}, "priority"),
        ({"expiration": "2001-01-01T00:00:00Z"}, "expiration"),
        ({"expiration": "soon"}, "expiration"),
    ],
)
async def test_a_send_is_refused_field_by_field(
    wired: Any, fields: dict[str, Any], field: str
) -> None:
    account = wired.state.account
    account.applications["voice-app"] = Application("voice-app", VOICE, "calls")
    account.applications["other-msg-app"] = Application("other-msg-app", MESSAGING, "other")
    answer = await send(wired, **fields)
    assert answer.status_code == 400, answer.text
    assert field in _field_errors(answer)
    assert await wired.sim("GET", "outbox") == []


async def test_a_single_string_to_and_a_future_expiration_are_accepted(
    wired: Any, receiver: Any, wait: Any
) -> None:
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    answer = await send(wired, to=FAR, expiration=later, priority="high")
    assert answer.status_code == 202, answer.text
    assert answer.json()["to"] == [FAR]
    assert answer.json()["priority"] == "high"
    await wait(lambda: len(events(receiver, "/out")) == 1)


@pytest.mark.parametrize(
    ("content", "content_type", "status", "kind"),
    [
        (b"{not json", "application/json", 400, "request-validation"),
        (b'["a list"]', "application/json", 400, "request-validation"),
        (b"[" * 100_000, "application/json", 400, "request-validation"),
        (b'{"to": ["+1"]}', "text/plain;charset=UTF-8", 415, "unsupported-content-type"),
        (b'{"to": ["+1"]}', None, 415, "unsupported-content-type"),
        (b"\xff\xfe", "application/json", 400, "request-validation"),
        (b'{"a": "' + b"x" * 300_000 + b'"}', "application/json", 413, "request-entity-too-large"),
    ],
)
async def test_hostile_bodies_get_a_json_refusal(
    wired: Any, content: bytes, content_type: str | None, status: int, kind: str
) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    answer = await wired.client.post(wired.messaging("messages"), content=content, headers=headers)
    assert answer.status_code == status
    assert answer.json()["type"] == kind
    assert answer.json()["description"]


@pytest.mark.parametrize(
    ("path", "auth"),
    [
        ("/api/v2/users/9900001/messages", ("bw-sandbox", "bw-sandbox-password")),
        ("/api/v2/users/9900000/messages", ("bw-sandbox", "wrong")),
        ("/api/v2/users/9900000/messages", None),
        ("/api/v2/users/9900000/media", None),
        ("/api/v2/users/9900000/media/a.png", ("someone", "bw-sandbox-password")),
        ("/api/v2/users/9900000/nowhere", None),
    ],
)
async def test_without_the_account_credentials_every_route_is_401(
    wired: Any, path: str, auth: tuple[str, str] | None
) -> None:
    async with httpx.AsyncClient(base_url=wired.base, auth=auth) as client:
        answer = await client.get(path, params={"sourceTn": OURS})
    assert answer.status_code == 401
    assert answer.json() == {"type": "unauthorized", "description": "Authentication Failed"}


async def test_unknown_paths_and_methods_answer_json(wired: Any) -> None:
    missing = await wired.client.get(wired.messaging("messages/happy"))
    assert missing.status_code == 404
    body = missing.json()
    assert (body["status"], body["error"], body["path"]) == (
        404,
        "Not Found",
        "/api/v2/users/9900000/messages/happy",
    )
    assert body["type"]
    assert body["description"]
    wrong = await wired.client.delete(wired.messaging("messages"))
    assert wrong.status_code == 405
    assert wrong.json()["type"] == "method-not-allowed"


async def test_a_doubled_slash_after_the_base_is_tolerated(
    wired: Any, receiver: Any, wait: Any
) -> None:
    body = {"applicationId": APP, "to": [FAR], "from": OURS, "text": "hi"}
    answer = await wired.client.post("/api/v2//users/9900000/messages", json=body)
    assert answer.status_code == 202
    await wait(lambda: len(events(receiver, "/out")) == 1)


async def test_an_application_without_urls_gets_no_callbacks(wired: Any, wait: Any) -> None:
    app = wired.state.account.applications[APP]
    app.outbound_url = None
    app.inbound_url = None
    await send(wired)
    await wired.sim("POST", "inbound/messages", {"from": FAR, "to": OURS, "text": "x"})
    service = wired.app.state.messaging
    await wait(
        lambda: all(d.status != "QUEUED" for m in service.messages.values() for d in m.destinations)
    )
    assert wired.state.callback_log == []


async def test_reset_forgets_the_messages(wired: Any, receiver: Any, wait: Any) -> None:
    await send(wired)
    await wait(lambda: len(events(receiver, "/out")) == 1)
    await wired.sim("POST", "reset")
    assert await wired.sim("GET", "outbox") == []
    assert wired.app.state.messaging.messages == {}


@pytest.mark.parametrize("url", ["not a url", "ftp://127.0.0.1/x", "http://[::1/x"])
async def test_an_unusable_callback_url_is_logged_as_a_connection_error(
    wired: Any, wait: Any, url: str
) -> None:
    wired.state.account.applications[APP].outbound_url = url
    await send(wired)
    log = wired.state.callback_log
    await wait(lambda: len(log) >= 2)
    assert log[0]["status"] is None
    assert log[0]["error"].startswith("connection error")


async def test_an_inbound_lone_surrogate_does_not_break_the_list(
    wired: Any, receiver: Any, wait: Any
) -> None:
    async with httpx.AsyncClient(base_url=wired.base) as plain:
        answer = await plain.post(
            "/sandbox/inbound/messages",
            content=b'{"from": "+14155550123", "to": "+19195550100", "text": "\\ud800"}',
        )
    assert answer.status_code == 201
    await wait(lambda: len(receiver.at("/in")) == 1)
    listed = await wired.client.get(wired.messaging("messages"), params={"destinationTn": OURS})
    assert listed.status_code == 200
    assert listed.json()["messages"][0]["messageSize"] == 3


@pytest.mark.parametrize(
    ("fields", "field"),
    [(b'"text": "\\ud800"', "text"), (b'"media": ["https://example.com/\\udfff"]', "media")],
)
async def test_a_lone_surrogate_is_refused(wired: Any, fields: bytes, field: str) -> None:
    body = b'{"applicationId": "%s", "to": ["%s"], "from": "%s", %s}' % (
        APP.encode(),
        FAR.encode(),
        OURS.encode(),
        fields,
    )
    answer = await wired.client.post(
        wired.messaging("messages"), content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400
    assert field in _field_errors(answer)


async def test_any_mix_of_field_values_gets_202_or_a_json_400(wired: Any) -> None:
    import random

    values: list[Any] = [
        None, 0, -1, 1e308, True, "", "x" * 3000, [], [None], {}, {"a": 1}, OURS, [FAR], APP,
        [FAR] * 3, ["+1"], "high", "2099-01-01T00:00:00Z", ["https://example.com/a.png"],
    ]  # fmt: skip
    keys = ["applicationId", "to", "from", "text", "media", "tag", "priority", "expiration"]
    rng = random.Random(14)
    for _ in range(150):
        body = {key: rng.choice(values) for key in keys if rng.random() < 0.8}
        answer = await wired.client.post(wired.messaging("messages"), json=body)
        assert answer.status_code in (202, 400), (body, answer.text)
        if answer.status_code == 400:
            error = answer.json()
            assert error["type"] == "request-validation"
            assert error["description"]
            assert all(e["fieldName"] and e["description"] for e in error.get("fieldErrors", []))


async def test_an_mms_with_media_of_the_sandbox_is_delivered(
    wired: Any, receiver: Any, wait: Any
) -> None:
    await wired.client.put(wired.messaging("media/my pic.png"), content=b"x")
    (listed,) = (await wired.client.get(wired.messaging("media"))).json()
    assert listed["content"].endswith("/media/my%20pic.png")
    await send(wired, media=[listed["content"]])
    await wait(lambda: len(events(receiver, "/out")) == 2)
    assert events(receiver, "/out")[1]["type"] == "message-delivered"
