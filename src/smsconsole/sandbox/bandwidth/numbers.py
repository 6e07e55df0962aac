"""The Numbers API (XML) under `/api/accounts/{accountId}/…`: available numbers, orders, in-service
numbers, sites and SIP peers, applications, disconnects (docs/bandwidth-v2.md §5).

The parts live beside this module: ``numbers_search`` (criteria and the ``SearchResult``),
``numbers_orders`` (orders and disconnects), ``numbers_sites`` (sites, peers, settings,
in-service numbers), ``numbers_apps`` (applications), ``numbers_service`` (the records),
``numbers_xml`` (safe parsing, error shapes, authentication). Every API route wants the
account's Basic credentials; a refused one is a 401 with ``WWW-Authenticate: Basic`` and a
small ``ResponseStatus`` body. The simulation route ``POST /sandbox/numbers/taken`` (no auth,
JSON) lets another account take an available number.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from smsconsole.sandbox.bandwidth import numbers_apps, numbers_orders, numbers_sites
from smsconsole.sandbox.bandwidth.http import json_response
from smsconsole.sandbox.bandwidth.numbers_search import find, parse_search, search_result
from smsconsole.sandbox.bandwidth.numbers_service import NumbersService, numbers_of
from smsconsole.sandbox.bandwidth.numbers_xml import answer, endpoint, search_error
from smsconsole.sandbox.bandwidth.simulation import (
    SimulationError,
    e164_field,
    json_body,
    sim_endpoint,
)

__all__ = ["NumbersService", "numbers_of", "routes"]


async def available_numbers(request: Request) -> Response:
    """``GET …/availableNumbers``: a ``SearchResult`` (shape-1 errors, §5.2)."""
    service = numbers_of(request)
    search = parse_search(request.query_params)
    found = find(service.inventory.values(), search)
    return answer(search_result(found, search.detail))


async def take_number(request: Request) -> Response:
    """``POST /sandbox/numbers/taken {"number": E.164}``: another account orders an available
    number; it leaves the inventory for good (404 when it is not available)."""
    service = numbers_of(request)
    e164 = e164_field(await json_body(request), "number")
    if service.take(e164) is None:
        raise SimulationError(404, f"{e164} is not available (never offered, or taken)")
    return json_response({"taken": e164})


def routes() -> list[BaseRoute]:
    """The service's API routes (under ``/api`` and, as NSPEC's servers say, ``/api/v1``) and
    its simulation route."""
    api: list[Route] = [
        Route(
            "/api/accounts/{account_id}/availableNumbers",
            endpoint(available_numbers, search_error),
            methods=["GET"],
        ),
        *numbers_orders.routes(),
        *numbers_sites.routes(),
        *numbers_apps.routes(),
    ]
    aliases = [
        Route("/api/v1/" + route.path.removeprefix("/api/"), route.endpoint, methods=route.methods)
        for route in api
    ]
    return [
        *api,
        *aliases,
        Route("/sandbox/numbers/taken", sim_endpoint(take_number), methods=["POST"]),
    ]
