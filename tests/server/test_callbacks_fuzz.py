"""Hypothesis throws malformed bodies and queries at both callback endpoints.

Never a 5xx; and a refused request never leaves anything in the store.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from smsconsole.server.app import create_app
from smsconsole.settings.config import load_settings

AUTH = ("bandwidth", "callback-secret")
HEADERS = {"Authorization": "Bearer console-token"}

FIELDS = [
    "eventType", "direction", "messageId", "from", "to", "text", "time", "state", "media",
    "deliveryState", "deliveryCode", "callId", "callState", "cause", "status", "dtmfDigit",
    "gatherId", "digits", "recordingId", "transcriptionId", "conferenceId", "memberId", "tag",
]  # fmt: skip
EVENT_TYPES = [
    "sms", "mms", "SMS", "incomingcall", "answer", "hangup", "timeout", "speak", "playback",
    "dtmf", "gather", "recording", "transcription", "conference", "conference-member", "x",
]  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
payloads = st.dictionaries(
    st.sampled_from(FIELDS) | st.text(max_size=8),
    json_values
    | st.sampled_from(EVENT_TYPES)
    | st.sampled_from(["in", "out", "received", "+14155550123"]),
    max_size=10,
)
queries = st.lists(
    st.tuples(
        st.sampled_from(FIELDS) | st.text(max_size=8),
        st.text(max_size=20) | st.sampled_from(EVENT_TYPES),
    ),
    max_size=10,
)


def make_client(tmp_path: Path) -> TestClient:
    environ = {
        "SMSCONSOLE_SERVER_TOKEN": "console-token",
        "SMSCONSOLE_SERVER_CALLBACK_PASSWORD": AUTH[1],
        "SMSCONSOLE_STORE_PATH": str(tmp_path / "fuzz.db"),
    }
    return TestClient(create_app(load_settings(environ=environ)))


def stored_events(client: TestClient) -> int:
    return len(client.get("/api/events?limit=500", headers=HEADERS).json()["items"])


class Watch:
    """Checks each answer against the store: never 5xx; a refusal changes nothing."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.events = stored_events(client)

    def check(self, response: Any) -> None:
        assert response.status_code < 500, response.text
        after = stored_events(self.client)
        if response.status_code >= 400:
            assert "error" in response.json()
            assert after == self.events, "a refused request changed the store"
        self.events = after


def test_fuzz_json_bodies(tmp_path: Path) -> None:
    with make_client(tmp_path) as client:
        watch = Watch(client)

        @settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(payload=payloads, path=st.sampled_from(["/callbacks/messages", "/callbacks/calls"]))
        def post(payload: dict[str, Any], path: str) -> None:
            watch.check(
                client.post(
                    path,
                    content=json.dumps(payload),
                    auth=AUTH,
                    headers={"Content-Type": "application/json"},
                ),
            )

        post()


def test_fuzz_raw_bytes(tmp_path: Path) -> None:
    with make_client(tmp_path) as client:
        watch = Watch(client)

        @settings(max_examples=150, deadline=None)
        @given(
            body=st.binary(max_size=200),
            content_type=st.sampled_from(
                ["application/json", "application/json; charset=utf-8", "text/plain", ""]
            ),
        )
        def post(body: bytes, content_type: str) -> None:
            watch.check(
                client.post(
                    "/callbacks/messages",
                    content=body,
                    auth=AUTH,
                    headers={"Content-Type": content_type},
                ),
            )

        post()


def test_fuzz_queries(tmp_path: Path) -> None:
    with make_client(tmp_path) as client:
        watch = Watch(client)

        @settings(max_examples=250, deadline=None)
        @given(pairs=queries, path=st.sampled_from(["/callbacks/messages", "/callbacks/calls"]))
        def get(pairs: list[tuple[str, str]], path: str) -> None:
            watch.check(client.get(path, params=pairs, auth=AUTH))

        get()
