"""The provider's setup flow as plain async steps: applications, number search, order, assign.

The getting-started path of Catapult v1 is: create an application with callback URLs, order a
phone number, point the number at the application (reference §2-§4). These functions do each
step with a :class:`~smsconsole.catapult.client.CatapultClient`; the command line asks for
confirmation between *planning* an order (what exactly, at what monthly price) and *placing*
it, so nothing is bought that was not shown.

Why orders go number by number: the provider's search-and-order (§3.3) picks the numbers
itself, so a confirmation shown beforehand could name other numbers (and prices) than the ones
bought. Instead a search-and-order is planned as a search (§3.1, §3.2) and the numbers found
are ordered one by one with ``POST /phoneNumbers`` (§4), each carrying the application id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from smsconsole.catapult.client import CatapultClient
from smsconsole.catapult.errors import CatapultError
from smsconsole.catapult.models import Application, AvailableNumber, PhoneNumber

MAX_ORDER = 10  # §3.3 caps a search-and-order at 10; the same bound guards a typo'd quantity.


@dataclass(frozen=True)
class NumberSearch:
    """Criteria for numbers to buy: local (§3.1) or toll-free (§3.2).

    The provider validates the combination (one of state, ZIP or area code; city needs state;
    local number needs area code) and its answer is shown in its own words.
    """

    toll_free: bool = False
    state: str | None = None
    city: str | None = None
    zip_code: str | None = None
    area_code: str | None = None
    local_number: str | None = None
    in_local_calling_area: bool | None = None
    pattern: str | None = None
    quantity: int | None = None

    @property
    def has_local_criteria(self) -> bool:
        """Whether any criterion that only a local search takes is set."""
        local = (self.state, self.city, self.zip_code, self.area_code, self.local_number)
        return any(value is not None for value in local) or self.in_local_calling_area is not None

    @property
    def is_empty(self) -> bool:
        """Whether no criterion at all is set (toll-free counts as one)."""
        return not (self.toll_free or self.has_local_criteria or self.pattern)


@dataclass(frozen=True)
class Ordered:
    """A number bought: the offer as shown before the order, and its new id (``n-…``)."""

    offer: AvailableNumber
    number_id: str


class OrderInterrupted(Exception):
    """An order of several numbers stopped part way; ``ordered`` were bought before ``error``."""

    def __init__(self, ordered: Sequence[Ordered], error: CatapultError) -> None:
        super().__init__(str(error))
        self.ordered = tuple(ordered)
        self.error = error


class Refused(Exception):
    """A step cannot go ahead; ``code`` names why in the provider's style (kebab-case)."""

    code = "refused"


class NotAvailable(Refused):
    """A number asked for cannot be ordered (not among the available numbers)."""

    code = "not-available"


class ApplicationNotFound(Refused):
    """No application has the id or name given."""

    code = "application-not-found"


def price_of(text: str | None) -> Decimal | None:
    """A v1 price string (``"0.35"``, §1.7) as a Decimal, or None when absent or unreadable."""
    if text is None:
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


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


async def all_applications(client: CatapultClient) -> list[Application]:
    """Every application on the account."""
    return [app async for app in client.iter_applications()]


async def all_numbers(
    client: CatapultClient, *, application_id: str | None = None
) -> list[PhoneNumber]:
    """The account's numbers, optionally only those pointing at ``application_id``."""
    return [n async for n in client.iter_phone_numbers(application_id=application_id)]


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


async def search(client: CatapultClient, criteria: NumberSearch) -> list[AvailableNumber]:
    """Search numbers to buy."""
    if criteria.toll_free:
        return await client.search_toll_free_numbers(
            quantity=criteria.quantity, pattern=criteria.pattern
        )
    return await client.search_local_numbers(
        state=criteria.state,
        city=criteria.city,
        zip_code=criteria.zip_code,
        area_code=criteria.area_code,
        local_number=criteria.local_number,
        in_local_calling_area=criteria.in_local_calling_area,
        pattern=criteria.pattern,
        quantity=criteria.quantity,
    )


async def plan_search_order(
    client: CatapultClient, criteria: NumberSearch, quantity: int
) -> list[AvailableNumber]:
    """The numbers a search-and-order would buy, found now, with their prices.

    Raises:
        NotAvailable: fewer than ``quantity`` numbers match (nothing is ordered).
    """
    found = await search(client, replace(criteria, quantity=quantity))
    if len(found) < quantity:
        raise NotAvailable(
            f"only {len(found)} of the {quantity} numbers asked for are available "
            "with these criteria; nothing was ordered"
        )
    return found[:quantity]


async def find_offer(client: CatapultClient, e164: str, *, toll_free: bool) -> AvailableNumber:
    """The available-number entry of one specific number (for its location and price).

    A pattern of all ten national digits matches the number itself (§3.1 patterns).

    Raises:
        NotAvailable: the provider does not offer this number.
    """
    digits = e164.removeprefix("+1")
    if toll_free:
        found = await client.search_toll_free_numbers(pattern=digits, quantity=1)
    else:
        found = await client.search_local_numbers(area_code=digits[:3], pattern=digits, quantity=1)
    for offer in found:
        if offer.number == e164:
            return offer
    raise NotAvailable(f"{e164} is not available to order (already taken, or no such number)")


async def place_order(
    client: CatapultClient,
    offers: Sequence[AvailableNumber],
    *,
    application_id: str | None,
    progress: Callable[[int, AvailableNumber], None],
) -> list[Ordered]:
    """Order each offered number, pointing it at ``application_id`` when given.

    Raises:
        OrderInterrupted: one order failed; the numbers bought before it are attached.
    """
    done: list[Ordered] = []
    for index, offer in enumerate(offers, start=1):
        progress(index, offer)
        try:
            number_id = await client.order_phone_number(offer.number, application_id=application_id)
        except CatapultError as error:
            raise OrderInterrupted(done, error) from error
        done.append(Ordered(offer, number_id))
    return done


async def reassign(
    client: CatapultClient, number: PhoneNumber, application_id: str | None
) -> PhoneNumber:
    """Point ``number`` at ``application_id`` (``None`` detaches) and answer it as it is now."""
    if application_id is None:
        await client.detach_application(number.id)
    else:
        await client.assign_application(number.id, application_id)
    return await client.get_phone_number(number.id)


def application_id_of(number: PhoneNumber) -> str | None:
    """The id of the application a number points at (§4: ``applicationId`` or the URL)."""
    if number.application_id:
        return number.application_id
    if number.application:
        return number.application.rstrip("/").rsplit("/", 1)[-1] or None
    return None
