"""The setup-flow steps against the real sandbox, where the command line cannot reach."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from smsconsole.catapult.client import CatapultClient
from smsconsole.catapult.models import Application, AvailableNumber
from smsconsole.provisioning import (
    ApplicationNotFound,
    NotAvailable,
    NumberSearch,
    OrderInterrupted,
    find_offer,
    monthly_total,
    place_order,
    plan_search_order,
    resolve_application,
)
from smsconsole.sandbox.app import create_sandbox_app


def client_for(url: str) -> CatapultClient:
    return CatapultClient(url, user_id="u-sandbox", api_token="t-sandbox", api_secret="s-sandbox")


async def test_an_interrupted_order_says_what_was_bought_before_the_failure(serve: Any) -> None:
    async with serve(create_sandbox_app(seed=3, speed=0.01)) as url, client_for(url) as client:
        (good,) = await client.search_local_numbers(area_code="512", quantity=1)
        gone = AvailableNumber(number="+15125550999", price="0.35")
        steps: list[str] = []
        with pytest.raises(OrderInterrupted) as stopped:
            await place_order(
                client,
                [good, gone],
                application_id=None,
                progress=lambda index, offer: steps.append(f"{index}:{offer.number}"),
            )
        assert [item.offer.number for item in stopped.value.ordered] == [good.number]
        assert stopped.value.error.status == 404
        assert steps == [f"1:{good.number}", "2:+15125550999"]
        owned = [n.number async for n in client.iter_phone_numbers()]
        assert owned == [good.number]


async def test_planning_finds_prices_and_refuses_what_is_not_there(serve: Any) -> None:
    async with serve(create_sandbox_app(seed=3, speed=0.01)) as url, client_for(url) as client:
        planned = await plan_search_order(client, NumberSearch(state="WA"), 3)
        assert len(planned) == 3
        assert all(offer.price == "0.35" for offer in planned)
        offer = await find_offer(client, planned[0].number, toll_free=False)
        assert offer.city == "SEATTLE"
        with pytest.raises(NotAvailable):
            await plan_search_order(client, NumberSearch(state="WA"), 25)
        with pytest.raises(NotAvailable):
            await find_offer(client, "+12065550999", toll_free=False)
        assert [n async for n in client.iter_phone_numbers()] == []


def test_monthly_total_counts_missing_prices() -> None:
    assert monthly_total(["0.35", "0.75", None, "n/a"]) == (Decimal("1.10"), 2)


@pytest.mark.parametrize(("ref", "expected"), [("a-1", "a-1"), ("two", "a-2"), ("a-2", "a-2")])
def test_resolve_application_by_id_then_name(ref: str, expected: str) -> None:
    apps = [Application(id="a-1", name="one"), Application(id="a-2", name="two")]
    assert resolve_application(apps, ref).id == expected


def test_resolve_application_refuses_ambiguous_or_unknown_names() -> None:
    apps = [Application(id="a-1", name="same"), Application(id="a-2", name="same")]
    with pytest.raises(ValueError, match="a-1, a-2"):
        resolve_application(apps, "same")
    with pytest.raises(ApplicationNotFound):
        resolve_application(apps, "other")
