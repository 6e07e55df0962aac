"""Every validation error of reference §2, §3, §4, §5 and §7: status, category and code."""

from __future__ import annotations

import json
from typing import Any

import pytest
import pytest_asyncio

from smsconsole.sandbox.errors import ApiError
from smsconsole.sandbox.validation import parse_local_criteria

BAD = "bad-request"
SEARCH = "/v1/availableNumbers/local"
ISNS = "invalid-available-number-search"
ORDER = "invalid-available-number-search-order"
APP_URL = "http://x.test/a"

# (method, path, query, body, status, category, code); {own} {app} {active} {ringing} {user}
CASES: list[tuple[str, str, dict[str, str], Any, int, str, str]] = [
    # §3.1 search combinations and limits
    ("GET", SEARCH, {"city": "Cary"}, None, 400, BAD, ISNS),
    ("GET", SEARCH, {}, None, 400, BAD, ISNS),
    ("GET", SEARCH, {"city": "Cary", "zip": "27511"}, None, 400, BAD, ISNS),
    ("GET", SEARCH, {"city": "Cary", "state": "NC", "areaCode": "919"}, None, 400, BAD, ISNS),
    ("GET", SEARCH, {"zip": "27511", "state": "NC", "areaCode": "919"}, None, 400, BAD, ISNS),
    ("GET", SEARCH, {"zip": "27511", "areaCode": "919"}, None, 400, BAD, ISNS),
    ("GET", SEARCH, {"zip": "27511", "state": "NC"}, None, 400, BAD, ISNS),
    ("GET", SEARCH, {"state": "NC", "areaCode": "919"}, None, 400, BAD, ISNS),
    ("GET", SEARCH, {"state": "NC", "localNumber": "555"}, None, 400, BAD, ISNS),
    ("GET", SEARCH, {"areaCode": "91"}, None, 400, BAD, ISNS),
    ("GET", SEARCH, {"areaCode": "919", "localNumber": "55"}, None, 400, BAD, ISNS),
    ("GET", SEARCH, {"areaCode": "919", "localNumber": "55501"}, None, 400, BAD, ISNS),
    ("GET", SEARCH, {"state": "NC", "quantity": "5001"}, None, 400, BAD, ISNS),
    ("GET", SEARCH, {"state": "NC", "quantity": "0"}, None, 400, BAD, "validation-error"),
    ("GET", SEARCH, {"zip": "99999"}, None, 400, BAD, "invalid-zip-code"),
    (
        "GET",
        SEARCH,
        {"city": "Nowhere", "state": "NC"},
        None,
        403,
        "forbidden",
        "invalid-rate-center",
    ),
    # §3.3 search and order
    ("POST", SEARCH, {"state": "NC", "pattern": "*5*"}, None, 400, BAD, ORDER),
    ("POST", SEARCH, {"state": "NC", "quantity": "11"}, None, 400, BAD, ORDER),
    ("POST", SEARCH, {"state": "ZZ"}, None, 404, "not-found", "order-number-quantity-unavailable"),
    ("POST", "/v1/availableNumbers/tollFree", {"quantity": "11"}, None, 400, BAD, ORDER),
    # §4 phone numbers
    ("GET", "{user}/phoneNumbers/n-unknown", {}, None, 404, "not-found", "number-not-found"),
    ("GET", "{user}/phoneNumbers/+15005550000", {}, None, 404, "not-found", "number-not-found"),
    ("POST", "{user}/phoneNumbers", {}, {"number": "{own}"}, 409, "conflict", "duplicate-number"),
    (
        "POST",
        "{user}/phoneNumbers",
        {},
        {"number": "+15005550123"},
        404,
        "not-found",
        "resource-not-found",
    ),
    ("POST", "{user}/phoneNumbers", {}, {"name": "x"}, 400, BAD, "missing-property"),
    (
        "POST",
        "{user}/phoneNumbers/{own}",
        {},
        {"applicationId": "a-nope"},
        404,
        "not-found",
        "application-not-found",
    ),
    # §2 applications
    ("POST", "{user}/applications", {}, {"incomingCallUrl": APP_URL}, 400, BAD, "missing-property"),
    (
        "POST",
        "{user}/applications",
        {},
        {"name": "  ", "incomingCallUrl": APP_URL},
        400,
        BAD,
        "blank-property",
    ),
    ("POST", "{user}/applications", {}, {"name": "x"}, 400, BAD, "validation-error"),
    (
        "POST",
        "{user}/applications",
        {},
        {"name": "x", "incomingMessageUrl": APP_URL, "incomingCallFallbackUrl": APP_URL},
        400,
        BAD,
        "validation-error",
    ),
    (
        "POST",
        "{user}/applications",
        {},
        {"name": "x", "incomingCallUrl": APP_URL, "incomingCallFallbackUrl": ""},
        400,
        BAD,
        "validation-error",
    ),
    (
        "POST",
        "{user}/applications",
        {},
        {"name": "x", "incomingCallUrl": APP_URL, "incomingCallUrlCallbackTimeout": 0},
        400,
        BAD,
        "validation-error",
    ),
    (
        "POST",
        "{user}/applications",
        {},
        {"name": "x", "incomingCallUrl": APP_URL, "incomingCallUrlCallbackTimeout": "10001"},
        400,
        BAD,
        "validation-error",
    ),
    (
        "POST",
        "{user}/applications",
        {},
        {"name": "x", "incomingCallUrl": "not a url"},
        400,
        BAD,
        "validation-error",
    ),
    (
        "POST",
        "{user}/applications",
        {},
        {"name": "x", "incomingCallUrl": APP_URL, "callbackHttpMethod": "PUT"},
        400,
        BAD,
        "validation-error",
    ),
    ("GET", "{user}/applications/a-nope", {}, None, 404, "not-found", "application-not-found"),
    (
        "POST",
        "{user}/applications/{app}",
        {},
        {"incomingCallFallbackUrl": ""},
        400,
        BAD,
        "validation-error",
    ),
    # §5 messages
    ("POST", "{user}/messages", {}, {"from": "{own}", "text": "hi"}, 400, BAD, "missing-property"),
    (
        "POST",
        "{user}/messages",
        {},
        {"to": "+14155550100", "text": "hi"},
        400,
        BAD,
        "missing-property",
    ),
    (
        "POST",
        "{user}/messages",
        {},
        {"from": "{own}", "to": "+14155550100"},
        400,
        BAD,
        "missing-property",
    ),
    (
        "POST",
        "{user}/messages",
        {},
        {"from": "{own}", "to": " ", "text": "hi"},
        400,
        BAD,
        "blank-property",
    ),
    (
        "POST",
        "{user}/messages",
        {},
        {"from": "", "to": "+14155550100", "text": "hi"},
        400,
        BAD,
        "blank-property",
    ),
    (
        "POST",
        "{user}/messages",
        {},
        {"from": "{own}", "to": "+14155550100", "text": " "},
        400,
        BAD,
        "blank-property",
    ),
    (
        "POST",
        "{user}/messages",
        {},
        {"from": "{own}", "to": "+14155550100", "text": "x" * 2049},
        400,
        BAD,
        "validation-error",
    ),
    (
        "POST",
        "{user}/messages",
        {},
        {"from": "+19995550100", "to": "+14155550100", "text": "hi"},
        401,
        "authorization",
        "number-access-denied",
    ),
    (
        "POST",
        "{user}/messages",
        {},
        {
            "from": "{own}",
            "to": "+14155550100",
            "media": ["http://x.test/a.png"],
            "receiptRequested": "all",
        },
        400,
        BAD,
        "validation-error",
    ),
    (
        "POST",
        "{user}/messages",
        {},
        {"from": "{own}", "to": "+14155550100", "text": "hi", "callbackUrl": "nope"},
        400,
        BAD,
        "callback-invalid-url",
    ),
    (
        "POST",
        "{user}/messages",
        {},
        {"from": "{own}", "to": "+14155550100", "text": "hi", "callbackTimeout": 20000},
        400,
        BAD,
        "validation-error",
    ),
    (
        "POST",
        "{user}/messages",
        {},
        {"from": "{own}", "to": "+14155550100", "media": ["{big}"]},
        403,
        "forbidden",
        "media-size-overflow",
    ),
    (
        "POST",
        "{user}/messages",
        {},
        [{"from": "{own}", "to": "+14155550100", "text": "hi"}] * 51,
        403,
        "limit",
        "multi-message-limit",
    ),
    ("GET", "{user}/messages/m-nope", {}, None, 404, "not-found", "message-not-found"),
    ("PATCH", "{user}/messages/{message}", {}, {"text": "changed"}, 400, BAD, "validation-error"),
    # §7 calls
    ("POST", "{user}/calls", {}, {"from": "{own}"}, 400, BAD, "missing-property"),
    (
        "POST",
        "{user}/calls",
        {},
        {"from": "+19995550100", "to": "+14155550100"},
        401,
        "authorization",
        "number-access-denied",
    ),
    ("GET", "{user}/calls/c-nope", {}, None, 404, "not-found", "call-not-found"),
    (
        "POST",
        "{user}/calls/{ringing}",
        {},
        {"state": "active"},
        403,
        "forbidden",
        "call-invalid-state",
    ),
    (
        "POST",
        "{user}/calls/{ringing}",
        {},
        {"state": "transferring", "transferTo": "+14155550101"},
        403,
        "forbidden",
        "call-invalid-state",
    ),
    (
        "POST",
        "{user}/calls/{ended}",
        {},
        {"state": "completed"},
        403,
        "forbidden",
        "call-invalid-state",
    ),
    (
        "POST",
        "{user}/calls/{active}",
        {},
        {"state": "rejected"},
        403,
        "forbidden",
        "call-invalid-state",
    ),
    ("POST", "{user}/calls/{active}", {}, {"state": "transferring"}, 400, BAD, "missing-property"),
    (
        "POST",
        "{user}/calls/{ringing}/audio",
        {},
        {"sentence": "hello"},
        403,
        "forbidden",
        "call-audio-invalid-state",
    ),
    (
        "POST",
        "{user}/calls/{ringing}/gather",
        {},
        {"maxDigits": 3},
        403,
        "forbidden",
        "call-invalid-state",
    ),
    (
        "POST",
        "{user}/calls/{gathering}/gather",
        {},
        {"maxDigits": 3},
        409,
        "conflict",
        "call-duplicate-gather-error",
    ),
    ("POST", "{user}/calls/{active}/gather", {}, {"maxDigits": 31}, 400, BAD, "validation-error"),
    ("POST", "{user}/calls/{active}/dtmf", {}, {"dtmfOut": "12X"}, 400, BAD, "validation-error"),
    ("GET", "{user}/recordings/rec-nope", {}, None, 404, "not-found", "recording-not-found"),
    ("GET", "{user}/media/nope.png", {}, None, 404, "not-found", "media-not-found"),
]


def _fill(value: Any, names: dict[str, str]) -> Any:
    text = json.dumps(value)
    for key, replacement in names.items():
        text = text.replace("{" + key + "}", replacement)
    return json.loads(text)


SHARED_LOOP = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def names(realtime_sandbox: Any) -> dict[str, str]:
    """Resources the table refers to: an owned number, an app, calls in each state..."""
    sandbox = realtime_sandbox
    app_id = await sandbox.create_app(incomingCallUrl=APP_URL)
    own = (await sandbox.order(app_id))["number"]
    client = sandbox.client

    async def call(state: str) -> str:
        made = await client.post(sandbox.user("calls"), json={"from": own, "to": "+14155550100"})
        call_id: str = made.headers["location"].rsplit("/", 1)[1]
        if state != "ringing":
            await sandbox.sim(f"calls/{call_id}/remote", {"action": "answer"})
        if state == "ended":
            await client.post(sandbox.user(f"calls/{call_id}"), json={"state": "completed"})
        if state == "gathering":
            gather = {"maxDigits": 5, "interDigitTimeout": 30}
            await client.post(sandbox.user(f"calls/{call_id}/gather"), json=gather)
        return call_id

    big = sandbox.user("media/big.bin")
    await client.put(big, content=b"0" * 1_600_000)
    sent = await client.post(
        sandbox.user("messages"), json={"from": own, "to": "+14155550100", "text": "hi"}
    )
    return {
        "user": "/v1/users/u-sandbox",
        "own": own,
        "app": app_id,
        "big": f"{sandbox.base}{big}",
        "message": sent.headers["location"].rsplit("/", 1)[1],
        "ringing": await call("ringing"),
        "active": await call("active"),
        "ended": await call("ended"),
        "gathering": await call("gathering"),
    }


@SHARED_LOOP
@pytest.mark.parametrize(
    ("method", "path", "query", "body", "status", "category", "code"),
    CASES,
    ids=[f"{c[0]} {c[1]} {c[6]} #{i}" for i, c in enumerate(CASES)],
)
async def test_documented_error(
    realtime_sandbox: Any,
    names: dict[str, str],
    method: str,
    path: str,
    query: dict[str, str],
    body: Any,
    status: int,
    category: str,
    code: str,
) -> None:
    url = _fill(path, names)
    content = None if body is None else json.dumps(_fill(body, names)).encode()
    headers = {"content-type": "application/json"} if content is not None else {}
    response = await realtime_sandbox.client.request(
        method, url, params=_fill(query, names), content=content, headers=headers
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()
    assert (error["category"], error["code"]) == (category, code)
    assert isinstance(error["message"], str)
    assert error["message"]
    names_in_details = {detail["name"] for detail in error["details"]}
    assert {"requestMethod", "remoteAddress", "requestPath"} <= names_in_details


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"city": "Cary"}, "For searching by City the State is also required"),
        ({}, "Specify a State ZIP Code or Area Code"),
        ({"city": "Cary", "zip": "27511"}, "A query cannot combine City with ZIP Code"),
        ({"zip": "27511", "state": "NC"}, "A query cannot combine ZIP Code with State"),
        ({"areaCode": "91"}, "An Area Code must be 3 digits"),
        ({"areaCode": "919", "localNumber": "55"}, "Local Number must contains at least 3 digits"),
        (
            {"areaCode": "919", "localNumber": "55501"},
            "localNumber must contain a maximum of 4 digits",
        ),
        ({"zip": "99999"}, "ZIP 99999 did not map to a location"),
        ({"city": "Nowhere", "state": "NC"}, "The city Nowhere in the state NC was not found"),
    ],
)
def test_search_messages_use_the_documented_wording(query: dict[str, str], message: str) -> None:
    with pytest.raises(ApiError, match=message):
        parse_local_criteria(query)


@SHARED_LOOP
async def test_long_text_message_wording(realtime_sandbox: Any, names: dict[str, str]) -> None:
    sandbox = realtime_sandbox
    body = {"from": names["own"], "to": "+14155550100", "text": "x" * 2049}
    response = await sandbox.client.post(sandbox.user("messages"), json=body)
    assert response.json()["message"] == "The message text must be 2,048 characters or less"
    missing = await sandbox.client.post(sandbox.user("messages"), json={"from": names["own"]})
    assert missing.json()["message"] == (
        "The 'message' resource property 'to' is required but was not specified"
    )
