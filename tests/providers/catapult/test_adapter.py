"""Catapult v1 behind the Provider protocol: the method set, and v1 resources read as
provider-neutral values (through ``httpx.MockTransport``, as the client tests do)."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from smsconsole.core.events import MessageEvent
from smsconsole.providers import base
from smsconsole.providers.base import (
    CallbackParser,
    CallbackTarget,
    NumberSearch,
    OutgoingMessage,
    Provider,
    ProviderError,
    UnreadableRecord,
)
from smsconsole.providers.catapult.adapter import CatapultCallbacks, CatapultProvider
from smsconsole.providers.catapult.client import CatapultClient
from smsconsole.providers.catapult.errors import CatapultError

USER = "u-adapter"
U = f"/v1/users/{USER}"

Handler = Callable[[httpx.Request], httpx.Response]


def protocol_methods(protocol: type) -> dict[str, Any]:
    """The methods a Protocol class declares, its bases' included, by name."""
    names = {
        name
        for klass in protocol.__mro__
        if klass not in (object,) and getattr(klass, "_is_protocol", False)
        for name, value in vars(klass).items()
        if callable(value) and not name.startswith("_")
    }
    return {name: getattr(protocol, name) for name in names}


def provider_with(handler: Handler) -> tuple[CatapultProvider, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    client = CatapultClient(
        user_id=USER,
        api_token="t-token",
        api_secret="secret",
        transport=httpx.MockTransport(record),
    )
    return CatapultProvider(client), seen


def created(location: str) -> httpx.Response:
    return httpx.Response(201, headers={"Location": f"https://api.catapult.inetwork.com{location}"})


@pytest.mark.parametrize(
    ("protocol", "adapter"), [(Provider, CatapultProvider), (CallbackParser, CatapultCallbacks)]
)
def test_the_adapter_has_every_method_of_the_protocol_with_its_parameters(
    protocol: type, adapter: type
) -> None:
    expected = protocol_methods(protocol)
    assert "send_message" in expected or protocol is CallbackParser
    for name, declared in expected.items():
        implemented = getattr(adapter, name, None)
        assert implemented is not None, f"{adapter.__name__} lacks {name}"
        want = list(inspect.signature(declared).parameters)
        have = list(inspect.signature(implemented).parameters)
        assert have == want, name
        assert inspect.iscoroutinefunction(implemented) == inspect.iscoroutinefunction(declared), (
            name
        )
        assert inspect.isasyncgenfunction(implemented) or name != "messages_since"


async def test_a_catapult_provider_is_a_provider_at_run_time() -> None:
    provider, _ = provider_with(lambda request: httpx.Response(200))
    assert isinstance(provider, Provider)
    assert isinstance(CatapultCallbacks(), CallbackParser)
    assert not isinstance(CatapultCallbacks(), Provider)
    await provider.aclose()


def test_callback_urls_carry_the_credentials_in_their_userinfo() -> None:
    provider = CatapultCallbacks()
    target = CallbackTarget("https://console.example.com/", "band width", "p@ss:word")
    assert (
        CatapultProvider.callback_url(provider, target, "messages")  # type: ignore[arg-type]
        == "https://band%20width:p%40ss%3Aword@console.example.com/callbacks/messages"
    )
    bare = CallbackTarget("http://127.0.0.1:8080", "bandwidth", "")
    assert (
        CatapultProvider.callback_url(provider, bare, "calls")  # type: ignore[arg-type]
        == "http://127.0.0.1:8080/callbacks/calls"
    )


async def test_a_message_asks_for_receipts_and_posts_its_callbacks() -> None:
    provider, seen = provider_with(lambda request: created(f"{U}/messages/m-1"))
    sms = OutgoingMessage(from_="+19195550100", to="+14155550123", text="hi")
    assert await provider.send_message(sms, callback_url="https://cb/m") == "m-1"
    mms = OutgoingMessage(from_="+19195550100", to="+14155550123", media=("https://x/a.png",))
    assert await provider.send_message(mms, callback_url="https://cb/m") == "m-1"
    await provider.aclose()
    assert json.loads(seen[0].content) == {
        "from": "+19195550100",
        "to": "+14155550123",
        "text": "hi",
        "receiptRequested": "all",
        "callbackUrl": "https://cb/m",
        "callbackHttpMethod": "POST",
    }
    # §5.1: receipts cannot be requested together with media.
    assert json.loads(seen[1].content) == {
        "from": "+19195550100",
        "to": "+14155550123",
        "media": ["https://x/a.png"],
        "callbackUrl": "https://cb/m",
        "callbackHttpMethod": "POST",
    }


async def test_applications_read_as_neutral_values_with_the_legacy_alias_folded_in() -> None:
    listed = [
        {"id": "a-1", "name": "one", "incomingSmsUrl": "https://u:p@h/callbacks/messages"},
        {
            "id": "a-2",
            "name": "two",
            "incomingCallUrl": "https://h/calls",
            "incomingMessageUrl": "https://h/messages",
            "incomingMessageUrlCallbackTimeout": "5000",
            "autoAnswer": "false",
            "messageApiVersion": "v2",
        },
    ]
    provider, _ = provider_with(lambda request: httpx.Response(200, json=listed))
    one, two = await provider.list_applications()
    await provider.aclose()
    assert one == base.Application(
        id="a-1", name="one", incoming_message_url="https://u:p@h/callbacks/messages"
    )
    assert two == base.Application(
        id="a-2",
        name="two",
        incoming_call_url="https://h/calls",
        incoming_message_url="https://h/messages",
        incoming_message_url_callback_timeout=5000,
        auto_answer=False,
    )


async def test_application_writes_send_only_what_is_set() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == f"{U}/applications":
            return created(f"{U}/applications/a-9")
        return httpx.Response(200)

    provider, seen = provider_with(answer)
    fields = base.ApplicationSettings(name="console", incoming_call_url="https://h/calls")
    assert await provider.create_application(fields) == "a-9"
    await provider.update_application("a-9", base.ApplicationSettings(auto_answer=False))
    await provider.delete_application("a-9")
    await provider.aclose()
    assert json.loads(seen[0].content) == {"name": "console", "incomingCallUrl": "https://h/calls"}
    assert json.loads(seen[1].content) == {"autoAnswer": False}
    assert (seen[2].method, seen[2].url.path) == ("DELETE", f"{U}/applications/a-9")


async def test_numbers_name_their_application_by_id_even_when_v1_gives_its_url() -> None:
    listed = [
        {"id": "n-1", "number": "+19195550100", "applicationId": "a-1", "price": "0.35"},
        {
            "id": "n-2",
            "number": "+19195550101",
            "application": f"https://api.catapult.inetwork.com{U}/applications/a-2",
            "createdTime": "2026-11-27T10:00:00Z",
        },
        {"id": "n-3", "number": "+19195550102"},
    ]
    provider, seen = provider_with(lambda request: httpx.Response(200, json=listed))
    numbers = await provider.list_numbers(application_id="a-1", page_size=1000)
    await provider.aclose()
    assert [n.application_id for n in numbers] == ["a-1", "a-2", None]
    assert numbers[1].created_time == datetime(2026, 11, 27, 10, tzinfo=UTC)
    assert dict(seen[0].url.params) == {"applicationId": "a-1", "size": "1000"}


async def test_a_search_goes_local_or_toll_free_and_an_offer_is_found_by_its_digits() -> None:
    offers = [{"number": "+19195550100", "nationalNumber": "(919) 555-0100", "price": "0.35"}]
    provider, seen = provider_with(lambda request: httpx.Response(200, json=offers))
    found = await provider.search_numbers(NumberSearch(state="NC", city="Cary", quantity=2))
    assert found == [
        base.AvailableNumber("+19195550100", national_number="(919) 555-0100", price="0.35")
    ]
    await provider.search_numbers(NumberSearch(toll_free=True, pattern="8*"))
    assert await provider.find_offer("+19195550100", toll_free=False) == found[0]
    assert await provider.find_offer("+19195550199", toll_free=False) is None
    await provider.aclose()
    assert seen[0].url.path == "/v1/availableNumbers/local"
    assert dict(seen[0].url.params) == {"city": "Cary", "state": "NC", "quantity": "2"}
    assert seen[1].url.path == "/v1/availableNumbers/tollFree"
    assert dict(seen[2].url.params) == {
        "areaCode": "919",
        "quantity": "1",
        "pattern": "9195550100",
    }


async def test_assigning_none_detaches_the_number() -> None:
    provider, seen = provider_with(lambda request: httpx.Response(200))
    await provider.assign_number("n-1", "a-1")
    await provider.assign_number("n-1", None)
    await provider.release_number("n-1")
    await provider.aclose()
    assert json.loads(seen[0].content) == {"applicationId": "a-1"}
    assert json.loads(seen[1].content) == {"applicationId": ""}
    assert seen[2].method == "DELETE"


async def test_backfill_reads_messages_as_events_and_names_the_unreadable() -> None:
    listed = [
        {
            "id": "m-1",
            "from": "+14155550123",
            "to": "+19195550100",
            "direction": "in",
            "text": "hello",
            "state": "received",
            "time": "2026-11-27T10:00:00Z",
        },
        {"id": "m-2", "direction": "in", "state": "received"},
    ]
    replies = iter([httpx.Response(200, json=listed), httpx.Response(200, json=[])])
    provider, seen = provider_with(lambda request: next(replies))
    since = datetime(2026, 11, 27, tzinfo=UTC)
    found = [item async for item in provider.messages_since(since, page_size=200)]
    await provider.aclose()
    assert isinstance(found[0], MessageEvent)
    assert found[0].message_id == "m-1"
    assert isinstance(found[1], UnreadableRecord)
    assert found[1].id == "m-2"
    assert "from" in found[1].reason
    assert seen[0].url.params["size"] == "200"


async def test_failures_are_provider_errors_in_catapults_words() -> None:
    body = {"category": "not-found", "code": "not-found", "message": "no such application"}
    provider, _ = provider_with(lambda request: httpx.Response(404, json=body))
    with pytest.raises(ProviderError) as caught:
        await provider.get_application("a-missing")
    await provider.aclose()
    assert isinstance(caught.value, CatapultError)
    assert (caught.value.status, caught.value.message) == (404, "no such application")
    assert not caught.value.timed_out
    assert not caught.value.unreachable


async def test_a_borrowed_client_is_left_open() -> None:
    client = CatapultClient(
        user_id=USER,
        api_token="t",
        api_secret="s",
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json=[])),
    )
    async with client:
        borrowed = CatapultProvider(client, owned=False)
        await borrowed.aclose()
        assert await borrowed.list_applications() == []


async def test_call_control_sends_v1_states_and_audio() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path == f"{U}/calls":
            return created(f"{U}/calls/c-new")
        if b"transferring" in request.content:
            return created(f"{U}/calls/c-leg")
        return httpx.Response(200)

    provider, seen = provider_with(answer)
    assert await provider.create_call(
        "+19195550100", "+14155550123", callback_url="https://cb"
    ) == ("c-new")
    await provider.answer_call("c-1", callback_url="http://h/callbacks/calls")
    await provider.reject_call("c-1")
    await provider.hang_up_call("c-1")
    await provider.speak_sentence("c-1", "hello", voice="susan")
    assert await provider.transfer_call("c-1", "+14155550199", callback_url="https://cb") == "c-leg"
    await provider.aclose()
    bodies = [json.loads(request.content) for request in seen]
    assert bodies[0] == {"from": "+19195550100", "to": "+14155550123", "callbackUrl": "https://cb"}
    assert [body.get("state") for body in bodies[1:4]] == ["active", "rejected", "completed"]
    assert seen[4].url.path == f"{U}/calls/c-1/audio"
    assert bodies[4] == {"sentence": "hello", "voice": "susan"}
    assert bodies[5] == {
        "state": "transferring",
        "transferTo": "+14155550199",
        "callbackUrl": "https://cb",
    }
