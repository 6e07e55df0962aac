"""The Numbers API (XML) of the v2 sandbox: search, orders, in-service numbers, disconnects
(docs/bandwidth-v2.md §5.2–§5.4, §5.8, §5.9), through the real app on loopback."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest

SITE, PEER = "2001", "3001"


def xml(response: httpx.Response) -> ET.Element:
    assert response.headers["content-type"].startswith("application/xml"), response.text
    return ET.fromstring(response.content)


def texts(root: ET.Element, path: str) -> list[str]:
    return [element.text or "" for element in root.findall(path)]


def order_xml(body: str, site: str = SITE, extra: str = "") -> str:
    return f"<Order><Name>n</Name><SiteId>{site}</SiteId>{extra}{body}</Order>"


def existing(*numbers: str) -> str:
    listed = "".join(f"<TelephoneNumber>{n}</TelephoneNumber>" for n in numbers)
    return (
        "<ExistingTelephoneNumberOrderType><TelephoneNumberList>"
        f"{listed}</TelephoneNumberList></ExistingTelephoneNumberOrderType>"
    )


async def search(v2: Any, **query: str) -> list[str]:
    response = await v2.client.get(v2.numbers("availableNumbers"), params=query)
    assert response.status_code == 200, response.text
    return texts(xml(response), "TelephoneNumberList/TelephoneNumber")


async def finished(v2: Any, kind: str, order_id: str) -> ET.Element:
    """Poll ``GET …/{kind}/{id}`` until the order has settled."""
    async with asyncio.timeout(5):
        while True:
            response = await v2.client.get(v2.numbers(f"{kind}/{order_id}"))
            assert response.status_code == 200, response.text
            root = xml(response)
            if root.findtext("OrderStatus") not in ("RECEIVED", "PROCESSING"):
                return root
            await asyncio.sleep(0.01)


async def place_order(v2: Any, body: str) -> tuple[str, ET.Element]:
    response = await v2.client.post(v2.numbers("orders"), content=body)
    assert response.status_code == 201, response.text
    root = xml(response)
    order_id = root.findtext("Order/id") or ""
    assert response.headers["location"] == f"{v2.base}/api/accounts/9900000/orders/{order_id}"
    assert root.findtext("OrderStatus") == "RECEIVED"
    return order_id, await finished(v2, "orders", order_id)


# --- available numbers ---------------------------------------------------------------------


async def test_search_by_area_code_answers_ten_digit_numbers(v2) -> None:
    found = await search(v2, areaCode="910", quantity="3")
    assert len(found) == 3
    assert all(len(n) == 10 and n.startswith("910") for n in found)


async def test_search_with_tn_detail_answers_places(v2) -> None:
    response = await v2.client.get(
        v2.numbers("availableNumbers"),
        params={"city": "Cary", "state": "NC", "quantity": "2", "enableTNDetail": "true"},
    )
    root = xml(response)
    assert root.findtext("ResultCount") == "2"
    details = root.findall("TelephoneNumberDetailList/TelephoneNumberDetail")
    assert [d.findtext("City") for d in details] == ["CARY", "CARY"]
    assert {d.findtext("State") for d in details} == {"NC"}
    assert {d.findtext("RateCenter") for d in details} == {"CARY"}
    assert {d.findtext("LATA") for d in details} == {"426"}
    assert all((d.findtext("FullNumber") or "").startswith("919554") for d in details)


@pytest.mark.parametrize(
    ("query", "prefixes"),
    [
        ({"state": "TX"}, ("512", "713")),
        ({"zip": "28401"}, ("910554",)),
        ({"npaNxx": "919555", "LCA": "false"}, ("919555",)),
        ({"npaNxx": "919555"}, ("919555", "984555")),
        ({"npaNxxx": "2125550"}, ("2125550",)),
        ({"rateCenter": "DURHAM", "state": "NC"}, ("984",)),
        ({"lata": "730"}, ("213",)),
        ({"tollFreeWildCardPattern": "88*"}, ("888",)),
        ({"tollFreeWildCardPattern": "8**"}, ("800", "888", "877", "866")),
    ],
)
async def test_search_criteria(v2, query: dict[str, str], prefixes: tuple[str, ...]) -> None:
    found = await search(v2, **query, quantity="500")
    assert found
    assert all(n.startswith(prefixes) for n in found)
    assert {next(p for p in prefixes if n.startswith(p)) for n in found} == set(prefixes)


async def test_search_finding_nothing_answers_a_zero_count(v2) -> None:
    response = await v2.client.get(v2.numbers("availableNumbers"), params={"areaCode": "207"})
    root = xml(response)
    assert response.status_code == 200
    assert root.findtext("ResultCount") == "0"
    assert root.findall("TelephoneNumberList/TelephoneNumber") == []


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({}, "4010"),
        ({"quantity": "5"}, "4010"),
        ({"areaCode": "19"}, "4000"),
        ({"areaCode": "119"}, "4000"),
        ({"npaNxx": "91955"}, "4002"),
        ({"city": "CARY"}, "4010"),
        ({"rateCenter": "CARY"}, "4010"),
        ({"state": "North Carolina"}, "4006"),
        ({"zip": "2751"}, "4007"),
        ({"lata": "1234567"}, "4008"),
        ({"tollFreeWildCardPattern": "9**"}, "4004"),
        ({"tollFreeVanity": "CAR"}, "4003"),
        ({"areaCode": "919", "quantity": "lots"}, "4010"),
        ({"areaCode": "919", "quantity": "99999999999999999999"}, "4010"),
        ({"areaCode": "919", "orderBy": "price"}, "4020"),
        ({"areaCode": "919", "protected": "SOMETIMES"}, "4022"),
        ({"areaCode": "919", "tollFreeWildCardPattern": "8**"}, "4010"),
        ({"areaCode": "91\u0669"}, "4000"),
        ({"areaCode": "919", "quantity": "\u0665"}, "4010"),
        ({"npaNxx": "919555", "areaCode": "212"}, "4002"),
        ({"areaCode": "919", "enableTNDetail": "yes"}, "4010"),
    ],
)
async def test_search_refuses_bad_criteria(v2, query: dict[str, str], code: str) -> None:
    response = await v2.client.get(v2.numbers("availableNumbers"), params=query)
    assert response.status_code == 400
    root = xml(response)
    assert root.tag == "SearchResult"
    assert root.findtext("Error/Code") == code
    assert root.findtext("Error/Description")


# --- authentication ------------------------------------------------------------------------


GOOD = ("bw-sandbox", "bw-sandbox-password")


@pytest.mark.parametrize(
    ("auth", "account"),
    [(None, "9900000"), (("bw-sandbox", "wrong"), "9900000"), (GOOD, "9900001")],
)
async def test_every_route_wants_the_account_credentials(v2, auth: Any, account: str) -> None:
    paths = ["availableNumbers?areaCode=919", "orders", "sites", "applications", "disconnects"]
    async with httpx.AsyncClient(base_url=v2.base, auth=auth) as client:
        for path in paths:
            method = "POST" if path in ("orders", "disconnects") else "GET"
            response = await client.request(method, f"/api/accounts/{account}/{path}")
            assert response.status_code == 401, (path, response.text)
            assert response.headers["www-authenticate"].startswith("Basic realm=")
            assert xml(response).find(".//Description") is not None
        answer = await client.get("/api/tns/9195550100/sippeers")
        assert answer.status_code == (404 if auth == GOOD else 401)


# --- orders --------------------------------------------------------------------------------


async def test_an_existing_number_order_completes_onto_the_default_peer(v2) -> None:
    number = (await search(v2, areaCode="919", quantity="1"))[0]
    order_id, done = await place_order(v2, order_xml(existing(number)))
    assert done.findtext("OrderStatus") == "COMPLETE"
    assert texts(done, "CompletedNumbers/TelephoneNumber/FullNumber") == [number]
    assert done.findtext("CompletedQuantity") == "1"
    assert done.findtext("FailedQuantity") == "0"
    assert done.findtext("Order/SiteId") == SITE
    assert done.findtext("OrderCompleteDate")
    assert done.findtext("CreatedByUser") == "bw-sandbox"
    owned = v2.state.account.numbers[f"+1{number}"]
    assert (owned.site_id, owned.peer_id, owned.order_id) == (SITE, PEER, order_id)
    assert await v2.sim("GET", "numbers") == [f"+1{number}"]
    assert number not in await search(v2, areaCode="919", quantity="5000")


async def test_an_area_code_order_picks_numbers_there(v2) -> None:
    body = (
        "<Order><AreaCodeSearchAndOrderType><AreaCode>910</AreaCode><Quantity>2</Quantity>"
        f"</AreaCodeSearchAndOrderType><Name>n2</Name><SiteId>{SITE}</SiteId></Order>"
    )
    _, done = await place_order(v2, body)
    assert done.findtext("OrderStatus") == "COMPLETE"
    completed = texts(done, "CompletedNumbers/TelephoneNumber/FullNumber")
    assert len(completed) == 2
    assert all(n.startswith("910") for n in completed)
    assert done.findtext("Order/AreaCodeSearchAndOrderType/AreaCode") == "910"


@pytest.mark.parametrize(
    "order_type",
    [
        "<NPANXXSearchAndOrderType><NpaNxx>919554</NpaNxx><Quantity>1</Quantity>"
        "</NPANXXSearchAndOrderType>",
        "<StateSearchAndOrderType><State>WA</State><Quantity>1</Quantity>"
        "</StateSearchAndOrderType>",
        "<ZIPSearchAndOrderType><Zip>98101</Zip><Quantity>1</Quantity></ZIPSearchAndOrderType>",
        "<CitySearchAndOrderType><City>SEATTLE</City><State>WA</State><Quantity>1</Quantity>"
        "</CitySearchAndOrderType>",
        "<RateCenterSearchAndOrderType><RateCenter>SEATTLE</RateCenter><State>WA</State>"
        "<Quantity>1</Quantity></RateCenterSearchAndOrderType>",
        "<LATASearchAndOrderType><Lata>674</Lata><Quantity>1</Quantity></LATASearchAndOrderType>",
        "<CombinedSearchAndOrderType><AreaCode>206</AreaCode><Quantity>1</Quantity>"
        "</CombinedSearchAndOrderType>",
        "<TollFreeWildCharSearchAndOrderType><TollFreeWildCardPattern>86*"
        "</TollFreeWildCardPattern><Quantity>1</Quantity></TollFreeWildCharSearchAndOrderType>",
    ],
)
async def test_search_and_order_types(v2, order_type: str) -> None:
    _, done = await place_order(v2, order_xml(order_type))
    assert done.findtext("OrderStatus") == "COMPLETE", ET.tostring(done)
    completed = texts(done, "CompletedNumbers/TelephoneNumber/FullNumber")
    assert len(completed) == 1
    assert completed[0][:3] in ("919", "206", "866")


async def test_an_order_onto_a_named_peer(v2) -> None:
    created = await v2.client.post(
        v2.numbers(f"sites/{SITE}/sippeers"),
        content="<SipPeer><PeerName>second</PeerName><IsDefaultPeer>false</IsDefaultPeer></SipPeer>",
    )
    assert created.status_code == 201, created.text
    peer_id = created.headers["location"].rsplit("/", 1)[1]
    number = (await search(v2, areaCode="212", quantity="1"))[0]
    _, done = await place_order(
        v2, order_xml(existing(number), extra=f"<PeerId>{peer_id}</PeerId>")
    )
    assert done.findtext("OrderStatus") == "COMPLETE"
    assert v2.state.account.numbers[f"+1{number}"].peer_id == peer_id


async def test_a_taken_number_fails_the_order_with_5005(v2) -> None:
    number = (await search(v2, areaCode="415", quantity="1"))[0]
    assert await v2.sim("POST", "numbers/taken", {"number": f"+1{number}"}) == {
        "taken": f"+1{number}"
    }
    assert number not in await search(v2, areaCode="415", quantity="5000")
    _, done = await place_order(v2, order_xml(existing(number)))
    assert done.findtext("OrderStatus") == "FAILED"
    assert done.findtext("ErrorList/Error/Code") == "5005"
    assert done.findtext("ErrorList/Error/TelephoneNumber") == number
    assert done.findtext("FailedQuantity") == "1"
    assert done.findtext("CompletedQuantity") == "0"
    assert v2.state.account.numbers == {}


async def test_a_partly_taken_order_is_partial_when_allowed_else_failed(v2) -> None:
    good, bad, other = (await search(v2, areaCode="305", quantity="3"))[:3]
    await v2.sim("POST", "numbers/taken", {"number": f"+1{bad}"})
    _, done = await place_order(v2, order_xml(existing(good, bad)))
    assert done.findtext("OrderStatus") == "PARTIAL"
    assert texts(done, "CompletedNumbers/TelephoneNumber/FullNumber") == [good]
    assert done.findtext("FailedQuantity") == "1"
    strict = order_xml(existing(other, bad), extra="<PartialAllowed>false</PartialAllowed>")
    _, refused = await place_order(v2, strict)
    assert refused.findtext("OrderStatus") == "FAILED"
    assert f"+1{other}" not in v2.state.account.numbers
    assert other in await search(v2, areaCode="305", quantity="5000")


async def test_the_same_number_ordered_twice_fails_the_second_order(v2) -> None:
    number = (await search(v2, areaCode="512", quantity="1"))[0]
    _, first = await place_order(v2, order_xml(existing(number)))
    _, second = await place_order(v2, order_xml(existing(number)))
    assert first.findtext("OrderStatus") == "COMPLETE"
    assert second.findtext("OrderStatus") == "FAILED"
    assert second.findtext("ErrorList/Error/Code") == "5005"


async def test_taking_a_number_not_available_is_a_404(v2) -> None:
    async with httpx.AsyncClient(base_url=v2.base) as plain:
        missing = await plain.post("/sandbox/numbers/taken", json={"number": "+12075550100"})
        bad = await plain.post("/sandbox/numbers/taken", content=b"{not json")
        wrong = await plain.post("/sandbox/numbers/taken", json={"number": 5})
    assert missing.status_code == 404
    assert "error" in missing.json()
    assert bad.status_code == 400
    assert "error" in bad.json()
    assert wrong.status_code == 400
    assert "error" in wrong.json()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (order_xml(existing("9195550100"), site="999"), "5016"),
        ("<Order><Name>n</Name></Order>", "5016"),
        (order_xml(existing("9195550100"), extra="<PeerId>777</PeerId>"), "5017"),
        (order_xml(existing("91955501")), "5001"),
        (order_xml(existing()), "5001"),
        (order_xml(""), "5002"),
        (
            order_xml(
                existing("9195550100")
                + "<AreaCodeSearchAndOrderType><AreaCode>919</AreaCode><Quantity>1</Quantity>"
                "</AreaCodeSearchAndOrderType>"
            ),
            "5002",
        ),
        (
            order_xml(
                "<AreaCodeSearchAndOrderType><AreaCode>919</AreaCode><Quantity>0</Quantity>"
                "</AreaCodeSearchAndOrderType>"
            ),
            "5009",
        ),
        (
            order_xml(
                "<AreaCodeSearchAndOrderType><AreaCode>9</AreaCode><Quantity>1</Quantity>"
                "</AreaCodeSearchAndOrderType>"
            ),
            "4000",
        ),
        ("<NotAnOrder/>", "5002"),
    ],
)
async def test_bad_orders_are_refused_with_an_error_list(v2, body: str, code: str) -> None:
    response = await v2.client.post(v2.numbers("orders"), content=body)
    assert response.status_code == 400, response.text
    root = xml(response)
    assert root.tag == "OrderResponse"
    assert root.findtext("ErrorList/Error/Code") == code
    assert v2.state.account.numbers == {}


async def test_an_unknown_order_is_a_404_with_an_xml_body(v2) -> None:
    response = await v2.client.get(v2.numbers("orders/no-such-order"))
    assert response.status_code == 404
    assert xml(response).find(".//Description") is not None


async def test_orders_are_listed(v2) -> None:
    number = (await search(v2, areaCode="713", quantity="1"))[0]
    order_id, _ = await place_order(v2, order_xml(existing(number)))
    response = await v2.client.get(v2.numbers("orders"), params={"page": "1", "size": "10"})
    root = xml(response)
    assert root.findtext("ListOrderIdUserIdDate/TotalCount") == "1"
    assert texts(root, "ListOrderIdUserIdDate/OrderIdUserIdDate/orderId") == [order_id]
    assert texts(root, "ListOrderIdUserIdDate/OrderIdUserIdDate/OrderStatus") == ["COMPLETE"]
    named = xml(await v2.client.get(v2.numbers("orders"), params={"page": order_id}))
    assert texts(named, "ListOrderIdUserIdDate/OrderIdUserIdDate/orderId") == [order_id]
    bad = await v2.client.get(v2.numbers("orders"), params={"page": "x"})
    assert bad.status_code == 400


# --- in-service numbers ----------------------------------------------------------------------


async def test_in_service_numbers_are_paged_and_204_when_none(v2) -> None:
    empty = await v2.client.get(v2.numbers("inserviceNumbers"))
    assert empty.status_code == 204
    assert empty.content == b""
    numbers = (await search(v2, areaCode="206", quantity="3"))[:3]
    await place_order(v2, order_xml(existing(*numbers)))
    first = await v2.client.get(v2.numbers("inserviceNumbers"), params={"page": 1, "size": 2})
    root = xml(first)
    assert root.findtext("TotalCount") == "3"
    assert root.findtext("TelephoneNumbers/Count") == "2"
    page2 = xml(await v2.client.get(v2.numbers("inserviceNumbers?page=2&size=2")))
    listed = texts(root, "TelephoneNumbers/TelephoneNumber") + texts(
        page2, "TelephoneNumbers/TelephoneNumber"
    )
    assert listed == sorted(numbers)
    assert root.findtext("Links/next")
    beyond = await v2.client.get(v2.numbers("inserviceNumbers?page=3&size=2"))
    assert beyond.status_code == 204
    filtered = xml(await v2.client.get(v2.numbers("inserviceNumbers?areacode=206")))
    assert filtered.findtext("TotalCount") == "3"
    none = await v2.client.get(v2.numbers("inserviceNumbers?areacode=919"))
    assert none.status_code == 204
    one = await v2.client.get(v2.numbers(f"inserviceNumbers/{numbers[0]}"))
    assert one.status_code == 200
    other = await v2.client.get(v2.numbers("inserviceNumbers/2075550100"))
    assert other.status_code == 404
    bad = await v2.client.get(v2.numbers("inserviceNumbers?size=0"))
    assert bad.status_code == 400
    assert xml(bad).find(".//Description") is not None


# --- disconnects -----------------------------------------------------------------------------


async def test_a_disconnect_releases_the_numbers(v2) -> None:
    numbers = (await search(v2, areaCode="213", quantity="2"))[:2]
    await place_order(v2, order_xml(existing(*numbers)))
    listed = "".join(f"<TelephoneNumber>{n}</TelephoneNumber>" for n in numbers[:1])
    body = (
        "<DisconnectTelephoneNumberOrder><Name>bye</Name><CustomerOrderId>c9</CustomerOrderId>"
        f"<DisconnectTelephoneNumberOrderType><TelephoneNumberList>{listed}</TelephoneNumberList>"
        "</DisconnectTelephoneNumberOrderType></DisconnectTelephoneNumberOrder>"
    )
    response = await v2.client.post(v2.numbers("disconnects"), content=body)
    assert response.status_code == 201, response.text
    root = xml(response)
    assert root.tag == "DisconnectTelephoneNumberOrderResponse"
    order_id = root.findtext("orderRequest/id") or ""
    assert response.headers["location"].endswith(f"/api/accounts/9900000/disconnects/{order_id}")
    assert root.findtext("OrderStatus") == "RECEIVED"
    done = await finished(v2, "disconnects", order_id)
    assert done.findtext("OrderStatus") == "COMPLETE"
    assert texts(done, "DisconnectedTelephoneNumberList/TelephoneNumber") == numbers[:1]
    assert done.findtext("orderRequest/CustomerOrderId") == "c9"
    assert await v2.sim("GET", "numbers") == [f"+1{numbers[1]}"]
    assert numbers[0] not in await search(v2, areaCode="213", quantity="5000")


async def test_disconnecting_a_number_not_ours_fails_with_an_error_list(v2) -> None:
    body = (
        "<DisconnectTelephoneNumberOrder><DisconnectTelephoneNumberOrderType><TelephoneNumberList>"
        "<TelephoneNumber>2075550100</TelephoneNumber></TelephoneNumberList>"
        "</DisconnectTelephoneNumberOrderType></DisconnectTelephoneNumberOrder>"
    )
    response = await v2.client.post(v2.numbers("disconnects"), content=body)
    assert response.status_code == 201
    order_id = xml(response).findtext("orderRequest/id") or ""
    done = await finished(v2, "disconnects", order_id)
    assert done.findtext("OrderStatus") == "FAILED"
    assert done.findtext("ErrorList/Error/TelephoneNumber") == "2075550100"


@pytest.mark.parametrize(
    "body",
    [
        "<DisconnectTelephoneNumberOrder/>",
        "<DisconnectTelephoneNumberOrder><DisconnectTelephoneNumberOrderType><TelephoneNumberList>"
        "<TelephoneNumber>12</TelephoneNumber></TelephoneNumberList>"
        "</DisconnectTelephoneNumberOrderType></DisconnectTelephoneNumberOrder>",
        "<Order/>",
    ],
)
async def test_bad_disconnects_are_refused(v2, body: str) -> None:
    response = await v2.client.post(v2.numbers("disconnects"), content=body)
    assert response.status_code == 400
    root = xml(response)
    assert root.tag == "DisconnectTelephoneNumberOrderResponse"
    assert root.findtext("ErrorList/Error/Code")
    unknown = await v2.client.get(v2.numbers("disconnects/nope"))
    assert unknown.status_code == 404


# --- hostile bodies --------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    "<Order><Name>&lol2;</Name></Order>"
)


@pytest.mark.parametrize(
    "path",
    ["orders", "disconnects", "applications", f"sites/{SITE}/sippeers/{PEER}/movetns", "sites"],
)
@pytest.mark.parametrize(
    "body",
    [
        BILLION_LAUGHS.encode(),
        b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><Order/>',
        b"<Order><Name>unclosed</Order>",
        b"not xml at all",
        b"",
        b"\xff\xfe<\x00O\x00",
        b"<Order>" + b"<Name>x</Name>" * 8000 + b"</Order>",
        b"<Order><SiteId>2001</SiteId><AreaCodeSearchAndOrderType>" + b"<a>" * 5000,
        b"<Order><SiteId>2001</SiteId><AreaCodeSearchAndOrderType><AreaCode>919</AreaCode>"
        + b"<Quantity>1</Quantity>"
        + b"<a>" * 5000
        + b"</a>" * 5000
        + b"</AreaCodeSearchAndOrderType></Order>",
    ],
    ids=[
        "entities",
        "external-dtd",
        "malformed",
        "not-xml",
        "empty",
        "utf-16",
        "too-large",
        "unclosed-deep",
        "deep",
    ],
)
async def test_hostile_xml_bodies_are_400s_with_xml_errors(v2, path: str, body: bytes) -> None:
    response = await v2.client.post(v2.numbers(path), content=body)
    assert response.status_code in (400, 413), response.text
    assert xml(response).find(".//Description") is not None


async def test_a_huge_streamed_body_is_refused_without_reading_it_all(v2) -> None:
    async def chunks() -> Any:
        for _ in range(200):
            yield b"<a>" * 1000

    response = await v2.client.post(v2.numbers("orders"), content=chunks())
    assert response.status_code == 413
    assert xml(response).find(".//Description") is not None


async def test_reset_refills_the_inventory_and_forgets_orders(v2) -> None:
    number = (await search(v2, areaCode="919", quantity="1"))[0]
    order_id, _ = await place_order(v2, order_xml(existing(number)))
    await v2.sim("POST", "reset")
    assert number in await search(v2, areaCode="919", quantity="5000")
    assert (await v2.client.get(v2.numbers(f"orders/{order_id}"))).status_code == 404


async def test_a_search_and_order_short_of_numbers_is_partial_or_failed(v2) -> None:
    zip_order = (
        "<ZIPSearchAndOrderType><Zip>28401</Zip><Quantity>30</Quantity></ZIPSearchAndOrderType>"
    )
    strict = order_xml(zip_order, extra="<PartialAllowed>false</PartialAllowed>")
    _, refused = await place_order(v2, strict)
    assert refused.findtext("OrderStatus") == "FAILED"
    assert refused.findtext("ErrorList/Error/Code") == "5006"
    assert v2.state.account.numbers == {}
    _, partial = await place_order(v2, order_xml(zip_order))
    assert partial.findtext("OrderStatus") == "PARTIAL"
    assert len(texts(partial, "CompletedNumbers/TelephoneNumber/FullNumber")) == 24
    assert partial.findtext("FailedQuantity") == "6"
    assert await search_status(v2, zip="28401") == 0


async def search_status(v2: Any, **query: str) -> int:
    response = await v2.client.get(v2.numbers("availableNumbers"), params=query)
    return int(xml(response).findtext("ResultCount") or "-1")


async def test_the_api_v1_prefix_serves_the_same_routes(v2) -> None:
    response = await v2.client.get(
        "/api/v1/accounts/9900000/availableNumbers", params={"areaCode": "919", "quantity": "1"}
    )
    assert response.status_code == 200
    assert len(texts(xml(response), "TelephoneNumberList/TelephoneNumber")) == 1
    refused = await v2.client.get("/api/v1/accounts/9900001/sites")
    assert refused.status_code == 401


async def test_a_number_of_the_account_is_looked_up_by_itself(v2) -> None:
    number = (await search(v2, areaCode="206", quantity="1"))[0]
    order_id, _ = await place_order(v2, order_xml(existing(number)))
    root = xml(await v2.client.get(f"/api/tns/{number}"))
    assert root.tag == "TelephoneNumberResponse"
    assert root.findtext("TelephoneNumber") == number
    assert root.findtext("Status") == "Inservice"
    assert (root.findtext("OrderId"), root.findtext("SiteId")) == (order_id, SITE)
    assert (await v2.client.get("/api/tns/2075550100")).status_code == 404
