"""``POST /api/numbers`` against the real sandbox: exactly the numbers confirmed, or none."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from smsconsole.providers.catapult.client import CatapultClient
from smsconsole.sandbox.app import create_sandbox_app

AUTH = ("t-sandbox", "s-sandbox")


class TakenMidway(CatapultClient):
    """A provider client that lets another account take ``victim`` just before ordering it.

    The availability check has passed by then, so this is the race it cannot close: the order
    must stop there and say what was bought.
    """

    victim: str | None = None
    sandbox_url: str = ""

    async def order_phone_number(self, number: str, **fields: Any) -> str:
        if number == self.victim:
            async with httpx.AsyncClient(base_url=self.sandbox_url, timeout=10) as sandbox:
                taken = await sandbox.post("/sandbox/numbers/taken", json={"number": number})
                assert taken.status_code == 200, taken.text
        return await super().order_phone_number(number, **fields)


@dataclass
class Shop:
    """The server (its provider the sandbox), the sandbox itself, and the provider client."""

    server: Any
    sandbox: httpx.AsyncClient
    provider: TakenMidway

    async def found(self, **criteria: Any) -> list[dict[str, Any]]:
        answer = await self.server.api("GET", "/api/available-numbers", params=criteria)
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items

    async def owned(self) -> list[str]:
        """The numbers the sandbox says the account owns, by its own v1 API."""
        answer = await self.sandbox.get("/v1/users/u-sandbox/phoneNumbers", auth=AUTH)
        assert answer.status_code == 200, answer.text
        return sorted(item["number"] for item in answer.json())

    async def take(self, number: str) -> None:
        """Another account buys ``number``."""
        taken = await self.sandbox.post("/sandbox/numbers/taken", json={"number": number})
        assert taken.status_code == 200, taken.text

    async def order(self, **body: Any) -> httpx.Response:
        response: httpx.Response = await self.server.api(
            "POST", "/api/numbers", json={"confirm": True, **body}
        )
        return response


@pytest.fixture
async def shop(start_server: Any, serve: Any, tmp_path: Path) -> AsyncIterator[Shop]:
    sandbox_app = create_sandbox_app(seed=3, speed=0.01, callback_timeout_cap=2.0)
    async with contextlib.AsyncExitStack() as stack:
        url = await stack.enter_async_context(serve(sandbox_app))
        provider = TakenMidway(
            url, user_id="u-sandbox", api_token="t-sandbox", api_secret="s-sandbox"
        )
        provider.sandbox_url = url
        await stack.enter_async_context(provider)
        server = await stack.enter_async_context(
            start_server(tmp_path / "store.db", provider=provider)
        )
        sandbox = await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=10))
        yield Shop(server, sandbox, provider)


async def test_orders_exactly_the_numbers_confirmed_and_answers_what_it_bought(
    shop: Shop,
) -> None:
    found = await shop.found(area_code="919", quantity=4)
    wanted = [found[3]["number"], found[1]["number"]]
    ordered = await shop.order(numbers=wanted, total_monthly_cost="0.70")
    assert ordered.status_code == 201, ordered.text
    body = ordered.json()
    assert [item["number"] for item in body["items"]] == wanted
    assert [item["price"] for item in body["items"]] == ["0.35", "0.35"]
    assert body["total_monthly_cost"] == "0.70"
    assert await shop.owned() == sorted(wanted)


async def test_a_number_gone_since_the_search_is_named_and_nothing_is_ordered(
    shop: Shop,
) -> None:
    offers = await shop.found(area_code="919", quantity=3)
    found = [item["number"] for item in offers]
    await shop.take(found[1])
    refused = await shop.order(numbers=found, total_monthly_cost="1.05")
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["error"].startswith(f"{offers[1]['national_number']} is no longer available")
    assert "nothing was ordered" in body["error"]
    assert body["unavailable"] == [found[1]]
    assert body["ordered"] == []
    assert await shop.owned() == []


async def test_the_single_number_form_follows_the_same_rule(shop: Shop) -> None:
    [offer] = await shop.found(area_code="212", quantity=1)
    await shop.take(offer["number"])
    refused = await shop.order(number=offer["number"])
    assert refused.status_code == 409, refused.text
    assert offer["national_number"] in refused.json()["error"]
    [other] = await shop.found(area_code="212", quantity=1)
    ordered = await shop.order(number=other["number"], name="main")
    assert ordered.status_code == 201, ordered.text
    assert [item["number"] for item in ordered.json()["items"]] == [other["number"]]
    assert ordered.json()["items"][0]["name"] == "main"
    assert await shop.owned() == [other["number"]]


async def test_a_total_other_than_the_confirmed_one_orders_nothing(shop: Shop) -> None:
    found = [item["number"] for item in await shop.found(kind="tollfree", quantity=2)]
    refused = await shop.order(numbers=found, total_monthly_cost="0.70")  # toll-free: 1.50
    assert refused.status_code == 409, refused.text
    assert "$1.50" in refused.json()["error"]
    assert "$0.70" in refused.json()["error"]
    assert await shop.owned() == []


async def test_search_and_quantity_no_longer_orders_numbers_nobody_saw(shop: Shop) -> None:
    refused = await shop.order(search={"area_code": "910"}, quantity=2)
    assert refused.status_code == 400, refused.text
    assert "'numbers'" in refused.json()["error"]
    assert await shop.owned() == []


async def test_a_number_taken_midway_stops_the_order_and_says_what_was_bought(
    shop: Shop,
) -> None:
    offers = await shop.found(state="TX", quantity=3)
    found = [item["number"] for item in offers]
    shop.provider.victim = found[1]
    stopped = await shop.order(numbers=found, total_monthly_cost="1.05")
    assert stopped.status_code == 409, stopped.text
    body = stopped.json()
    assert [item["number"] for item in body["ordered"]] == [found[0]]
    assert body["not_ordered"] == [
        {"number": found[1], "price": "0.35"},
        {"number": found[2], "price": "0.35"},
    ]
    shown = [item["national_number"] for item in offers]
    assert f"bought: {shown[0]} ($0.35 a month)" in body["error"]
    assert f"not bought: {shown[1]}, {shown[2]} ($0.70 a month)" in body["error"]
    assert await shop.owned() == [found[0]]  # never a replacement, never the rest


@pytest.mark.parametrize(
    "body",
    [
        {"numbers": "+19195550101"},
        {"numbers": []},
        {"numbers": [19195550101]},
        {"numbers": ["not a number"]},
        {"numbers": ["+19195540101", "(919) 554-0101"]},
        {"numbers": [f"+1919554{n:04d}" for n in range(100, 111)]},
        {"numbers": ["+19195540101"], "number": "+19195540101"},
        {"numbers": ["+19195540101"], "total_monthly_cost": "cheap"},
        {"numbers": ["+19195540101"], "total_monthly_cost": "NaN"},
        {"numbers": ["+19195540101"], "total_monthly_cost": 0.35},
        {"numbers": ["+19195540101"], "search": {"area_code": "919"}},
        {},
    ],
)
async def test_bad_orders_are_refused_with_a_reason_and_order_nothing(
    shop: Shop, body: dict[str, Any]
) -> None:
    refused = await shop.order(**body)
    assert refused.status_code == 400, refused.text
    assert isinstance(refused.json()["error"], str)
    assert await shop.owned() == []


async def test_without_confirm_nothing_is_ordered(shop: Shop) -> None:
    [offer] = await shop.found(area_code="919", quantity=1)
    refused = await shop.server.api("POST", "/api/numbers", json={"numbers": [offer["number"]]})
    assert refused.status_code == 400
    assert await shop.owned() == []


async def test_an_unknown_application_is_refused_before_anything_is_bought(shop: Shop) -> None:
    found = [item["number"] for item in await shop.found(area_code="919", quantity=2)]
    refused = await shop.order(numbers=found, application_id="a-nosuchapplication")
    assert refused.status_code == 404, refused.text
    assert await shop.owned() == []


async def test_a_number_we_already_own_is_not_bought_twice(shop: Shop) -> None:
    found = [item["number"] for item in await shop.found(area_code="213", quantity=2)]
    first = await shop.order(numbers=found[:1])
    assert first.status_code == 201, first.text
    again = await shop.order(numbers=found)
    assert again.status_code == 409, again.text
    assert again.json()["unavailable"] == found[:1]
    assert await shop.owned() == found[:1]


async def test_two_orders_racing_for_the_same_numbers_buy_each_once(shop: Shop) -> None:
    found = [item["number"] for item in await shop.found(area_code="415", quantity=3)]
    answers = await asyncio.gather(*(shop.order(numbers=found) for _ in range(3)))
    assert all(a.status_code in (201, 409) for a in answers), [a.text for a in answers]
    bought = [item["number"] for a in answers if a.status_code == 201 for item in a.json()["items"]]
    bought += [
        item["number"] for a in answers if a.status_code == 409 for item in a.json()["ordered"]
    ]
    assert sorted(bought) == await shop.owned()  # every purchase reported, none twice
    assert set(await shop.owned()) <= set(found)
