"""Applications (docs/bandwidth-v2.md §5.6): ``GET|POST …/applications``,
``GET|PUT|PATCH|DELETE …/applications/{id}``, ``GET …/applications/{id}/associatedsippeers``,
mapped onto :class:`~.account.Application` (what messaging and voice deliver callbacks with).

Errors are shape 3 of §5.9 under ``<ApplicationProvisioningResponse>``; the doc gives no codes,
so these are ours: 12000 a field is missing or invalid (400), 12001 no such application (404),
12002 the application is still on a SIP peer and cannot be deleted (409). Passwords are kept
but never echoed.
"""

from __future__ import annotations

import dataclasses
import math
import uuid
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from smsconsole.sandbox.bandwidth.account import MESSAGING, VOICE, Application, Credentials
from smsconsole.sandbox.bandwidth.http import sandbox_of
from smsconsole.sandbox.bandwidth.numbers_xml import (
    NumbersError,
    answer,
    child_text,
    endpoint,
    leaves,
    node,
    read_xml,
    response_status,
)

ROOT = "ApplicationProvisioningResponse"
ACCOUNT = "/api/accounts/{account_id}"
SERVICE_TYPES = {"messaging-v2": MESSAGING, "messaging": MESSAGING, "voice-v2": VOICE,
                 "voice": VOICE}  # fmt: skip
CALLBACK_TYPES = ("message-delivered", "message-sending", "message-failed")
MAX_TEXT = 255
MAX_URL = 2048

URLS = {
    "InboundCallbackUrl": "inbound_url",
    "OutboundCallbackUrl": "outbound_url",
    "CallInitiatedCallbackUrl": "initiated_url",
    "CallStatusCallbackUrl": "status_url",
    "CallInitiatedFallbackUrl": "initiated_fallback_url",
}
METHODS = {
    "CallInitiatedMethod": "initiated_method",
    "CallStatusMethod": "status_method",
    "CallInitiatedFallbackMethod": "initiated_fallback_method",
}
CREDS = {
    "InboundCallbackCreds": "inbound_creds",
    "OutboundCallbackCreds": "outbound_creds",
    "CallbackCreds": "callback_creds",
    "CallInitiatedFallbackCreds": "initiated_fallback_creds",
}
MESSAGING_OUT = ("InboundCallbackUrl", "OutboundCallbackUrl", "InboundCallbackCreds",
                 "OutboundCallbackCreds")  # fmt: skip
VOICE_OUT = ("CallInitiatedCallbackUrl", "CallInitiatedMethod", "CallStatusCallbackUrl",
             "CallStatusMethod", "CallbackCreds", "CallInitiatedFallbackUrl",
             "CallInitiatedFallbackMethod", "CallInitiatedFallbackCreds")  # fmt: skip


def _invalid(description: str) -> NumbersError:
    return NumbersError(400, "12000", description)


def _service_type(text: str | None) -> str:
    service = SERVICE_TYPES.get((text or "").lower())
    if service is None:
        raise _invalid("ServiceType is required: Messaging-V2 or Voice-V2.")
    return service


def _url(tag: str, text: str) -> str | None:
    if not text:
        return None
    parts = urlsplit(text)
    if (len(text) > MAX_URL or parts.scheme not in ("http", "https") or not parts.hostname
            or any(c.isspace() for c in text)):  # fmt: skip
        raise _invalid(f"{tag} must be an absolute http(s) URL.")
    return text


def _creds(tag: str, element: ET.Element) -> Credentials | None:
    user = child_text(element, "UserId")
    password = child_text(element, "Password")
    if not user and not password:
        return None
    if not user or len(user) > MAX_TEXT or len(password or "") > MAX_TEXT:
        raise _invalid(f"{tag} needs a UserId (and a Password) of at most {MAX_TEXT} characters.")
    return Credentials(user, password or "")


def _changes(root: ET.Element) -> dict[str, Any]:
    """The :class:`Application` fields the body sets (absent elements are left out)."""
    changes: dict[str, Any] = {}
    name = child_text(root, "AppName")
    if name is not None:
        if not name or len(name) > MAX_TEXT:
            raise _invalid(f"AppName is required (at most {MAX_TEXT} characters).")
        changes["name"] = name
    for tag, attribute in URLS.items():
        text = child_text(root, tag)
        if text is not None:
            changes[attribute] = _url(tag, text)
    for tag in ("CallbackUrl", "MsgCallbackUrl"):  # deprecated single-URL messaging forms
        text = child_text(root, tag)
        if text:
            changes.setdefault("inbound_url", _url(tag, text))
            changes.setdefault("outbound_url", _url(tag, text))
    for tag, attribute in METHODS.items():
        text = child_text(root, tag)
        if text is not None:
            if text.upper() not in ("GET", "POST"):
                raise _invalid(f"{tag} must be GET or POST.")
            changes[attribute] = text.upper()
    for tag, attribute in CREDS.items():
        element = root.find(tag)
        if element is not None:
            changes[attribute] = _creds(tag, element)
    legacy = root.find("MsgCallbackCreds")
    if legacy is not None:
        changes.setdefault("inbound_creds", _creds("MsgCallbackCreds", legacy))
        changes.setdefault("outbound_creds", _creds("MsgCallbackCreds", legacy))
    types = root.find("RequestedCallbackTypes")
    if types is not None:
        wanted = tuple((t.text or "").strip() for t in types.findall("CallbackType"))
        if any(t not in CALLBACK_TYPES for t in wanted):
            raise _invalid(f"CallbackType must be one of {', '.join(CALLBACK_TYPES)}.")
        changes["requested_callback_types"] = wanted
    timeout = child_text(root, "CallbackTimeout")
    if timeout is not None:
        changes["callback_timeout"] = _timeout(timeout)
    return changes


def _timeout(text: str) -> float | None:
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not 1 <= seconds <= 25:
        raise _invalid("CallbackTimeout must be a number of seconds from 1 to 25.")
    return seconds


def _checked(app: Application) -> Application:
    if not app.name:
        raise _invalid("AppName is required.")
    if app.service_type == MESSAGING and not app.inbound_url:
        raise _invalid("InboundCallbackUrl is required for a Messaging-V2 application.")
    if app.service_type == VOICE and not app.initiated_url:
        raise _invalid("CallInitiatedCallbackUrl is required for a Voice-V2 application.")
    return app


def application_element(app: Application) -> ET.Element:
    """``<Application>`` as Bandwidth answers it (no passwords)."""
    values: dict[str, str | None] = {tag: getattr(app, attr) for tag, attr in URLS.items()}
    values.update({tag: getattr(app, attr) for tag, attr in METHODS.items()})
    children = leaves([("ApplicationId", app.id), ("ServiceType", app.service_type),
                       ("AppName", app.name)])  # fmt: skip
    for tag in MESSAGING_OUT if app.service_type == MESSAGING else VOICE_OUT:
        if tag in CREDS:
            creds: Credentials | None = getattr(app, CREDS[tag])
            if creds is not None:
                children.append(node(tag, None, [node("UserId", creds.username)]))
        elif values.get(tag) is not None:
            children.append(node(tag, values[tag]))
    if app.service_type == MESSAGING and app.requested_callback_types:
        types = leaves(("CallbackType", t) for t in app.requested_callback_types)
        children.append(node("RequestedCallbackTypes", None, types))
    if app.service_type == VOICE and app.callback_timeout is not None:
        children.append(node("CallbackTimeout", f"{app.callback_timeout:g}"))
    return node("Application", None, children)


def _one(app: Application) -> ET.Element:
    return node(ROOT, None, [application_element(app)])


def _find(request: Request) -> Application:
    account = sandbox_of(request).account
    app = account.applications.get(request.path_params["app_id"])
    if app is None:
        raise NumbersError(404, "12001", "The application does not exist on this account.")
    return app


async def list_applications(request: Request) -> Response:
    """``GET …/applications``."""
    apps = sandbox_of(request).account.applications.values()
    listing = node("ApplicationList", None, map(application_element, apps))
    return answer(node(ROOT, None, [listing]))


async def create_application(request: Request) -> Response:
    """``POST …/applications`` → 201 with the application and its ``Location``."""
    sandbox = sandbox_of(request)
    root = await read_xml(request, ("Application",), "12000")
    service = _service_type(child_text(root, "ServiceType"))
    app = Application(str(uuid.uuid4()), service, "")
    app = _checked(dataclasses.replace(app, **_changes(root)))
    sandbox.account.applications[app.id] = app
    location = f"{sandbox.base_url}/api/accounts/{sandbox.account.id}/applications/{app.id}"
    return answer(_one(app), 201, {"Location": location})


async def get_application(request: Request) -> Response:
    """``GET …/applications/{id}``."""
    return answer(_one(_find(request)))


async def replace_application(request: Request) -> Response:
    """``PUT`` (everything; absent fields are cleared) or ``PATCH`` (only what is sent)."""
    current = _find(request)
    root = await read_xml(request, ("Application",), "12000")
    given = child_text(root, "ServiceType")
    if (given is not None or request.method == "PUT") and _service_type(
        given
    ) != current.service_type:
        raise _invalid("Once the application ServiceType has been set - it can not be changed.")
    base = (
        current if request.method == "PATCH" else Application(current.id, current.service_type, "")
    )
    app = _checked(dataclasses.replace(base, **_changes(root)))
    sandbox_of(request).account.applications[app.id] = app
    return answer(_one(app))


async def delete_application(request: Request) -> Response:
    """``DELETE …/applications/{id}``: refused (409) while a SIP peer still uses it."""
    app = _find(request)
    account = sandbox_of(request).account
    if account.peers_using(app.id):
        raise NumbersError(409, "12002", "The application is assigned to SIP peers; assign "
                           "them another application (or REMOVE) first.")  # fmt: skip
    del account.applications[app.id]
    return answer(None, 200)


async def associated_peers(request: Request) -> Response:
    """``GET …/applications/{id}/associatedsippeers``."""
    app = _find(request)
    account = sandbox_of(request).account
    peers = [
        node("AssociatedSipPeer", None, leaves([
            ("SiteId", peer.site_id),
            ("SiteName", account.sites[peer.site_id].name),
            ("PeerId", peer.id),
            ("PeerName", peer.name),
        ]))
        for peer in account.peers_using(app.id)
    ]  # fmt: skip
    body = node("AssociatedSipPeersResponse", None, [node("AssociatedSipPeers", None, peers)])
    return answer(body)


def routes() -> list[Route]:
    """The application routes."""
    render = response_status(ROOT)
    path = ACCOUNT + "/applications"
    one = path + "/{app_id}"
    return [
        Route(path, endpoint(list_applications, render), methods=["GET"]),
        Route(path, endpoint(create_application, render), methods=["POST"]),
        Route(one, endpoint(get_application, render), methods=["GET"]),
        Route(one, endpoint(replace_application, render), methods=["PUT", "PATCH"]),
        Route(one, endpoint(delete_application, render), methods=["DELETE"]),
        Route(one + "/associatedsippeers", endpoint(associated_peers, render), methods=["GET"]),
    ]
