"""Number orders and disconnect orders (docs/bandwidth-v2.md §5.3, §5.8): ``POST``/``GET
…/orders[/{id}]`` and ``…/disconnects[/{id}]``, created ``RECEIVED`` (201 + absolute
``Location``) and settled in the background.

Errors are shape 2 of §5.9 (``<OrderResponse><ErrorList>…``): 5016 unknown SiteId, 5017 (our
choice) unknown PeerId or a peer of another site, 5001 bad number list, 5002 no or several
order types, 5009 bad quantity, the 4xxx search codes for bad search criteria; settled orders
carry 5005 "Telephone Number Unavailable" per number they could not get, 5006 (our choice)
when a search-and-order found fewer numbers than asked, 5011 (our choice) per number a
disconnect could not release.
"""

from __future__ import annotations

import asyncio
import copy
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from smsconsole.sandbox.bandwidth.account import Number
from smsconsole.sandbox.bandwidth.numbers_search import (
    find,
    parse_quantity,
    parse_search,
    with_quantity,
)
from smsconsole.sandbox.bandwidth.numbers_service import (
    COMPLETE,
    FAILED,
    PARTIAL,
    PROCESSING,
    DisconnectOrder,
    NumberOrder,
    NumbersService,
    now,
    numbers_of,
)
from smsconsole.sandbox.bandwidth.numbers_xml import (
    Handler,
    NumbersError,
    Render,
    answer,
    child_text,
    e164_of,
    endpoint,
    error_element,
    error_list,
    flag,
    leaves,
    node,
    read_xml,
    ten_digits,
    timestamp,
)

MAX_NUMBERS = 5000
ACCOUNT = "/api/accounts/{account_id}"

# Search-and-order types: their elements → availableNumbers query parameters. The SDK spells
# three of them in its own case (``NpanxxSearchAndOrderType``, ``Zip…``, ``Lata…``).
SEARCH_TYPES: dict[str, dict[str, str]] = {
    "AreaCodeSearchAndOrderType": {"AreaCode": "areaCode"},
    "NPANXXSearchAndOrderType": {"NpaNxx": "npaNxx", "EnableLCA": "LCA"},
    "RateCenterSearchAndOrderType": {"RateCenter": "rateCenter", "State": "state"},
    "CitySearchAndOrderType": {"City": "city", "State": "state"},
    "StateSearchAndOrderType": {"State": "state"},
    "ZIPSearchAndOrderType": {"Zip": "zip"},
    "LATASearchAndOrderType": {"Lata": "lata"},
    "CombinedSearchAndOrderType": {
        "AreaCode": "areaCode",
        "RateCenter": "rateCenter",
        "State": "state",
        "NpaNxx": "npaNxx",
        "NpaNxxX": "npaNxxx",
        "Lata": "lata",
        "City": "city",
        "Zip": "zip",
        "EnableLCA": "LCA",
        "LocalVanity": "localVanity",
        "EndsIn": "endsIn",
    },
    "TollFreeVanitySearchAndOrderType": {"TollFreeVanity": "tollFreeVanity"},
    "TollFreeWildCharSearchAndOrderType": {"TollFreeWildCardPattern": "tollFreeWildCardPattern"},
}
ALIASES = {"NpanxxSearchAndOrderType": "NPANXXSearchAndOrderType",
           "ZipSearchAndOrderType": "ZIPSearchAndOrderType",
           "LataSearchAndOrderType": "LATASearchAndOrderType"}  # fmt: skip
EXISTING = "ExistingTelephoneNumberOrderType"
ORDER_TYPES = (EXISTING, *SEARCH_TYPES, *ALIASES)


def _invalid(code: str, description: str, number: str | None = None) -> NumbersError:
    return NumbersError(400, code, description, number)


def _number_list(element: ET.Element | None) -> list[str]:
    """The E.164 numbers of a ``TelephoneNumberList`` (each once), or a 5001/5007 error."""
    tns = (
        []
        if element is None
        else [(tn.text or "").strip() for tn in element.iter("TelephoneNumber")]
    )
    if not tns:
        raise _invalid("5001", "The telephone number list is empty.")
    if len(tns) > MAX_NUMBERS:
        raise _invalid("5007", f"An order may hold at most {MAX_NUMBERS} telephone numbers.")
    numbers: dict[str, None] = {}
    for tn in tns:
        e164 = e164_of(tn)
        if e164 is None:
            raise _invalid("5001", f"Telephone number '{tn[:20]}' is invalid.", tn[:20])
        numbers[e164] = None
    return list(numbers)


# --- number orders -------------------------------------------------------------------------


async def create_order(request: Request) -> Response:
    """``POST …/orders``: validate, answer 201 RECEIVED, settle in the background."""
    service = numbers_of(request)
    sandbox = service.sandbox
    root = await read_xml(request, ("Order",), "5002")
    account = sandbox.account
    site_id = child_text(root, "SiteId")
    if not site_id or site_id not in account.sites:
        raise _invalid("5016", "The SiteId submitted is invalid.")
    peer_id = child_text(root, "PeerId")
    peer = account.peers.get(peer_id) if peer_id else account.default_peer(site_id)
    if peer is None or peer.site_id != site_id:
        raise _invalid("5017", "The PeerId submitted is invalid (no such SIP peer on the site).")
    kinds = [child for child in root if child.tag in ORDER_TYPES]
    if len(kinds) != 1:
        raise _invalid(
            "5002",
            "An order needs exactly one order type, such as "
            "ExistingTelephoneNumberOrderType or AreaCodeSearchAndOrderType.",
        )
    partial = flag(child_text(root, "PartialAllowed"), True)
    if partial is None:
        raise _invalid("5002", "PartialAllowed must be true or false.")
    order = NumberOrder(
        id=service.new_id(),
        user=sandbox.config.username,
        site_id=site_id,
        peer_id=peer.id,
        peer_given=bool(peer_id),
        partial_allowed=partial,
        request=copy.deepcopy(kinds[0]),
        name=child_text(root, "Name"),
        customer_order_id=child_text(root, "CustomerOrderId"),
    )
    kind = ALIASES.get(kinds[0].tag, kinds[0].tag)
    if kind == EXISTING:
        order.numbers = _number_list(kinds[0].find("TelephoneNumberList"))
    else:
        query = {param: text for tag, param in SEARCH_TYPES[kind].items()
                 if (text := child_text(kinds[0], tag)) is not None}  # fmt: skip
        if "LCA" not in query:
            query["LCA"] = "false"  # an order takes the digits asked for, not the neighbours'
        order.quantity = parse_quantity(child_text(kinds[0], "Quantity") or "0", "5009")
        order.search = with_quantity(parse_search(query), order.quantity)
    service.orders[order.id] = order
    sandbox.spawn(_settle_order(service, order))
    location = f"{sandbox.base_url}/api/accounts/{account.id}/orders/{order.id}"
    body = node("OrderResponse", None, [_order_element(order), node("OrderStatus", order.status)])
    return answer(body, 201, {"Location": location})


async def _settle_order(service: NumbersService, order: NumberOrder) -> None:
    sandbox = service.sandbox
    await asyncio.sleep(sandbox.delay(0.5))
    order.status = PROCESSING
    order.modified = now()
    await asyncio.sleep(sandbox.delay(1.0))
    if order.search is not None:
        found = [item.number for item in find(service.inventory.values(), order.search)]
        missing = order.quantity - len(found)
        if missing:
            order.errors.append(NumbersError(400, "5006", f"Only {len(found)} of the "
                                f"{order.quantity} numbers asked for are available."))  # fmt: skip
    else:
        found = [n for n in order.numbers if n in service.inventory]
        lost = [n for n in order.numbers if n not in service.inventory]
        missing = len(lost)
        order.errors.extend(NumbersError(400, "5005", "Telephone Number Unavailable",
                                         ten_digits(n)) for n in lost)  # fmt: skip
    if not found or (missing and not order.partial_allowed):
        order.status = FAILED
        order.failed_quantity = len(found) + missing
    else:
        for e164 in found:
            item = service.take(e164)
            place = None if item is None else item.place
            number = Number(e164, order.site_id, order.peer_id, order.id, place)
            sandbox.account.numbers[e164] = number
        order.completed = found
        order.failed_quantity = missing
        order.status = PARTIAL if missing else COMPLETE
    order.modified = order.settled = now()


async def get_order(request: Request) -> Response:
    """``GET …/orders/{order_id}``: the order and how it went (404 when unknown)."""
    order = numbers_of(request).orders.get(request.path_params["order_id"])
    if order is None:
        raise NumbersError(404, "5004", "The order does not exist on this account.")
    children = leaves([
        ("CompletedQuantity", str(len(order.completed))),
        ("CreatedByUser", order.user),
        ("LastModifiedDate", timestamp(order.modified)),
        ("OrderCompleteDate", timestamp(order.settled) if order.settled else None),
    ])  # fmt: skip
    children += [_order_element(order), node("OrderStatus", order.status)]
    if order.completed:
        numbers = (node("TelephoneNumber", None, [node("FullNumber", ten_digits(n))])
                   for n in order.completed)  # fmt: skip
        children.append(node("CompletedNumbers", None, numbers))
    children.append(node("FailedQuantity", str(order.failed_quantity)))
    failed = [error.number for error in order.errors if error.number]
    if failed:
        children.append(node("FailedNumbers", None, leaves(("FullNumber", n) for n in failed)))
    if order.errors:
        children.append(node("ErrorList", None, map(error_element, order.errors)))
    return answer(node("OrderResponse", None, children))


def _order_element(order: NumberOrder) -> ET.Element:
    head = leaves([
        ("CustomerOrderId", order.customer_order_id),
        ("Name", order.name),
        ("OrderCreateDate", timestamp(order.created)),
        ("PeerId", order.peer_id if order.peer_given else None),
        ("BackOrderRequested", order.back_order_requested),
        ("id", order.id),
    ])  # fmt: skip
    tail = leaves([("PartialAllowed", str(order.partial_allowed).lower()),
                   ("SiteId", order.site_id)])  # fmt: skip
    return node("Order", None, [*head, copy.deepcopy(order.request), *tail])


async def list_orders(request: Request) -> Response:
    """``GET …/orders?page=&size=&status=&customerOrderId=``: the orders, oldest first."""
    service = numbers_of(request)
    query = request.query_params
    orders = [o for o in service.orders.values()
              if query.get("status") in (None, o.status)
              and query.get("customerOrderId") in (None, o.customer_order_id)]  # fmt: skip
    ids = [o.id for o in orders]
    page_text = query.get("page")
    named = page_text if page_text in ids else None  # a page may be named by its first order
    page, size = _paging(None if named else page_text, query.get("size"), default_size=300)
    start = ids.index(named) if named else (page - 1) * size
    shown = orders[start : start + size]
    entries = [
        node("OrderIdUserIdDate", None, leaves([
            ("CountOfTNs", str(len(o.completed) or len(o.numbers) or o.quantity)),
            ("CustomerOrderId", o.customer_order_id),
            ("lastModifiedDate", timestamp(o.modified)),
            ("OrderDate", timestamp(o.created)),
            ("OrderType", "new_number"),
            ("orderId", o.id),
            ("OrderStatus", o.status),
            ("userId", o.user),
        ]))
        for o in shown
    ]  # fmt: skip
    listing = node("ListOrderIdUserIdDate", None, [node("TotalCount", str(len(orders))), *entries])
    return answer(node("ResponseSelectWrapper", None, [listing]))


def _paging(page: str | None, size: str | None, default_size: int) -> tuple[int, int]:
    values = []
    for name, value, default in (("page", page, 1), ("size", size, default_size)):
        text = (value or str(default)).strip()
        if not text.isascii() or not text.isdigit() or len(text) > 6 or int(text) < 1:
            raise _invalid("5002", f"{name} must be a whole number of at least 1.")
        values.append(int(text))
    return values[0], values[1]


# --- disconnects ---------------------------------------------------------------------------


async def create_disconnect(request: Request) -> Response:
    """``POST …/disconnects``: validate, answer 201 RECEIVED, release in the background."""
    service = numbers_of(request)
    sandbox = service.sandbox
    root = await read_xml(request, ("DisconnectTelephoneNumberOrder",), "5002")
    kind = root.find("DisconnectTelephoneNumberOrderType")
    if kind is None:
        raise _invalid("5002", "DisconnectTelephoneNumberOrderType is required.")
    order = DisconnectOrder(
        id=service.new_id(),
        user=sandbox.config.username,
        numbers=_number_list(kind.find("TelephoneNumberList")),
        name=child_text(root, "Name"),
        customer_order_id=child_text(root, "CustomerOrderId"),
        protected=child_text(kind, "Protected"),
    )
    service.disconnects[order.id] = order
    sandbox.spawn(_settle_disconnect(service, order))
    location = f"{sandbox.base_url}/api/accounts/{sandbox.account.id}/disconnects/{order.id}"
    return answer(_disconnect_response(order, settled=False), 201, {"Location": location})


async def _settle_disconnect(service: NumbersService, order: DisconnectOrder) -> None:
    sandbox = service.sandbox
    await asyncio.sleep(sandbox.delay(0.5))
    order.status = PROCESSING
    await asyncio.sleep(sandbox.delay(1.0))
    numbers = sandbox.account.numbers
    for e164 in order.numbers:
        if numbers.pop(e164, None) is not None:
            order.disconnected.append(e164)
        else:
            order.errors.append(NumbersError(400, "5011", "Telephone number is not in service "
                                             "on this account.", ten_digits(e164)))  # fmt: skip
    order.status = COMPLETE if not order.errors else PARTIAL if order.disconnected else FAILED
    order.modified = now()


async def get_disconnect(request: Request) -> Response:
    """``GET …/disconnects/{order_id}`` (404 when unknown)."""
    order = numbers_of(request).disconnects.get(request.path_params["order_id"])
    if order is None:
        raise NumbersError(404, "5004", "The disconnect order does not exist on this account.")
    return answer(_disconnect_response(order, settled=True))


def _disconnect_response(order: DisconnectOrder, settled: bool) -> ET.Element:
    tns = node("TelephoneNumberList", None, leaves(("TelephoneNumber", ten_digits(n))
                                                   for n in order.numbers))  # fmt: skip
    modes = leaves([("Protected", order.protected), ("DisconnectMode", "normal")])
    kind = node("DisconnectTelephoneNumberOrderType", None, [tns, *modes])
    request = node("orderRequest", None, [*leaves([
        ("Name", order.name),
        ("CustomerOrderId", order.customer_order_id),
        ("OrderCreateDate", timestamp(order.created)),
        ("id", order.id),
    ]), kind])  # fmt: skip
    children = [request, node("OrderStatus", order.status)]
    if settled:
        children.insert(0, node("LastModifiedDate", timestamp(order.modified)))
        done = leaves(("TelephoneNumber", ten_digits(n)) for n in order.disconnected)
        children.append(node("DisconnectedTelephoneNumberList", None, done))
        if order.errors:
            children.append(node("ErrorList", None, map(error_element, order.errors)))
    return node("DisconnectTelephoneNumberOrderResponse", None, children)


def routes() -> list[Route]:
    """The order and disconnect routes."""
    orders = error_list("OrderResponse")
    disconnects = error_list("DisconnectTelephoneNumberOrderResponse")

    def route(path: str, handler: Handler, render: Render, methods: Iterable[str]) -> Route:
        return Route(ACCOUNT + path, endpoint(handler, render), methods=list(methods))

    return [
        route("/orders", create_order, orders, ["POST"]),
        route("/orders", list_orders, orders, ["GET"]),
        route("/orders/{order_id}", get_order, orders, ["GET"]),
        route("/disconnects", create_disconnect, disconnects, ["POST"]),
        route("/disconnects/{order_id}", get_disconnect, disconnects, ["GET"]),
    ]
