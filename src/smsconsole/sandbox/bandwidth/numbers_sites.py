"""Sites, SIP peers and the numbers on them (docs/bandwidth-v2.md §5.4, §5.5, §5.7): sites and
peers (list, get, create), a peer's numbers and ``movetns``, the peer's messaging application
settings and voice origination settings, in-service numbers, and ``/api/tns/{tn}/sites|sippeers``.

Errors are shape 3 of §5.9 (``<XxxResponse><ResponseStatus><ErrorCode/>…``). The documented
code is 13563 (unknown SIP peer, 400); ours: 12008 unknown site (404), 1000 a bad or missing
field (400), 13570 a number that is not the account's (400), 13610 an application that does
not exist or has the wrong service type (400), 1001 bad paging (400).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from smsconsole.sandbox.bandwidth.account import MESSAGING, VOICE, Account, SipPeer, Site
from smsconsole.sandbox.bandwidth.http import sandbox_of
from smsconsole.sandbox.bandwidth.numbers_xml import (
    Handler,
    NumbersError,
    answer,
    child_text,
    e164_of,
    endpoint,
    flag,
    leaves,
    node,
    read_xml,
    response_status,
    ten_digits,
)

ACCOUNT = "/api/accounts/{account_id}"
SITE = ACCOUNT + "/sites/{site_id}"
PEER = SITE + "/sippeers/{peer_id}"
MAX_NAME = 64
MAX_MOVE = 5000
FILTERS = ("areacode", "npanxx", "state", "lata", "ratecenter")


def _bad(description: str, code: str = "1000") -> NumbersError:
    return NumbersError(400, code, description)


def _site(request: Request) -> Site:
    account = sandbox_of(request).account
    site_id = request.path_params["site_id"]
    site = account.sites.get(site_id)
    if site is None:
        raise NumbersError(404, "12008", f"Site '{site_id[:20]}' does not exist on this account.")
    return site


def _peer(request: Request) -> SipPeer:
    account = sandbox_of(request).account
    site = _site(request)
    peer_id = request.path_params["peer_id"]
    peer = account.peers.get(peer_id)
    if peer is None or peer.site_id != site.id:
        raise _bad(f"Sip Peer '{peer_id[:20]}' account '{account.id}' and site '{site.id}' does "
                   "not exist", "13563")  # fmt: skip
    return peer


def _site_element(site: Site) -> ET.Element:
    return node("Site", None, leaves([("Id", site.id), ("Name", site.name),
                                      ("Description", site.description)]))  # fmt: skip


def _peer_element(peer: SipPeer) -> ET.Element:
    return node("SipPeer", None, leaves([
        ("PeerId", peer.id),
        ("PeerName", peer.name),
        ("IsDefaultPeer", str(peer.is_default).lower()),
        ("ShortMessagingProtocol", "HTTP"),
    ]))  # fmt: skip


def _name(root: ET.Element, tag: str) -> str:
    name = child_text(root, tag)
    if not name or len(name) > MAX_NAME:
        raise _bad(f"{tag} is required (at most {MAX_NAME} characters).")
    return name


# --- sites and peers -----------------------------------------------------------------------


async def list_sites(request: Request) -> Response:
    """``GET …/sites``."""
    sites = sandbox_of(request).account.sites.values()
    return answer(node("SitesResponse", None, [node("Sites", None, map(_site_element, sites))]))


async def create_site(request: Request) -> Response:
    """``POST …/sites`` (no address needed in the sandbox) → 201 + ``Location``."""
    sandbox = sandbox_of(request)
    root = await read_xml(request, ("Site",), "1000")
    account = sandbox.account
    site = Site(account.new_id("2"), _name(root, "Name"), child_text(root, "Description") or "")
    account.sites[site.id] = site
    location = f"{sandbox.base_url}/api/accounts/{account.id}/sites/{site.id}"
    return answer(node("SiteResponse", None, [_site_element(site)]), 201, {"Location": location})


async def get_site(request: Request) -> Response:
    """``GET …/sites/{site_id}``."""
    return answer(node("SiteResponse", None, [_site_element(_site(request))]))


async def list_peers(request: Request) -> Response:
    """``GET …/sites/{site_id}/sippeers``."""
    peers = sandbox_of(request).account.peers_of_site(_site(request).id)
    body = node("SipPeers", None, map(_peer_element, peers))
    return answer(node("TNSipPeersResponse", None, [body]))


async def create_peer(request: Request) -> Response:
    """``POST …/sites/{site_id}/sippeers`` → 201 + ``Location``; a new default peer replaces
    the site's old one as default."""
    sandbox = sandbox_of(request)
    site = _site(request)
    root = await read_xml(request, ("SipPeer",), "1000")
    account = sandbox.account
    default = flag(child_text(root, "IsDefaultPeer"), False)
    if default is None:
        raise _bad("IsDefaultPeer must be true or false.")
    peer = SipPeer(account.new_id("3"), site.id, _name(root, "PeerName"), is_default=default)
    if default or account.default_peer(site.id) is None:
        for other in account.peers_of_site(site.id):
            other.is_default = False
        peer.is_default = True
    account.peers[peer.id] = peer
    location = f"{sandbox.base_url}/api/accounts/{account.id}/sites/{site.id}/sippeers/{peer.id}"
    return answer(node("SipPeerResponse", None, [_peer_element(peer)]), 201, {"Location": location})


async def get_peer(request: Request) -> Response:
    """``GET …/sippeers/{peer_id}``."""
    return answer(node("SipPeerResponse", None, [_peer_element(_peer(request))]))


async def delete_peer(request: Request) -> Response:
    """``DELETE …/sippeers/{peer_id}`` → 200; refused (409) while it holds numbers, and for
    the site's default peer."""
    account = sandbox_of(request).account
    peer = _peer(request)
    if peer.is_default:
        raise NumbersError(409, "13572", f"Sip Peer '{peer.id}' is the site's default peer.")
    if account.numbers_on(peer.id):
        raise NumbersError(
            409, "13571", f"Sip Peer '{peer.id}' has telephone numbers: move them first."
        )
    del account.peers[peer.id]
    return Response(status_code=200)


async def peer_numbers(request: Request) -> Response:
    """``GET …/sippeers/{peer_id}/tns``."""
    numbers = sandbox_of(request).account.numbers_on(_peer(request).id)
    listed = (node("SipPeerTelephoneNumber", None, [node("FullNumber", ten_digits(n.e164))])
              for n in numbers)  # fmt: skip
    body = node("SipPeerTelephoneNumbers", None, listed)
    return answer(node("SipPeerTelephoneNumbersResponse", None, [body]))


async def move_numbers(request: Request) -> Response:
    """``POST …/sippeers/{peer_id}/movetns``: the account's numbers move onto this peer."""
    account = sandbox_of(request).account
    peer = _peer(request)
    root = await read_xml(request, ("SipPeerTelephoneNumbers",), "1000")
    tns = [(tn.text or "").strip() for tn in root.iter("FullNumber")]
    if not tns or len(tns) > MAX_MOVE:
        raise _bad(f"List from 1 to {MAX_MOVE} FullNumber elements.")
    moving: list[str] = []
    for tn in tns:
        e164 = e164_of(tn)
        if e164 is None or e164 not in account.numbers:
            raise _bad(f"Telephone number '{tn[:20]}' is not in service on this account.", "13570")
        moving.append(e164)
    for e164 in moving:
        account.numbers[e164].peer_id = peer.id
        account.numbers[e164].site_id = peer.site_id
    moved = leaves(("FullNumber", ten_digits(n)) for n in dict.fromkeys(moving))
    body = node("SipPeerTelephoneNumbers", None, moved)
    return answer(node("SipPeerTelephoneNumberMoveResponse", None, [body]))


# --- applications on a peer ------------------------------------------------------------------


def _application(account: Account, app_id: str | None, service: str, tag: str) -> str:
    app = account.applications.get(app_id or "")
    if app is None or app.service_type != service:
        raise _bad(f"{tag} must name a {service} application of this account.", "13610")
    return app.id


def _messaging_settings(peer: SipPeer) -> ET.Element:
    settings = leaves([("HttpMessagingV2AppId", peer.messaging_app_id)])
    return node(
        "ApplicationsSettingsResponse", None, [node("ApplicationsSettings", None, settings)]
    )


async def messaging_settings(request: Request) -> Response:
    """``GET|PUT …/products/messaging/applicationSettings`` (``REMOVE`` detaches)."""
    peer = _peer(request)
    if request.method == "PUT":
        root = await read_xml(request, ("ApplicationsSettings",), "1000")
        if (root.text or "").strip().upper() == "REMOVE" and len(root) == 0:
            peer.messaging_app_id = None
        else:
            account = sandbox_of(request).account
            app_id = child_text(root, "HttpMessagingV2AppId")
            peer.messaging_app_id = _application(account, app_id, MESSAGING, "HttpMessagingV2AppId")
    return answer(_messaging_settings(peer))


def _origination(peer: SipPeer) -> ET.Element:
    children = [node("VoiceProtocol", "HTTP" if peer.voice_app_id else "SIP")]
    if peer.voice_app_id:
        app = node("HttpVoiceV2AppId", peer.voice_app_id)
        children.append(node("HttpSettings", None, [app]))
    settings = node("SipPeerOriginationSettings", None, children)
    return node("SipPeerOriginationSettingsResponse", None, [settings])


async def origination_settings(request: Request) -> Response:
    """``GET|POST|PUT …/products/origination/settings``: the peer's voice application
    (``VoiceProtocol`` ``HTTP`` with ``HttpVoiceV2AppId``; ``SIP`` switches HTTP voice off)."""
    peer = _peer(request)
    if request.method == "GET":
        return answer(_origination(peer))
    root = await read_xml(request, ("SipPeerOriginationSettings",), "1000")
    protocol = (child_text(root, "VoiceProtocol") or "").upper()
    if protocol == "SIP":
        peer.voice_app_id = None
    elif protocol == "HTTP":
        account = sandbox_of(request).account
        app_id = child_text(root, "HttpSettings/HttpVoiceV2AppId")
        peer.voice_app_id = _application(account, app_id, VOICE, "HttpSettings/HttpVoiceV2AppId")
    else:
        raise _bad("VoiceProtocol must be HTTP or SIP.")
    return answer(_origination(peer), 201 if request.method == "POST" else 200)


# --- in-service numbers and number lookups ---------------------------------------------------


def _page(value: str | None, default: int, name: str) -> int:
    text = (value if value is not None else str(default)).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 6 or int(text) < 1:
        raise _bad(f"{name} must be a whole number of at least 1.", "1001")
    return int(text)


async def in_service_numbers(request: Request) -> Response:
    """``GET …/inserviceNumbers?page=&size=[&areacode=&npanxx=&state=&lata=&ratecenter=]``:
    the account's numbers by number; 204 when none match (or the page is past the end)."""
    sandbox = sandbox_of(request)
    query = {key.lower(): value.strip() for key, value in request.query_params.items()}
    page = _page(query.get("page"), 1, "page")
    size = _page(query.get("size"), 300, "size")
    numbers = sorted(sandbox.account.numbers)
    filters = {key: query[key] for key in FILTERS if key in query}
    numbers = [n for n in numbers if _matches(sandbox.account, n, filters)]
    shown = numbers[(page - 1) * size : page * size]
    if not shown:
        return answer(None, 204)
    path = f"{sandbox.base_url}/api/accounts/{sandbox.account.id}/inserviceNumbers"
    links = [node("first", _link(path, query, 1, size, "first"))]
    if page * size < len(numbers):
        links.append(node("next", _link(path, query, page + 1, size, "next")))
    listed = node("TelephoneNumbers", None, [node("Count", str(len(shown))),
                  *leaves(("TelephoneNumber", ten_digits(n)) for n in shown)])  # fmt: skip
    body = [node("TotalCount", str(len(numbers))), node("Links", None, links), listed]
    return answer(node("TNs", None, body))


def _matches(account: Account, e164: str, filters: dict[str, str]) -> bool:
    place = account.numbers[e164].place
    found = {
        "areacode": e164[2:5],
        "npanxx": e164[2:8],
        "state": place.state if place else None,
        "lata": place.lata if place else None,
        "ratecenter": place.city if place else None,
    }
    return all(found[key] == value.upper() for key, value in filters.items())


def _link(path: str, query: dict[str, str], page: int, size: int, rel: str) -> str:
    params = {**query, "page": str(page), "size": str(size)}
    return f'Link=<{path}?{urlencode(params)}>;rel="{rel}";'


async def in_service_number(request: Request) -> Response:
    """``GET …/inserviceNumbers/{tn}``: 200 when the account has it, else 404 (no body)."""
    e164 = e164_of(request.path_params["tn"])
    owned = e164 is not None and e164 in sandbox_of(request).account.numbers
    return answer(None, 200 if owned else 404)


def _number_peer(request: Request) -> SipPeer:
    account = sandbox_of(request).account
    e164 = e164_of(request.path_params["tn"])
    peer = None if e164 is None else account.peer_of(e164)
    if peer is None:
        raise NumbersError(404, "13570", "The telephone number is not in service on this account.")
    return peer


async def number_details(request: Request) -> Response:
    """``GET /api/tns/{tn}``: a number of the account, its status and the order it came by."""
    sandbox = sandbox_of(request)
    peer = _number_peer(request)
    number = next(n for n in sandbox.account.numbers.values() if n.peer_id == peer.id
                  and n.e164 == e164_of(request.path_params["tn"]))  # fmt: skip
    return answer(node("TelephoneNumberResponse", None, leaves([
        ("TelephoneNumber", ten_digits(number.e164)),
        ("Status", "Inservice"),
        ("OrderId", number.order_id),
        ("OrderType", "NEW_NUMBER_ORDER" if number.order_id else None),
        ("SiteId", number.site_id),
        ("AccountId", sandbox.account.id),
    ])))  # fmt: skip


async def number_peer(request: Request) -> Response:
    """``GET /api/tns/{tn}/sippeers``: the peer a number is on."""
    peer = _number_peer(request)
    return answer(node("SipPeer", None, leaves([("Id", peer.id), ("Name", peer.name)])))


async def number_site(request: Request) -> Response:
    """``GET /api/tns/{tn}/sites``: the site a number is on."""
    account = sandbox_of(request).account
    site = account.sites[_number_peer(request).site_id]
    return answer(node("Site", None, leaves([("Id", site.id), ("Name", site.name)])))


def routes() -> list[Route]:
    """Site, peer, settings, in-service and number-lookup routes."""

    def route(path: str, handler: Handler, root: str, methods: list[str]) -> Route:
        return Route(path, endpoint(handler, response_status(root)), methods=methods)

    products = PEER + "/products"
    return [
        route(ACCOUNT + "/sites", list_sites, "SitesResponse", ["GET"]),
        route(ACCOUNT + "/sites", create_site, "SiteResponse", ["POST"]),
        route(SITE, get_site, "SiteResponse", ["GET"]),
        route(SITE + "/sippeers", list_peers, "TNSipPeersResponse", ["GET"]),
        route(SITE + "/sippeers", create_peer, "SipPeerResponse", ["POST"]),
        route(PEER, get_peer, "SipPeerResponse", ["GET"]),
        route(PEER, delete_peer, "SipPeerResponse", ["DELETE"]),
        route(PEER + "/tns", peer_numbers, "SipPeerTelephoneNumbersResponse", ["GET"]),
        route(PEER + "/movetns", move_numbers, "SipPeerTelephoneNumberMoveResponse", ["POST"]),
        route(products + "/messaging/applicationSettings", messaging_settings,
              "ApplicationsSettingsResponse", ["GET", "PUT"]),
        route(products + "/origination/settings", origination_settings,
              "SipPeerOriginationSettingsResponse", ["GET", "POST", "PUT"]),
        route(ACCOUNT + "/inserviceNumbers", in_service_numbers, "TNs", ["GET"]),
        route(ACCOUNT + "/inserviceNumbers/{tn}", in_service_number, "TNs", ["GET"]),
        route("/api/tns/{tn}", number_details, "TelephoneNumberResponse", ["GET"]),
        route("/api/tns/{tn}/sippeers", number_peer, "TelephoneNumberResponse", ["GET"]),
        route("/api/tns/{tn}/sites", number_site, "TelephoneNumberResponse", ["GET"]),
    ]  # fmt: skip
