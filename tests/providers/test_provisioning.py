"""The setup-flow steps against the real sandbox, where the command line cannot reach."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from smsconsole.providers.base import Application
from smsconsole.providers.catapult.adapter import CatapultProvider
from smsconsole.providers.catapult.client import CatapultClient
from smsconsole.providers.provisioning import (
    ApplicationNotFound,
    NotAvailable,
    NumberSearch,
    OrderInterrupted,
    PriceChanged,
    find_offer,
    monthly_total,
    order_exactly,
    plan_search_order,
    resolve_application,
)
from smsconsole.sandbox.app import create_sandbox_app


def client_for(url: str) -> CatapultClient:
    return CatapultClient(url, user_id="u-sandbox", api_token="t-sandbox", api_secret="s-sandbox")


def seam(client: CatapultClient) -> CatapultProvider:
    """The steps take any provider; these tests watch the account through the v1 client."""
    return CatapultProvider(client, owned=False)


class TakenBeforeItsTurn(CatapultClient):
    """Another account buys ``victim`` after the availability check, just before our order."""

    victim = ""
    sandbox: Any = None

    async def order_phone_number(self, number: str, **fields: Any) -> str:
        if number == self.victim:
            self.sandbox.take(number)
        return await super().order_phone_number(number, **fields)


async def test_a_number_gone_before_the_order_is_named_and_nothing_is_bought(serve: Any) -> None:
    app = create_sandbox_app(seed=3, speed=0.01)
    async with serve(app) as url, client_for(url) as client:
        found = await client.search_local_numbers(area_code="512", quantity=3)
        app.state.sandbox.take(found[2].number)
        wanted = [found[0].number, "+15125550999", found[2].number]
        with pytest.raises(NotAvailable) as refused:
            await order_exactly(seam(client), wanted, agreed_total=None, application_id=None)
        assert refused.value.numbers == ("+15125550999", found[2].number)
        assert "nothing was ordered" in str(refused.value)
        assert [n async for n in client.iter_phone_numbers()] == []


async def test_a_total_other_than_the_agreed_one_buys_nothing(serve: Any) -> None:
    async with serve(create_sandbox_app(seed=3, speed=0.01)) as url, client_for(url) as client:
        found = await client.search_toll_free_numbers(quantity=2)
        numbers = [offer.number for offer in found]
        with pytest.raises(PriceChanged) as refused:
            await order_exactly(
                seam(client), numbers, agreed_total=Decimal("0.70"), application_id=None
            )
        assert refused.value.total == Decimal("1.50")
        assert [n async for n in client.iter_phone_numbers()] == []
        with pytest.raises(ValueError, match="twice"):
            await order_exactly(seam(client), numbers * 2, agreed_total=None, application_id=None)
        with pytest.raises(ValueError, match="no numbers"):
            await order_exactly(seam(client), [], agreed_total=None, application_id=None)


async def test_an_interrupted_order_says_what_was_bought_and_what_not(serve: Any) -> None:
    app = create_sandbox_app(seed=3, speed=0.01)
    async with serve(app) as url:
        client = TakenBeforeItsTurn(
            url, user_id="u-sandbox", api_token="t-sandbox", api_secret="s-sandbox"
        )
        async with client:
            found = await client.search_local_numbers(area_code="512", quantity=3)
            client.victim, client.sandbox = found[1].number, app.state.sandbox
            steps: list[str] = []
            with pytest.raises(OrderInterrupted) as stopped:
                await order_exactly(
                    seam(client),
                    [offer.number for offer in found],
                    agreed_total=Decimal("1.05"),
                    application_id=None,
                    progress=lambda index, offer: steps.append(f"{index}:{offer.number}"),
                )
            assert [item.offer.number for item in stopped.value.ordered] == [found[0].number]
            assert [offer.number for offer in stopped.value.not_ordered] == [
                found[1].number,
                found[2].number,
            ]
            assert stopped.value.error.status == 404
            assert steps == [f"1:{found[0].number}", f"2:{found[1].number}"]
            owned = [n.number async for n in client.iter_phone_numbers()]
            assert owned == [found[0].number]  # the rest never tried, nothing in its place


async def test_planning_finds_prices_and_refuses_what_is_not_there(serve: Any) -> None:
    async with serve(create_sandbox_app(seed=3, speed=0.01)) as url, client_for(url) as client:
        planned = await plan_search_order(seam(client), NumberSearch(state="WA"), 3)
        assert len(planned) == 3
        assert all(offer.price == "0.35" for offer in planned)
        offer = await find_offer(seam(client), planned[0].number, toll_free=False)
        assert offer.city == "SEATTLE"
        with pytest.raises(NotAvailable):
            await plan_search_order(seam(client), NumberSearch(state="WA"), 25)
        with pytest.raises(NotAvailable):
            await find_offer(seam(client), "+12065550999", toll_free=False)
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
