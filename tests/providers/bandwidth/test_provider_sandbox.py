"""The v2 provider against the real v2 sandbox: its refusals reach the user in Bandwidth's
words (or in plain words of ours before any request)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from loopback import serve
from smsconsole.providers.bandwidth.provider import BandwidthProvider
from smsconsole.providers.bandwidth.wire import BandwidthError, Wire
from smsconsole.providers.base import ApplicationSettings, NumberSearch, OutgoingMessage
from smsconsole.sandbox.bandwidth.app import create_v2_sandbox_app


@pytest.fixture
async def provider() -> AsyncIterator[tuple[BandwidthProvider, str]]:
    async with serve(create_v2_sandbox_app(seed=4, speed=0.01)) as base:
        opened = BandwidthProvider.open(
            account_id="9900000",
            username="bw-sandbox",
            password="bw-sandbox-password",
            messaging_url=f"{base}/api/v2",
            voice_url=f"{base}/api/v2",
            numbers_url=f"{base}/api",
        )
        try:
            yield opened, base
        finally:
            await opened.aclose()


async def test_ordering_a_number_someone_else_took_fails_in_bandwidths_words(
    provider: Any,
) -> None:
    client, base = provider
    [offer] = await client.search_numbers(NumberSearch(area_code="919", quantity=1))
    async with httpx.AsyncClient(base_url=base) as plain:
        taken = await plain.post("/sandbox/numbers/taken", json={"number": offer.number})
    assert taken.status_code == 200
    with pytest.raises(BandwidthError) as caught:
        await client.order_number(offer.number)
    assert caught.value.code == "5005"
    assert caught.value.category == "order-failed"
    assert (await client.list_numbers()) == []


async def test_a_number_on_no_application_cannot_send_and_says_why(provider: Any) -> None:
    client, _ = provider
    [offer] = await client.search_numbers(NumberSearch(area_code="919", quantity=1))
    assert await client.order_number(offer.number) == offer.number
    with pytest.raises(BandwidthError, match="on no messaging application"):
        await client.send_message(
            OutgoingMessage(offer.number, "+14155550123", "hi"), callback_url="http://x/"
        )
    number = await client.get_number(offer.number)
    assert (number.id, number.application_id) == (offer.number, None)
    with pytest.raises(BandwidthError) as missing:
        await client.get_number("+19195559999")
    assert missing.value.status == 404


async def test_an_application_round_trip_and_unknown_ids(provider: Any) -> None:
    client, _ = provider
    app_id = await client.create_application(
        ApplicationSettings(
            name="console",
            incoming_message_url="https://bandwidth:pw@console.example/callbacks/messages",
            incoming_call_url="https://bandwidth:pw@console.example/callbacks/calls",
            callback_http_method="GET",
        )
    )
    app = await client.get_application(app_id)
    assert app.incoming_message_url == "https://console.example/callbacks/messages"
    assert (app.callback_http_method, app.auto_answer) == ("get", False)
    await client.update_application(app_id, ApplicationSettings(name="renamed"))
    assert (await client.get_application(app_id)).name == "renamed"
    with pytest.raises(BandwidthError) as unknown:
        await client.get_application("no-such-peer")
    assert unknown.value.status == 404
    await client.delete_application(app_id)
    assert await client.list_applications() == []


class Counting(httpx.AsyncBaseTransport):
    """The real transport, counting the requests per path (no answer is made up)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_sending_looks_a_numbers_peer_up_once_not_per_message(provider: Any) -> None:
    client, base = provider
    [offer] = await client.search_numbers(NumberSearch(area_code="919", quantity=1))
    app_id = await client.create_application(
        ApplicationSettings(
            name="console", incoming_message_url="https://h.example/callbacks/messages"
        )
    )
    await client.order_number(offer.number, application_id=app_id)
    counting = Counting()
    sender = BandwidthProvider(
        Wire(username="bw-sandbox", password="bw-sandbox-password", transport=counting),
        account_id="9900000",
        messaging_url=f"{base}/api/v2",
        voice_url=f"{base}/api/v2",
        numbers_url=f"{base}/api",
    )
    try:
        for text in ("one", "two", "three"):
            outgoing = OutgoingMessage(offer.number, "+14155550123", text)
            assert await sender.send_message(outgoing, callback_url="https://h.example/")
        number = await sender.get_number(offer.number)
    finally:
        await sender.aclose()
    lookups = [p for p in counting.paths if p.endswith("/sippeers") and "/tns/" in p]
    assert len(lookups) == 1, counting.paths
    assert counting.paths.count("/api/v2/users/9900000/messages") == 3
    assert (number.national_number, number.application_id) == (
        f"({offer.number[2:5]}) {offer.number[5:8]}-{offer.number[8:]}",
        app_id,
    )
