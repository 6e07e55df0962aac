"""``/api/numbers``, ``/api/available-numbers`` and ``/api/applications``.

The provider's setup flow — create an application, order a number, assign it — through the
server, which alone holds the credentials. Ordering spends money, so it requires
``"confirm": true`` in the request; nothing is ordered without it, and only the numbers named
(those the caller searched and confirmed) are ever ordered (:func:`order_exactly`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Final

import msgspec
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from smsconsole.core.formatting import MASK, money
from smsconsole.core.phone import format_for_display
from smsconsole.core.records import NumberRecord
from smsconsole.providers.base import (
    Application,
    ApplicationSettings,
    AvailableNumber,
    NumberSearch,
    ProviderError,
)
from smsconsole.providers.provisioning import (
    MAX_ORDER,
    NotAvailable,
    Ordered,
    OrderInterrupted,
    PriceChanged,
    monthly_total,
    order_exactly,
)
from smsconsole.server.http import (
    authorized,
    checked,
    id_field,
    json_object,
    on_provider,
    phone_field,
    provider,
    provider_failure,
    provider_id,
    settings,
    store,
    text_field,
)
from smsconsole.server.inputs import InvalidInput, whole_number
from smsconsole.server.responses import JSON, ApiError, snake
from smsconsole.server.sync import sync_numbers
from smsconsole.server.urls import callback_url, masked_urls, unmasked

LOCAL_CRITERIA: Final = ("state", "city", "zip", "area_code", "local_number", "pattern")
MONEY: Final = re.compile(r"[0-9]{1,7}(?:\.[0-9]{1,6})?")


@authorized
async def list_numbers(request: Request) -> JSON:
    """Our numbers (synced from the provider when ``?refresh=1`` or none are known)."""
    kept = store(request)
    numbers = await kept.numbers()
    wanted = request.query_params.get("refresh") == "1" or not numbers
    if wanted and request.app.state.provider is not None:
        await on_provider("listing our numbers", sync_numbers(kept, provider(request)))
        numbers = await kept.numbers()
    return JSON({"items": numbers, "next": None})


def _quantity(raw: object, maximum: int) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        return whole_number(raw, "quantity", low=1, high=maximum)
    except InvalidInput as problem:
        raise ApiError(400, str(problem)) from None


def _criterion(value: object, name: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ApiError(400, f"'{name}' must be a string")
    return checked(value, name)


def _local_criteria(source: dict[str, Any]) -> dict[str, Any]:
    criteria: dict[str, Any] = {}
    for name in LOCAL_CRITERIA:
        value = source.get(name)
        if value is not None and value != "":
            criteria["zip_code" if name == "zip" else name] = _criterion(value, name)
    wide = source.get("in_local_calling_area")
    if wide not in (None, ""):
        criteria["in_local_calling_area"] = str(wide).lower() in ("1", "true", "yes")
    return criteria


@authorized
async def search_available(request: Request) -> JSON:
    """Search numbers to buy: ``kind=local`` by state/city/zip/area code/pattern, or tollfree."""
    params = dict(request.query_params)
    kind = checked(params.get("kind", "local"), "kind")
    quantity = _quantity(params.get("quantity"), 5000)
    client = provider(request)
    if kind == "tollfree":
        pattern = _local_criteria(params).get("pattern")
        found = await on_provider(
            "searching toll-free numbers",
            client.search_numbers(NumberSearch(toll_free=True, quantity=quantity, pattern=pattern)),
        )
    elif kind == "local":
        found = await on_provider(
            "searching local numbers",
            client.search_numbers(NumberSearch(quantity=quantity, **_local_criteria(params))),
        )
    else:
        raise ApiError(400, "'kind' must be local or tollfree")
    return JSON({"items": [snake(number) for number in found], "next": None})


def _wanted_numbers(request: Request, body: dict[str, Any]) -> list[str]:
    if body.get("search") is not None or body.get("quantity") is not None:
        raise ApiError(
            400,
            "ordering by 'search' and 'quantity' would buy numbers nobody saw: search first "
            "(GET /api/available-numbers) and order the numbers shown, as 'numbers'",
        )
    if body.get("number") is not None:
        if body.get("numbers") is not None:
            raise ApiError(400, "give 'number' or 'numbers', not both")
        return [phone_field(request, body, "number")]
    raw = body.get("numbers")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_ORDER:
        raise ApiError(
            400,
            f"'numbers' must list from 1 to {MAX_ORDER} phone numbers: the ones searched "
            "and confirmed",
        )
    wanted: list[str] = []
    for index, item in enumerate(raw):
        field = f"numbers[{index}]"  # read as any phone field: checked text, then E.164
        number = phone_field(request, {field: item}, field)
        if number in wanted:
            raise ApiError(400, f"'numbers' lists {number} twice")
        wanted.append(number)
    return wanted


def _agreed_total(body: dict[str, Any]) -> Decimal | None:
    raw = body.get("total_monthly_cost")
    if raw is None:
        return None
    if not isinstance(raw, str) or not MONEY.fullmatch(raw):
        raise ApiError(
            400, "'total_monthly_cost' must be the confirmed monthly total as a string: \"0.70\""
        )
    return Decimal(raw)


def _offer_json(offer: AvailableNumber) -> dict[str, Any]:
    return {"number": offer.number, "price": offer.price}


def _cost(offers: Sequence[AvailableNumber], region: str) -> str:
    total, _ = monthly_total([offer.price for offer in offers])
    numbers = ", ".join(format_for_display(offer.number, region) for offer in offers)
    return f"{numbers} ({money(total)} a month)"


async def _bought(request: Request, ordered: Sequence[Ordered]) -> list[Any]:
    """The records of numbers just bought, as synced; the offer where the sync fell short."""
    numbers = {record.id: record for record in await store(request).numbers()}
    return [
        numbers.get(item.number_id)
        or {"id": item.number_id, "number": item.offer.number, "price": item.offer.price}
        for item in ordered
    ]


async def _interrupted(request: Request, stopped: OrderInterrupted) -> ApiError:
    """The answer for an order stopped part way: what was bought, what not, and why."""
    region = settings(request).phone.default_region
    failed = stopped.not_ordered[0]
    shown = format_for_display(failed.number, region)
    problem = provider_failure(stopped.error, f"ordering {shown}")
    with contextlib.suppress(ProviderError):
        await sync_numbers(store(request), provider(request))
    words = [problem.reason]
    words.append(
        f"bought: {_cost([i.offer for i in stopped.ordered], region)}"
        if stopped.ordered
        else "nothing was bought"
    )
    if not stopped.error.outcome_unknown:
        words.append(f"not bought: {_cost(stopped.not_ordered, region)}")
    elif stopped.not_ordered[1:]:
        words.append(f"not bought: {_cost(stopped.not_ordered[1:], region)}")
    words.append("no other number was ordered in their place")
    status = 409 if stopped.error.status in (404, 409) else problem.status
    return ApiError(
        status,
        "; ".join(words),
        provider=problem.extra["provider"],
        ordered=await _bought(request, stopped.ordered),
        not_ordered=[_offer_json(offer) for offer in stopped.not_ordered],
        outcome_unknown=failed.number if stopped.error.outcome_unknown else None,
    )


@authorized
async def order_numbers(request: Request) -> JSON:
    """Order exactly the numbers given (searched and confirmed); needs ``"confirm": true``.

    ``{"numbers": [...], "total_monthly_cost"?, "application_id"?, "name"?, "confirm": true}``
    (or ``"number"`` for one). All must still be offered, at the confirmed total if given,
    or nothing is ordered (409); then they are ordered one by one, and a failure stops there
    with what was bought and what not.
    """
    body = await json_object(request)
    if body.get("confirm") is not True:
        raise ApiError(
            400, 'ordering numbers spends money: repeat the request with "confirm": true'
        )
    wanted = _wanted_numbers(request, body)
    agreed = _agreed_total(body)
    application_id = id_field(body, "application_id")
    name = text_field(body, "name")
    client = provider(request)
    region = settings(request).phone.default_region
    if application_id is not None:  # an unknown one would fail the first order, not the check
        await on_provider("reading the application", client.get_application(application_id))
    try:
        done = await order_exactly(
            client, wanted, agreed_total=agreed, application_id=application_id, name=name
        )
    except NotAvailable as gone:
        numbers = ", ".join(format_for_display(n, region) for n in gone.numbers)
        verb = "is" if len(gone.numbers) == 1 else "are"
        raise ApiError(
            409,
            f"{numbers} {verb} no longer available (taken since the search, or never offered); "
            "nothing was ordered",
            unavailable=list(gone.numbers),
            ordered=[],
        ) from None
    except PriceChanged as changed:
        raise ApiError(
            409,
            f"these numbers cost {money(changed.total)} a month now, not the {money(agreed)} "
            "confirmed; nothing was ordered",
            offers=[_offer_json(offer) for offer in changed.offers],
            ordered=[],
        ) from None
    except OrderInterrupted as stopped:
        raise await _interrupted(request, stopped) from None
    except ProviderError as error:
        raise provider_failure(error, "checking the numbers are still available") from error
    await on_provider("listing our numbers", sync_numbers(store(request), client))
    total, _ = monthly_total([item.offer.price for item in done])
    return JSON(
        {"items": await _bought(request, done), "next": None, "total_monthly_cost": f"{total:f}"},
        status_code=201,
    )


async def _our_number(request: Request) -> NumberRecord:
    wanted = request.path_params["number_id"]
    for record in await store(request).numbers():
        if wanted in (record.id, record.number):
            return record
    raise ApiError(404, f"{wanted} is not one of our numbers")


@authorized
async def update_number(request: Request) -> JSON:
    """Assign a number to an application, or detach it (``"application_id": ""`` or null)."""
    record = await _our_number(request)
    body = await json_object(request)
    if "application_id" not in body:
        raise ApiError(400, "'application_id' is required (empty or null detaches)")
    application_id = id_field(body, "application_id") or ""
    client = provider(request)
    if application_id:
        await on_provider("assigning the number", client.assign_number(record.id, application_id))
    else:
        await on_provider("detaching the number", client.assign_number(record.id, None))
    await on_provider("listing our numbers", sync_numbers(store(request), client))
    updated = await _our_number(request)
    return JSON({"number": updated, "previous_application_id": record.application_id})


@authorized
async def release_number(request: Request) -> JSON:
    """Release one of our numbers (it cannot be had back)."""
    record = await _our_number(request)
    client = provider(request)
    await on_provider(f"releasing {record.number}", client.release_number(record.id))
    await on_provider("listing our numbers", sync_numbers(store(request), client))
    return JSON({"released": record})


@authorized
async def list_applications(request: Request) -> JSON:
    """The account's applications."""
    client = provider(request)

    async def collect() -> list[dict[str, Any]]:
        return [masked_urls(snake(app)) for app in await client.list_applications()]

    return JSON({"items": await on_provider("listing applications", collect()), "next": None})


def _application_settings(body: dict[str, Any]) -> ApplicationSettings:
    auto_answer = body.get("auto_answer")
    if auto_answer is not None and not isinstance(auto_answer, bool):
        raise ApiError(400, "'auto_answer' must be true or false")
    method = text_field(body, "callback_http_method")
    if method is not None and method.upper() not in ("GET", "POST"):
        raise ApiError(400, "'callback_http_method' must be GET or POST")
    call_url = text_field(body, "incoming_call_url")
    message_url = text_field(body, "incoming_message_url")
    return ApplicationSettings(
        name=text_field(body, "name"),
        incoming_call_url=call_url,
        incoming_message_url=message_url,
        callback_http_method=method.upper() if method else None,
        auto_answer=auto_answer,
    )


@authorized
async def create_application(request: Request) -> JSON:
    """Create an application; its callback URLs default to this server's."""
    body = await json_object(request)
    fields = _application_settings(body)
    if not (fields.name or "").strip():
        raise ApiError(400, "'name' is required")
    client = provider(request)
    # This server's callbacks, with its credentials, unless told otherwise.
    server = settings(request).server
    fields = msgspec.structs.replace(
        fields,
        incoming_call_url=fields.incoming_call_url or callback_url(client, server, "calls"),
        incoming_message_url=(
            fields.incoming_message_url or callback_url(client, server, "messages")
        ),
    )
    created = await on_provider("creating the application", client.create_application(fields))
    application = await on_provider("reading the application", client.get_application(created))
    return JSON(masked_urls(snake(application)), status_code=201)


@authorized
async def update_application(request: Request) -> JSON:
    """Change an application's name, callback URLs, method or auto-answer."""
    body = await json_object(request)
    changes = _application_settings(body)
    client = provider(request)
    application_id = provider_id(request.path_params["application_id"], "application_id")
    if any(
        MASK in (url or "") for url in (changes.incoming_call_url, changes.incoming_message_url)
    ):
        current = await on_provider(
            "reading the application", client.get_application(application_id)
        )
        changes = _keep_passwords(changes, current)
    await on_provider(
        "updating the application", client.update_application(application_id, changes)
    )
    application = await on_provider(
        "reading the application", client.get_application(application_id)
    )
    return JSON(masked_urls(snake(application)))


def _keep_passwords(changes: ApplicationSettings, current: Application) -> ApplicationSettings:
    """``changes`` with each masked URL (sent back as shown) made the provider's real one."""
    urls: dict[str, str | None] = {}
    for field, now in (
        ("incoming_call_url", current.incoming_call_url),
        ("incoming_message_url", current.incoming_message_url),
    ):
        given: str | None = getattr(changes, field)
        if given is None:
            continue
        real = unmasked(given, now)
        if real is None:
            raise ApiError(
                400,
                f"'{field}' carries a masked password for an address the application does not "
                "have: give the URL with its real credentials",
            )
        urls[field] = real
    return msgspec.structs.replace(changes, **urls)


@authorized
async def delete_application(request: Request) -> JSON:
    """Delete an application; answers the numbers that still pointed at it."""
    application_id = provider_id(request.path_params["application_id"], "application_id")
    await on_provider(
        "deleting the application", provider(request).delete_application(application_id)
    )
    orphaned = [n for n in await store(request).numbers() if n.application_id == application_id]
    return JSON({"deleted": application_id, "numbers_still_assigned": orphaned})


def routes() -> list[BaseRoute]:
    """The number and application routes."""
    return [
        Route("/api/numbers", list_numbers),
        Route("/api/numbers", order_numbers, methods=["POST"]),
        Route("/api/numbers/{number_id}", update_number, methods=["PATCH"]),
        Route("/api/numbers/{number_id}", release_number, methods=["DELETE"]),
        Route("/api/available-numbers", search_available),
        Route("/api/applications", list_applications),
        Route("/api/applications", create_application, methods=["POST"]),
        Route("/api/applications/{application_id}", update_application, methods=["PATCH"]),
        Route("/api/applications/{application_id}", delete_application, methods=["DELETE"]),
    ]
