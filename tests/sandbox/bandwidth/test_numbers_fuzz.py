"""Odd but well-formed XML on every Numbers write route: each known element empty, nested,
long, non-ASCII or repeated gets a 2xx or a 4xx with an XML body — never a 500."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

SITE, PEER = "2001", "3001"
PEER_PATH = f"sites/{SITE}/sippeers/{PEER}"

ROUTES: list[tuple[str, str, str, list[str]]] = [
    ("POST", "orders", "Order", ["SiteId", "PeerId", "Name", "PartialAllowed",
        "ExistingTelephoneNumberOrderType", "AreaCodeSearchAndOrderType",
        "CombinedSearchAndOrderType", "TelephoneNumberList", "TelephoneNumber", "Quantity"]),
    ("POST", "disconnects", "DisconnectTelephoneNumberOrder", ["Name", "CustomerOrderId",
        "DisconnectTelephoneNumberOrderType", "TelephoneNumberList", "TelephoneNumber"]),
    ("POST", "applications", "Application", ["ServiceType", "AppName", "InboundCallbackUrl",
        "InboundCallbackCreds", "UserId", "Password", "RequestedCallbackTypes", "CallbackType",
        "CallInitiatedCallbackUrl", "CallInitiatedMethod", "CallbackTimeout"]),
    ("POST", "sites", "Site", ["Name", "Description"]),
    ("POST", f"sites/{SITE}/sippeers", "SipPeer", ["PeerName", "IsDefaultPeer"]),
    ("POST", f"{PEER_PATH}/movetns", "SipPeerTelephoneNumbers", ["FullNumber"]),
    ("PUT", f"{PEER_PATH}/products/messaging/applicationSettings", "ApplicationsSettings",
        ["HttpMessagingV2AppId"]),
    ("PUT", f"{PEER_PATH}/products/origination/settings", "SipPeerOriginationSettings",
        ["VoiceProtocol", "HttpSettings", "HttpVoiceV2AppId"]),
]  # fmt: skip

VALUES = ["", "<Inner>1</Inner>", "x" * 20000, "\u00e9\u4e2d\U0001f600", "-1", "9195550100",
          "true", "Messaging-V2", "http://127.0.0.1:9/a"]  # fmt: skip


def bodies(root: str, tags: list[str]) -> list[str]:
    found = [f"<{root}/>", f"<{root}>text</{root}>", f'<{root} a="b"><{root}/></{root}>']
    for tag in tags:
        for value in VALUES:
            found.append(f"<{root}><{tag}>{value}</{tag}></{root}>")
        found.append(f"<{root}><{tag}>1</{tag}><{tag}>2</{tag}></{root}>")
        found.append(f"<{root}><{tag}><{tag}><{tag}>9195550100</{tag}></{tag}></{tag}></{root}>")
    return found


@pytest.mark.parametrize(("method", "path", "root", "tags"), ROUTES, ids=[r[1] for r in ROUTES])
async def test_odd_bodies_never_break_a_route(
    v2: Any, method: str, path: str, root: str, tags: list[str]
) -> None:
    for body in bodies(root, tags):
        response = await v2.client.request(method, v2.numbers(path), content=body.encode())
        assert response.status_code < 500, (body[:200], response.text[:300])
        if response.content:
            ET.fromstring(response.content)


QUERY_ROUTES = {
    "availableNumbers": ["areaCode", "npaNxx", "npaNxxx", "rateCenter", "city", "state", "zip",
                         "lata", "localVanity", "endsIn", "tollFreeVanity",
                         "tollFreeWildCardPattern", "quantity", "enableTNDetail", "LCA",
                         "orderBy", "protected"],
    "inserviceNumbers": ["page", "size", "areacode", "npanxx", "state", "lata", "ratecenter"],
    "orders": ["page", "size", "status", "customerOrderId"],
    f"{PEER_PATH}/tns": ["page", "size"],
}  # fmt: skip
QUERY_VALUES = ["", "0", "-5", "919", "NC", "CARY", "8**", "true", "x" * 5000, "\u0669\u0661",
                "99999999999999999999999", "%00", "a b"]  # fmt: skip


@pytest.mark.parametrize("path", list(QUERY_ROUTES))
async def test_odd_query_parameters_never_break_a_route(v2: Any, path: str) -> None:
    for name in QUERY_ROUTES[path]:
        for value in QUERY_VALUES:
            response = await v2.client.get(v2.numbers(path), params={name: value, "state": "NC"})
            assert response.status_code < 500, (name, value, response.text[:300])
            if response.content:
                ET.fromstring(response.content)
