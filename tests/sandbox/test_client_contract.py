"""Contract tests: our own ``CatapultClient`` against the sandbox over real HTTP on loopback.

Every public method of the client is driven against a running sandbox (uvicorn on
127.0.0.1:0, delays x0.01) and its results are checked against the sandbox's world and the
reference (``catapult-v1.md``; the section comments give its § numbers).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

from smsconsole.providers.catapult.client import CatapultClient
from smsconsole.providers.catapult.errors import CatapultError
from smsconsole.providers.catapult.models import ApplicationSettings, Audio, OutboundMessage
from smsconsole.providers.catapult.retry import NO_RETRY, RetryPolicy
from smsconsole.sandbox.app import create_sandbox_app
from smsconsole.sandbox.ratelimit import RateLimiter

USER = "u-sandbox"
TOKEN, SECRET = "t-sandbox", "s-sandbox"
REMOTE = "+12025550100"  # a far-end number the account does not own


def make_client(
    base: str,
    retry: RetryPolicy | None = None,
    waits: list[float] | None = None,
    clock: ManualClock | None = None,
) -> CatapultClient:
    """A client for the sandbox's account; its waits are noted in ``waits`` if given.

    With ``clock``, waiting moves that clock instead of taking real time.
    """

    async def sleep(seconds: float) -> None:
        if waits is not None:
            waits.append(seconds)
        if clock is None:
            await asyncio.sleep(seconds)
        else:
            clock.now += seconds
            await asyncio.sleep(0)

    return CatapultClient(
        base,
        user_id=USER,
        api_token=TOKEN,
        api_secret=SECRET,
        retry=retry,
        sleep=sleep,
        timeout=5.0,
    )


@dataclass(frozen=True)
class Line:
    """An owned number assigned to an application whose callbacks go to the receiver."""

    app_id: str
    number_id: str
    number: str


# One sandbox and receiver serve the whole module (starting and stopping a uvicorn per test
# would cost more than the tests); each test gets a fresh world and an empty receiver.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module")
async def sandbox(shared_fast_sandbox: Any, shared_receiver: Any) -> Any:
    """The module's sandbox, reset to a fresh world (and the receiver emptied) for this test."""
    await shared_fast_sandbox.sim("reset", {})
    shared_receiver.requests.clear()
    shared_receiver.behaviour.clear()
    return shared_fast_sandbox


@pytest.fixture
def receiver(sandbox: Any, shared_receiver: Any) -> Any:
    """The module's callback receiver, emptied for this test (after the reset above)."""
    return shared_receiver


@pytest_asyncio.fixture(loop_scope="module")
async def client(sandbox: Any) -> AsyncIterator[CatapultClient]:
    """Our client pointed at the ``sandbox`` fixture."""
    async with make_client(sandbox.base) as catapult:
        yield catapult


async def new_line(client: CatapultClient, receiver: Any, *, auto_answer: bool = True) -> Line:
    """Create an application (callbacks to ``receiver``), order a number and assign it."""
    app_id = await client.create_application(
        ApplicationSettings(
            name="line",
            incoming_call_url=f"{receiver.base}/calls",
            incoming_message_url=f"{receiver.base}/messages",
            auto_answer=auto_answer,
        )
    )
    [ordered] = await client.order_local_numbers(state="NC", city="Raleigh")
    await client.assign_application(ordered.id, app_id)
    return Line(app_id, ordered.id, ordered.number)


@pytest_asyncio.fixture(loop_scope="module")
async def line(client: CatapultClient, receiver: Any) -> Line:
    """A number of the account, on an auto-answering application."""
    return await new_line(client, receiver)


async def outbox(base: str) -> list[dict[str, Any]]:
    """The messages the account sent, oldest first (``GET /sandbox/outbox``)."""
    async with httpx.AsyncClient(base_url=base) as plain:
        response = await plain.get("/sandbox/outbox")
    assert response.status_code == 200, response.text
    sent: list[dict[str, Any]] = response.json()
    return sent


def assert_error(error: CatapultError, status: int, category: str, code: str) -> None:
    """The error carries the v1 status, category and code (§1.9)."""
    assert (error.status, error.category, error.code) == (status, category, code), repr(error)


# -- applications (§2) ----------------------------------------------------------------------


async def test_application_create_get_update_delete(client: CatapultClient) -> None:
    settings = ApplicationSettings(
        name="desk",
        incoming_call_url="http://127.0.0.1:9/calls",
        incoming_message_url="http://127.0.0.1:9/messages",
        incoming_message_url_callback_timeout=5000,
        callback_http_method="GET",
        auto_answer=False,
    )
    app_id = await client.create_application(settings)
    assert re.fullmatch(r"a-[a-z2-7]{23}", app_id)

    app = await client.get_application(app_id)
    assert (app.id, app.name, app.incoming_call_url) == (app_id, "desk", settings.incoming_call_url)
    assert app.incoming_message_url == settings.incoming_message_url
    assert app.incoming_sms_url == settings.incoming_message_url  # §1.11 legacy alias
    assert app.incoming_message_url_callback_timeout == 5000
    assert app.callback_http_method == "get"  # §1.11: returned lower-case
    assert app.auto_answer is False

    await client.update_application(app_id, ApplicationSettings(name="renamed", auto_answer=True))
    updated = await client.get_application(app_id)
    assert (updated.name, updated.auto_answer) == ("renamed", True)
    # §1.3: fields not sent keep their value.
    assert updated.incoming_call_url == settings.incoming_call_url
    assert updated.incoming_message_url_callback_timeout == 5000
    assert updated.callback_http_method == "get"

    await client.delete_application(app_id)
    with pytest.raises(CatapultError) as caught:
        await client.get_application(app_id)
    assert_error(caught.value, 404, "not-found", "application-not-found")
    with pytest.raises(CatapultError) as again:
        await client.delete_application(app_id)
    assert_error(again.value, 404, "not-found", "application-not-found")


async def test_application_validation_error_surfaces(client: CatapultClient) -> None:
    with pytest.raises(CatapultError) as caught:
        await client.create_application(ApplicationSettings(name="no urls"))
    assert_error(caught.value, 400, "bad-request", "validation-error")
    with pytest.raises(CatapultError) as missing:
        await client.create_application(ApplicationSettings(incoming_call_url="http://x.test/c"))
    assert_error(missing.value, 400, "bad-request", "missing-property")


async def test_applications_page_and_iterate_across_pages(client: CatapultClient) -> None:
    ids = [
        await client.create_application(
            ApplicationSettings(name=f"app{i}", incoming_call_url=f"http://x.test/{i}")
        )
        for i in range(7)
    ]
    first = await client.list_applications(size=3)
    assert [app.id for app in first.items] == ids[:3]
    assert first.next_query("page") == "1"
    assert first.next_query("size") == "3"
    last = await client.list_applications(page=2, size=3)
    assert [app.id for app in last.items] == ids[6:]
    assert last.next_url is None

    assert [app.id async for app in client.iter_applications(size=3)] == ids
    assert [app.name async for app in client.iter_applications(size=2)] == [
        f"app{i}" for i in range(7)
    ]


# -- available numbers (§3) -----------------------------------------------------------------


async def test_search_local_by_each_criterion(client: CatapultClient) -> None:
    by_state = await client.search_local_numbers(state="NC", quantity=100)
    assert len(by_state) == 100
    assert {n.state for n in by_state} == {"NC"}
    assert all(n.price == "0.35" and n.number.startswith("+1") for n in by_state)

    by_city = await client.search_local_numbers(city="Cary", state="NC", quantity=5)
    assert len(by_city) == 5
    assert {(n.city, n.rate_center) for n in by_city} == {("CARY", "CARY")}

    by_zip = await client.search_local_numbers(zip_code="28401")
    assert len(by_zip) == 10  # §3.1: default quantity 10
    assert {n.city for n in by_zip} == {"WILMINGTON"}

    by_area = await client.search_local_numbers(area_code="910", quantity=1000)
    assert {n.city for n in by_area} == {"FAYETTEVILLE", "WILMINGTON"}
    assert all(n.number.startswith("+1910") for n in by_area)
    assert by_area[0].national_number == f"(910) {by_area[0].number[5:8]}-{by_area[0].number[8:]}"


async def test_search_local_number_and_local_calling_area(client: CatapultClient) -> None:
    exact = await client.search_local_numbers(area_code="919", local_number="554", quantity=1000)
    assert exact
    assert all(n.number.startswith("+1919554") for n in exact)

    narrow = await client.search_local_numbers(area_code="919", local_number="555", quantity=1000)
    wide = await client.search_local_numbers(
        area_code="919", local_number="555", in_local_calling_area=True, quantity=1000
    )
    assert {n.number[:5] for n in narrow} == {"+1919"}
    # §3.1: inLocalCallingArea widens to the 984 overlay.
    assert {n.number[:5] for n in wide} == {"+1919", "+1984"}
    assert {n.number for n in narrow} < {n.number for n in wide}


async def test_search_with_patterns(client: CatapultClient) -> None:
    local = await client.search_local_numbers(state="NC", pattern="91?555*", quantity=1000)
    assert local
    assert all(re.fullmatch(r"\+191\d5550\d{3}", n.number) for n in local)
    assert {n.number[:5] for n in local} == {"+1910", "+1919"}
    assert all(n.pattern_match for n in local)

    ending = await client.search_local_numbers(area_code="212", pattern="*1?5")
    assert ending
    assert all(n.number.startswith("+1212") and re.search(r"1\d5$", n.number) for n in ending)
    assert all((n.pattern_match or "").endswith("1 5") for n in ending)

    toll_free = await client.search_toll_free_numbers(pattern="888*", quantity=5)
    assert len(toll_free) == 5
    assert all(n.number.startswith("+1888") and n.price == "0.75" for n in toll_free)
    assert all(n.city is None for n in toll_free)
    default = await client.search_toll_free_numbers()
    assert len(default) == 10
    assert {n.number[:5] for n in default} <= {"+1800", "+1888", "+1877", "+1866"}


async def test_search_and_order_local_and_toll_free(client: CatapultClient) -> None:
    ordered = await client.order_local_numbers(city="Austin", state="TX", quantity=2)
    assert len(ordered) == 2
    for item in ordered:
        assert item.id.startswith("n-")
        assert item.location.endswith(f"/v1/users/{USER}/phoneNumbers/{item.id}")
        assert (item.city, item.state) == ("AUSTIN", "TX")
        owned = await client.get_phone_number(item.id)
        assert (owned.number, owned.number_state) == (item.number, "enabled")
    # Ordering takes the numbers out of the inventory.
    remaining = await client.search_local_numbers(city="Austin", state="TX", quantity=1000)
    assert not {n.number for n in ordered} & {n.number for n in remaining}

    [toll_free] = await client.order_toll_free_numbers()
    assert toll_free.number.startswith("+18")
    assert (await client.get_phone_number(toll_free.number)).id == toll_free.id

    by_zip = await client.order_local_numbers(zip_code="98101")
    by_area = await client.order_local_numbers(area_code="305", quantity=3)
    assert [n.city for n in by_zip] == ["SEATTLE"]
    assert all(n.number.startswith("+1305") for n in by_area)
    assert len(by_area) == 3


@pytest.mark.parametrize(
    ("criteria", "status", "category", "code"),
    [
        ({"city": "Raleigh"}, 400, "bad-request", "invalid-available-number-search"),
        ({}, 400, "bad-request", "invalid-available-number-search"),
        (
            {"state": "NC", "zip_code": "27601"},
            400,
            "bad-request",
            "invalid-available-number-search",
        ),
        ({"local_number": "555"}, 400, "bad-request", "invalid-available-number-search"),
        ({"area_code": "91"}, 400, "bad-request", "invalid-available-number-search"),
        ({"zip_code": "00000"}, 400, "bad-request", "invalid-zip-code"),
        ({"city": "Nowhere", "state": "NC"}, 403, "forbidden", "invalid-rate-center"),
        ({"state": "NC", "quantity": 0}, 400, "bad-request", "validation-error"),
        ({"state": "NC", "quantity": 5001}, 400, "bad-request", "invalid-available-number-search"),
    ],
)
async def test_search_validation_errors_surface(
    client: CatapultClient, criteria: dict[str, Any], status: int, category: str, code: str
) -> None:
    with pytest.raises(CatapultError) as caught:
        await client.search_local_numbers(**criteria)
    assert_error(caught.value, status, category, code)
    assert caught.value.attempts == 1
    assert caught.value.message


async def test_order_validation_errors_surface(client: CatapultClient) -> None:
    with pytest.raises(CatapultError) as too_many:
        await client.order_local_numbers(state="NC", quantity=11)
    assert_error(too_many.value, 400, "bad-request", "invalid-available-number-search-order")
    with pytest.raises(CatapultError) as city_only:
        await client.order_local_numbers(city="Raleigh")
    assert_error(city_only.value, 400, "bad-request", "invalid-available-number-search")
    with pytest.raises(CatapultError) as partial:
        await client.order_toll_free_numbers(quantity=11)
    assert_error(partial.value, 400, "bad-request", "invalid-available-number-search-order")


# -- phone numbers (§4) ---------------------------------------------------------------------


async def test_phone_number_lifecycle(client: CatapultClient, receiver: Any) -> None:
    app_id = await client.create_application(
        ApplicationSettings(name="n", incoming_message_url=f"{receiver.base}/m")
    )
    [found] = await client.search_local_numbers(city="Miami", state="FL", quantity=1)
    number_id = await client.order_phone_number(
        found.number, name="front desk", application_id=app_id
    )
    assert number_id.startswith("n-")
    by_id = await client.get_phone_number(number_id)
    by_e164 = await client.get_phone_number(found.number)  # sent as %2B1… (§4)
    assert by_id == by_e164
    assert (by_id.number, by_id.name, by_id.application_id) == (found.number, "front desk", app_id)
    assert (by_id.city, by_id.state, by_id.price) == ("MIAMI", "FL", "0.35")
    assert by_id.application is not None
    assert by_id.application.endswith(f"/applications/{app_id}")
    assert by_id.created_time is not None

    with pytest.raises(CatapultError) as duplicate:
        await client.order_phone_number(found.number)
    assert_error(duplicate.value, 409, "conflict", "duplicate-number")

    await client.update_phone_number(found.number, name="back office", fallback_number=REMOTE)
    changed = await client.get_phone_number(number_id)
    assert (changed.name, changed.fallback_number) == ("back office", REMOTE)
    assert changed.application_id == app_id  # not sent, kept (§1.3)

    await client.detach_application(number_id)
    assert (await client.get_phone_number(number_id)).application_id is None
    await client.assign_application(found.number, app_id)
    assert (await client.get_phone_number(number_id)).application_id == app_id
    with pytest.raises(CatapultError) as bad_app:
        await client.assign_application(number_id, "a-doesnotexist")
    assert_error(bad_app.value, 404, "not-found", "application-not-found")

    await client.release_phone_number(number_id)
    for key in (number_id, found.number):
        with pytest.raises(CatapultError) as gone:
            await client.get_phone_number(key)
        assert_error(gone.value, 404, "not-found", "number-not-found")
    released = await client.list_phone_numbers(number_state="released")
    assert [n.id for n in released.items] == [number_id]
    # §4: a released number cannot be ordered again.
    with pytest.raises(CatapultError) as reorder:
        await client.order_phone_number(found.number)
    assert reorder.value.status == 404


async def test_phone_numbers_list_filters_and_paging(client: CatapultClient) -> None:
    app_id = await client.create_application(
        ApplicationSettings(name="f", incoming_call_url="http://x.test/c")
    )
    nc = await client.order_local_numbers(state="NC", quantity=5)
    ca = await client.order_local_numbers(city="San Francisco", state="CA", quantity=2)
    await client.update_phone_number(ca[0].id, name="sf main", application_id=app_id)

    everything = [n.id async for n in client.iter_phone_numbers(size=2)]
    assert everything == [n.id for n in nc + ca]
    first = await client.list_phone_numbers(size=3)
    assert [n.id for n in first.items] == [n.id for n in nc[:3]]
    assert first.next_query("page") == "1"
    second = await client.list_phone_numbers(page=1, size=3)
    assert [n.id for n in second.items] == [n.id for n in nc[3:] + ca[:1]]

    in_ca = await client.list_phone_numbers(state="CA")
    assert {n.id for n in in_ca.items} == {n.id for n in ca}
    in_sf = await client.list_phone_numbers(city="San Francisco")
    assert {n.id for n in in_sf.items} == {n.id for n in ca}
    named = await client.list_phone_numbers(name="sf main")
    assert [n.id for n in named.items] == [ca[0].id]
    on_app = [n.id async for n in client.iter_phone_numbers(application_id=app_id, size=1)]
    assert on_app == [ca[0].id]
    # The filters are repeated on every page (§1.8).
    nc_pages = [n.id async for n in client.iter_phone_numbers(state="NC", size=2)]
    assert nc_pages == [n.id for n in nc]


# -- messages (§5) --------------------------------------------------------------------------


async def test_send_message_reaches_outbox_and_becomes_sent(
    client: CatapultClient, sandbox: Any, line: Line, wait_for: Any
) -> None:
    message_id = await client.send_message(
        OutboundMessage(from_=line.number, to=REMOTE, text="hello there", tag="t1")
    )
    assert re.fullmatch(r"m-[a-z2-7]{23}", message_id)
    sent = await outbox(sandbox.base)
    assert [(m["id"], m["to"], m["text"]) for m in sent] == [(message_id, REMOTE, "hello there")]

    world = sandbox.state.world
    await wait_for(lambda: world.messages[message_id].state == "sent")
    message = await client.get_message(message_id)
    assert (message.id, message.message_id, message.state) == (message_id, message_id, "sent")
    assert (message.from_, message.to, message.direction) == (line.number, REMOTE, "out")
    assert (message.text, message.tag, message.segment_count) == ("hello there", "t1", 1)

    with pytest.raises(CatapultError) as missing:
        await client.get_message("m-doesnotexist")
    assert_error(missing.value, 404, "not-found", "message-not-found")


async def test_message_delivery_receipt_and_filters(
    client: CatapultClient, sandbox: Any, line: Line, wait_for: Any
) -> None:
    delivered = await client.send_message(
        OutboundMessage(from_=line.number, to=REMOTE, text="r", receipt_requested="all")
    )
    failed = await client.send_message(
        OutboundMessage(from_=line.number, to="+15005550001", text="x")
    )
    world = sandbox.state.world
    await wait_for(
        lambda: (
            world.messages[delivered].delivery_state == "delivered"
            and world.messages[failed].state == "error"
        )
    )
    receipt = await client.get_message(delivered)
    assert (receipt.delivery_state, receipt.delivery_code) == ("delivered", "0")
    assert receipt.receipt_requested == "all"
    assert receipt.delivery_description
    by_state = await client.list_messages(state="error")
    assert [m.id for m in by_state.items] == [failed]
    by_delivery = await client.list_messages(delivery_state="delivered")
    assert [m.id for m in by_delivery.items] == [delivered]


async def test_send_from_number_not_owned_is_refused(client: CatapultClient, line: Line) -> None:
    with pytest.raises(CatapultError) as caught:
        await client.send_message(OutboundMessage(from_="+19195550000", to=REMOTE, text="hi"))
    assert_error(caught.value, 401, "authorization", "number-access-denied")
    assert caught.value.details_dict["number"] == "+19195550000"
    assert not caught.value.outcome_unknown
    with pytest.raises(CatapultError) as blank:
        await client.send_message(OutboundMessage(from_=line.number, to=REMOTE, text="  "))
    assert_error(blank.value, 400, "bad-request", "blank-property")


async def test_send_messages_batch_has_one_result_per_item(
    client: CatapultClient, sandbox: Any, line: Line
) -> None:
    results = await client.send_messages(
        [
            OutboundMessage(from_=line.number, to=REMOTE, text="one"),
            OutboundMessage(from_="+19195550000", to=REMOTE, text="not ours"),
            OutboundMessage(from_=line.number, to="+12025550101", text="three"),
        ]
    )
    assert [r.accepted for r in results] == [True, False, True]
    assert results[1].error is not None
    assert (results[1].error.category, results[1].error.code) == (
        "authorization",
        "number-access-denied",
    )
    assert results[1].message_id is None
    sent = await outbox(sandbox.base)
    assert [m["id"] for m in sent] == [results[0].message_id, results[2].message_id]
    for result in (results[0], results[2]):
        assert result.message_id is not None
        assert (await client.get_message(result.message_id)).from_ == line.number
    assert await client.send_messages([]) == []


async def test_send_messages_over_fifty_is_refused_before_sending(
    client: CatapultClient, sandbox: Any, line: Line
) -> None:
    batch = [OutboundMessage(from_=line.number, to=REMOTE, text=str(i)) for i in range(51)]
    with pytest.raises(CatapultError) as caught:
        await client.send_messages(batch)
    assert (caught.value.status, caught.value.category) == (None, "limit")
    assert caught.value.code == "multi-message-limit"
    assert await outbox(sandbox.base) == []
    fifty = await client.send_messages(batch[:50])
    assert len(fifty) == 50
    assert all(r.accepted for r in fifty)


async def test_list_and_iterate_messages_newest_first_across_pages(
    client: CatapultClient, sandbox: Any, line: Line, receiver: Any
) -> None:
    other = await new_line(client, receiver)
    sent = [
        await client.send_message(OutboundMessage(from_=line.number, to=REMOTE, text=f"m{i}"))
        for i in range(7)
    ]
    await client.send_message(OutboundMessage(from_=other.number, to=REMOTE, text="other"))
    await sandbox.sim("inbound/messages", {"from": REMOTE, "to": line.number, "text": "in"})

    newest_first = list(reversed(sent))
    mine = [m.id async for m in client.iter_messages(from_=line.number, size=3)]
    assert mine == newest_first
    first = await client.list_messages(from_=line.number, size=3)
    assert [m.id for m in first.items] == newest_first[:3]
    cursor = first.next_query("sortKeyLT")
    assert cursor is not None
    second = await client.list_messages(from_=line.number, size=3, sort_key_lt=cursor)
    assert [m.id for m in second.items] == newest_first[3:6]
    third = await client.list_messages(
        from_=line.number, size=3, sort_key_lt=second.next_query("sortKeyLT")
    )
    assert [m.id for m in third.items] == newest_first[6:]
    assert third.next_url is None

    oldest_first = [
        m.id async for m in client.iter_messages(from_=line.number, sort_order="asc", size=3)
    ]
    assert oldest_first == sent
    inbound = [m async for m in client.iter_messages(direction="in", size=1)]
    assert [(m.from_, m.to, m.text, m.state) for m in inbound] == [
        (REMOTE, line.number, "in", "received")
    ]
    to_line = [m.id async for m in client.iter_messages(to=line.number)]
    assert to_line == [inbound[0].id]
    everything = [m.id async for m in client.iter_messages(size=4)]
    assert len(everything) == 9
    assert len(set(everything)) == 9


async def test_list_messages_by_time_window(
    client: CatapultClient, sandbox: Any, line: Line
) -> None:
    first = await client.send_message(OutboundMessage(from_=line.number, to=REMOTE, text="a"))
    stamp = (await client.get_message(first)).time
    assert stamp is not None
    later = await client.list_messages(from_date_time=stamp, to_date_time=stamp)
    assert first in [m.id for m in later.items]
    before = await client.list_messages(to_date_time="2000-01-01 00:00:00")
    assert before.items == []


# -- media (§11) ----------------------------------------------------------------------------


async def test_media_upload_list_download_delete(
    client: CatapultClient, sandbox: Any, line: Line
) -> None:
    content = bytes(range(256)) * 8
    url = await client.upload_media("pics/cat.png", content, "image/png")
    assert url == client.media_url("pics/cat.png")
    assert url == f"{sandbox.base}/v1/users/{USER}/media/pics%2Fcat.png"
    await client.upload_media("note.txt", b"hello")

    listed = {m.media_name: m for m in await client.list_media()}
    assert set(listed) == {"pics/cat.png", "note.txt"}
    assert listed["pics/cat.png"].content_length == len(content)
    assert await client.download_media("pics/cat.png") == content

    mms = await client.send_message(
        OutboundMessage(from_=line.number, to=REMOTE, media=(client.media_url("note.txt"),))
    )
    assert (await client.get_message(mms)).media == (client.media_url("note.txt"),)

    await client.delete_media("pics/cat.png")
    assert [m.media_name for m in await client.list_media()] == ["note.txt"]
    with pytest.raises(CatapultError) as caught:
        await client.download_media("pics/cat.png")
    assert_error(caught.value, 404, "not-found", "media-not-found")
    with pytest.raises(CatapultError) as again:
        await client.delete_media("pics/cat.png")
    assert_error(again.value, 404, "not-found", "media-not-found")


# -- calls (§7) -----------------------------------------------------------------------------


async def answered_call(client: CatapultClient, sandbox: Any, line: Line, **options: Any) -> str:
    """Place an outbound call and have the far end answer it."""
    call_id = await client.create_call(line.number, REMOTE, call_timeout=300, **options)
    await sandbox.sim(f"calls/{call_id}/remote", {"action": "answer"})
    return call_id


async def test_outbound_call_answer_audio_dtmf_and_hang_up(
    client: CatapultClient, sandbox: Any, line: Line, receiver: Any, wait_for: Any
) -> None:
    call_id = await client.create_call(
        line.number, REMOTE, call_timeout=300, callback_url=f"{receiver.base}/out", tag="t"
    )
    assert re.fullmatch(r"c-[a-z2-7]{23}", call_id)
    ringing = await client.get_call(call_id)
    assert (ringing.state, ringing.direction, ringing.from_, ringing.to) == (
        "started",
        "out",
        line.number,
        REMOTE,
    )
    assert (ringing.call_timeout, ringing.tag) == (300, "t")
    with pytest.raises(CatapultError) as early:
        await client.speak_sentence(call_id, "too early")
    assert_error(early.value, 403, "forbidden", "call-audio-invalid-state")

    await sandbox.sim(f"calls/{call_id}/remote", {"action": "answer"})
    active = await client.get_call(call_id)
    assert active.state == "active"
    assert active.active_time is not None

    await client.speak_sentence(call_id, "Hello from the sandbox", gender="female", tag="s")
    await client.play_audio_file(call_id, "http://127.0.0.1:9/ring.mp3", tag="p")
    await client.play_audio(call_id, Audio(sentence="Bye", voice="kate", loop_enabled=False))
    await client.send_dtmf(call_id, "12#")
    with pytest.raises(CatapultError) as bad_dtmf:
        await client.send_dtmf(call_id, "xyz")
    assert_error(bad_dtmf.value, 400, "bad-request", "validation-error")
    await wait_for(
        lambda: {"speak", "playback"} <= {e.get("eventType") for e in receiver.events("/out")}
    )

    await client.hang_up_call(call_id)
    ended = await client.get_call(call_id)
    assert ended.state == "completed"
    assert ended.end_time is not None
    assert ended.chargeable_duration == 60  # §7.2: ceil to whole minutes
    with pytest.raises(CatapultError) as late:
        await client.hang_up_call(call_id)
    assert_error(late.value, 403, "forbidden", "call-invalid-state")
    await wait_for(lambda: "hangup" in {e.get("eventType") for e in receiver.events("/out")})


async def test_gather_collects_digits_and_stops(
    client: CatapultClient, sandbox: Any, line: Line
) -> None:
    call_id = await answered_call(client, sandbox, line)
    gather_id = await client.create_gather(
        call_id, max_digits=5, inter_digit_timeout=30, terminating_digits="#", tag="menu"
    )
    assert gather_id.startswith("gtr-")
    with pytest.raises(CatapultError) as duplicate:
        await client.create_gather(call_id)
    assert_error(duplicate.value, 409, "conflict", "call-duplicate-gather-error")
    await sandbox.sim(f"calls/{call_id}/remote", {"action": "dtmf", "digits": "42#"})
    gather = await client.get_gather(call_id, gather_id)
    assert (gather.id, gather.state, gather.digits, gather.reason) == (
        gather_id,
        "completed",
        "42",
        "terminating-digit",
    )
    assert gather.completed_time is not None

    prompt = Audio(sentence="Press a key", tag="prompt")
    second = await client.create_gather(call_id, inter_digit_timeout=30, prompt=prompt)
    assert sandbox.state.world.calls[call_id].events[-1].name == "speak"  # the prompt plays
    await client.stop_gather(call_id, second)
    stopped = await client.get_gather(call_id, second)
    assert (stopped.state, stopped.reason, stopped.digits or "") == ("completed", "cancelled", "")
    with pytest.raises(CatapultError) as missing:
        await client.get_gather(call_id, "gtr-doesnotexist")
    assert missing.value.status == 404


async def test_recordings_of_a_call_and_of_the_account(
    client: CatapultClient, sandbox: Any, line: Line
) -> None:
    call_id = await answered_call(client, sandbox, line)
    await client.start_recording(call_id)
    assert (await client.get_call(call_id)).recording_enabled is True
    await client.stop_recording(call_id)
    await client.start_recording(call_id, file_format="mp3")
    await client.stop_recording(call_id)

    recordings = await client.list_call_recordings(call_id)
    assert len(recordings) == 2
    assert all(r.state == "complete" and r.end_time is not None for r in recordings)
    assert all(r.call is not None and r.call.endswith(f"/calls/{call_id}") for r in recordings)
    assert recordings[1].media is not None
    assert recordings[1].media.endswith(".mp3")
    fetched = await client.get_recording(recordings[0].id)
    assert fetched == recordings[0]
    assert fetched.media is not None
    audio = await client.download_media(fetched.media.rsplit("/", 1)[1])
    assert audio.startswith(b"RIFF")

    other = await answered_call(client, sandbox, line, recording_enabled=True)
    await client.hang_up_call(other)  # hanging up saves the running recording
    account = await client.list_recordings(size=2)
    assert len(account.items) == 2
    assert account.next_url is not None
    every = [r.id async for r in client.iter_recordings(size=2)]
    assert sorted(every) == sorted([r.id for r in recordings] + [r.id for r in account.items[:1]])
    assert len(every) == 3
    with pytest.raises(CatapultError) as missing:
        await client.get_recording("rec-doesnotexist")
    assert_error(missing.value, 404, "not-found", "recording-not-found")


async def test_transfer_creates_a_new_leg(client: CatapultClient, sandbox: Any, line: Line) -> None:
    call_id = await answered_call(client, sandbox, line)
    leg_id = await client.transfer_call(
        call_id,
        "+12025550199",
        transfer_caller_id=line.number,
        whisper_audio=Audio(sentence="A call for you"),
    )
    assert leg_id != call_id
    assert leg_id.startswith("c-")
    leg = await client.get_call(leg_id)
    assert (leg.direction, leg.state, leg.from_, leg.to) == (
        "out",
        "started",
        line.number,
        "+12025550199",
    )
    original = await client.get_call(call_id)
    assert (original.state, original.transfer_to) == ("transferring", "+12025550199")
    await sandbox.sim(f"calls/{leg_id}/remote", {"action": "answer"})
    assert (await client.get_call(call_id)).state == "active"
    assert (await client.get_call(leg_id)).state == "active"
    await client.hang_up_call(call_id)
    assert (await client.get_call(leg_id)).state == "completed"


async def test_inbound_calls_answered_or_rejected_when_auto_answer_is_off(
    client: CatapultClient, sandbox: Any, receiver: Any, wait_for: Any
) -> None:
    manual = await new_line(client, receiver, auto_answer=False)
    first = (await sandbox.sim("inbound/calls", {"from": REMOTE, "to": manual.number}))["id"]
    waiting = await client.get_call(first)
    assert (waiting.direction, waiting.state, waiting.to) == ("in", "started", manual.number)
    await client.answer_call(first)
    assert (await client.get_call(first)).state == "active"
    with pytest.raises(CatapultError) as twice:
        await client.answer_call(first)
    assert_error(twice.value, 403, "forbidden", "call-invalid-state")
    await sandbox.sim(f"calls/{first}/remote", {"action": "hangup"})
    assert (await client.get_call(first)).state == "completed"

    second = (await sandbox.sim("inbound/calls", {"from": REMOTE, "to": manual.number}))["id"]
    await client.reject_call(second)
    rejected = await client.get_call(second)
    assert rejected.state == "rejected"
    assert rejected.chargeable_duration == 0
    await wait_for(
        lambda: any(
            e.get("callId") == second and e.get("cause") == "CALL_REJECTED"
            for e in receiver.events("/calls")
        )
    )
    with pytest.raises(CatapultError) as outbound:
        await client.reject_call(await client.create_call(manual.number, REMOTE))
    assert_error(outbound.value, 403, "forbidden", "call-invalid-state")


async def test_inbound_call_is_answered_automatically(
    client: CatapultClient, sandbox: Any, line: Line, wait_for: Any
) -> None:
    call_id = (await sandbox.sim("inbound/calls", {"from": REMOTE, "to": line.number}))["id"]
    await wait_for(lambda: sandbox.state.world.calls[call_id].state == "active")
    assert (await client.get_call(call_id)).state == "active"


async def test_list_and_iterate_calls(client: CatapultClient, sandbox: Any, line: Line) -> None:
    placed = [await client.create_call(line.number, f"+1202555020{i}") for i in range(5)]
    inbound = (await sandbox.sim("inbound/calls", {"from": REMOTE, "to": line.number}))["id"]
    newest_first = [inbound, *reversed(placed)]
    assert [c.id async for c in client.iter_calls(size=2)] == newest_first
    page = await client.list_calls(size=4)
    assert [c.id for c in page.items] == newest_first[:4]
    assert page.next_query("page") == "1"
    rest = await client.list_calls(page=1, size=4)
    assert [c.id for c in rest.items] == newest_first[4:]
    assert rest.next_url is None
    ascending = [c.id async for c in client.iter_calls(sort_order="asc", size=2)]
    assert ascending == list(reversed(newest_first))
    from_line = [c.id async for c in client.iter_calls(from_=line.number, size=2)]
    assert from_line == list(reversed(placed))
    to_one = await client.list_calls(to="+12025550203")
    assert [c.id for c in to_one.items] == [placed[3]]
    with pytest.raises(CatapultError) as missing:
        await client.get_call("c-doesnotexist")
    assert_error(missing.value, 404, "not-found", "call-not-found")
    with pytest.raises(CatapultError) as not_ours:
        await client.create_call("+19195550000", REMOTE)
    assert_error(not_ours.value, 401, "authorization", "number-access-denied")


# -- account errors (§1.9) ------------------------------------------------------------------


async def test_user_errors_from_failed_callbacks_and_unassigned_numbers(
    client: CatapultClient, sandbox: Any, line: Line, receiver: Any, wait_for: Any
) -> None:
    [bare] = await client.order_local_numbers(state="WA")
    for text in ("hi", "again"):
        inbound = {"from": REMOTE, "to": bare.number, "text": text}
        await sandbox.sim("inbound/messages", inbound)
    receiver.behaviour["/fail"] = "fail"
    await client.send_message(
        OutboundMessage(
            from_=line.number, to=REMOTE, text="x", callback_url=f"{receiver.base}/fail"
        )
    )
    world = sandbox.state.world
    await wait_for(lambda: len(world.errors) == 3)

    errors = [e async for e in client.iter_errors(size=1)]
    codes = [e.code for e in errors]
    # Newest first: the failed callback came last.
    assert codes == [
        "callback-http-failure-status",
        "no-application-for-number",
        "no-application-for-number",
    ]
    unassigned = errors[-1]
    assert unassigned.id.startswith("ue-")
    assert unassigned.time is not None
    assert unassigned.category
    assert unassigned.message
    assert ("number", bare.number) in {(d.name, d.value) for d in unassigned.details}

    first_page = await client.list_errors(size=2)
    assert [e.id for e in first_page.items] == [e.id for e in errors[:2]]
    assert first_page.next_query("page") == "1"

    failed = next(e for e in errors if e.code == "callback-http-failure-status")
    fetched = await client.get_error(failed.id)
    assert fetched == failed
    details = {d.name: d.value for d in fetched.details}
    assert details["callbackStatusCode"] == "500"
    assert details["callbackUrl"] == f"{receiver.base}/fail"
    with pytest.raises(CatapultError) as missing:
        await client.get_error("ue-doesnotexist")
    assert_error(missing.value, 404, "not-found", "resource-not-found")


# -- authentication and rate limits (§1.2, §1.10) -------------------------------------------


async def test_wrong_credentials_are_refused(sandbox: Any) -> None:
    async with CatapultClient(
        sandbox.base, user_id=USER, api_token=TOKEN, api_secret="wrong"
    ) as wrong:
        with pytest.raises(CatapultError) as caught:
            await wrong.list_applications()
    assert_error(caught.value, 401, "authorization", "access-denied")
    assert caught.value.attempts == 1


@pytest_asyncio.fixture(loop_scope="module")
async def limited(serve: Callable[[Any], Any]) -> AsyncIterator[str]:
    """A sandbox with v1 rate limits on; yields its base URL."""
    app = create_sandbox_app(seed=3, speed=0.01, rate_limits=True)
    async with serve(app) as base:
        yield base


@dataclass
class ManualClock:
    """Monotonic seconds that move only when a test's client waits."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_message_rate_limit_surfaces_without_retry_and_is_waited_out(
    serve: Callable[[Any], Any],
) -> None:
    # The 10 s window runs on a clock that only the patient client's waits move, so the test
    # checks the same rule without spending 10 s of real time.
    clock = ManualClock()
    app = create_sandbox_app(seed=3, speed=0.01, rate_limits=True)
    app.state.sandbox.limiter = RateLimiter(clock=clock)
    async with serve(app) as limited:
        async with make_client(limited, NO_RETRY) as strict:
            [ordered] = await strict.order_local_numbers(state="NC")
            outcomes: list[str | CatapultError] = []
            for i in range(11):
                message = OutboundMessage(from_=ordered.number, to=REMOTE, text=str(i))
                try:
                    outcomes.append(await strict.send_message(message))
                except CatapultError as error:
                    outcomes.append(error)
        # §1.10: 1 message/s per number averaged over 10 s -> the 11th within 10 s is refused.
        assert all(isinstance(o, str) for o in outcomes[:10])
        refused = outcomes[10]
        assert isinstance(refused, CatapultError)
        assert_error(refused, 403, "limit", "message-rate-limit")
        assert refused.attempts == 1
        assert not refused.outcome_unknown

        # A client allowed to wait long enough gets the next two through once the window
        # moves. No X-RateLimit-Reset on a 403 limit (§1.10), so the client backs off and
        # retries.
        patient = RetryPolicy(max_attempts=30, max_total_wait=14, backoff_base=0.5, backoff_max=1)
        waits: list[float] = []
        async with make_client(limited, patient, waits, clock) as waiting:
            sent = [
                await waiting.send_message(OutboundMessage(from_=ordered.number, to=REMOTE, text=t))
                for t in ("11", "12")
            ]
            messages = [m.id async for m in waiting.iter_messages(from_=ordered.number, size=5)]
    # The window had to move past the first send (10 s) before "11" got through.
    assert sum(waits) > 10 - 1
    assert sum(waits) <= 14
    assert all(isinstance(message_id, str) for message_id in sent)
    assert len(messages) == 12
    assert messages[:2] == sent[::-1]


async def test_resource_rate_limit_is_waited_out_with_the_default_policy(limited: str) -> None:
    async with make_client(limited, NO_RETRY) as strict:
        refusal: CatapultError | None = None
        for _ in range(40):
            try:
                await strict.list_applications()
            except CatapultError as error:
                refusal = error
                break
    assert refusal is not None
    assert_error(refusal, 429, "too-many-requests", "rate-limit-reached")
    assert "rateLimitResetTime" in refusal.details_dict

    # The bucket is empty: a client with the default policy waits until X-RateLimit-Reset
    # (epoch milliseconds, a fraction of a second away) and gets through.
    waits: list[float] = []
    async with make_client(limited, waits=waits) as default:
        for _ in range(3):
            assert (await default.list_applications()).items == []
    assert waits
    assert all(0 <= wait <= 1 for wait in waits)
