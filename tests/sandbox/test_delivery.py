"""Callback delivery to a loopback receiver: shape, order, method, auth, fallback (§6, §8, §9)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from smsconsole.sandbox.delivery import query_params

REMOTE = "+14155550123"
METHODS = pytest.mark.parametrize("method", ["POST", "GET"])


async def wire(sandbox: Any, receiver: Any, method: str, **app: Any) -> dict[str, str]:
    """An app whose URLs point at the receiver (with Basic credentials); a number on it."""
    host = receiver.base.removeprefix("http://")
    fields = {
        "incomingMessageUrl": f"http://cb:s%40cret@{host}/messages",
        "incomingCallUrl": f"http://cb:s%40cret@{host}/calls",
        "callbackHttpMethod": method.lower(),
        **app,
    }
    app_id = await sandbox.create_app(**fields)
    number = await sandbox.order(app_id)
    return {"app": app_id, "own": number["number"], "host": host}


def assert_delivered_like_v1(request: Any, method: str) -> None:
    assert request.method == method
    assert request.headers["user-agent"] == "BandwidthAPI/v1"
    expected = "Basic " + base64.b64encode(b"cb:s@cret").decode()
    assert request.headers["authorization"] == expected
    if method == "POST":
        assert request.headers["content-type"] == "application/json; charset=utf-8"
    else:
        assert request.body == b""


@METHODS
async def test_inbound_sms(sandbox: Any, receiver: Any, wait: Any, method: str) -> None:
    wired = await wire(sandbox, receiver, method)
    sent = await sandbox.sim("inbound/messages", {"from": REMOTE, "to": wired["own"], "text": "hi"})
    await wait(lambda: len(receiver.at("/messages")) == 1)
    request = receiver.at("/messages")[0]
    assert_delivered_like_v1(request, method)
    event = request.event()
    assert event["eventType"] == "sms"
    assert (event["direction"], event["state"]) == ("in", "received")
    assert (event["from"], event["to"], event["text"]) == (REMOTE, wired["own"], "hi")
    assert event["messageId"] == sent["id"]
    assert event["applicationId"] == wired["app"]
    assert event["messageUri"] == f"{sandbox.base}/v1/users/u-sandbox/messages/{sent['id']}"
    assert event["time"].endswith("Z")


@METHODS
async def test_inbound_mms(sandbox: Any, receiver: Any, wait: Any, method: str) -> None:
    wired = await wire(sandbox, receiver, method)
    media = ["http://media.test/a.jpg", "http://media.test/b.jpg"]
    body = {"from": REMOTE, "to": wired["own"], "text": "", "media": media}
    await sandbox.sim("inbound/messages", body)
    await wait(lambda: len(receiver.at("/messages")) == 1)
    event = receiver.at("/messages")[0].event()
    assert event["eventType"] == "mms"
    assert event["media"] == media


@METHODS
async def test_outbound_sent_then_delivery_receipt(
    sandbox: Any, receiver: Any, wait: Any, method: str
) -> None:
    wired = await wire(sandbox, receiver, method)
    body = {
        "from": wired["own"],
        "to": REMOTE,
        "text": "code 1234",
        "receiptRequested": "ALL",
        "callbackUrl": f"{receiver.base}/status",
        "callbackHttpMethod": method,
        "tag": "otp",
    }
    response = await sandbox.client.post(sandbox.user("messages"), json=body)
    message_id = response.headers["location"].rsplit("/", 1)[1]
    await wait(lambda: len(receiver.at("/status")) == 2)
    sent, receipt = receiver.events("/status")
    for event in (sent, receipt):
        assert (event["eventType"], event["direction"]) == ("sms", "out")
        assert (event["messageId"], event["tag"]) == (message_id, "otp")
        assert event["state"] == "sent"
    assert sent["deliveryState"] == "waiting"
    assert (receipt["deliveryState"], receipt["deliveryCode"]) == ("delivered", "0")
    assert receipt["deliveryDescription"] == "Message delivered to carrier"
    assert receiver.at("/messages") == []  # the message's own callbackUrl wins


async def test_opted_out_destination_gets_a_not_delivered_receipt(
    sandbox: Any, receiver: Any, wait: Any
) -> None:
    wired = await wire(sandbox, receiver, "POST")
    body = {"from": wired["own"], "to": "+15005550775", "text": "hi", "receiptRequested": "error"}
    await sandbox.client.post(sandbox.user("messages"), json=body)
    # Without callbackUrl, outbound events go to the app of the from number (our choice).
    await wait(lambda: len(receiver.at("/messages")) == 2)
    sent, receipt = receiver.events("/messages")
    assert sent["state"] == "sent"
    assert (receipt["deliveryState"], receipt["deliveryCode"]) == ("not-delivered", "775")


async def test_undeliverable_destination_ends_in_error(
    sandbox: Any, receiver: Any, wait: Any
) -> None:
    wired = await wire(sandbox, receiver, "POST")
    body = {"from": wired["own"], "to": "+15005550001", "text": "hi"}
    await sandbox.client.post(sandbox.user("messages"), json=body)
    await wait(lambda: len(receiver.at("/messages")) == 1)
    assert receiver.events("/messages")[0]["state"] == "error"


@METHODS
async def test_inbound_call_answered_automatically_then_hung_up_by_us(
    sandbox: Any, receiver: Any, wait: Any, method: str
) -> None:
    wired = await wire(sandbox, receiver, method)
    call = await sandbox.sim("inbound/calls", {"from": REMOTE, "to": wired["own"]})
    await wait(lambda: len(receiver.at("/calls")) == 2)
    hangup = await sandbox.client.post(
        sandbox.user(f"calls/{call['id']}"), json={"state": "completed"}
    )
    assert hangup.status_code == 200
    await wait(lambda: len(receiver.at("/calls")) == 3)
    assert_delivered_like_v1(receiver.at("/calls")[0], method)
    incoming, answer, ended = receiver.events("/calls")
    assert incoming["eventType"] == "incomingcall"
    assert (incoming["callId"], incoming["applicationId"]) == (call["id"], wired["app"])
    assert (incoming["from"], incoming["to"]) == (REMOTE, wired["own"])
    assert (answer["eventType"], answer["callState"]) == ("answer", "active")
    assert (ended["eventType"], ended["cause"], ended["callState"]) == (
        "hangup",
        "NORMAL_CLEARING",
        "completed",
    )


@METHODS
async def test_inbound_call_hung_up_by_the_far_end(
    sandbox: Any, receiver: Any, wait: Any, method: str
) -> None:
    wired = await wire(sandbox, receiver, method)
    call = await sandbox.sim("inbound/calls", {"from": REMOTE, "to": wired["own"]})
    await wait(lambda: len(receiver.at("/calls")) == 2)
    await sandbox.sim(f"calls/{call['id']}/remote", {"action": "hangup"})
    await wait(lambda: len(receiver.at("/calls")) == 3)
    assert receiver.events("/calls")[2]["cause"] == "NORMAL_CLEARING"


@METHODS
async def test_inbound_call_rejected(sandbox: Any, receiver: Any, wait: Any, method: str) -> None:
    wired = await wire(sandbox, receiver, method, autoAnswer=False)
    call = await sandbox.sim("inbound/calls", {"from": REMOTE, "to": wired["own"]})
    await wait(lambda: len(receiver.at("/calls")) == 1)
    state = (await sandbox.client.get(sandbox.user(f"calls/{call['id']}"))).json()["state"]
    assert state == "started"  # autoAnswer false: it waits
    await sandbox.client.post(sandbox.user(f"calls/{call['id']}"), json={"state": "rejected"})
    await wait(lambda: len(receiver.at("/calls")) == 2)
    hangup = receiver.events("/calls")[1]
    assert (hangup["eventType"], hangup["cause"]) == ("hangup", "CALL_REJECTED")
    final = (await sandbox.client.get(sandbox.user(f"calls/{call['id']}"))).json()
    assert final["state"] == "rejected"


@METHODS
async def test_transfer_creates_a_new_leg_with_its_own_callbacks(
    sandbox: Any, receiver: Any, wait: Any, method: str
) -> None:
    wired = await wire(sandbox, receiver, method)
    call = await sandbox.sim("inbound/calls", {"from": REMOTE, "to": wired["own"]})
    await wait(lambda: len(receiver.at("/calls")) == 2)
    body = {
        "state": "transferring",
        "transferTo": "+14155550199",
        "callbackUrl": f"{receiver.base}/leg",
        "callbackHttpMethod": method,
    }
    response = await sandbox.client.post(sandbox.user(f"calls/{call['id']}"), json=body)
    assert response.status_code == 201
    leg_id = response.headers["location"].rsplit("/", 1)[1]
    assert leg_id != call["id"]
    assert response.headers["location"].startswith(f"{sandbox.base}/v1/users/u-sandbox/calls/c-")
    leg = (await sandbox.client.get(sandbox.user(f"calls/{leg_id}"))).json()
    assert (leg["direction"], leg["to"], leg["state"]) == ("out", "+14155550199", "started")
    original = (await sandbox.client.get(sandbox.user(f"calls/{call['id']}"))).json()
    assert (original["state"], original["transferTo"]) == ("transferring", "+14155550199")
    await sandbox.sim(f"calls/{leg_id}/remote", {"action": "answer"})
    await wait(lambda: len(receiver.at("/leg")) == 1)
    assert receiver.events("/leg")[0]["eventType"] == "answer"
    await sandbox.sim(f"calls/{leg_id}/remote", {"action": "hangup"})
    await wait(lambda: len(receiver.at("/calls")) == 3)
    assert receiver.events("/calls")[2]["eventType"] == "hangup"  # the legs end together


@METHODS
async def test_speak_started_then_done(sandbox: Any, receiver: Any, wait: Any, method: str) -> None:
    wired = await wire(sandbox, receiver, method)
    call = await sandbox.sim("inbound/calls", {"from": REMOTE, "to": wired["own"]})
    await wait(lambda: len(receiver.at("/calls")) == 2)
    audio = {"sentence": "Hello there", "gender": "Female", "tag": "greeting"}
    response = await sandbox.client.post(sandbox.user(f"calls/{call['id']}/audio"), json=audio)
    assert response.status_code == 200
    await wait(lambda: len(receiver.at("/calls")) == 4)
    started, done = receiver.events("/calls")[2:]
    assert (started["eventType"], started["status"], started["state"]) == (
        "speak",
        "started",
        "PLAYBACK_START",
    )
    assert (done["status"], done["state"], done["tag"]) == ("done", "PLAYBACK_STOP", "greeting")


async def test_dtmf_and_gather_events(sandbox: Any, receiver: Any, wait: Any) -> None:
    wired = await wire(sandbox, receiver, "POST")
    call = await sandbox.sim("inbound/calls", {"from": REMOTE, "to": wired["own"]})
    await wait(lambda: len(receiver.at("/calls")) == 2)
    gather = {"maxDigits": 2, "interDigitTimeout": 30, "tag": "menu"}
    await sandbox.client.post(sandbox.user(f"calls/{call['id']}/gather"), json=gather)
    await sandbox.sim(f"calls/{call['id']}/remote", {"action": "dtmf", "digits": "42"})
    await wait(lambda: len(receiver.at("/calls")) == 5)
    first, second, done = receiver.events("/calls")[2:]
    assert [first["dtmfDigit"], second["dtmfDigit"]] == ["4", "2"]
    assert (done["eventType"], done["digits"], done["reason"]) == ("gather", "42", "max-digits")


@pytest.mark.parametrize("failure", ["fail", "slow"])
async def test_fallback_after_primary_fails_and_failure_is_recorded(
    sandbox: Any, receiver: Any, wait: Any, failure: str
) -> None:
    receiver.behaviour["/primary"] = failure
    host = receiver.base.removeprefix("http://")
    app_id = await sandbox.create_app(
        incomingMessageUrl=f"http://{host}/primary",
        incomingMessageFallbackUrl=f"http://{host}/fallback",
    )
    number = await sandbox.order(app_id)
    await sandbox.sim("inbound/messages", {"from": REMOTE, "to": number["number"], "text": "x"})
    await wait(lambda: len(receiver.at("/fallback")) == 1)
    assert len(receiver.at("/primary")) == 1
    assert receiver.events("/fallback")[0]["text"] == "x"
    errors = (await sandbox.client.get(sandbox.user("errors"))).json()
    assert len(errors) == 1
    error = errors[0]
    assert error["category"] == "unavailable"
    details = {d["name"]: d["value"] for d in error["details"]}
    assert details["callbackUrl"] == f"http://{host}/primary"
    assert details["callbackEvent"] == "sms"
    assert details["callbackMethod"] == "POST"
    if failure == "fail":
        assert error["code"] == "callback-http-failure-status"
        assert details["callbackStatusCode"] == "500"
    else:
        assert error["code"] == "callback-server-timeout"
    one = await sandbox.client.get(sandbox.user(f"errors/{error['id']}"))
    assert one.json()["code"] == error["code"]


async def test_events_of_one_call_arrive_in_order(sandbox: Any, receiver: Any, wait: Any) -> None:
    wired = await wire(sandbox, receiver, "POST")
    call = await sandbox.sim("inbound/calls", {"from": REMOTE, "to": wired["own"]})
    await wait(lambda: len(receiver.at("/calls")) == 2)
    await sandbox.sim(f"calls/{call['id']}/remote", {"action": "dtmf", "digits": "1234567890"})
    await wait(lambda: len(receiver.at("/calls")) == 12)
    digits = [e["dtmfDigit"] for e in receiver.events("/calls")[2:]]
    assert "".join(digits) == "1234567890"
    log = (await sandbox.client.get(f"{sandbox.base}/sandbox/callbacks")).json()
    assert len(log) == 12


def test_get_form_repeats_lists_and_writes_booleans_lower_case() -> None:
    params = query_params({"media": ["a", "b"], "flag": True, "n": 3, "d": {"k": 1}})
    assert params == [
        ("media", "a"),
        ("media", "b"),
        ("flag", "true"),
        ("n", "3"),
        ("d", '{"k": 1}'),
    ]
