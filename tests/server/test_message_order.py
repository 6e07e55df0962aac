"""Out-of-order message callbacks through the real server: the ladder and the provider's
times decide a message's status, never the order the callbacks arrive in."""

from __future__ import annotations

from typing import Any

MESSAGE_ID = "m-order00000000000000000000"


def callback(state: str, time: str, **fields: Any) -> dict[str, Any]:
    return {
        "eventType": "sms",
        "direction": "out",
        "messageId": MESSAGE_ID,
        "messageUri": f"https://api.catapult.inetwork.com/v1/users/u-x/messages/{MESSAGE_ID}",
        "from": "+13865245000",
        "to": "+13233326955",
        "text": "See you at 6",
        "time": time,
        "state": state,
        **fields,
    }


async def test_a_late_older_error_does_not_override_delivered(server: Any) -> None:
    delivered = callback(
        "sent",
        "2016-05-03T14:05:45.000Z",
        deliveryState="delivered",
        deliveryCode="0",
        deliveryDescription="Message delivered to carrier",
    )
    late_error = callback(
        "error",
        "2016-05-03T14:05:41.000Z",
        deliveryState="not-delivered",
        deliveryCode="720",
        deliveryDescription="Invalid destination",
    )
    for payload in (delivered, late_error):
        answer = await server.callback(payload)
        assert answer.status_code == 200, answer.text

    conversations = (await server.api("GET", "/api/conversations")).json()["items"]
    [conversation] = conversations
    thread = await server.api("GET", f"/api/conversations/{conversation['id']}/messages")
    [message] = thread.json()["items"]
    assert (message["state"], message["delivery_state"], message["delivery_code"]) == (
        "sent",
        "delivered",
        "0",
    )

    # The losing callback is kept, whole, in the raw log: the message's history.
    logged = (await server.api("GET", "/api/callbacks")).json()["items"]
    outcomes = [(entry["outcome"], '"error"' in entry["body"]) for entry in logged]
    assert outcomes == [("superseded", True), ("stored", False)]
    events = (await server.api("GET", "/api/events")).json()["items"]
    assert [item["event"]["kind"] for item in events] == ["message.sent"]

    # Delivered again (the provider retried) is still a duplicate of the one stored.
    again = await server.callback(late_error)
    assert again.status_code == 200
    logged = (await server.api("GET", "/api/callbacks")).json()["items"]
    assert logged[0]["outcome"] == "duplicate"
