"""Which call the bar shows, and which call keys apply to it (pure: no app)."""

from __future__ import annotations

from smsconsole.core.calls import Call, CallState
from smsconsole.tui.widgets.call_bar import allowed, live_call


def call(id_: str, state: CallState, start: str) -> Call:
    return Call(id=id_, direction="in", from_="+14155550123", to="+19195550187", state=state,
                start_time=start)  # fmt: skip


def test_the_newest_ringing_or_up_call_is_the_current_one() -> None:
    calls = [
        call("old", "active", "2026-01-01T10:00:00Z"),
        call("new", "started", "2026-01-01T10:05:00Z"),
        call("over", "completed", "2026-01-01T10:09:00Z"),
    ]
    current = live_call(calls)
    assert current is not None
    assert current.id == "new"
    assert live_call([call("over", "completed", "2026-01-01T10:09:00Z")]) is None


def test_call_keys_follow_the_state_of_the_call() -> None:
    ringing = call("c", "started", "2026-01-01T10:00:00Z")
    up = call("c", "active", "2026-01-01T10:00:00Z")
    moving = call("c", "transferring", "2026-01-01T10:00:00Z")
    assert allowed(ringing, "answer")
    assert allowed(ringing, "reject")
    assert allowed(ringing, "hang_up") is False
    assert allowed(up, "speak")
    assert allowed(up, "transfer")
    assert allowed(up, "hang_up")
    assert allowed(moving, "hang_up")
    assert allowed(up, "answer") is False
    assert allowed(None, "answer") is False
    assert allowed(None, "hang_up") is False
    assert allowed(up, "new_conversation") is None  # not a call key
