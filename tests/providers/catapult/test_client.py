"""CatapultClient against a fake Catapult that answers exactly as the v1 reference describes.

The only seam is ``httpx.MockTransport``: creates answer 201 with an absolute ``Location`` and
an empty body without Content-Type (§1.4, §1.5), lists carry one ``Link`` header (§1.8),
errors carry ``{category, code, message, details}`` (§1.9). Waits go to a recorded fake sleep.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from smsconsole import __version__
from smsconsole.providers.catapult.client import CatapultClient
from smsconsole.providers.catapult.errors import CatapultError
from smsconsole.providers.catapult.models import ApplicationSettings, Audio, OutboundMessage
from smsconsole.providers.catapult.retry import RetryPolicy

BASE = "https://api.catapult.inetwork.com"
USER = "u-ujzdegxdncf32epf3dhodzd"
U = f"/v1/users/{USER}"
AUTH = "Basic " + base64.b64encode(b"t-token:s3cret").decode()
NOW = 1_479_308_590.0  # the fake clock, epoch seconds

Reply = httpx.Response | Exception


class FakeCatapult:
    """Answers queued replies in order and records every request it saw."""

    def __init__(self, *replies: Reply) -> None:
        self.replies: Iterator[Reply] = iter(replies)
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = next(self.replies)
        if isinstance(reply, Exception):
            raise reply
        return reply

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def client(self, retry: RetryPolicy | None = None) -> CatapultClient:
        return CatapultClient(
            user_id=USER,
            api_token="t-token",
            api_secret="s3cret",
            transport=httpx.MockTransport(self.handle),
            retry=retry,
            sleep=self.sleep,
            clock=lambda: NOW,
        )

    @property
    def only(self) -> httpx.Request:
        assert len(self.requests) == 1
        return self.requests[0]


def created(path: str) -> httpx.Response:
    return httpx.Response(201, headers={"Location": BASE + path})


def empty() -> httpx.Response:
    return httpx.Response(200)


def ok(body: object, *, links: dict[str, str] | None = None, status: int = 200) -> httpx.Response:
    headers = {}
    if links:
        headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
    return httpx.Response(status, json=body, headers=headers)


def failure(
    status: int, category: str, code: str, message: str | None = "", **headers: str
) -> httpx.Response:
    body: dict[str, Any] = {
        "category": category,
        "code": code,
        "details": [{"name": "requestMethod", "value": "POST"}],
    }
    if message is not None:
        body["message"] = message or f"{code} happened"
    return httpx.Response(status, json=body, headers=headers)


def sent_json(request: httpx.Request) -> Any:
    assert request.headers["Content-Type"] == "application/json"
    return json.loads(request.content)


def check(request: httpx.Request, method: str, path: str, **params: str) -> None:
    assert request.method == method
    assert request.url.raw_path.decode().split("?")[0] == path
    assert dict(request.url.params) == params
    assert request.headers["Authorization"] == AUTH
    assert request.headers["User-Agent"] == f"smsconsole/{__version__}"


# -- applications ------------------------------------------------------------------------------

APP = {
    "id": "a-ocis2jhtlgmxgedn73u55xt",
    "name": "sms-console-dev",
    "incomingCallUrl": "https://hooks.example.net/bw/calls",
    "incomingMessageUrl": "https://hooks.example.net/bw/messages",
    "incomingSmsUrl": "https://hooks.example.net/bw/messages",
    "incomingMessageUrlCallbackTimeout": "5000",
    "callbackHttpMethod": "post",
    "autoAnswer": "true",
    "somethingNew": 1,
}


async def test_list_applications_one_page() -> None:
    link = f"{BASE}{U}/applications?page=0&size=25"
    fake = FakeCatapult(ok([APP], links={"first": link}))
    async with fake.client() as client:
        page = await client.list_applications(size=25)
    check(fake.only, "GET", f"{U}/applications", page="0", size="25")
    assert page.next_url is None
    [app] = page.items
    assert app.id == "a-ocis2jhtlgmxgedn73u55xt"
    assert app.incoming_message_url_callback_timeout == 5000
    assert app.auto_answer is True
    assert app.incoming_sms_url == "https://hooks.example.net/bw/messages"


async def test_get_application() -> None:
    fake = FakeCatapult(ok(APP))
    async with fake.client() as client:
        app = await client.get_application("a-ocis2jhtlgmxgedn73u55xt")
    check(fake.only, "GET", f"{U}/applications/a-ocis2jhtlgmxgedn73u55xt")
    assert app.name == "sms-console-dev"
    assert app.callback_http_method == "post"


async def test_create_application_sends_camel_case_without_nulls() -> None:
    fake = FakeCatapult(created(f"{U}/applications/a-new7jf3fz7teaqupveqpug3i"))
    async with fake.client() as client:
        app_id = await client.create_application(
            ApplicationSettings(
                name="console",
                incoming_message_url="https://hooks.example.net/m",
                incoming_message_url_callback_timeout=5000,
                auto_answer=False,
            )
        )
    check(fake.only, "POST", f"{U}/applications")
    assert sent_json(fake.only) == {
        "name": "console",
        "incomingMessageUrl": "https://hooks.example.net/m",
        "incomingMessageUrlCallbackTimeout": 5000,
        "autoAnswer": False,
    }
    assert app_id == "a-new7jf3fz7teaqupveqpug3i"


async def test_update_application_sends_only_changed_fields() -> None:
    fake = FakeCatapult(empty())
    async with fake.client() as client:
        await client.update_application("a-1", ApplicationSettings(name="renamed"))
    check(fake.only, "POST", f"{U}/applications/a-1")
    assert sent_json(fake.only) == {"name": "renamed"}


async def test_delete_application() -> None:
    fake = FakeCatapult(empty())
    async with fake.client() as client:
        await client.delete_application("a-1")
    check(fake.only, "DELETE", f"{U}/applications/a-1")


# -- available numbers --------------------------------------------------------------------------

FOUND = {
    "number": "+19195550142",
    "nationalNumber": "(919) 555-0142",
    "patternMatch": "           456",
    "city": "RALEIGH",
    "rateCenter": "RALEIGH",
    "state": "NC",
    "price": "0.35",
}


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"city": "Raleigh", "state": "NC"}, {"city": "Raleigh", "state": "NC"}),
        ({"state": "NC"}, {"state": "NC"}),
        ({"zip_code": "27606"}, {"zip": "27606"}),
        ({"area_code": "919"}, {"areaCode": "919"}),
        (
            {"area_code": "919", "local_number": "555", "in_local_calling_area": True},
            {"areaCode": "919", "localNumber": "555", "inLocalCallingArea": "true"},
        ),
        ({"state": "NC", "quantity": 3}, {"state": "NC", "quantity": "3"}),
        ({"area_code": "919", "pattern": "*2?9*"}, {"areaCode": "919", "pattern": "*2?9*"}),
    ],
)
async def test_search_local_numbers_by_each_criterion(
    criteria: dict[str, Any], expected: dict[str, str]
) -> None:
    fake = FakeCatapult(ok([FOUND]))
    async with fake.client() as client:
        numbers = await client.search_local_numbers(**criteria)
    check(fake.only, "GET", "/v1/availableNumbers/local", **expected)
    assert numbers[0].number == "+19195550142"
    assert numbers[0].price == "0.35"
    assert numbers[0].pattern_match == "           456"


async def test_search_local_pattern_is_url_encoded() -> None:
    fake = FakeCatapult(ok([]))
    async with fake.client() as client:
        assert await client.search_local_numbers(state="NC", pattern="*2?9*") == []
    assert b"%3F" in fake.only.url.query  # §3.1: the pattern must be URL-encoded
    assert fake.only.url.params["pattern"] == "*2?9*"


async def test_search_toll_free_numbers() -> None:
    fake = FakeCatapult(ok([{"number": "+18445550100", "price": "0.75"}]))
    async with fake.client() as client:
        numbers = await client.search_toll_free_numbers(quantity=2, pattern="*456")
    check(fake.only, "GET", "/v1/availableNumbers/tollFree", quantity="2", pattern="*456")
    assert [n.number for n in numbers] == ["+18445550100"]


def _ordered(number_id: str, number: str) -> dict[str, str]:
    return {
        "number": number,
        "nationalNumber": "(919) 555-0187",
        "city": "RALEIGH",
        "state": "NC",
        "price": "0.35",
        "location": f"{BASE}{U}/phoneNumbers/{number_id}",
    }


async def test_order_local_numbers_posts_criteria_in_query_without_body() -> None:
    fake = FakeCatapult(ok([_ordered("n-plpft7v4seh2kvj72ceuvw7", "+19195550187")], status=201))
    async with fake.client() as client:
        ordered = await client.order_local_numbers(area_code="919", quantity=1)
    check(fake.only, "POST", "/v1/availableNumbers/local", areaCode="919", quantity="1")
    assert fake.only.content == b""
    assert ordered[0].id == "n-plpft7v4seh2kvj72ceuvw7"
    assert ordered[0].number == "+19195550187"


async def test_order_toll_free_numbers() -> None:
    fake = FakeCatapult(
        ok([_ordered("n-a", "+18445550100"), _ordered("n-b", "+18445550101")], status=201)
    )
    async with fake.client() as client:
        ordered = await client.order_toll_free_numbers(quantity=2)
    check(fake.only, "POST", "/v1/availableNumbers/tollFree", quantity="2")
    assert [n.id for n in ordered] == ["n-a", "n-b"]


# -- phone numbers ------------------------------------------------------------------------------

NUMBER = {
    "id": "n-plpft7v4seh2kvj72ceuvw7",
    "number": "+19195550187",
    "nationalNumber": "(919) 555-0187",
    "name": "support line",
    "applicationId": "a-ocis2jhtlgmxgedn73u55xt",
    "city": "RALEIGH",
    "state": "NC",
    "price": "0.35",
    "createdTime": "2017-02-06T18:41:37Z",
    "numberState": "enabled",
}


async def test_order_phone_number() -> None:
    fake = FakeCatapult(created(f"{U}/phoneNumbers/n-plpft7v4seh2kvj72ceuvw7"))
    async with fake.client() as client:
        number_id = await client.order_phone_number("+19195550187", application_id="a-1")
    check(fake.only, "POST", f"{U}/phoneNumbers")
    assert sent_json(fake.only) == {"number": "+19195550187", "applicationId": "a-1"}
    assert number_id == "n-plpft7v4seh2kvj72ceuvw7"


async def test_list_phone_numbers_with_filters() -> None:
    fake = FakeCatapult(ok([NUMBER]))
    async with fake.client() as client:
        page = await client.list_phone_numbers(
            application_id="a-1", state="NC", name="support", city="RALEIGH", number_state="enabled"
        )
    check(
        fake.only,
        "GET",
        f"{U}/phoneNumbers",
        applicationId="a-1",
        state="NC",
        name="support",
        city="RALEIGH",
        numberState="enabled",
        page="0",
    )
    assert page.items[0].created_time == datetime(2017, 2, 6, 18, 41, 37, tzinfo=UTC)


@pytest.mark.parametrize(
    ("key", "raw_path"),
    [
        ("n-plpft7v4seh2kvj72ceuvw7", f"{U}/phoneNumbers/n-plpft7v4seh2kvj72ceuvw7"),
        ("+19195550187", f"{U}/phoneNumbers/%2B19195550187"),
    ],
)
async def test_get_phone_number_by_id_or_e164(key: str, raw_path: str) -> None:
    fake = FakeCatapult(ok(NUMBER))
    async with fake.client() as client:
        number = await client.get_phone_number(key)
    check(fake.only, "GET", raw_path)
    assert number.application_id == "a-ocis2jhtlgmxgedn73u55xt"
    assert number.number_state == "enabled"


async def test_assign_detach_and_rename_phone_number() -> None:
    fake = FakeCatapult(empty(), empty(), empty())
    async with fake.client() as client:
        await client.assign_application("+19195550187", "a-2")
        await client.detach_application("n-1")
        await client.update_phone_number("n-1", name="sales", fallback_number="+14155550123")
    assign, detach, rename = fake.requests
    check(assign, "POST", f"{U}/phoneNumbers/%2B19195550187")
    assert sent_json(assign) == {"applicationId": "a-2"}
    assert sent_json(detach) == {"applicationId": ""}
    assert sent_json(rename) == {"name": "sales", "fallbackNumber": "+14155550123"}


async def test_release_phone_number() -> None:
    fake = FakeCatapult(empty())
    async with fake.client() as client:
        await client.release_phone_number("n-1")
    check(fake.only, "DELETE", f"{U}/phoneNumbers/n-1")


async def test_paging_across_three_pages_carries_filters() -> None:
    def link(page: int) -> str:
        return f"{BASE}{U}/phoneNumbers?applicationId=a-1&size=2&page={page}"

    fake = FakeCatapult(
        ok([NUMBER, NUMBER], links={"first": link(0), "next": link(1)}),
        ok([NUMBER, NUMBER], links={"first": link(0), "next": link(2)}),
        # A server that forgets the filters in the link: the client adds them back.
        ok([NUMBER], links={"first": link(0)}),
    )
    async with fake.client() as client:
        numbers = [n async for n in client.iter_phone_numbers(application_id="a-1", size=2)]
    assert len(numbers) == 5
    first, second, third = fake.requests
    check(first, "GET", f"{U}/phoneNumbers", applicationId="a-1", size="2")
    check(second, "GET", f"{U}/phoneNumbers", applicationId="a-1", size="2", page="1")
    check(third, "GET", f"{U}/phoneNumbers", applicationId="a-1", size="2", page="2")


async def test_next_link_missing_filters_gets_them_back() -> None:
    fake = FakeCatapult(
        ok([APP], links={"next": f"{BASE}{U}/applications?page=1"}),
        ok([APP]),
    )
    async with fake.client() as client:
        apps = [app async for app in client.iter_applications(size=1)]
    assert len(apps) == 2
    check(fake.requests[1], "GET", f"{U}/applications", page="1", size="1")


async def test_next_link_to_another_host_is_fetched_from_our_host() -> None:
    fake = FakeCatapult(
        ok([APP], links={"next": f"https://elsewhere.example{U}/applications?page=1&size=1"}),
        ok([]),
    )
    async with fake.client() as client:
        assert len([app async for app in client.iter_applications(size=1)]) == 1
    assert fake.requests[1].url.host == "api.catapult.inetwork.com"


# -- messages -----------------------------------------------------------------------------------

MESSAGE = {
    "id": "m-lqsaj2xuid5zzzzg6zdmen4",
    "messageId": "m-lqsaj2xuid5zzzzg6zdmen4",
    "from": "+19195550187",
    "to": "+14155550123",
    "direction": "out",
    "text": "Your code is 4821",
    "media": [],
    "state": "sent",
    "time": "2016-05-03T14:02:11Z",
    "receiptRequested": "all",
    "deliveryState": "delivered",
    "deliveryCode": 0,
    "deliveryDescription": "Message delivered to carrier",
    "segmentCount": "1",
    "skipMMSCarrierValidation": False,
}


async def test_send_message() -> None:
    fake = FakeCatapult(created(f"{U}/messages/m-dr4mcch2wfb6frcls677glq"))
    outbound = OutboundMessage(
        from_="+19195550187",
        to="+14155550123",
        text="hello",
        media=("https://example.net/cat.jpg",),
        tag="t1",
    )
    async with fake.client() as client:
        message_id = await client.send_message(outbound)
    check(fake.only, "POST", f"{U}/messages")
    assert sent_json(fake.only) == {
        "from": "+19195550187",
        "to": "+14155550123",
        "text": "hello",
        "media": ["https://example.net/cat.jpg"],
        "tag": "t1",
    }
    assert message_id == "m-dr4mcch2wfb6frcls677glq"


async def test_send_messages_batch_maps_each_result() -> None:
    results = [
        {"result": "accepted", "location": f"{BASE}{U}/messages/m-zz7fk4zri3r2wyojfljooa7"},
        {
            "result": "error",
            "error": {
                "category": "bad-request",
                "code": "blank-property",
                "message": "The 'message' resource property 'to' must contain at least one",
                "details": [{"name": "requestMethod", "value": "POST"}],
            },
        },
    ]
    fake = FakeCatapult(ok(results, status=202))
    batch = [
        OutboundMessage(from_="+19195550187", to="+14155550123", text="a"),
        OutboundMessage(from_="+19195550187", to="", text="b"),
    ]
    async with fake.client() as client:
        accepted, refused = await client.send_messages(batch)
    check(fake.only, "POST", f"{U}/messages")
    assert sent_json(fake.only) == [
        {"from": "+19195550187", "to": "+14155550123", "text": "a"},
        {"from": "+19195550187", "to": "", "text": "b"},
    ]
    assert accepted.accepted
    assert accepted.message_id == "m-zz7fk4zri3r2wyojfljooa7"
    assert not refused.accepted
    assert refused.error is not None
    assert refused.error.code == "blank-property"
    assert refused.error.details == (("requestMethod", "POST"),)


async def test_batch_over_fifty_refused_before_sending() -> None:
    fake = FakeCatapult()
    batch = [OutboundMessage(from_="+19195550187", to="+14155550123", text="x")] * 51
    async with fake.client() as client:
        with pytest.raises(CatapultError) as caught:
            await client.send_messages(batch)
    assert caught.value.code == "multi-message-limit"
    assert "at most 50" in str(caught.value)
    assert fake.requests == []


async def test_empty_batch_sends_nothing() -> None:
    fake = FakeCatapult()
    async with fake.client() as client:
        assert await client.send_messages([]) == []
    assert fake.requests == []


async def test_get_message_coerces_delivery_code_to_string() -> None:
    fake = FakeCatapult(ok(MESSAGE))
    async with fake.client() as client:
        message = await client.get_message("m-lqsaj2xuid5zzzzg6zdmen4")
    check(fake.only, "GET", f"{U}/messages/m-lqsaj2xuid5zzzzg6zdmen4")
    assert message.delivery_code == "0"
    assert message.segment_count == 1
    assert message.from_ == "+19195550187"
    assert message.time == datetime(2016, 5, 3, 14, 2, 11, tzinfo=UTC)
    assert message.skip_mms_carrier_validation is False


async def test_list_messages_sends_filters_and_exposes_cursor() -> None:
    next_url = f"{BASE}{U}/messages?sortKeyLT=1458576004287000989&size=1"
    fake = FakeCatapult(ok([MESSAGE], links={"next": next_url}))
    async with fake.client() as client:
        page = await client.list_messages(
            from_="+19195550187",
            to="+14155550123",
            from_date_time=datetime(2016, 5, 1, tzinfo=UTC),
            to_date_time="2016-05-25",
            direction="out",
            state="sent",
            delivery_state="delivered",
            sort_order="desc",
            size=1,
            sort_key_lt="1458576004287000999",
        )
    check(
        fake.only,
        "GET",
        f"{U}/messages",
        **{
            "from": "+19195550187",
            "to": "+14155550123",
            "fromDateTime": "2016-05-01 00:00:00",
            "toDateTime": "2016-05-25",
            "direction": "out",
            "state": "sent",
            "deliveryState": "delivered",
            "sortOrder": "desc",
            "size": "1",
            "sortKeyLT": "1458576004287000999",
        },
    )
    assert page.next_query("sortKeyLT") == "1458576004287000989"


async def test_list_messages_date_filters_keep_milliseconds_and_convert_to_utc() -> None:
    fake = FakeCatapult(ok([]))
    eastern = timezone(timedelta(hours=-4))
    async with fake.client() as client:
        page = await client.list_messages(
            from_date_time=datetime(2016, 5, 3, 10, 2, 11, 500000, tzinfo=eastern),
            to_date_time=datetime(2016, 5, 3, 14, 2, 11),  # naive: taken as UTC
        )
    check(
        fake.only,
        "GET",
        f"{U}/messages",
        fromDateTime="2016-05-03 14:02:11.500",
        toDateTime="2016-05-03 14:02:11",
    )
    assert page.items == []
    assert page.next_url is None


async def test_message_paging_stops_on_empty_page_despite_next_link() -> None:
    def link(cursor: str) -> dict[str, str]:
        return {"next": f"{BASE}{U}/messages?direction=in&sortKeyLT={cursor}&size=1"}

    fake = FakeCatapult(
        ok([MESSAGE], links=link("300")),
        ok([MESSAGE], links=link("200")),
        ok([], links=link("100")),  # §1.8: a next link to nothing; must not be followed.
    )
    async with fake.client() as client:
        messages = [m async for m in client.iter_messages(direction="in", size=1)]
    assert len(messages) == 2
    assert len(fake.requests) == 3
    check(fake.requests[2], "GET", f"{U}/messages", direction="in", sortKeyLT="200", size="1")


# -- calls ----------------------------------------------------------------------------------------

CALL = {
    "id": "c-6tfjgvq6kbnxjbtfqxkwovo",
    "direction": "out",
    "from": "+19195550187",
    "to": "+14155550123",
    "state": "completed",
    "startTime": "2016-05-03T15:00:01Z",
    "activeTime": "2016-05-03T15:00:09Z",
    "endTime": "2016-05-03T15:01:30Z",
    "chargeableDuration": 120,
    "recordingEnabled": "false",
    "events": f"{BASE}{U}/calls/c-6tfjgvq6kbnxjbtfqxkwovo/events",
}
C = f"{U}/calls/c-1"


async def test_create_call() -> None:
    fake = FakeCatapult(created(f"{U}/calls/c-bonay3r4mtwbplurq4nkt7q"))
    async with fake.client() as client:
        call_id = await client.create_call(
            "+19195550187",
            "+14155550123",
            callback_url="https://hooks.example.net/c",
            recording_enabled=True,
            call_timeout=30,
            sip_headers={"X-Trace": "1"},
        )
    check(fake.only, "POST", f"{U}/calls")
    assert sent_json(fake.only) == {
        "from": "+19195550187",
        "to": "+14155550123",
        "callbackUrl": "https://hooks.example.net/c",
        "recordingEnabled": True,
        "callTimeout": 30,
        "sipHeaders": {"X-Trace": "1"},
    }
    assert call_id == "c-bonay3r4mtwbplurq4nkt7q"


async def test_get_call() -> None:
    fake = FakeCatapult(ok(CALL))
    async with fake.client() as client:
        call = await client.get_call("c-6tfjgvq6kbnxjbtfqxkwovo")
    check(fake.only, "GET", f"{U}/calls/c-6tfjgvq6kbnxjbtfqxkwovo")
    assert call.chargeable_duration == 120
    assert call.recording_enabled is False
    assert call.end_time == datetime(2016, 5, 3, 15, 1, 30, tzinfo=UTC)


async def test_list_calls_with_filters() -> None:
    fake = FakeCatapult(ok([CALL, CALL]))
    async with fake.client() as client:
        page = await client.list_calls(from_="+19195550187", sort_order="asc", page=2, size=2)
    check(
        fake.only,
        "GET",
        f"{U}/calls",
        **{"from": "+19195550187"},
        sortOrder="asc",
        page="2",
        size="2",
    )
    assert len(page.items) == 2


async def test_iter_calls_follows_link_pages_with_filters() -> None:
    def link(page: int) -> str:
        return f"{BASE}{U}/calls?to=%2B14155550123&size=1&page={page}"

    fake = FakeCatapult(
        ok([CALL], links={"first": link(0), "next": link(1)}),
        ok([CALL], links={"first": link(0)}),
    )
    async with fake.client() as client:
        calls = [call async for call in client.iter_calls(to="+14155550123", size=1)]
    assert [call.id for call in calls] == [CALL["id"], CALL["id"]]
    check(fake.requests[0], "GET", f"{U}/calls", to="+14155550123", size="1")
    check(fake.requests[1], "GET", f"{U}/calls", to="+14155550123", size="1", page="1")


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("answer_call", {"state": "active"}),
        ("reject_call", {"state": "rejected"}),
        ("hang_up_call", {"state": "completed"}),
        ("stop_recording", {"recordingEnabled": False}),
    ],
)
async def test_call_state_updates(action: str, body: dict[str, object]) -> None:
    fake = FakeCatapult(empty())
    async with fake.client() as client:
        await getattr(client, action)("c-1")
    check(fake.only, "POST", C)
    assert sent_json(fake.only) == body


async def test_start_recording() -> None:
    fake = FakeCatapult(empty())
    async with fake.client() as client:
        await client.start_recording("c-1", file_format="mp3")
    check(fake.only, "POST", C)
    assert sent_json(fake.only) == {"recordingEnabled": True, "recordingFileFormat": "mp3"}


async def test_transfer_answers_the_new_call_id() -> None:
    fake = FakeCatapult(created(f"{U}/calls/c-newleg4mtwbplurq4nkt7q"))
    async with fake.client() as client:
        new_id = await client.transfer_call(
            "c-1",
            "+14155550199",
            transfer_caller_id="private",
            whisper_audio=Audio(sentence="Call from the console", gender="female"),
            callback_url="https://hooks.example.net/b-leg",
        )
    check(fake.only, "POST", C)
    assert sent_json(fake.only) == {
        "state": "transferring",
        "transferTo": "+14155550199",
        "transferCallerId": "private",
        "whisperAudio": {"sentence": "Call from the console", "gender": "female"},
        "callbackUrl": "https://hooks.example.net/b-leg",
    }
    assert new_id == "c-newleg4mtwbplurq4nkt7q"


async def test_speak_sentence_and_play_audio_file() -> None:
    fake = FakeCatapult(empty(), empty())
    async with fake.client() as client:
        await client.speak_sentence(
            "c-1", "Hello", gender="male", locale="en_US", voice="paul", loop_enabled=False, tag="g"
        )
        await client.play_audio_file("c-1", "https://example.net/a.mp3", loop_enabled=True)
    speak, play = fake.requests
    check(speak, "POST", f"{C}/audio")
    assert sent_json(speak) == {
        "sentence": "Hello",
        "gender": "male",
        "locale": "en_US",
        "voice": "paul",
        "loopEnabled": False,
        "tag": "g",
    }
    assert sent_json(play) == {"fileUrl": "https://example.net/a.mp3", "loopEnabled": True}


async def test_send_dtmf() -> None:
    fake = FakeCatapult(empty())
    async with fake.client() as client:
        await client.send_dtmf("c-1", "1WWW,59#")
    check(fake.only, "POST", f"{C}/dtmf")
    assert sent_json(fake.only) == {"dtmfOut": "1WWW,59#"}


async def test_gather_create_get_stop() -> None:
    gather = {
        "id": "gtr-vn6a6wfhym6l3vfz5zfkkib",
        "state": "completed",
        "reason": "terminating-digit",
        "digits": "4821",
        "createdTime": "2016-05-03T15:00:20Z",
        "call": f"{BASE}{U}/calls/c-1",
    }
    fake = FakeCatapult(created(f"{C}/gather/gtr-vn6a6wfhym6l3vfz5zfkkib"), ok(gather), empty())
    async with fake.client() as client:
        gather_id = await client.create_gather(
            "c-1", max_digits=4, terminating_digits="#", prompt=Audio(sentence="Code?")
        )
        got = await client.get_gather("c-1", gather_id)
        await client.stop_gather("c-1", gather_id)
    create, get, stop = fake.requests
    check(create, "POST", f"{C}/gather")
    assert sent_json(create) == {
        "maxDigits": 4,
        "terminatingDigits": "#",
        "prompt": {"sentence": "Code?"},
    }
    assert gather_id == "gtr-vn6a6wfhym6l3vfz5zfkkib"
    check(get, "GET", f"{C}/gather/gtr-vn6a6wfhym6l3vfz5zfkkib")
    assert got.digits == "4821"
    check(stop, "POST", f"{C}/gather/gtr-vn6a6wfhym6l3vfz5zfkkib")
    assert sent_json(stop) == {"state": "completed"}


RECORDING = {
    "id": "rec-togfrwqp2bxxezstzbzadra",
    "call": f"{BASE}{U}/calls/c-1",
    "media": f"{BASE}{U}/media/c-1-1.wav",
    "startTime": "2016-05-03T15:00:20Z",
    "endTime": "2016-05-03T15:00:40Z",
    "state": "complete",
}


async def test_list_call_recordings_and_get_recording() -> None:
    fake = FakeCatapult(ok([RECORDING]), ok(RECORDING))
    async with fake.client() as client:
        recordings = await client.list_call_recordings("c-1")
        recording = await client.get_recording("rec-togfrwqp2bxxezstzbzadra")
    check(fake.requests[0], "GET", f"{C}/recordings")
    check(fake.requests[1], "GET", f"{U}/recordings/rec-togfrwqp2bxxezstzbzadra")
    assert recordings == [recording]
    assert recording.media == f"{BASE}{U}/media/c-1-1.wav"


async def test_iter_recordings_of_the_account() -> None:
    fake = FakeCatapult(
        ok([RECORDING], links={"next": f"{BASE}{U}/recordings?page=1&size=1"}), ok([RECORDING])
    )
    async with fake.client() as client:
        recordings = [r async for r in client.iter_recordings(size=1)]
    assert len(recordings) == 2
    check(fake.requests[1], "GET", f"{U}/recordings", page="1", size="1")


# -- media ----------------------------------------------------------------------------------------


async def test_upload_media_puts_raw_bytes() -> None:
    fake = FakeCatapult(empty())
    async with fake.client() as client:
        url = await client.upload_media("cat photo.jpg", b"\xff\xd8jpeg", "image/jpeg")
    check(fake.only, "PUT", f"{U}/media/cat%20photo.jpg")
    assert fake.only.content == b"\xff\xd8jpeg"
    assert fake.only.headers["Content-Type"] == "image/jpeg"
    assert url == f"{BASE}{U}/media/cat%20photo.jpg"


async def test_list_download_delete_media() -> None:
    listing = [
        {"mediaName": "cat.jpg", "contentLength": "6", "content": f"{BASE}{U}/media/cat.jpg"}
    ]
    fake = FakeCatapult(
        ok(listing),
        httpx.Response(200, content=b"\xff\xd8jpeg", headers={"Content-Type": "image/jpeg"}),
        empty(),
    )
    async with fake.client() as client:
        media = await client.list_media()
        content = await client.download_media("cat.jpg")
        await client.delete_media("cat.jpg")
    check(fake.requests[0], "GET", f"{U}/media")
    assert media[0].content_length == 6
    check(fake.requests[1], "GET", f"{U}/media/cat.jpg")
    assert content == b"\xff\xd8jpeg"
    check(fake.requests[2], "DELETE", f"{U}/media/cat.jpg")


async def test_media_url() -> None:
    async with FakeCatapult().client() as client:
        assert client.media_url("a b.png") == f"{BASE}{U}/media/a%20b.png"


# -- account errors -------------------------------------------------------------------------------

USER_ERROR = {
    "id": "ue-asvdtalmmhka2i63uzt66ma",
    "time": 1419032854964,
    "category": "unavailable",
    "code": "callback-http-failure-status",
    "message": "The callback server returned status 500",
    "details": [{"id": "ued-1", "name": "callbackStatusCode", "value": 500}],
}


async def test_list_errors_reads_epoch_ms_and_iso_times() -> None:
    iso = {**USER_ERROR, "time": "2014-12-19T23:47:34.964Z"}
    fake = FakeCatapult(ok([USER_ERROR, iso]))
    async with fake.client() as client:
        page = await client.list_errors(size=2)
    check(fake.only, "GET", f"{U}/errors", page="0", size="2")
    from_ms, from_iso = page.items
    assert from_ms.time == from_iso.time == datetime(2014, 12, 19, 23, 47, 34, 964000, tzinfo=UTC)
    assert from_ms.details[0].value == "500"


async def test_get_error() -> None:
    fake = FakeCatapult(ok(USER_ERROR))
    async with fake.client() as client:
        error = await client.get_error("ue-asvdtalmmhka2i63uzt66ma")
    check(fake.only, "GET", f"{U}/errors/ue-asvdtalmmhka2i63uzt66ma")
    assert error.code == "callback-http-failure-status"


async def test_iter_errors() -> None:
    fake = FakeCatapult(ok([USER_ERROR]))
    async with fake.client() as client:
        assert len([e async for e in client.iter_errors(size=10)]) == 1
    check(fake.only, "GET", f"{U}/errors", size="10")


# -- failures -------------------------------------------------------------------------------------


async def _raises(
    fake: FakeCatapult, call: Callable[[CatapultClient], Any], **retry: Any
) -> CatapultError:
    async with fake.client(RetryPolicy(**retry) if retry else None) as client:
        with pytest.raises(CatapultError) as caught:
            await call(client)
    return caught.value


def _send(client: CatapultClient) -> Any:
    return client.send_message(OutboundMessage(from_="+19195550187", to="+14155550123", text="x"))


async def test_error_body_is_parsed_into_fields() -> None:
    message = "The 'message' resource property 'to' is required but was not specified"
    fake = FakeCatapult(failure(400, "bad-request", "missing-property", message))
    error = await _raises(fake, _send)
    assert (error.status, error.category, error.code) == (400, "bad-request", "missing-property")
    assert error.message == message
    assert error.details == (("requestMethod", "POST"),)
    assert error.outcome_unknown is False
    assert message in str(error)
    assert "HTTP 400" in str(error)
    assert f"POST {U}/messages" in str(error)


async def test_not_found() -> None:
    fake = FakeCatapult(
        failure(404, "not-found", "message-not-found", "The message 'm-x' could not be found")
    )
    error = await _raises(fake, lambda c: c.get_message("m-x"))
    assert (error.status, error.code) == (404, "message-not-found")
    assert len(fake.requests) == 1


async def test_error_body_without_message_uses_code() -> None:
    fake = FakeCatapult(failure(401, "authorization", "access-denied", None))
    error = await _raises(fake, lambda c: c.get_application("a-1"))
    assert error.message == "access-denied"
    assert "Check the user id, API token and API secret" in str(error)


async def test_non_json_error_body() -> None:
    fake = FakeCatapult(
        httpx.Response(400, text="Bad Request", headers={"Content-Type": "text/plain"})
    )
    error = await _raises(fake, lambda c: c.get_application("a-1"))
    assert (error.status, error.category, error.code) == (400, "bad-request", "")
    assert "Bad Request" in error.message


async def test_429_waits_until_reset_then_succeeds() -> None:
    reset_ms = str(int(NOW * 1000) + 2500)
    fake = FakeCatapult(
        failure(429, "too-many-requests", "rate-limit-reached", **{"X-RateLimit-Reset": reset_ms}),
        ok(APP),
    )
    async with fake.client() as client:
        app = await client.get_application("a-1")
    assert app.id == APP["id"]
    assert fake.sleeps == [pytest.approx(2.5)]
    assert len(fake.requests) == 2


async def test_429_on_a_create_is_retried_because_it_was_refused() -> None:
    reset_ms = str(int(NOW * 1000) + 1000)
    fake = FakeCatapult(
        failure(429, "too-many-requests", "rate-limit-reached", **{"X-RateLimit-Reset": reset_ms}),
        created(f"{U}/messages/m-1"),
    )
    async with fake.client() as client:
        assert await _send(client) == "m-1"
    assert fake.sleeps == [pytest.approx(1.0)]


async def test_429_exhausted() -> None:
    reset_ms = str(int(NOW * 1000) + 1000)
    limited = failure(
        429, "too-many-requests", "rate-limit-reached", **{"X-RateLimit-Reset": reset_ms}
    )
    fake = FakeCatapult(limited, limited, limited)
    error = await _raises(fake, lambda c: c.get_application("a-1"), max_attempts=3)
    assert (error.status, error.code, error.attempts) == (429, "rate-limit-reached", 3)
    assert fake.sleeps == [pytest.approx(1.0), pytest.approx(1.0)]
    assert "after 3 attempts" in str(error)


async def test_429_reset_beyond_the_wait_budget_raises_without_waiting() -> None:
    reset_ms = str(int(NOW * 1000) + 3_600_000)
    fake = FakeCatapult(
        failure(429, "too-many-requests", "rate-limit-reached", **{"X-RateLimit-Reset": reset_ms})
    )
    error = await _raises(fake, lambda c: c.get_application("a-1"), max_total_wait=60)
    assert error.status == 429
    assert fake.sleeps == []


async def test_403_limit_backs_off_then_succeeds() -> None:
    fake = FakeCatapult(
        failure(403, "limit", "message-rate-limit", "You can send 1 messages per 1 seconds"),
        created(f"{U}/messages/m-2"),
    )
    async with fake.client() as client:
        assert await _send(client) == "m-2"
    assert fake.sleeps == [0.5]
    assert len(fake.requests) == 2


async def test_403_multi_message_limit_is_not_retried() -> None:
    fake = FakeCatapult(failure(403, "limit", "multi-message-limit", "Too many messages"))
    batch = [OutboundMessage(from_="+19195550187", to="+14155550123", text="x")]
    error = await _raises(fake, lambda c: c.send_messages(batch))
    assert error.code == "multi-message-limit"
    assert len(fake.requests) == 1
    assert fake.sleeps == []


async def test_5xx_on_get_retried_then_succeeds() -> None:
    busy = failure(503, "unavailable", "gateway-unavailable")
    fake = FakeCatapult(busy, httpx.Response(502, text="<html>bad gateway</html>"), ok(CALL))
    async with fake.client() as client:
        call = await client.get_call("c-1")
    assert call.id == CALL["id"]
    assert fake.sleeps == [0.5, 1.0]


async def test_5xx_on_get_exhausted() -> None:
    busy = failure(500, "backend", "internal-error")
    fake = FakeCatapult(busy, busy, busy, busy)
    error = await _raises(fake, lambda c: c.get_call("c-1"))
    assert (error.status, error.attempts) == (500, 4)
    assert fake.sleeps == [0.5, 1.0, 2.0]


async def test_5xx_on_create_is_not_retried() -> None:
    fake = FakeCatapult(
        failure(503, "unavailable", "call-creation-failure", "Call creation failed")
    )
    error = await _raises(fake, lambda c: c.create_call("+19195550187", "+14155550123"))
    assert (error.status, error.code) == (503, "call-creation-failure")
    assert error.outcome_unknown is False
    assert len(fake.requests) == 1


async def test_bare_5xx_on_create_leaves_outcome_unknown() -> None:
    fake = FakeCatapult(httpx.Response(504, text="Gateway Timeout"))
    error = await _raises(fake, _send)
    assert error.outcome_unknown is True
    assert "outcome is unknown" in str(error)
    assert len(fake.requests) == 1


async def test_read_timeout_on_create_is_outcome_unknown_and_sent_once() -> None:
    fake = FakeCatapult(httpx.ReadTimeout("timed out"))
    error = await _raises(fake, _send)
    assert error.outcome_unknown is True
    assert (error.status, error.category, error.code) == (None, "network", "read-timeout")
    assert "list recent messages" in str(error)
    assert len(fake.requests) == 1
    assert fake.sleeps == []


async def test_dropped_connection_on_update_is_outcome_unknown() -> None:
    fake = FakeCatapult(httpx.RemoteProtocolError("peer closed connection"))
    error = await _raises(fake, lambda c: c.hang_up_call("c-1"))
    assert error.outcome_unknown is True
    assert len(fake.requests) == 1


async def test_read_error_on_get_is_retried() -> None:
    fake = FakeCatapult(httpx.ReadError("reset"), ok(APP))
    async with fake.client() as client:
        assert (await client.get_application("a-1")).id == APP["id"]
    assert fake.sleeps == [0.5]


async def test_connect_error_is_retried_even_for_a_create() -> None:
    fake = FakeCatapult(
        httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), created(f"{U}/messages/m-3")
    )
    async with fake.client() as client:
        assert await _send(client) == "m-3"
    assert fake.sleeps == [0.5, 1.0]


async def test_connect_error_exhausted() -> None:
    fake = FakeCatapult(*[httpx.ConnectError("refused")] * 2)
    error = await _raises(fake, lambda c: c.get_call("c-1"), max_attempts=2)
    assert (error.status, error.category, error.code) == (None, "network", "connect-error")
    assert error.outcome_unknown is False
    assert "Check the network connection" in str(error)


async def test_create_without_location_is_an_error() -> None:
    fake = FakeCatapult(httpx.Response(201))
    error = await _raises(fake, _send)
    assert (error.status, error.code) == (201, "missing-location")
    assert error.outcome_unknown is True


async def test_unreadable_json_answer_is_an_error() -> None:
    fake = FakeCatapult(
        httpx.Response(200, text="{not json", headers={"Content-Type": "application/json"})
    )
    error = await _raises(fake, lambda c: c.get_call("c-1"))
    assert (error.status, error.category) == (200, "invalid-response")


async def test_answer_of_the_wrong_shape_is_an_error() -> None:
    fake = FakeCatapult(ok({"not": "a list"}))
    error = await _raises(fake, lambda c: c.list_calls())
    assert error.category == "invalid-response"


# Reference §1.9: every status and category a caller may meet, parsed into one exception.
ERROR_TABLE = [
    (400, "bad-request", "missing-property"),
    (401, "authorization", "access-denied"),
    (403, "forbidden", "call-invalid-state"),
    (403, "credit", "insufficient-available-balance"),
    (404, "not-found", "call-not-found"),
    (409, "conflict", "call-update-conflict"),
    (500, "backend", "internal-error"),
    (503, "unavailable", "call-creation-failure"),
]


@pytest.mark.parametrize(("status", "category", "code"), ERROR_TABLE)
async def test_every_error_kind_on_an_update_raises_once_with_all_fields(
    status: int, category: str, code: str
) -> None:
    fake = FakeCatapult(failure(status, category, code, f"{code} explained"))
    error = await _raises(fake, lambda c: c.hang_up_call("c-1"))
    assert (error.status, error.category, error.code) == (status, category, code)
    assert error.message == f"{code} explained"
    assert error.details == (("requestMethod", "POST"),)
    assert (error.method, error.path, error.attempts) == ("POST", C, 1)
    assert error.outcome_unknown is False  # a v1 error body says the update did not happen
    assert len(fake.requests) == 1
    assert fake.sleeps == []


async def test_403_limit_on_a_create_call_is_retried_until_the_budget_is_spent() -> None:
    reset_ms = str(int(NOW * 1000) + 1500)
    limited = failure(403, "limit", "call-rate-limit", **{"X-RateLimit-Reset": reset_ms})
    fake = FakeCatapult(limited, limited)
    error = await _raises(
        fake, lambda c: c.create_call("+19195550187", "+14155550123"), max_attempts=2
    )
    assert (error.status, error.category, error.code, error.attempts) == (
        403,
        "limit",
        "call-rate-limit",
        2,
    )
    assert error.outcome_unknown is False  # refused, so safe to send again later
    assert fake.sleeps == [pytest.approx(1.5)]  # the reset header is honoured on 403 too
    assert len(fake.requests) == 2


async def test_403_limit_on_a_batch_resends_the_whole_batch() -> None:
    results = [{"result": "accepted", "location": f"{BASE}{U}/messages/m-b1"}]
    fake = FakeCatapult(
        failure(403, "limit", "message-rate-limit-overall"), ok(results, status=202)
    )
    batch = [OutboundMessage(from_="+19195550187", to="+14155550123", text="x")]
    async with fake.client() as client:
        [result] = await client.send_messages(batch)
    assert result.message_id == "m-b1"
    assert fake.requests[0].content == fake.requests[1].content
    assert fake.sleeps == [0.5]


@pytest.mark.parametrize("reset", ["soon", "nan", "inf", ""])
async def test_429_with_an_unreadable_reset_backs_off(reset: str) -> None:
    fake = FakeCatapult(
        failure(429, "too-many-requests", "rate-limit-reached", **{"X-RateLimit-Reset": reset}),
        ok(APP),
    )
    async with fake.client() as client:
        assert (await client.get_application("a-1")).id == APP["id"]
    assert fake.sleeps == [0.5]


async def test_429_with_a_reset_already_past_retries_without_waiting() -> None:
    past_ms = str(int(NOW * 1000) - 5000)
    fake = FakeCatapult(
        failure(429, "too-many-requests", "rate-limit-reached", **{"X-RateLimit-Reset": past_ms}),
        empty(),
    )
    async with fake.client() as client:
        await client.delete_application("a-1")
    assert fake.sleeps == [0.0]
    assert len(fake.requests) == 2


async def test_bare_5xx_on_a_batch_leaves_outcome_unknown() -> None:
    fake = FakeCatapult(httpx.Response(502, text="<html>Bad Gateway</html>"))
    batch = [OutboundMessage(from_="+19195550187", to="+14155550123", text="x")]
    error = await _raises(fake, lambda c: c.send_messages(batch))
    assert error.outcome_unknown is True
    assert "outcome is unknown" in str(error)
    assert len(fake.requests) == 1


async def test_5xx_on_search_and_order_is_not_retried() -> None:
    fake = FakeCatapult(failure(503, "unavailable", "number-allocator-unavailable"))
    error = await _raises(fake, lambda c: c.order_local_numbers(area_code="919"))
    assert (error.status, error.code) == (503, "number-allocator-unavailable")
    assert len(fake.requests) == 1


def _garbled() -> httpx.Response:
    # A body the Content-Encoding cannot decode: httpx raises DecodingError while reading.
    return httpx.Response(
        201, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(b"not gzip")
    )


async def test_undecodable_answer_to_a_create_is_outcome_unknown() -> None:
    fake = FakeCatapult(_garbled())
    error = await _raises(fake, _send)
    assert (error.status, error.category, error.code) == (None, "network", "decoding-error")
    assert error.outcome_unknown is True
    assert len(fake.requests) == 1


async def test_undecodable_answer_to_a_read_is_retried() -> None:
    fake = FakeCatapult(_garbled(), ok(APP))
    async with fake.client() as client:
        assert (await client.get_application("a-1")).id == APP["id"]
    assert fake.sleeps == [0.5]


async def test_write_timeout_on_a_transfer_is_outcome_unknown() -> None:
    fake = FakeCatapult(httpx.WriteTimeout("stalled"))
    error = await _raises(fake, lambda c: c.transfer_call("c-1", "+14155550199"))
    assert error.outcome_unknown is True
    assert error.code == "write-timeout"
    assert len(fake.requests) == 1


async def test_an_accepted_batch_we_cannot_read_is_outcome_unknown() -> None:
    fake = FakeCatapult(httpx.Response(202, text="accepted"))
    batch = [OutboundMessage(from_="+19195550187", to="+14155550123", text="x")]
    error = await _raises(fake, lambda c: c.send_messages(batch))
    assert (error.status, error.category) == (202, "invalid-response")
    assert error.outcome_unknown is True
    assert "outcome is unknown" in str(error)
    assert len(fake.requests) == 1


async def test_an_order_answer_without_locations_is_outcome_unknown() -> None:
    fake = FakeCatapult(ok([{"number": "+19195550187", "price": "0.35"}], status=201))
    error = await _raises(fake, lambda c: c.order_toll_free_numbers(quantity=1))
    assert (error.status, error.category) == (201, "invalid-response")
    assert error.outcome_unknown is True
    assert len(fake.requests) == 1


async def test_an_unreadable_read_is_not_outcome_unknown() -> None:
    fake = FakeCatapult(ok([{"no": "id"}]))
    error = await _raises(fake, lambda c: c.list_applications())
    assert error.category == "invalid-response"
    assert error.outcome_unknown is False
