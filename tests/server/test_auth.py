from __future__ import annotations

import base64
from typing import Any

from starlette.datastructures import Headers, QueryParams

from smsconsole.server.app import routes
from smsconsole.server.auth import (
    SessionTokens,
    basic_credentials,
    bearer_allowed,
    callback_allowed,
)

API_ROUTES = sorted(
    {
        (method, route.path)
        for route in routes()
        if getattr(route, "path", "").startswith("/api")
        for method in (getattr(route, "methods", None) or {"GET"})
        if method != "HEAD"
    }
)


def concrete(path: str) -> str:
    return (
        path.replace("{conversation_id}", "c1")
        .replace("{number}", "%2B14155550123")
        .replace("{call_id}", "call-1")
        .replace("{action}", "answer")
        .replace("{number_id}", "n-1")
        .replace("{application_id}", "a-1")
    )


def test_every_api_route_is_listed() -> None:
    assert len(API_ROUTES) >= 20
    assert ("POST", "/api/messages") in API_ROUTES
    assert ("DELETE", "/api/numbers/{number_id}") in API_ROUTES


async def test_every_api_route_refuses_a_missing_or_wrong_token(server: Any) -> None:
    # The right token in the wrong scheme (Basic) is refused too.
    for header in (None, "Bearer wrong", "Basic Y29uc29sZS10b2tlbg==", "Bearer", "console-token"):
        headers = {"Authorization": header} if header else {}
        for method, path in API_ROUTES:
            response = await server.http.request(method, concrete(path), headers=headers, json={})
            assert response.status_code == 401, (header, method, path, response.text)
            assert response.json() == {"error": "missing or wrong bearer token"}


def test_basic_credentials_parsing() -> None:
    good = "Basic " + base64.b64encode(b"bandwidth:pa:ss").decode()
    assert basic_credentials(Headers({"authorization": good})) == ("bandwidth", "pa:ss")
    assert basic_credentials(Headers({"authorization": "Basic !!!"})) is None
    assert basic_credentials(Headers({"authorization": "Bearer x"})) is None
    no_colon = "Basic " + base64.b64encode(b"justuser").decode()
    assert basic_credentials(Headers({"authorization": no_colon})) is None


def test_callbacks_refused_when_no_password_is_configured() -> None:
    empty = "Basic " + base64.b64encode(b"bandwidth:").decode()
    assert not callback_allowed(Headers({"authorization": empty}), "bandwidth", "")


def test_bearer_from_header_or_query() -> None:
    assert bearer_allowed(Headers({"authorization": "Bearer t"}), None, "t")
    assert bearer_allowed(Headers({}), QueryParams("token=t"), "t")
    assert not bearer_allowed(Headers({}), QueryParams("token=t"), "")
    assert not bearer_allowed(Headers({"authorization": "Bearer t"}), None, "")


def test_session_tokens_work_from_mint_to_revoke_only() -> None:
    sessions = SessionTokens()
    token = sessions.mint()

    def allowed(given: str, server_token: str = "server-token") -> bool:
        headers = Headers({"authorization": f"Bearer {given}"})
        return bearer_allowed(headers, None, server_token, sessions)

    assert allowed(token)
    assert bearer_allowed(Headers({}), QueryParams(f"token={token}"), "server-token", sessions)
    assert allowed(token, server_token="")  # a server without a token of its own
    assert allowed("server-token")
    assert not allowed(token[:-1])
    assert not allowed("")
    sessions.revoke(token)
    assert not allowed(token)
    assert allowed("server-token")
    assert sessions.mint() != token


def test_stored_headers_are_bounded_and_marked_where_cut() -> None:
    from smsconsole.server.auth import MAX_HEADER_VALUE, MAX_HEADERS_TOTAL, redacted_headers

    huge = "x" * 1_000_000
    many = [(f"x-h{i}".encode(), b"v" * 500) for i in range(200)]
    headers = Headers(raw=[(b"user-agent", b"BandwidthAPI/v1"), (b"x-big", huge.encode()), *many])
    stored = redacted_headers(headers)
    assert stored["user-agent"] == "BandwidthAPI/v1"
    assert len(stored["x-big"]) <= MAX_HEADER_VALUE + 40
    assert stored["x-big"] == "x" * MAX_HEADER_VALUE + "…[truncated 998976 characters]"
    assert sum(len(name) + len(value) for name, value in stored.items()) <= MAX_HEADERS_TOTAL + 80
    assert stored["[truncated]"].endswith(" more headers")
