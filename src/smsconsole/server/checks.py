"""``POST /api/check-callbacks``: does the provider's way back to this server work?

For each callback URL of an application, the server sends what the provider would — an HTTP
POST with the credentials from the URL's userinfo as Basic auth (reference §9) — carrying an
empty JSON object. This server refuses that body as malformed (400, "missing field
'eventType'") after authenticating it, and stores nothing; so the answer tells apart
"unreachable", "reached, but the credentials were refused" (401), "reached something that
is not this server", and "reached this server and accepted". Bandwidth v2 keeps callback
credentials apart from the URL and never shows the password, so on v2 the probe presents this
server's own callback credentials, and says so — only to a URL on this server's public address
(``server.public_url``); any other is probed without them.
"""

from __future__ import annotations

from typing import Any, Final

import httpx
from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from smsconsole.server.http import (
    authorized,
    id_field,
    json_object,
    on_provider,
    provider,
    settings,
)
from smsconsole.server.responses import JSON, ApiError

PROBE_TIMEOUT: Final = 5.0
# How this server refuses the probe's empty object: the v1 parser's words, then the v2 one's.
OUR_REFUSALS: Final = ("missing field 'eventType'", "'eventType' is missing")


async def probe(
    url: str | None, kind: str, shown_creds: tuple[str, str] | None = None
) -> dict[str, Any]:
    """Call ``url`` as the provider would, with a body this server refuses unstored.

    ``shown_creds``: the credentials to present when the URL carries none because the
    provider keeps them apart and never shows the password (Bandwidth v2); the answer says
    they were this server's.
    """
    if not url:
        return {"url": None, "ok": False, "detail": f"the application has no {kind} URL"}
    try:
        parsed = httpx.URL(url)
        # httpx leaves a port past 65535 to connect(), whose OverflowError escapes it.
        if parsed.port is not None and not 0 < parsed.port < 65536:
            raise httpx.InvalidURL(f"port {parsed.port} is out of range")
    except httpx.InvalidURL as problem:
        # The provider keeps URLs no client can call (a bad IDNA name, say).
        return {"url": None, "ok": False, "detail": f"not reachable: not a usable URL ({problem})"}
    auth = httpx.BasicAuth(parsed.username, parsed.password) if parsed.username else None
    borrowed = auth is None and shown_creds is not None
    if borrowed:
        assert shown_creds is not None
        auth = httpx.BasicAuth(*shown_creds)
    target = parsed.copy_with(username=None, password=None)
    shown = str(target)
    try:
        async with httpx.AsyncClient(timeout=PROBE_TIMEOUT) as http:
            response = await http.post(
                target,
                json={},
                auth=auth if auth is not None else httpx.USE_CLIENT_DEFAULT,
                headers={"User-Agent": "BandwidthAPI/v1 (smsconsole check)"},
            )
    except httpx.TimeoutException:
        return {
            "url": shown,
            "ok": False,
            "detail": f"not reachable: no answer in {PROBE_TIMEOUT:g} s",
        }
    except httpx.ConnectError:
        detail = "not reachable: could not connect (unknown host, or nothing listening)"
        return {"url": shown, "ok": False, "detail": detail}
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        return {"url": shown, "ok": False, "detail": f"not reachable: {type(error).__name__}"}
    result: dict[str, Any] = {"url": shown, "status": response.status_code}
    if response.status_code == 401:
        return result | {"ok": False, "detail": "reached, but the credentials were refused"}
    if response.status_code == 400 and any(words in response.text for words in OUR_REFUSALS):
        detail = "reached this server; credentials accepted"
        if borrowed:
            detail = (
                "reached this server with this server's callback credentials (the provider"
                " does not show the password it sends)"
            )
        return result | {"ok": True, "detail": detail}
    detail = f"reached something that answered {response.status_code}, not this server"
    return result | {"ok": False, "detail": detail}


@authorized
async def check_callbacks(request: Request) -> JSON:
    """Probe the callback URLs of an application (``{"application_id"}``)."""
    body = await json_object(request)
    application_id = id_field(body, "application_id", required=True)
    assert application_id is not None  # required
    application = await on_provider(
        "reading the application", provider(request).get_application(application_id)
    )
    if application is None:
        raise ApiError(404, "no such application")
    server = settings(request).server
    v2 = settings(request).provider.api == "bandwidth-v2"

    def shown(url: str | None) -> tuple[str, str] | None:
        # Only to this server's own public address: a URL elsewhere (an old tunnel someone
        # else holds now) must never be handed this server's password.
        if v2 and server.callback_password and url and _same_origin(url, server.public_url):
            return (server.callback_username, server.callback_password)
        return None

    messages, calls = application.incoming_message_url, application.incoming_call_url
    return JSON(
        {
            "messages": await probe(messages, "incoming message", shown(messages)),
            "calls": await probe(calls, "incoming call", shown(calls)),
        }
    )


def _same_origin(url: str, public_url: str) -> bool:
    try:
        one, other = httpx.URL(url), httpx.URL(public_url)
    except httpx.InvalidURL:
        return False
    return (one.scheme, one.host, one.port) == (other.scheme, other.host, other.port)


def routes() -> list[BaseRoute]:
    """The check route."""
    return [Route("/api/check-callbacks", check_callbacks, methods=["POST"])]
