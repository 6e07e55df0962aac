"""``/api/numbers``, ``/api/available-numbers`` and ``/api/applications``.

The provider's setup flow — create an application, order a number, assign it — through the
server, which alone holds the credentials. Ordering spends money, so it requires
``"confirm": true`` in the request; nothing is ordered without it.
"""

from __future__ import annotations

from typing import Any, Final

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from smsconsole.catapult.models import ApplicationSettings
from smsconsole.records import NumberRecord
from smsconsole.server.http import (
    authorized,
    checked,
    id_field,
    json_object,
    on_provider,
    phone_field,
    provider,
    provider_id,
    settings,
    store,
    text_field,
)
from smsconsole.server.inputs import InvalidInput, whole_number
from smsconsole.server.responses import JSON, ApiError, snake
from smsconsole.server.sync import sync_numbers
from smsconsole.server.urls import callback_url

LOCAL_CRITERIA: Final = ("state", "city", "zip", "area_code", "local_number", "pattern")
MAX_ORDER: Final = 10  # reference §3.3: search-and-order takes at most 10


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
        found = await on_provider(
            "searching toll-free numbers",
            client.search_toll_free_numbers(
                quantity=quantity, pattern=_local_criteria(params).get("pattern")
            ),
        )
    elif kind == "local":
        found = await on_provider(
            "searching local numbers",
            client.search_local_numbers(quantity=quantity, **_local_criteria(params)),
        )
    else:
        raise ApiError(400, "'kind' must be local or tollfree")
    return JSON({"items": [snake(number) for number in found], "next": None})


@authorized
async def order_numbers(request: Request) -> JSON:
    """Order one number, or search-and-order by criteria; needs ``"confirm": true``."""
    body = await json_object(request)
    if body.get("confirm") is not True:
        raise ApiError(
            400, 'ordering numbers spends money: repeat the request with "confirm": true'
        )
    application_id = id_field(body, "application_id")
    client = provider(request)
    ordered: list[str] = []
    if body.get("number") is not None:
        number = phone_field(request, body, "number")
        ordered.append(
            await on_provider(
                f"ordering {number}",
                client.order_phone_number(
                    number, application_id=application_id, name=text_field(body, "name")
                ),
            )
        )
    elif isinstance(body.get("search"), dict):
        search: dict[str, Any] = body["search"]
        quantity = _quantity(body.get("quantity", 1), MAX_ORDER)
        if search.get("kind", "local") == "tollfree":
            result = await on_provider(
                "ordering toll-free numbers", client.order_toll_free_numbers(quantity=quantity)
            )
        else:
            criteria = _local_criteria(search)
            criteria.pop("pattern", None)
            result = await on_provider(
                "ordering local numbers", client.order_local_numbers(quantity=quantity, **criteria)
            )
        ordered.extend(number.id for number in result)
        if application_id:
            for number_id in ordered:
                await on_provider(
                    "assigning the new number", client.assign_application(number_id, application_id)
                )
    else:
        raise ApiError(400, "give 'number', or 'search' (criteria) and 'quantity'")
    await on_provider("listing our numbers", sync_numbers(store(request), client))
    numbers = {record.id: record for record in await store(request).numbers()}
    return JSON(
        {"items": [numbers[i] for i in ordered if i in numbers], "next": None}, status_code=201
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
        await on_provider(
            "assigning the number", client.assign_application(record.id, application_id)
        )
    else:
        await on_provider("detaching the number", client.detach_application(record.id))
    await on_provider("listing our numbers", sync_numbers(store(request), client))
    updated = await _our_number(request)
    return JSON({"number": updated, "previous_application_id": record.application_id})


@authorized
async def release_number(request: Request) -> JSON:
    """Release one of our numbers (it cannot be had back)."""
    record = await _our_number(request)
    client = provider(request)
    await on_provider(f"releasing {record.number}", client.release_phone_number(record.id))
    await on_provider("listing our numbers", sync_numbers(store(request), client))
    return JSON({"released": record})


@authorized
async def list_applications(request: Request) -> JSON:
    """The account's applications."""
    client = provider(request)

    async def collect() -> list[dict[str, Any]]:
        return [snake(app) async for app in client.iter_applications()]

    return JSON({"items": await on_provider("listing applications", collect()), "next": None})


def _application_settings(
    request: Request, body: dict[str, Any], *, creating: bool
) -> ApplicationSettings:
    auto_answer = body.get("auto_answer")
    if auto_answer is not None and not isinstance(auto_answer, bool):
        raise ApiError(400, "'auto_answer' must be true or false")
    method = text_field(body, "callback_http_method")
    if method is not None and method.upper() not in ("GET", "POST"):
        raise ApiError(400, "'callback_http_method' must be GET or POST")
    call_url = text_field(body, "incoming_call_url")
    message_url = text_field(body, "incoming_message_url")
    if creating:
        # This server's callbacks, with its credentials, unless told otherwise.
        server = settings(request).server
        call_url = call_url or callback_url(server, "calls")
        message_url = message_url or callback_url(server, "messages")
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
    fields = _application_settings(request, body, creating=True)
    if not (fields.name or "").strip():
        raise ApiError(400, "'name' is required")
    client = provider(request)
    created = await on_provider("creating the application", client.create_application(fields))
    application = await on_provider("reading the application", client.get_application(created))
    return JSON(snake(application), status_code=201)


@authorized
async def update_application(request: Request) -> JSON:
    """Change an application's name, callback URLs, method or auto-answer."""
    body = await json_object(request)
    changes = _application_settings(request, body, creating=False)
    client = provider(request)
    application_id = provider_id(request.path_params["application_id"], "application_id")
    await on_provider(
        "updating the application", client.update_application(application_id, changes)
    )
    application = await on_provider(
        "reading the application", client.get_application(application_id)
    )
    return JSON(snake(application))


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
