"""The provider's setup flow as plain async steps: applications, number search, order, assign.

The getting-started path of a provider is: create an application with callback URLs, order a
phone number, point the number at the application. These functions do each step with any
:class:`~smsconsole.providers.base.Provider`, and hold the rules that are ours, not the
provider's; the command line asks for confirmation between *planning* an order (what exactly,
at what monthly price) and *placing* it, so nothing is bought that was not shown.

Why orders go number by number: a provider's search-and-order (Catapult v1 §3.3) picks the
numbers itself, so a confirmation shown beforehand could name other numbers (and prices) than
the ones bought. Instead a search-and-order is planned as a search and the numbers found are
ordered one by one, each carrying the application id.

:func:`order_exactly` is the one order rule, for the command line, the server (so the console
and its wizard) and the demo: the numbers confirmed, all still offered at the total confirmed,
or nothing; then one by one, stopping at the first failure with what was bought and what not.
Catapult v1 has no multi-number order of given numbers, so a number taken between the check and
its own order can still stop an order part way; it is then reported, never replaced.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from smsconsole.core.formatting import money, price
from smsconsole.core.phone import is_toll_free
from smsconsole.providers.base import (
    Application,
    AvailableNumber,
    NumberSearch,
    PhoneNumber,
    Provider,
    ProviderError,
)

__all__ = [
    "MAX_ORDER",
    "ApplicationNotFound",
    "NotAvailable",
    "NumberSearch",
    "OrderInterrupted",
    "Ordered",
    "PriceChanged",
    "Refused",
    "available_offers",
    "find_offer",
    "is_toll_free",
    "monthly_total",
    "order_exactly",
    "plan_search_order",
    "price_of",
    "reassign",
    "resolve_application",
]

# Catapult v1 caps a search-and-order at 10 (§3.3); the same bound guards a typo'd quantity.
MAX_ORDER = 10


@dataclass(frozen=True)
class Ordered:
    """A number bought: the offer as shown before the order, and its new id on the account."""

    offer: AvailableNumber
    number_id: str


class OrderInterrupted(Exception):
    """An order of several numbers stopped part way.

    Attributes:
        ordered: The numbers bought before ``error``.
        not_ordered: The numbers not bought: the one whose order failed (its outcome unknown
            when ``error.outcome_unknown``), then those never tried.
        error: The provider's answer to the order that failed.
    """

    def __init__(
        self,
        ordered: Sequence[Ordered],
        error: ProviderError,
        not_ordered: Sequence[AvailableNumber] = (),
    ) -> None:
        super().__init__(str(error))
        self.ordered = tuple(ordered)
        self.not_ordered = tuple(not_ordered)
        self.error = error


class Refused(Exception):
    """A step cannot go ahead; ``code`` names why in the provider's style (kebab-case)."""

    code = "refused"


class NotAvailable(Refused):
    """Numbers asked for cannot be ordered (not among the available numbers).

    Attributes:
        numbers: The numbers not offered (E.164), when known; empty for a search short of
            numbers.
    """

    code = "not-available"

    def __init__(self, message: str, numbers: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.numbers = tuple(numbers)


class PriceChanged(Refused):
    """The numbers cost another monthly total than the one confirmed; ``offers`` as they are."""

    code = "price-changed"

    def __init__(self, message: str, offers: Sequence[AvailableNumber], total: Decimal) -> None:
        super().__init__(message)
        self.offers = tuple(offers)
        self.total = total


class ApplicationNotFound(Refused):
    """No application has the id or name given."""

    code = "application-not-found"


def price_of(text: str | None) -> Decimal | None:
    """A provider's price text (``"0.35"``) as a Decimal, or None when absent or unreadable."""
    return price(text)


def monthly_total(prices: Sequence[str | None]) -> tuple[Decimal, int]:
    """The sum of the readable prices, and how many were missing or unreadable."""
    total, unknown = Decimal("0"), 0
    for text in prices:
        price = price_of(text)
        if price is None:
            unknown += 1
        else:
            total += price
    return total, unknown


def resolve_application(applications: Sequence[Application], ref: str) -> Application:
    """The application whose id is ``ref``, else the only one named ``ref``.

    Raises:
        ValueError: several applications carry that name; the message lists their ids.
        ApplicationNotFound: none has that id or name.
    """
    for app in applications:
        if app.id == ref:
            return app
    named = [app for app in applications if app.name == ref]
    if len(named) > 1:
        ids = ", ".join(app.id for app in named)
        raise ValueError(f"several applications are named {ref!r} ({ids}); give the id")
    if not named:
        raise ApplicationNotFound(f"no application has the id or name {ref!r}")
    return named[0]


async def plan_search_order(
    provider: Provider, criteria: NumberSearch, quantity: int
) -> list[AvailableNumber]:
    """The numbers a search-and-order would buy, found now, with their prices.

    Raises:
        NotAvailable: fewer than ``quantity`` numbers match (nothing is ordered).
    """
    found = await provider.search_numbers(replace(criteria, quantity=quantity))
    if len(found) < quantity:
        raise NotAvailable(
            f"only {len(found)} of the {quantity} numbers asked for are available "
            "with these criteria; nothing was ordered"
        )
    return found[:quantity]


async def find_offer(provider: Provider, e164: str, *, toll_free: bool) -> AvailableNumber:
    """The available-number entry of one specific number (for its location and price).

    Raises:
        NotAvailable: the provider does not offer this number.
    """
    offer = await provider.find_offer(e164, toll_free=toll_free)
    if offer is None:
        raise NotAvailable(
            f"{e164} is not available to order (already taken, or no such number)", [e164]
        )
    return offer


async def available_offers(provider: Provider, numbers: Sequence[str]) -> list[AvailableNumber]:
    """Each number's offer as the provider shows it now, in the order given.

    Every number is looked up, so a refusal names all those missing, not just the first.

    Raises:
        NotAvailable: some numbers are not offered (any more); ``numbers`` lists them.
    """
    offers: list[AvailableNumber] = []
    gone: list[str] = []
    for e164 in numbers:
        try:
            offers.append(await find_offer(provider, e164, toll_free=is_toll_free(e164)))
        except NotAvailable:
            gone.append(e164)
    if gone:
        verb = "is" if len(gone) == 1 else "are"
        raise NotAvailable(
            f"{', '.join(gone)} {verb} not available (taken since the search, or never "
            "offered); nothing was ordered",
            gone,
        )
    return offers


async def order_exactly(
    provider: Provider,
    numbers: Sequence[str],
    *,
    agreed_total: Decimal | None,
    application_id: str | None,
    name: str | None = None,
    progress: Callable[[int, AvailableNumber], None] | None = None,
) -> list[Ordered]:
    """Order exactly ``numbers`` (E.164, each once), pointing them at ``application_id``.

    First every number is checked to be still offered and, when ``agreed_total`` is given, the
    monthly total to be the one confirmed; only then are they ordered, one by one.

    Raises:
        ValueError: no numbers, or a number given twice.
        NotAvailable: some numbers are not offered any more; nothing was ordered.
        PriceChanged: the monthly total is not ``agreed_total``; nothing was ordered.
        OrderInterrupted: one order failed; nothing after it was tried.
        ProviderError: the check itself failed; nothing was ordered.
    """
    if not numbers:
        raise ValueError("no numbers to order")
    if len(set(numbers)) != len(numbers):
        raise ValueError("a number is given twice")
    offers = await available_offers(provider, numbers)
    total, _ = monthly_total([offer.price for offer in offers])
    if agreed_total is not None and total != agreed_total:
        raise PriceChanged(
            f"these numbers cost {money(total)} a month now, not the {money(agreed_total)} "
            "confirmed; nothing was ordered",
            offers,
            total,
        )
    done: list[Ordered] = []
    for index, offer in enumerate(offers, start=1):
        if progress is not None:
            progress(index, offer)
        try:
            number_id = await provider.order_number(
                offer.number, application_id=application_id, name=name
            )
        except ProviderError as error:
            raise OrderInterrupted(done, error, offers[index - 1 :]) from error
        done.append(Ordered(offer, number_id))
    return done


async def reassign(
    provider: Provider, number: PhoneNumber, application_id: str | None
) -> PhoneNumber:
    """Point ``number`` at ``application_id`` (``None`` detaches) and answer it as it is now."""
    await provider.assign_number(number.id, application_id)
    return await provider.get_number(number.id)
