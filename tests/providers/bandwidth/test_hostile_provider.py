"""The v2 provider against a broken or hostile provider on loopback (the edge we do not own):
every failure is a ProviderError in words, bounded in time and memory."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from loopback import serve
from smsconsole.providers.bandwidth.numbers import Peer
from smsconsole.providers.bandwidth.provider import BandwidthProvider
from smsconsole.providers.bandwidth.wire import MAX_ANSWER
from smsconsole.providers.base import Patience, ProviderError

DEEP_JSON = b"[" * 50000 + b"]" * 50000
PEER = Peer(id="3001", site_id="2001", name="p", is_default=True)


def answers(mode: str) -> Any:
    async def answer(request: Request) -> Response:
        if mode == "deep-json-200":
            return Response(DEEP_JSON, media_type="application/json")
        if mode == "deep-json-400":
            return Response(DEEP_JSON, status_code=400, media_type="application/json")
        if mode == "same-token":
            return Response(
                b'{"messages":[{"messageId":"m1","messageDirection":"OUTBOUND",'
                b'"messageStatus":"SENT","sourceTn":"+19195550100","destinationTn":'
                b'"+14155550123"}],"pageInfo":{"nextPageToken":"T"}}',
                media_type="application/json",
            )
        if mode == "huge":

            async def chunks() -> AsyncIterator[bytes]:
                for _ in range(MAX_ANSWER // (1024 * 1024) + 4):
                    yield b" " * (1024 * 1024)

            return StreamingResponse(chunks(), media_type="application/xml")
        if mode == "drip":

            async def drip() -> AsyncIterator[bytes]:
                for _ in range(100):
                    yield b" "
                    await asyncio.sleep(0.4)

            return StreamingResponse(drip(), media_type="application/xml")
        if mode == "order-without-id":
            if request.method == "POST":
                return Response(b"", status_code=201)
            return Response(b"<OrderResponse/>", media_type="application/xml")
        return Response(b"{}", media_type="application/json")

    return answer


@pytest.fixture
def provider_for() -> Any:
    @contextlib.asynccontextmanager
    async def start(mode: str, patience: Patience | None = None) -> AsyncIterator[Any]:
        app = Starlette(
            routes=[Route("/{path:path}", answers(mode), methods=["GET", "POST", "PUT"])]
        )
        async with serve(app) as url:
            client = BandwidthProvider.open(
                account_id="9900000",
                username="u",
                password="p",
                messaging_url=f"{url}/api/v2",
                voice_url=f"{url}/api/v2",
                numbers_url=f"{url}/api",
                patience=patience or Patience(max_attempts=1, max_total_wait=0.0, timeout=2.0),
            )
            try:
                yield client
            finally:
                await client.aclose()

    return start


@pytest.mark.parametrize("mode", ["deep-json-200", "deep-json-400"])
async def test_deeply_nested_json_is_a_provider_error(provider_for: Any, mode: str) -> None:
    async with provider_for(mode) as client:
        with pytest.raises(ProviderError):
            await client.reject_call("c-1")


async def test_a_repeated_page_token_stops_the_listing(provider_for: Any) -> None:
    async with provider_for("same-token") as client:
        since = datetime.now(UTC) - timedelta(days=1)
        seen: list[object] = []

        async def listing() -> None:
            async with asyncio.timeout(10):
                async for found in client.messages_since(since, page_size=100):
                    seen.append(found)

        with pytest.raises(ProviderError, match="page token it had given before"):
            await listing()
        assert len(seen) == 2  # the first page, and the repeat of it, then no more


async def test_an_order_answered_without_an_id_fails_at_once(provider_for: Any) -> None:
    async with provider_for("order-without-id") as client:
        with pytest.raises(ProviderError, match="did not say its id") as caught:
            async with asyncio.timeout(5):
                await client.numbers.order("+19195550100", PEER, None)
        assert caught.value.outcome_unknown


async def test_a_huge_answer_is_refused_unread(provider_for: Any) -> None:
    async with provider_for("huge") as client:
        with pytest.raises(ProviderError, match="refused unread"):
            await client.list_applications()


async def test_a_trickled_answer_cannot_stretch_a_read(provider_for: Any) -> None:
    patience = Patience(max_attempts=3, max_total_wait=0.5, timeout=1.0)
    async with provider_for("drip", patience) as client:
        started = time.monotonic()
        with pytest.raises(ProviderError, match="did not answer within 3 s"):
            await client.list_applications()
        assert time.monotonic() - started < 4.5  # one deadline for every attempt of a read
