"""Bad input to ``/api`` gets a 4xx with a JSON reason, never a 500, and changes nothing.

Against a real server on loopback whose provider is the real sandbox: cursors and seqs past
what SQLite's integers hold, digits that are not ASCII, JSON nested past Python's recursion
limit, lone surrogates and control characters in text fields (refused before the provider
is asked), and a value the provider itself holds that no UTF-8 encoder takes.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from smsconsole.providers.catapult.client import CatapultClient
from smsconsole.sandbox.app import create_sandbox_app

USER = "u-sandbox"
SANDBOX_AUTH = ("t-sandbox", "s-sandbox")
SMS = {
    "eventType": "sms",
    "direction": "in",
    "messageId": "m-input000000000000000001",
    "from": "+14155550123",
    "to": "+19195550187",
    "text": "hello",
    "time": "2026-11-27T10:00:00Z",
    "state": "received",
}


@contextlib.asynccontextmanager
async def world(serve: Any, start_server: Any, store: Path) -> AsyncIterator[tuple[Any, Any]]:
    async with (
        serve(create_sandbox_app(seed=5, speed=0.01)) as sandbox_url,
        CatapultClient(
            sandbox_url, user_id=USER, api_token=SANDBOX_AUTH[0], api_secret=SANDBOX_AUTH[1]
        ) as client,
        start_server(store, provider=client) as server,
        httpx.AsyncClient(base_url=sandbox_url, auth=SANDBOX_AUTH, timeout=10) as sandbox,
    ):
        yield server, sandbox


@pytest.fixture
async def both(serve: Any, start_server: Any, tmp_path: Path) -> AsyncIterator[tuple[Any, Any]]:
    async with world(serve, start_server, tmp_path / "store.db") as pair:
        yield pair


async def applications(sandbox: httpx.AsyncClient) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = (await sandbox.get(f"/v1/users/{USER}/applications")).json()
    return listed


async def send(server: Any, method: str, path: str, body: object) -> httpx.Response:
    """Send ``body`` as JSON with ASCII escapes, as ``\\ud800`` reaches a server on the wire."""
    response: httpx.Response = await server.api(method, path, content=json.dumps(body))
    return response


def refused(response: httpx.Response, status: int = 400, naming: str = "") -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    reason = response.json()["error"]
    assert isinstance(reason, str)
    assert naming in reason
    return reason


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/conversations", "cursor"),
        ("/api/calls", "cursor"),
        ("/api/callbacks", "cursor"),
        ("/api/events", "since"),
    ],
)
@pytest.mark.parametrize(
    "value",
    [
        "9223372036854775808",  # 2^63: past SQLite's integers
        pytest.param("9" * 5000, id="5000-digits"),  # past int()'s 4300-digit limit
        "٣",  # an Arabic-Indic digit: int() reads it, it is no cursor of ours
        "²",  # isdigit() says yes, int() says no
        "-1",
        " 1",
        "1_0",
    ],
)
async def test_numbers_out_of_range_or_not_ascii_are_400(
    both: tuple[Any, Any], path: str, param: str, value: str
) -> None:
    server, _ = both
    reason = refused(await server.api("GET", path, params={param: value}), naming=param)
    assert len(reason) < 200  # a 5000-digit cursor is not echoed back


@pytest.mark.parametrize(
    "value", ["²", "٣", "0", "501", pytest.param("9" * 5000, id="5000-digits"), "1e3", "-1"]
)
@pytest.mark.parametrize("path", ["/api/conversations", "/api/events", "/api/search", "/api/calls"])
async def test_limit_must_be_an_ascii_whole_number_in_range(
    both: tuple[Any, Any], path: str, value: str
) -> None:
    server, _ = both
    response = await server.api("GET", path, params={"limit": value, "q": "x"})
    refused(response, naming="limit")


async def test_a_thread_cursor_that_is_not_ours_is_400(both: tuple[Any, Any]) -> None:
    server, _ = both
    assert (await server.callback(SMS)).status_code == 200
    [conversation] = (await server.api("GET", "/api/conversations")).json()["items"]
    path = f"/api/conversations/{conversation['id']}/messages"
    for before in ("x" * 5000, "no-bar", "|", "\x00|\x00"):
        response = await server.api("GET", path, params={"before": before})
        assert response.status_code in (200, 400), response.text
        assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/api/contacts/+14155550123"),
        ("POST", "/api/applications"),
        ("POST", "/api/messages"),
        ("POST", "/api/numbers"),
        ("POST", "/api/check-callbacks"),
        ("PATCH", "/api/applications/a-1"),
    ],
)
@pytest.mark.parametrize("depth", [20_000, 200_000 // 8])
async def test_json_nested_deeper_than_python_recurses_is_400(
    both: tuple[Any, Any], method: str, path: str, depth: int
) -> None:
    server, sandbox = both
    before = await applications(sandbox)
    for body in ("[" * depth + "]" * depth, '{"name": ' + "[" * depth + "]" * depth + "}"):
        refused(await server.api(method, path, content=body))
    assert await applications(sandbox) == before


@pytest.mark.parametrize(
    "name",
    ["\ud800", "a\udfffb", "nul\x00", "bell\x07", "new\nline", "esc\x1b[31m", "del\x7f", "\u2028"],
)
async def test_a_contact_name_with_a_lone_surrogate_or_control_is_400(
    both: tuple[Any, Any], name: str
) -> None:
    server, _ = both
    seq = (await server.api("GET", "/api/status")).json()["seq"]
    response = await send(server, "PUT", "/api/contacts/+14155550123", {"name": name})
    refused(response, naming="'name'")
    assert (await server.api("GET", "/api/status")).json()["seq"] == seq
    listed = await server.api("GET", "/api/contacts")
    assert listed.status_code == 200
    assert listed.json()["items"] == []


async def test_a_contact_name_with_emoji_and_accents_is_kept(both: tuple[Any, Any]) -> None:
    server, _ = both
    name = "Zoë 👩‍👩‍👧 ⁨مها⁩"  # a ZWJ sequence and bidi isolates are part of names
    response = await server.api("PUT", "/api/contacts/+14155550123", json={"name": name})
    assert response.status_code == 200, response.text
    assert (await server.api("GET", "/api/contacts")).json()["items"][0]["name"] == name


@pytest.mark.parametrize(
    "body",
    [
        {"name": "\ud800"},
        {"name": "ok", "incoming_message_url": "http://x/\ud800"},
        {"name": "ok", "incoming_call_url": "http://x/\x00"},
        {"name": "ok", "callback_http_method": "PO\ud800ST"},
        {"name": "line\r\nbreak"},
    ],
)
async def test_an_application_with_bad_text_is_refused_before_the_provider_is_asked(
    both: tuple[Any, Any], body: dict[str, Any]
) -> None:
    server, sandbox = both
    before = await applications(sandbox)
    response = await send(server, "POST", "/api/applications", body)
    refused(response)
    assert await applications(sandbox) == before
    listed = await server.api("GET", "/api/applications")
    assert listed.status_code == 200, listed.text


async def test_an_odd_name_the_provider_holds_does_not_break_the_list(
    both: tuple[Any, Any],
) -> None:
    server, sandbox = both
    # Created elsewhere (another tool on the same account): the provider keeps what it got.
    made = await sandbox.post(
        f"/v1/users/{USER}/applications",
        content=b'{"name": "odd \\ud800 name", "incomingMessageUrl": "http://x/m"}',
        headers={"Content-Type": "application/json"},
    )
    assert made.status_code == 201, made.text
    listed = await server.api("GET", "/api/applications")
    assert listed.status_code == 200, listed.text
    assert listed.headers["content-type"] == "application/json"
    [odd] = [app for app in listed.json()["items"] if app["name"].startswith("odd")]
    assert odd["name"] == "odd \ufffd name"


def message(**fields: object) -> dict[str, object]:
    return {"from": "+19195550187", "to": "+14155550123", "text": "hi"} | fields


def order(**fields: object) -> dict[str, object]:
    return {"numbers": ["+19195550101"], "confirm": True} | fields


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/api/messages", message(text="\ud800"), "text"),
        ("POST", "/api/messages", message(to="\ud800"), "to"),
        ("POST", "/api/messages", message(**{"from": "+1919555018\x00"}), "from"),
        ("POST", "/api/messages", message(media=["\ud800"]), "media"),
        ("POST", "/api/messages", message(text="a\x00b"), "text"),
        ("POST", "/api/numbers", {"number": "\ud800", "confirm": True}, "number"),
        ("POST", "/api/numbers", order(numbers=["+1919555\ud800"]), "numbers[0]"),
        ("POST", "/api/numbers", order(numbers=["+1919555\x1b01"]), "numbers[0]"),
        ("POST", "/api/numbers", order(total_monthly_cost="²"), "total_monthly_cost"),
        ("POST", "/api/numbers", order(total_monthly_cost="٣"), "total_monthly_cost"),
        pytest.param(
            "POST", "/api/numbers", order(total_monthly_cost="9" * 5000), "total_monthly_cost",
            id="huge",
        ),
        ("POST", "/api/check-callbacks", {"application_id": "\ud800"}, "application_id"),
        ("PATCH", "/api/applications/a-1", {"name": "\ud800"}, "name"),
    ],
)  # fmt: skip
async def test_text_fields_of_every_route_refuse_surrogates_and_controls(
    both: tuple[Any, Any], method: str, path: str, body: dict[str, Any], field: str
) -> None:
    server, sandbox = both
    seq = (await server.api("GET", "/api/status")).json()["seq"]
    before = await applications(sandbox)
    refused(await send(server, method, path, body), naming=f"'{field}'")
    assert (await server.api("GET", "/api/status")).json()["seq"] == seq
    assert await applications(sandbox) == before
    assert (await sandbox.get(f"/v1/users/{USER}/phoneNumbers")).json() == []


async def test_a_message_text_keeps_its_line_breaks(both: tuple[Any, Any]) -> None:
    server, _ = both
    # Refused for another reason (not our number), so the text itself was accepted.
    response = await server.api(
        "POST",
        "/api/messages",
        json={"from": "+19195550187", "to": "+14155550123", "text": "two\nlines\ttab"},
    )
    assert "not one of this account's numbers" in refused(response)


@pytest.mark.parametrize(
    "params",
    [
        {"quantity": "²"},
        pytest.param({"quantity": "9" * 5000}, id="5000-digits"),
        {"area_code": "\x00"},
        {"city": "Ca\x1bry"},
        {"kind": "tollfree", "pattern": "\x07"},
    ],
)
async def test_search_query_parameters_are_checked(
    both: tuple[Any, Any], params: dict[str, str]
) -> None:
    server, _ = both
    refused(await server.api("GET", "/api/available-numbers", params=params))


@pytest.mark.parametrize("q", ["\x00", "a\x1b[2J"])
async def test_search_text_is_checked(both: tuple[Any, Any], q: str) -> None:
    server, _ = both
    refused(await server.api("GET", "/api/search", params={"q": q}), naming="'q'")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/nope", 404),
        ("GET", "/api/contacts/a%2Fb", 404),  # a slash in an id leaves every route
        ("PUT", "/api/contacts/", 404),  # not redirected to a route that only reads
        ("DELETE", "/api/status", 405),
        ("PUT", "/api/messages", 405),
    ],
)
async def test_no_route_or_a_wrong_method_is_a_json_error(
    server: Any, method: str, path: str, status: int
) -> None:
    refused(await server.api(method, path), status=status)


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/x", "http://éxample..com/", "http://a b/"])
async def test_checking_a_callback_url_no_client_can_call_says_so(
    both: tuple[Any, Any], url: str
) -> None:
    server, sandbox = both
    # The provider keeps URLs it cannot call (set there, or by another tool).
    made = await sandbox.post(
        f"/v1/users/{USER}/applications", json={"name": "odd url", "incomingMessageUrl": url}
    )
    if made.status_code != 201:
        pytest.skip(f"the sandbox refuses {url!r} itself")
    application_id = made.headers["location"].rsplit("/", 1)[1]
    checked = await server.api(
        "POST", "/api/check-callbacks", json={"application_id": application_id}
    )
    assert checked.status_code == 200, checked.text
    assert checked.json()["messages"]["ok"] is False
    assert "not reachable" in checked.json()["messages"]["detail"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/check-callbacks", {"application_id": ""}),
        ("POST", "/api/check-callbacks", {"application_id": ".."}),
        ("POST", "/api/check-callbacks", {"application_id": "."}),
        ("PATCH", "/api/applications/%2E%2E", {"name": "x"}),
        ("DELETE", "/api/applications/%2E%2E", None),
        ("DELETE", "/api/applications/%2E", None),
        ("POST", "/api/media?name=..", None),
        (
            "POST",
            "/api/numbers",
            {"number": "+19195550100", "application_id": "..", "confirm": True},
        ),
    ],
)
async def test_an_id_that_would_climb_the_providers_path_is_400(
    both: tuple[Any, Any], method: str, path: str, body: dict[str, Any] | None
) -> None:
    # "/applications/.." would be "/users/{id}/" once the client resolves dot segments.
    server, sandbox = both
    before = await applications(sandbox)
    response = await server.api(method, path, content=b"" if body is None else json.dumps(body))
    refused(response)
    assert await applications(sandbox) == before
