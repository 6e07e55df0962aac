"""Hypothesis throws hostile input at every ``/api`` route and at ``/ws``.

A real server under uvicorn on loopback, with the real sandbox as its provider, each on a
loop of its own (hypothesis drives them from this thread with plain clients). Every answer
is JSON: 2xx, or 4xx with ``{"error": ...}``, never 5xx; and a refused request changes
nothing: not the store (its event seq, messages, callback log) nor the provider (the
sandbox's applications and numbers). The routes come from the app's own route table, so a
new route without inputs here fails :func:`test_every_route_is_fuzzed`.

Strategies draw from constants only (no I/O per draw), and examples are bounded per route.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.routing import Route, WebSocketRoute
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from loopback import bound_socket
from smsconsole.server.app import create_app
from smsconsole.settings.config import load_settings
from threaded_sandbox import AUTH as SANDBOX_AUTH
from threaded_sandbox import USER_ID, account_env, app_in_thread, sandbox_in_thread

TOKEN: Final = "console-token"
CALLBACK_AUTH: Final = ("bandwidth", "callback-secret")
REMOTE: Final = "+14155550123"
EXAMPLES: Final = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# -- strategies: constants and pure draws only ------------------------------------------------

DEEP = 20_000
NUMERIC = ["²", "٣", "-1", "1_0", "1e3", "0x10", " 1", "0", "501", str(2**63), "9" * 5000]
TEXTS = [
    "", " ", "\ud800", "a\udfffb", "\x00", "\x1b[31m", "\u202ename", "\u2028", "x" * 3000,
    "../..", "%2F", "a/b", "null", "true", "[", "{}", "😀", "tollfree", "local", "GET", "POST",
    "http://127.0.0.1:9/x", "http://127.0.0.1:99999/x", "http://éxample..com/", "+1",
    "+1415555012", "14155550123", "+19195550199", REMOTE,
]  # fmt: skip
HOSTILE_BODIES = [
    b"", b"null", b"[]", b"1", b'"text"', b"\xff\xfe", b"{", b"{}" * 3, b"NaN", b"1e999",
    b"9" * 5000, b"[" * DEEP + b"]" * DEEP, b'{"name": ' + b"[" * DEEP + b"]" * DEEP + b"}",
    b'{"a":' * DEEP, b'{"name": "\\ud800"}', b'{"name": "\xed\xa0\x80"}',
]  # fmt: skip

any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=12)
strings = st.sampled_from(NUMERIC) | st.sampled_from(TEXTS) | any_text
numbers = (
    st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from([0, 1, 10, 11, 5000, 2**63 - 1, 2**63, 10**30])
    | st.floats()
)
leaves = st.none() | st.booleans() | numbers | strings
json_values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(strings, inner, max_size=3),
    max_leaves=6,
)


@dataclass(frozen=True)
class Inputs:
    """What one route reads: its path parameters' good values, query names, body fields."""

    query: tuple[str, ...] = ()
    body: tuple[str, ...] | None = None  # None: the route reads no body
    raw_body: bool = False  # a file, not JSON (media upload)
    known_ids: tuple[str, ...] = ()  # names of World ids usable in the path


PAGE = ("cursor", "limit")
APPLICATION = (
    "name", "incoming_call_url", "incoming_message_url", "callback_http_method", "auto_answer",
)  # fmt: skip
LOCAL = ("state", "city", "zip", "area_code", "local_number", "pattern", "in_local_calling_area")
ROUTES: Final[dict[tuple[str, str], Inputs]] = {
    ("GET", "/api/conversations"): Inputs(query=PAGE),
    ("GET", "/api/conversations/{conversation_id}/messages"): Inputs(
        query=("before", "limit"), known_ids=("conversation_id",)
    ),
    ("POST", "/api/conversations/read"): Inputs(),
    ("POST", "/api/conversations/{conversation_id}/read"): Inputs(known_ids=("conversation_id",)),
    ("POST", "/api/conversations/{conversation_id}/archive"): Inputs(
        known_ids=("conversation_id",)
    ),
    ("POST", "/api/messages"): Inputs(body=("from", "to", "text", "media")),
    ("POST", "/api/media"): Inputs(query=("name",), raw_body=True),
    ("GET", "/api/search"): Inputs(query=("q", "limit")),
    ("GET", "/api/contacts"): Inputs(),
    ("PUT", "/api/contacts/{number}"): Inputs(body=("name",), known_ids=("number",)),
    ("GET", "/api/callbacks"): Inputs(query=PAGE),
    ("GET", "/api/events"): Inputs(query=("since", "limit")),
    ("GET", "/api/status"): Inputs(),
    ("POST", "/api/sync"): Inputs(),
    ("GET", "/api/calls"): Inputs(query=PAGE),
    ("POST", "/api/calls"): Inputs(body=("mode", "from", "to", "sentence", "confirm")),
    ("POST", "/api/calls/{call_id}/speak"): Inputs(
        body=("sentence", "gender", "locale", "voice"), known_ids=("call_id",)
    ),
    ("POST", "/api/calls/{call_id}/transfer"): Inputs(body=("to",), known_ids=("call_id",)),
    ("POST", "/api/calls/{call_id}/{action}"): Inputs(known_ids=("call_id", "action")),
    ("GET", "/api/numbers"): Inputs(query=("refresh",)),
    ("POST", "/api/numbers"): Inputs(
        body=(
            *("number", "numbers", "total_monthly_cost", "search", "quantity"),
            *("application_id", "confirm", "name", *LOCAL),
        )
    ),
    ("PATCH", "/api/numbers/{number_id}"): Inputs(
        body=("application_id",), known_ids=("number_id",)
    ),
    # Never the real ids: deleting what the other routes use would narrow them to 404s.
    ("DELETE", "/api/numbers/{number_id}"): Inputs(),
    ("GET", "/api/available-numbers"): Inputs(query=("kind", "quantity", *LOCAL)),
    ("GET", "/api/applications"): Inputs(),
    ("POST", "/api/applications"): Inputs(body=APPLICATION),
    ("PATCH", "/api/applications/{application_id}"): Inputs(
        body=APPLICATION, known_ids=("application_id",)
    ),
    ("DELETE", "/api/applications/{application_id}"): Inputs(),
    ("POST", "/api/check-callbacks"): Inputs(body=("application_id",)),
}


def url_part(value: str) -> str:
    """``value`` percent-encoded as a client may send it: lone surrogates as their bytes."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def body_strategy(fields: tuple[str, ...], ids: dict[str, str]) -> st.SearchStrategy[bytes]:
    values = strings | json_values | st.sampled_from(sorted(ids.values()))
    objects = st.builds(
        lambda fields, extra: json.dumps(extra | fields).encode(),  # \ud800 as on the wire
        st.fixed_dictionaries({}, optional=dict.fromkeys(fields, values)),
        st.dictionaries(strings, values, max_size=2),
    )
    return st.one_of(objects, objects, st.sampled_from(HOSTILE_BODIES), st.binary(max_size=40))


# -- the world ---------------------------------------------------------------------------------


@dataclass
class World:
    """Our server and the sandbox, each on its own thread, and the ids the server knows."""

    server: httpx.Client
    sandbox: httpx.Client
    store: Path
    ws_url: str
    ids: dict[str, str]
    errors: list[logging.LogRecord]

    def snapshot(self) -> tuple[Any, ...]:
        """What a refused request must leave as it was."""
        with contextlib.closing(sqlite3.connect(f"file:{self.store}?mode=ro", uri=True)) as db:
            stored = db.execute(
                "SELECT (SELECT coalesce(max(seq), 0) FROM events),"
                " (SELECT count(*) FROM messages), (SELECT count(*) FROM callbacks),"
                " (SELECT count(*) FROM contacts)"
            ).fetchone()
        applications = self.sandbox.get(f"/v1/users/{USER_ID}/applications?size=1000").json()
        numbers = self.sandbox.get(f"/v1/users/{USER_ID}/phoneNumbers?size=1000").json()
        return stored, applications, numbers


@contextlib.contextmanager
def app_errors() -> Iterator[list[logging.LogRecord]]:
    """Errors uvicorn logs: an exception raised in the app, even after an answer was sent."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    store = tmp_path_factory.mktemp("fuzz") / "store.db"
    sock = bound_socket()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with sandbox_in_thread() as sandbox_url:
        environ = account_env(sandbox_url) | {
            "SMSCONSOLE_SERVER_TOKEN": TOKEN,
            "SMSCONSOLE_SERVER_CALLBACK_USERNAME": CALLBACK_AUTH[0],
            "SMSCONSOLE_SERVER_CALLBACK_PASSWORD": CALLBACK_AUTH[1],
            "SMSCONSOLE_SERVER_PUBLIC_URL": url,
            "SMSCONSOLE_STORE_PATH": str(store),
        }
        app = create_app(load_settings(environ=environ), catch_up_on_start=False)
        with (
            app_in_thread(app, sock),
            app_errors() as errors,
            httpx.Client(
                base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
            ) as server,
            httpx.Client(base_url=sandbox_url, auth=SANDBOX_AUTH, timeout=10) as sandbox,
        ):
            ids = provision(server)
            yield World(server, sandbox, store, url.replace("http", "ws") + "/ws", ids, errors)


def provision(server: httpx.Client) -> dict[str, str]:
    """An application, a number of ours on it, a conversation and a call: ids to aim at."""
    application = server.post("/api/applications", json={"name": "fuzz"})
    assert application.status_code == 201, application.text
    application_id = application.json()["id"]
    found = server.get("/api/available-numbers", params={"area_code": "910", "quantity": 1})
    assert found.status_code == 200, found.text
    ordered = server.post(
        "/api/numbers",
        json={
            "numbers": [found.json()["items"][0]["number"]],
            "application_id": application_id,
            "confirm": True,
        },
    )
    assert ordered.status_code == 201, ordered.text
    number = ordered.json()["items"][0]
    sms = {
        "eventType": "sms", "direction": "in", "messageId": "m-fuzz0000000000000000001",
        "from": REMOTE, "to": number["number"], "text": "hello", "state": "received",
        "time": "2026-11-27T10:00:00Z",
    }  # fmt: skip
    call = {
        "eventType": "incomingcall", "callId": "c-fuzz0000000000000000001", "callState": "active",
        "from": REMOTE, "to": number["number"], "time": "2026-11-27T10:00:00Z",
    }  # fmt: skip
    for path, event in (("/callbacks/messages", sms), ("/callbacks/calls", call)):
        stored = server.post(path, json=event, auth=CALLBACK_AUTH)
        assert stored.status_code == 200, stored.text
    conversation = server.get("/api/conversations").json()["items"][0]
    call_id = server.get("/api/calls").json()["items"][0]["id"]
    return {
        "conversation_id": conversation["id"],
        "number": REMOTE,
        "call_id": call_id,
        "action": "hangup",
        "number_id": number["id"],
        "application_id": application_id,
    }


# -- the properties ----------------------------------------------------------------------------


def test_every_route_is_fuzzed() -> None:
    settings_ = load_settings(environ={"SMSCONSOLE_SERVER_TOKEN": TOKEN})
    routes = create_app(settings_, catch_up_on_start=False).routes
    served = {
        (method, route.path)
        for route in routes
        if isinstance(route, Route) and route.path.startswith("/api")
        for method in route.methods or ()
        if method != "HEAD"
    }
    assert served == set(ROUTES), "give every /api route its inputs in ROUTES"
    sockets = {route.path for route in routes if isinstance(route, WebSocketRoute)}
    assert sockets == {"/ws"}, "fuzz every websocket route"


def check(world: World, response: httpx.Response, before: tuple[Any, ...]) -> None:
    request = f"{response.request.method} {str(response.request.url)[:300]}"
    assert response.status_code < 500, f"{request} -> {response.text[:500]}"
    assert response.headers.get("content-type") == "application/json", request
    answer = response.json()
    if response.status_code >= 400:
        assert isinstance(answer.get("error"), str), f"{request} -> {answer}"
        assert world.snapshot() == before, f"the refused {request} changed something"
    assert [record.getMessage() for record in world.errors] == [], request


@pytest.mark.parametrize(("method", "path"), list(ROUTES), ids=[" ".join(key) for key in ROUTES])
def test_any_input_is_answered_in_json_and_a_refusal_changes_nothing(
    world: World, method: str, path: str
) -> None:
    inputs = ROUTES[(method, path)]
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    segment = strings | st.sampled_from(
        [world.ids[name] for name in names if name in inputs.known_ids] or [""]
    )
    keys = st.sampled_from(inputs.query or ("x",))
    query = st.lists(st.tuples(keys | keys | strings, strings), max_size=4)
    if inputs.body is not None:
        bodies: st.SearchStrategy[bytes] = body_strategy(inputs.body, world.ids)
    elif inputs.raw_body:
        bodies = st.binary(max_size=64)
    else:
        bodies = st.just(b"") | st.sampled_from(HOSTILE_BODIES)

    @EXAMPLES
    @given(
        segments=st.fixed_dictionaries(dict.fromkeys(names, segment)),
        pairs=query,
        body=bodies,
    )
    def request(segments: dict[str, str], pairs: list[tuple[str, str]], body: bytes) -> None:
        target = path
        for name, value in segments.items():
            target = target.replace("{" + name + "}", url_part(value))
        if pairs:
            target += "?" + "&".join(f"{url_part(k)}={url_part(v)}" for k, v in pairs)
        before = world.snapshot()
        world.errors.clear()
        check(world, world.server.request(method, target, content=body), before)

    request()


FRAMES = [
    "[" * 200_000 + "]" * 200_000, "not json", "9" * 5000, '"\\ud800"', "{}", "null",
    '{"type": "subscribe"}', '{"type": "subscribe", "since": -1}',
    '{"type": "subscribe", "since": 1e999}', '{"type": "ping"}',
]  # fmt: skip
frames = (
    st.sampled_from(FRAMES)
    | st.binary(max_size=20)
    | st.builds(
        lambda since: json.dumps({"type": "subscribe", "since": since}), json_values | numbers
    )
    | json_values.map(json.dumps)
)


def talk(url: str, first: str | bytes, later: list[str | bytes]) -> tuple[int, str] | None:
    """Subscribe with ``first``, send ``later``, ping; the server's close, or None if served.

    A socket dropped without a close frame answers ``(1006, "")``.
    """
    with connect(url, open_timeout=5) as socket:
        try:
            socket.send(first)
            while json.loads(socket.recv(timeout=5))["type"] != "live":
                pass
            for frame in later:
                socket.send(frame)
            socket.send('{"type": "ping"}')
            while json.loads(socket.recv(timeout=5))["type"] != "pong":
                pass
        except ConnectionClosed as closed:
            return (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else (1006, "")
    return None


def test_any_frames_on_the_feed_are_served_or_closed_with_1008(world: World) -> None:
    @EXAMPLES
    @given(first=frames, later=st.lists(frames, max_size=2))
    def session(first: str | bytes, later: list[str | bytes]) -> None:
        before = world.snapshot()
        world.errors.clear()
        closed = talk(world.ws_url + f"?token={TOKEN}", first, later)
        if closed is not None:
            code, reason = closed
            assert code == 1008, closed
            assert reason, closed
        assert world.snapshot() == before
        assert [record.getMessage() for record in world.errors] == []

    session()
    assert world.server.get("/healthz").status_code == 200
