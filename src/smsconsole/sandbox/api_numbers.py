"""``/v1`` handlers for applications, available numbers and phone numbers (§2, §3, §4)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from smsconsole.providers.catapult import quirks
from smsconsole.sandbox import validation
from smsconsole.sandbox.errors import ApiError, missing_property, not_found, validation_error
from smsconsole.sandbox.render import application_json, available_json, number_json
from smsconsole.sandbox.responses import (
    account_url,
    created,
    empty_response,
    json_object,
    json_response,
    paged,
    sandbox_of,
)
from smsconsole.sandbox.runtime import Sandbox
from smsconsole.sandbox.state import Application, PhoneNumber, iso_time
from smsconsole.sandbox.world import AvailableNumber, search

MAX_SEARCH = 5000
MAX_ORDER = 10


def _application(sandbox: Sandbox, app_id: str) -> Application:
    app = sandbox.world.applications.get(app_id)
    if app is None:
        raise not_found("application", app_id)
    return app


async def list_applications(request: Request) -> Response:
    """GET applications (paged)."""
    apps = sorted(sandbox_of(request).world.applications.values(), key=lambda a: a.seq)
    return paged(request, [application_json(app) for app in apps], {})


async def create_application(request: Request) -> Response:
    """POST applications -> 201 + Location."""
    sandbox = sandbox_of(request)
    fields = validation.parse_application(await json_object(request), None)
    app = Application(id=sandbox.world.new_id("a"), fields=fields, seq=sandbox.world.next_seq())
    sandbox.world.applications[app.id] = app
    sandbox.mark_dirty()
    return created(request, f"applications/{app.id}")


async def get_application(request: Request) -> Response:
    """GET one application."""
    app = _application(sandbox_of(request), request.path_params["app_id"])
    return json_response(application_json(app))


async def update_application(request: Request) -> Response:
    """POST to an application: partial update, nulls ignored (§1.3)."""
    sandbox = sandbox_of(request)
    app = _application(sandbox, request.path_params["app_id"])
    app.fields = validation.parse_application(await json_object(request), app.fields)
    sandbox.mark_dirty()
    return empty_response()


async def delete_application(request: Request) -> Response:
    """DELETE an application; its numbers are detached."""
    sandbox = sandbox_of(request)
    app = _application(sandbox, request.path_params["app_id"])
    del sandbox.world.applications[app.id]
    for number in sandbox.world.numbers.values():
        if number.application_id == app.id:
            number.application_id = None
    sandbox.mark_dirty()
    return empty_response()


def _search_request(
    request: Request, *, order: bool
) -> tuple[bool, list[tuple[AvailableNumber, str | None]]]:
    kind = request.path_params["kind"]
    if kind not in ("local", "tollFree"):
        raise ApiError(
            404, "resource-not-found", f"The resource availableNumbers/{kind} could not be found"
        )
    query = {key: value for key, value in request.query_params.items() if value != ""}
    toll_free = kind == "tollFree"
    pattern = query.get("pattern")
    if order and pattern:
        raise ApiError(
            400,
            "invalid-available-number-search-order",
            "A query and order numbers cannot contain pattern",
        )
    criteria = None if toll_free else validation.parse_local_criteria(query)
    code = "invalid-available-number-search-order" if order else "invalid-available-number-search"
    quantity = validation.parse_quantity(
        query.get("quantity"),
        default=1 if order else 10,
        maximum=MAX_ORDER if order else MAX_SEARCH,
        code=code,
    )
    inventory = sandbox_of(request).inventory.values()
    found = search(
        inventory, toll_free=toll_free, criteria=criteria, pattern=pattern, quantity=quantity
    )
    if order and len(found) < quantity:
        raise ApiError(
            404,
            "order-number-quantity-unavailable",
            f"Only a partial quantity of {len(found)} numbers could be fulfilled",
        )
    return toll_free, found


async def search_available(request: Request) -> Response:
    """GET availableNumbers/{local,tollFree}: search (§3.1, §3.2)."""
    _, found = _search_request(request, order=False)
    return json_response([available_json(item, shown) for item, shown in found])


async def order_available(request: Request) -> Response:
    """POST availableNumbers/{local,tollFree}: search and order, 201 + array (§3.3)."""
    sandbox = sandbox_of(request)
    _, found = _search_request(request, order=True)
    results = []
    for item, _ in found:
        record = _order(sandbox, item, None, None, None)
        data = available_json(item, None)
        data.pop("rateCenter", None)
        data.pop("lata", None)
        data["location"] = f"{account_url(request)}/phoneNumbers/{record.id}"
        results.append(data)
    return json_response(results, 201)


def _order(
    sandbox: Sandbox,
    item: AvailableNumber,
    name: str | None,
    app_id: str | None,
    fallback: str | None,
) -> PhoneNumber:
    place = item.place
    record = PhoneNumber(
        id=sandbox.world.new_id("n"),
        number=item.number,
        price=item.price,
        created_time=iso_time(),
        seq=sandbox.world.next_seq(),
        city=place.city if place else None,
        state=place.state if place else None,
        name=name,
        application_id=app_id,
        fallback_number=fallback,
    )
    sandbox.world.numbers[record.id] = record
    sandbox.take(item.number)
    return record


async def order_number(request: Request) -> Response:
    """POST phoneNumbers {number, name?, applicationId?, fallbackNumber?} -> 201 + Location.

    Already owned -> 409 ``duplicate-number``; not in the inventory (never existed, or ordered
    and released) -> 404 ``resource-not-found`` (reference Open question 16; our choice).
    """
    sandbox = sandbox_of(request)
    body = quirks.drop_nulls(await json_object(request))
    number = validation.read(body, "number", quirks.as_str)
    if number is None:
        raise missing_property("phoneNumber", "number")
    number = "+" + number.strip().lstrip("+")
    app_id = validation.read(body, "applicationId", quirks.as_str) or None
    if app_id is not None:
        _application(sandbox, app_id)
    if sandbox.world.owned_number(number) is not None:
        raise ApiError(409, "duplicate-number", f"The number {number} is already on this account")
    item = sandbox.inventory.get(number)
    if item is None:
        raise ApiError(404, "resource-not-found", f"The number {number} is not available")
    record = _order(
        sandbox,
        item,
        validation.read(body, "name", quirks.as_str),
        app_id,
        validation.read(body, "fallbackNumber", quirks.as_str),
    )
    return created(request, f"phoneNumbers/{record.id}")


def _number(sandbox: Sandbox, key: str) -> PhoneNumber:
    record = sandbox.world.find_number(key)
    if record is None:
        raise ApiError(404, "number-not-found", f"The number '{key.strip()}' could not be found")
    return record


async def list_numbers(request: Request) -> Response:
    """GET phoneNumbers with filters applicationId/state/name/city/numberState (§4)."""
    query = request.query_params
    filters = {
        key: query[key]
        for key in ("applicationId", "state", "name", "city", "numberState")
        if query.get(key)
    }
    wanted_state = filters.get("numberState", "enabled")
    records = [
        record
        for record in sorted(sandbox_of(request).world.numbers.values(), key=lambda r: r.seq)
        if record.number_state == wanted_state
        and ("applicationId" not in filters or record.application_id == filters["applicationId"])
        and ("state" not in filters or (record.state or "") == filters["state"].upper())
        and ("city" not in filters or (record.city or "") == filters["city"].upper())
        and ("name" not in filters or record.name == filters["name"])
    ]
    base = account_url(request)
    return paged(request, [number_json(record, base) for record in records], filters)


async def get_number(request: Request) -> Response:
    """GET a number by id or E.164 (``%2B``, ``+`` or a leading space)."""
    record = _number(sandbox_of(request), request.path_params["number"])
    return json_response(number_json(record, account_url(request)))


async def update_number(request: Request) -> Response:
    """POST to a number: ``applicationId`` "" detaches, null leaves unchanged (§4)."""
    sandbox = sandbox_of(request)
    record = _number(sandbox, request.path_params["number"])
    body = quirks.drop_nulls(await json_object(request))
    app_id = validation.read(body, "applicationId", quirks.as_str)
    if app_id:
        _application(sandbox, app_id)
    name = validation.read(body, "name", quirks.as_str)
    fallback = validation.read(body, "fallbackNumber", quirks.as_str)
    if fallback is not None and fallback and not fallback.lstrip("+").isdigit():
        raise validation_error("The fallbackNumber must be an E.164 number")
    if app_id is not None:
        record.application_id = app_id or None
    if name is not None:
        record.name = name
    if fallback is not None:
        record.fallback_number = fallback or None
    sandbox.mark_dirty()
    return empty_response()


async def release_number(request: Request) -> Response:
    """DELETE a number: released for good, never back in the inventory (§4)."""
    sandbox = sandbox_of(request)
    record = _number(sandbox, request.path_params["number"])
    record.number_state = "released"
    record.application_id = None
    sandbox.mark_dirty()
    return empty_response()
