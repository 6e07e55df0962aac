"""Snapshots of the console's key screens, against a real server on a thread of its own.

``snap_compare`` runs the app on its own event loop, so the server runs on another thread
(``threaded_server``) and is seeded synchronously before the app starts. Everything shown is
fixed: message ids and times (in a past year, so the list shows full dates), the time zone,
the server's label, the terminal size, and the composer's cursor does not blink.
Regenerate with ``pytest tests/tui/test_snapshots.py --snapshot-update`` after looking at them.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import time
import warnings
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import TextArea
from textual.widgets._toast import Toast, ToastRack

from console_helpers import console_app, rows, until
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.screens.dialogs import IncomingCall
from smsconsole.tui.widgets.thread_view import ThreadView

OURS = "+19195550187"
ALICE = "+14155550123"  # named "Alice Moreno"
BOB = "+12125550199"
CAROL = "+13125550142"
CAROL_ID = "19195550187-13125550142"
REFUSED_URL = "http://127.0.0.1:9"  # the discard port: nothing listens on loopback
SnapCompare = Callable[..., bool]
RunBefore = Callable[[Pilot[None]], Awaitable[None]]


@pytest.fixture(autouse=True)
def utc() -> Iterator[None]:
    """Show times in UTC whatever the machine's zone, and put the zone back after."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "UTC")
        time.tzset()
        yield
    time.tzset()


@pytest.fixture(autouse=True)
def app_loop_leftovers() -> Iterator[None]:
    """Drop what the app's event loop left open here, not in whichever test runs next.

    Rarely, under load, a socket of the console's (the feed's websocket or an in-flight
    request) is still open when ``App.run`` ends its loop: Textual cancels the workers on exit
    without waiting for them (``WorkerManager.cancel_all``) and ``ConsoleClient.aclose`` does
    not close a running feed. Reported to the lead; until fixed, such a socket is collected
    at the end of the test that made it and its ResourceWarning is not turned into an error.
    """
    yield
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="unclosed", category=ResourceWarning)
        gc.collect()


# (remote, time, direction, text, delivery receipt state and code), in the order they happened
THREADS: list[tuple[str, str, str, str, tuple[str, str] | None]] = [
    (CAROL, "2024-04-28T18:00:00Z", "in", "Thanks for the quick reply!", None),
    (CAROL, "2024-04-28T18:03:00Z", "out", "You're welcome.", ("delivered", "0")),
    (BOB, "2024-05-02T09:30:00Z", "in", "Running 10 minutes late", None),
    (BOB, "2024-05-02T09:41:00Z", "in", "Sorry, make that 20.", None),
    (ALICE, "2024-05-03T14:05:40Z", "in", "Hi, is the shop open on Sunday?", None),
    (ALICE, "2024-05-03T14:07:02Z", "out", "Yes, 10 to 4.", ("delivered", "0")),
    (ALICE, "2024-05-03T14:09:15Z", "in", "Great. Do you still have the blue one in stock?", None),
    (ALICE, "2024-05-03T14:09:31Z", "in", "Here it is", None),
    (ALICE, "2024-05-03T14:12:00Z", "out", "We do. Shall I hold it?", ("not-delivered", "720")),
]
PHOTO = "https://media.example.net/blue-vase.jpg"


def callback(n: int, remote: str, at: str, direction: str, text: str) -> dict[str, Any]:
    """A v1 message callback (reference §5.3): inbound, or outbound with its receipt."""
    return {
        "eventType": "mms" if text == "Here it is" else "sms",
        "direction": direction,
        "messageId": f"m-snap-{n:03d}",
        "from": remote if direction == "in" else OURS,
        "to": OURS if direction == "in" else remote,
        "text": text,
        "time": at,
        "state": "received" if direction == "in" else "sent",
    } | ({"media": [PHOTO]} if text == "Here it is" else {})


def seed_inbox(server: Any) -> None:
    """Three conversations (the list is newest activity first): Alice's, named, with every kind
    of bubble; two unread from Bob; Carol's, answered and read."""
    for n, (remote, at, direction, text, receipt) in enumerate(THREADS, start=1):
        payload = callback(n, remote, at, direction, text)
        if receipt is not None:
            payload["deliveryState"], payload["deliveryCode"] = receipt
        server.callback(payload)
    read = server.api("POST", f"/api/conversations/{CAROL_ID}/read")
    assert read.is_success, read.text
    named = server.api("PUT", f"/api/contacts/{ALICE}", json={"name": "Alice Moreno"})
    assert named.is_success, named.text


def connected_with(count: int) -> RunBefore:
    """Wait until the console is live and lists ``count`` conversations."""

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, SmsConsoleApp)
        await until(pilot, lambda: app.inbox_screen.status.state == "connected" and app.live)
        await until(pilot, lambda: len(rows(app)) == count)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])
def test_inbox(
    snap_compare: SnapCompare, threaded_server: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    seed_inbox(threaded_server)
    app = console_app(threaded_server.url, tmp_path, "test-server")
    assert snap_compare(app, terminal_size=size, run_before=connected_with(3))


@pytest.mark.parametrize("size", [(100, 30), (80, 24)], ids=["100x30", "80x24"])
def test_thread(
    snap_compare: SnapCompare, threaded_server: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    seed_inbox(threaded_server)
    app = console_app(threaded_server.url, tmp_path, "test-server")

    async def run_before(pilot: Pilot[None]) -> None:
        await connected_with(3)(pilot)
        await pilot.press("enter")  # open the newest conversation: Alice's
        app.inbox_screen.query_one("#composer-input", TextArea).cursor_blink = False
        await until(pilot, lambda: len(app.inbox_screen.query_one(ThreadView).message_ids) == 5)
        await until(
            pilot, lambda: app.inbox_screen.status.unread == 2
        )  # opening marked Alice's read
        await pilot.press(*"See you at 10")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_incoming_call_prompt(
    snap_compare: SnapCompare, threaded_server: Any, tmp_path: Path
) -> None:
    seed_inbox(threaded_server)
    app = console_app(threaded_server.url, tmp_path, "test-server")
    call = {
        "eventType": "incomingcall",
        "callId": "c-snap-001",
        "from": ALICE,
        "to": OURS,
        "callState": "active",
        "time": "2024-05-03T15:00:00Z",
    }

    async def run_before(pilot: Pilot[None]) -> None:
        await connected_with(3)(pilot)
        # The console is live: the call arrives through the feed and rings at once (§8).
        await asyncio.to_thread(threaded_server.callback, call, "/callbacks/calls")
        await until(pilot, lambda: isinstance(app.screen, IncomingCall))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_empty_first_run(snap_compare: SnapCompare, threaded_server: Any, tmp_path: Path) -> None:
    app = console_app(threaded_server.url, tmp_path, "test-server")
    assert snap_compare(app, terminal_size=(80, 24), run_before=connected_with(0))


def test_offline(snap_compare: SnapCompare, tmp_path: Path) -> None:
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", 9)) != 0, "something listens on 127.0.0.1:9"
    app = console_app(REFUSED_URL, tmp_path, "test-server")

    async def run_before(pilot: Pilot[None]) -> None:
        # The second failed load says "retrying in 1s" and keeps saying it for a second: the
        # capture happens well inside that second (the first says 0.5s, for only half of one).
        await until(pilot, lambda: app.inbox_screen.status.retry_in == 1)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def call_events(call_id: str, remote: str, at: str, answered: str | None, ended: str, cause: str)\
        -> list[dict[str, Any]]:  # fmt: skip
    """The v1 callbacks of one incoming call (reference §8): rings, maybe answered, ends."""
    base = {"callId": call_id, "from": remote, "to": OURS}
    events = [base | {"eventType": "incomingcall", "callState": "active", "time": at}]
    if answered is not None:
        events.append(base | {"eventType": "answer", "callState": "active", "time": answered})
    events.append(
        base | {"eventType": "hangup", "cause": cause, "callState": "completed", "time": ended}
    )
    return events


def test_missed_call(snap_compare: SnapCompare, threaded_server: Any, tmp_path: Path) -> None:
    seed_inbox(threaded_server)
    app = console_app(threaded_server.url, tmp_path, "test-server")
    missed = [
        *call_events("c-snap-101", BOB, "2024-05-03T15:00:00Z", None, "2024-05-03T15:00:31Z",
                     "ORIGINATOR_CANCEL"),
        *call_events("c-snap-102", ALICE, "2024-05-03T15:02:00Z", None, "2024-05-03T15:02:40Z",
                     "ORIGINATOR_CANCEL"),
    ]  # fmt: skip

    async def run_before(pilot: Pilot[None]) -> None:
        await connected_with(3)(pilot)
        await pilot.press("enter")  # Alice's thread, before her call
        app.inbox_screen.query_one("#composer-input", TextArea).cursor_blink = False
        await until(pilot, lambda: len(app.inbox_screen.query_one(ThreadView).message_ids) == 5)
        await pilot.press("escape")  # out of the composer: the prompt may ring, and goes
        for payload in missed:  # live: both ring, and both are missed
            await asyncio.to_thread(threaded_server.callback, payload, "/callbacks/calls")
        await until(pilot, lambda: len(app.inbox.calls) == 2 and all(
            c.missed for c in app.inbox.calls.values()))  # fmt: skip
        await until(pilot, lambda: len(app.inbox_screen.query_one(ThreadView).message_ids) == 6)
        await until(pilot, lambda: not isinstance(app.screen, IncomingCall))
        app.inbox_screen.action_jump_end()  # the newest, whether or not the call scrolled it in
        # The "Missed call" toasts come as the screen hears the calls ended: let it hear
        # everything the feed brought, then clear them.
        await pilot.pause()
        app.clear_notifications()
        rack = app.screen.get_child_by_type(ToastRack)
        await until(pilot, lambda: not rack.query(Toast))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_keys_help(snap_compare: SnapCompare, threaded_server: Any, tmp_path: Path) -> None:
    seed_inbox(threaded_server)
    app = console_app(threaded_server.url, tmp_path, "test-server")

    async def run_before(pilot: Pilot[None]) -> None:
        await connected_with(3)(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: app.screen.id == "keys-help")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_call_log(snap_compare: SnapCompare, threaded_server: Any, tmp_path: Path) -> None:
    seed_inbox(threaded_server)
    for payload in [
        *call_events("c-snap-201", CAROL, "2024-05-01T09:00:00Z", None, "2024-05-01T09:00:05Z",
                     "CALL_REJECTED"),
        *call_events("c-snap-202", ALICE, "2024-05-02T11:15:00Z", "2024-05-02T11:15:04Z",
                     "2024-05-02T11:19:09Z", "NORMAL_CLEARING"),
        *call_events("c-snap-203", BOB, "2024-05-03T15:00:00Z", None, "2024-05-03T15:00:31Z",
                     "ORIGINATOR_CANCEL"),
        *call_events("c-snap-204", "+15005550100", "2024-05-03T16:30:00Z", None,
                     "2024-05-03T16:31:00Z", "NORMAL_TEMPORARY_FAILURE"),
    ]:  # fmt: skip
        threaded_server.callback(payload, "/callbacks/calls")
    app = console_app(threaded_server.url, tmp_path, "test-server")

    async def run_before(pilot: Pilot[None]) -> None:
        await connected_with(3)(pilot)
        await until(pilot, lambda: len(app.inbox.calls) == 4)
        await pilot.press("c")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


FLOOD = [ALICE, BOB, CAROL, "+16175550111", "+12065550177"]


def test_coalesced_news_toast(
    snap_compare: SnapCompare, threaded_server: Any, tmp_path: Path
) -> None:
    seed_inbox(threaded_server)
    app = console_app(threaded_server.url, tmp_path, "test-server")

    def flood() -> None:
        for n in range(12):
            at = f"2024-05-04T09:{n:02d}:00Z"
            threaded_server.callback(
                callback(100 + n, FLOOD[n % 5], at, "in", f"Order {n + 1} is ready?")
            )

    async def run_before(pilot: Pilot[None]) -> None:
        await connected_with(3)(pilot)
        await asyncio.to_thread(flood)
        await until(pilot, lambda: len(rows(app)) == 5)
        await until(pilot, lambda: app.inbox_screen.status.unread == 17)  # 5 before, 12 new
        rack = app.screen.get_child_by_type(ToastRack)
        await until(
            pilot,
            lambda: (
                len(rack.children) == 1
                and rack.scroll_y == 0
                and [str(t.render()).startswith("12 new") for t in rack.query(Toast)] == [True]
            ),
        )
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
