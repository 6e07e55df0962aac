"""Protocol conventions of the sandbox over real HTTP (reference §1)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from smsconsole.sandbox.app import create_sandbox_app

ID = re.compile(r"^[a-z]+-[a-z2-7]{23}$")
USER = "u-sandbox"
LINK = re.compile(r'^<([^>]+)>; rel="first"(?:, <([^>]+)>; rel="next")?$')


@pytest.mark.parametrize(
    ("auth", "user"),
    [
        (("t-sandbox", "wrong"), USER),
        (("wrong", "s-sandbox"), USER),
        (None, USER),
        (("t-sandbox", "s-sandbox"), "u-someoneelse"),
    ],
)
async def test_bad_credentials_or_user_get_401_access_denied(
    sandbox: Any, auth: tuple[str, str] | None, user: str
) -> None:
    async with httpx.AsyncClient(base_url=sandbox.base, auth=auth) as client:
        response = await client.get(f"/v1/users/{user}/applications")
    assert response.status_code == 401
    body = response.json()
    assert (body["category"], body["code"]) == ("authorization", "access-denied")
    assert body["message"]
    details = {d["name"]: d["value"] for d in body["details"]}
    assert details["requestMethod"] == "GET"
    assert details["requestPath"] == f"users/{user}/applications"
    assert details["remoteAddress"] == "127.0.0.1"


async def test_available_numbers_also_need_credentials(sandbox: Any) -> None:
    async with httpx.AsyncClient(base_url=sandbox.base) as client:
        response = await client.get("/v1/availableNumbers/local", params={"state": "NC"})
    assert response.status_code == 401


async def test_create_answers_201_empty_with_absolute_location(sandbox: Any) -> None:
    response = await sandbox.client.post(
        sandbox.user("applications"), json={"name": "a", "incomingCallUrl": "http://x.test/c"}
    )
    assert response.status_code == 201
    assert response.content == b""
    assert response.headers["content-length"] == "0"
    assert "content-type" not in response.headers
    location = response.headers["location"]
    assert location.startswith(f"{sandbox.base}/v1/users/{USER}/applications/")
    assert ID.match(location.rsplit("/", 1)[1])
    got = await sandbox.client.get(location)
    assert got.headers["content-type"] == "application/json"
    assert got.json()["name"] == "a"


async def test_updates_and_deletes_answer_200_without_content_type(sandbox: Any) -> None:
    app_id = await sandbox.create_app(incomingCallUrl="http://x.test/c")
    updated = await sandbox.client.post(sandbox.user(f"applications/{app_id}"), json={"name": "b"})
    deleted = await sandbox.client.delete(sandbox.user(f"applications/{app_id}"))
    for response in (updated, deleted):
        assert response.status_code == 200
        assert response.headers["content-length"] == "0"
        assert "content-type" not in response.headers
    missing = await sandbox.client.get(sandbox.user(f"applications/{app_id}"))
    assert missing.json()["code"] == "application-not-found"


async def test_link_header_pages_with_first_and_next(sandbox: Any) -> None:
    for _ in range(3):
        await sandbox.create_app(incomingCallUrl="http://x.test/c")
    first = await sandbox.client.get(sandbox.user("applications"), params={"size": 2})
    match = LINK.match(first.headers["link"])
    assert match is not None
    assert match.group(1) == f"{sandbox.base}/v1/users/{USER}/applications?page=0&size=2"
    assert match.group(2) == f"{sandbox.base}/v1/users/{USER}/applications?page=1&size=2"
    assert len(first.json()) == 2
    second = await sandbox.client.get(match.group(2))
    assert len(second.json()) == 1
    last = LINK.match(second.headers["link"])
    assert last is not None
    assert last.group(2) is None


async def test_single_page_still_has_rel_first_and_filters_are_repeated(sandbox: Any) -> None:
    app_id = await sandbox.create_app(incomingCallUrl="http://x.test/c")
    await sandbox.order(app_id)
    await sandbox.order(app_id)
    await sandbox.order(None)
    listed = await sandbox.client.get(
        sandbox.user("phoneNumbers"), params={"applicationId": app_id, "size": 1}
    )
    match = LINK.match(listed.headers["link"])
    assert match is not None
    assert match.group(2) is not None
    assert f"applicationId={app_id}" in match.group(2)
    assert "page=1" in match.group(2)
    rest = await sandbox.client.get(match.group(2))
    assert [n["applicationId"] for n in rest.json()] == [app_id]
    single = await sandbox.client.get(sandbox.user("phoneNumbers"))
    assert LINK.match(single.headers["link"]).group(2) is None  # type: ignore[union-attr]
    assert len(single.json()) == 3


async def test_phone_number_by_id_and_e164_forms(sandbox: Any) -> None:
    number = await sandbox.order(None)
    e164 = number["number"]
    digits = e164[1:]
    for key in (number["id"], f"%2B{digits}", f"+{digits}", f"%20{digits}"):
        response = await sandbox.client.get(sandbox.user(f"phoneNumbers/{key}"))
        assert response.status_code == 200, key
        body = response.json()
        assert body["id"] == number["id"]
        assert body["number"] == e164
        assert body["nationalNumber"] == f"({digits[1:4]}) {digits[4:7]}-{digits[7:]}"
        assert body["numberState"] == "enabled"


async def test_nulls_are_ignored_and_empty_application_id_detaches(sandbox: Any) -> None:
    app_id = await sandbox.create_app(incomingCallUrl="http://x.test/c")
    number = await sandbox.order(app_id)
    path = sandbox.user(f"phoneNumbers/{number['id']}")
    await sandbox.client.post(
        path, json={"name": "desk", "applicationId": None, "fallbackNumber": None}
    )
    body = (await sandbox.client.get(path)).json()
    assert (body["name"], body["applicationId"]) == ("desk", app_id)
    assert body["application"] == f"{sandbox.base}/v1/users/{USER}/applications/{app_id}"
    await sandbox.client.post(path, json={"applicationId": "", "name": None})
    body = (await sandbox.client.get(path)).json()
    assert "applicationId" not in body
    assert body["name"] == "desk"
    app_path = sandbox.user(f"applications/{app_id}")
    await sandbox.client.post(
        app_path, json={"name": None, "incomingCallUrl": None, "autoAnswer": None}
    )
    assert (await sandbox.client.get(app_path)).json()["name"] == "test"


async def test_strings_for_numbers_and_booleans_and_enum_case(sandbox: Any) -> None:
    app_id = await sandbox.create_app(
        incomingMessageUrl="http://x.test/m",
        incomingMessageUrlCallbackTimeout="2000",
        autoAnswer="False",
        callbackHttpMethod="GET",
    )
    body = (await sandbox.client.get(sandbox.user(f"applications/{app_id}"))).json()
    assert body["autoAnswer"] is False
    assert body["incomingMessageUrlCallbackTimeout"] == 2000
    assert body["callbackHttpMethod"] == "get"
    assert body["incomingSmsUrl"] == "http://x.test/m"
    search = await sandbox.client.get(
        "/v1/availableNumbers/local",
        params={
            "areaCode": "919",
            "localNumber": "555",
            "inLocalCallingArea": "True",
            "quantity": "50",
        },
    )
    codes = {item["number"][2:5] for item in search.json()}
    assert codes == {"919", "984"}  # the overlay widened the search


async def test_search_results_shape_and_pattern_match(sandbox: Any) -> None:
    response = await sandbox.client.get(
        "/v1/availableNumbers/local", params={"areaCode": "910", "pattern": "*5540*", "quantity": 2}
    )
    items = response.json()
    assert len(items) == 2
    for item in items:
        assert item["number"].startswith("+1910554")
        assert item["price"] == "0.35"
        assert item["patternMatch"] == "      554 0   "
        assert {"city", "state", "rateCenter", "nationalNumber"} <= item.keys()
    toll_free = await sandbox.client.get("/v1/availableNumbers/tollFree", params={"quantity": 3})
    assert [item["price"] for item in toll_free.json()] == ["0.75"] * 3
    assert "city" not in toll_free.json()[0]


async def test_ordering_removes_from_inventory_and_release_is_final(sandbox: Any) -> None:
    number = await sandbox.order(None)
    search = await sandbox.client.get(
        "/v1/availableNumbers/local", params={"state": "NC", "city": "Raleigh", "quantity": 100}
    )
    assert number["number"] not in {item["number"] for item in search.json()}
    released = await sandbox.client.delete(sandbox.user(f"phoneNumbers/{number['id']}"))
    assert released.status_code == 200
    gone = await sandbox.client.get(sandbox.user(f"phoneNumbers/{number['id']}"))
    assert gone.status_code == 404
    again = await sandbox.client.post(
        sandbox.user("phoneNumbers"), json={"number": number["number"]}
    )
    assert again.status_code == 404
    listed = await sandbox.client.get(
        sandbox.user("phoneNumbers"), params={"numberState": "released"}
    )
    assert [n["numberState"] for n in listed.json()] == ["released"]


async def test_sandbox_numbers_lists_what_the_account_owns(sandbox: Any) -> None:
    assert (await sandbox.client.get("/sandbox/numbers")).json() == []
    first, second = await sandbox.order(None), await sandbox.order(None)
    listed = await sandbox.client.get("/sandbox/numbers")
    assert listed.status_code == 200
    assert listed.json() == [first["number"], second["number"]]
    await sandbox.client.delete(sandbox.user(f"phoneNumbers/{first['id']}"))
    assert (await sandbox.client.get("/sandbox/numbers")).json() == [second["number"]]


async def test_a_number_taken_by_someone_else_leaves_the_inventory_not_for_us(
    sandbox: Any,
) -> None:
    params = {"areaCode": "212", "quantity": 2}
    first, second = (await sandbox.client.get("/v1/availableNumbers/local", params=params)).json()
    taken = await sandbox.client.post("/sandbox/numbers/taken", json={"number": first["number"]})
    assert taken.status_code == 200, taken.text
    assert taken.json() == {"taken": first["number"]}
    after = (await sandbox.client.get("/v1/availableNumbers/local", params=params)).json()
    assert first["number"] not in {item["number"] for item in after}
    assert second["number"] in {item["number"] for item in after}
    assert (await sandbox.client.get(sandbox.user("phoneNumbers"))).json() == []  # not ours
    order = await sandbox.client.post(
        sandbox.user("phoneNumbers"), json={"number": first["number"]}
    )
    assert order.status_code == 404
    again = await sandbox.client.post("/sandbox/numbers/taken", json={"number": first["number"]})
    assert again.status_code == 404
    assert "error" in again.json()
    bad = await sandbox.client.post("/sandbox/numbers/taken", json={"number": "nope"})
    assert bad.status_code == 400


async def test_order_by_number_then_get(sandbox: Any) -> None:
    search = await sandbox.client.get("/v1/availableNumbers/tollFree", params={"quantity": 1})
    wanted = search.json()[0]["number"]
    response = await sandbox.client.post(
        sandbox.user("phoneNumbers"), json={"number": wanted, "name": "main line"}
    )
    assert response.status_code == 201
    body = (await sandbox.client.get(response.headers["location"])).json()
    assert (body["number"], body["name"], body["price"]) == (wanted, "main line", "0.75")


async def test_messages_cursor_paging_repeats_filters(sandbox: Any) -> None:
    number = await sandbox.order(None)
    ids = []
    for index in range(3):
        sent = await sandbox.client.post(
            sandbox.user("messages"),
            json={"from": number["number"], "to": "+14155550100", "text": f"n{index}"},
        )
        ids.append(sent.headers["location"].rsplit("/", 1)[1])
    first = await sandbox.client.get(
        sandbox.user("messages"), params={"direction": "out", "size": 2}
    )
    assert [m["id"] for m in first.json()] == [ids[2], ids[1]]  # newest first
    match = LINK.match(first.headers["link"])
    assert match is not None
    assert match.group(2) is not None
    assert "direction=out" in match.group(2)
    assert "sortKeyLT=" in match.group(2)
    second = await sandbox.client.get(match.group(2))
    assert [m["id"] for m in second.json()] == [ids[0]]
    assert LINK.match(second.headers["link"]).group(2) is None  # type: ignore[union-attr]
    one = (await sandbox.client.get(sandbox.user(f"messages/{ids[0]}"))).json()
    assert one["id"] == one["messageId"] == ids[0]
    assert ID.match(ids[0])


async def test_message_lifecycle_reaches_sent_and_text_can_be_redacted(
    sandbox: Any, wait: Any
) -> None:
    number = await sandbox.order(None)
    sent = await sandbox.client.post(
        sandbox.user("messages"), json={"from": number["number"], "to": "+14155550100", "text": "x"}
    )
    message_id = sent.headers["location"].rsplit("/", 1)[1]
    await wait(lambda: sandbox.state.world.messages[message_id].state == "sent")
    redacted = await sandbox.client.patch(sandbox.user(f"messages/{message_id}"), json={"text": ""})
    assert redacted.status_code == 200
    assert (await sandbox.client.get(sandbox.user(f"messages/{message_id}"))).json()["text"] == ""


async def test_batch_send_answers_202_with_results(sandbox: Any) -> None:
    number = await sandbox.order(None)
    good = {"from": number["number"], "to": "+14155550100", "text": "hi"}
    response = await sandbox.client.post(
        sandbox.user("messages"), json=[good, {"from": number["number"]}]
    )
    assert response.status_code == 202
    accepted, failed = response.json()
    assert accepted["result"] == "accepted"
    assert accepted["location"].startswith(f"{sandbox.base}/v1/users/{USER}/messages/m-")
    assert failed["result"] == "error"
    assert failed["error"]["code"] == "missing-property"
    assert "location" not in failed


async def test_media_upload_list_download_delete(sandbox: Any) -> None:
    path = sandbox.user("media/cat.png")
    put = await sandbox.client.put(path, content=b"\x89PNG", headers={"content-type": "image/png"})
    assert put.status_code == 200
    assert "content-type" not in put.headers
    got = await sandbox.client.get(path)
    assert (got.content, got.headers["content-type"]) == (b"\x89PNG", "image/png")
    listed = (await sandbox.client.get(sandbox.user("media"))).json()
    assert listed == [
        {"mediaName": "cat.png", "contentLength": 4, "content": f"{sandbox.base}{path}"}
    ]
    assert (await sandbox.client.delete(path)).status_code == 200
    missing = await sandbox.client.get(path)
    assert (missing.status_code, missing.json()["code"]) == (404, "media-not-found")


async def test_account_balance_is_a_string(sandbox: Any) -> None:
    body = (await sandbox.client.get(sandbox.user("account"))).json()
    assert isinstance(body["balance"], str)


async def test_call_lifecycle_events_and_chargeable_duration(sandbox: Any) -> None:
    number = await sandbox.order(None)
    created = await sandbox.client.post(
        sandbox.user("calls"), json={"from": number["number"], "to": "+14155550100"}
    )
    call_id = created.headers["location"].rsplit("/", 1)[1]
    assert ID.match(call_id)
    assert (await sandbox.client.get(sandbox.user(f"calls/{call_id}"))).json()["state"] == "started"
    await sandbox.sim(f"calls/{call_id}/remote", {"action": "answer"})
    await sandbox.client.post(sandbox.user(f"calls/{call_id}"), json={"state": "completed"})
    call = (await sandbox.client.get(sandbox.user(f"calls/{call_id}"))).json()
    assert call["state"] == "completed"
    assert call["chargeableDuration"] == 60
    assert {"activeTime", "endTime", "startTime"} <= call.keys()
    events = (await sandbox.client.get(sandbox.user(f"calls/{call_id}/events"))).json()
    assert [e["name"] for e in events] == ["create", "answer", "hangup"]
    one = await sandbox.client.get(sandbox.user(f"calls/{call_id}/events/{events[1]['id']}"))
    assert one.json()["name"] == "answer"


async def test_unanswered_outbound_call_times_out(sandbox: Any, wait: Any) -> None:
    number = await sandbox.order(None)
    created = await sandbox.client.post(
        sandbox.user("calls"),
        json={"from": number["number"], "to": "+14155550100", "callTimeout": "5"},
    )
    call_id = created.headers["location"].rsplit("/", 1)[1]
    await wait(lambda: sandbox.state.world.calls[call_id].state == "completed")
    events = [e.name for e in sandbox.state.world.calls[call_id].events]
    assert events == ["create", "timeout", "hangup"]
    assert sandbox.state.world.calls[call_id].chargeable_duration == 0


async def test_gather_collects_far_end_digits(sandbox: Any) -> None:
    number = await sandbox.order(None)
    created = await sandbox.client.post(
        sandbox.user("calls"), json={"from": number["number"], "to": "+14155550100"}
    )
    call_id = created.headers["location"].rsplit("/", 1)[1]
    await sandbox.sim(f"calls/{call_id}/remote", {"action": "answer"})
    gather = await sandbox.client.post(
        sandbox.user(f"calls/{call_id}/gather"),
        json={"maxDigits": "4", "interDigitTimeout": "30", "tag": "pin"},
    )
    assert gather.status_code == 201
    assert "/gather/gtr-" in gather.headers["location"]
    await sandbox.sim(f"calls/{call_id}/remote", {"action": "dtmf", "digits": "12#"})
    body = (await sandbox.client.get(gather.headers["location"])).json()
    assert (body["state"], body["reason"], body["digits"]) == (
        "completed",
        "terminating-digit",
        "12",
    )


async def test_recording_on_and_off_creates_a_recording(sandbox: Any) -> None:
    number = await sandbox.order(None)
    created = await sandbox.client.post(
        sandbox.user("calls"), json={"from": number["number"], "to": "+14155550100"}
    )
    call_id = created.headers["location"].rsplit("/", 1)[1]
    await sandbox.sim(f"calls/{call_id}/remote", {"action": "answer"})
    call_path = sandbox.user(f"calls/{call_id}")
    assert (
        await sandbox.client.post(call_path, json={"recordingEnabled": "true"})
    ).status_code == 200
    assert (
        await sandbox.client.post(call_path, json={"recordingEnabled": False})
    ).status_code == 200
    recordings = (await sandbox.client.get(f"{call_path}/recordings")).json()
    assert len(recordings) == 1
    assert recordings[0]["state"] == "complete"
    one = await sandbox.client.get(sandbox.user(f"recordings/{recordings[0]['id']}"))
    assert one.json()["media"].endswith(f"/media/{call_id}-1.wav")
    media = await sandbox.client.get(one.json()["media"])
    assert media.status_code == 200
    assert media.content.startswith(b"RIFF")


async def test_rate_limits_when_enabled(serve_app: Any) -> None:
    app = create_sandbox_app(rate_limits=True, speed=0.01, seed=3)
    async with (
        serve_app(app) as base,
        httpx.AsyncClient(base_url=base, auth=("t-sandbox", "s-sandbox")) as client,
    ):
        statuses = [(await client.get(f"/v1/users/{USER}/account")).status_code for _ in range(30)]
        assert 429 in statuses
        limited = await client.get(f"/v1/users/{USER}/account")
        while limited.status_code != 429:
            limited = await client.get(f"/v1/users/{USER}/account")
        assert limited.json()["code"] == "rate-limit-reached"
        assert int(limited.headers["x-ratelimit-reset"]) > 1_000_000_000_000
        ordered = await client.post("/v1/availableNumbers/local", params={"state": "TX"})
        assert ordered.status_code == 201
        number = ordered.json()[0]["number"]
        sends = [
            await client.post(
                f"/v1/users/{USER}/messages",
                json={"from": number, "to": "+14155550100", "text": "x"},
            )
            for _ in range(11)
        ]
        assert [r.status_code for r in sends[:10]] == [201] * 10
        assert (sends[10].status_code, sends[10].json()["category"]) == (403, "limit")
        assert sends[10].json()["code"] == "message-rate-limit"
