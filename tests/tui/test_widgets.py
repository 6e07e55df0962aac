from __future__ import annotations

from datetime import UTC, datetime

import pytest

from smsconsole.core.messages import Message
from smsconsole.tui import timefmt
from smsconsole.tui.notify import notification_sequences
from smsconsole.tui.widgets.composer import attachments_text, counter_text
from smsconsole.tui.widgets.thread_view import delivery_words


def out(**fields: object) -> Message:
    base: dict[str, object] = {
        "id": "m",
        "conversation_id": "c",
        "direction": "out",
        "from_": "+19195550187",
        "to": "+14155550123",
        "state": "queued",
        "time": "2026-11-27T10:00:00.000Z",
    }
    base.update(fields)
    return Message(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({}, "… queued"),
        ({"state": "sending"}, "… sending"),
        ({"state": "sent"}, "✓ sent"),
        ({"state": "sent", "delivery_state": "delivered"}, "✓✓ delivered"),
        (
            {"state": "sent", "delivery_state": "not-delivered", "delivery_code": "775"},
            "✗ not delivered: recipient opted out",
        ),
        (
            {"state": "error", "error_message": "The number is not yours"},
            "✗ failed: The number is not yours",
        ),
        (
            {"state": "error", "error_message": "Not yours.", "error_code": "forbidden-number"},
            "✗ failed: Not yours (forbidden-number)",
        ),
        (
            {"state": "error", "delivery_code": "720"},
            "✗ failed: invalid destination number (code 720)",
        ),
        (
            {"state": "error", "delivery_code": "750", "delivery_description": "Rejected"},
            "✗ failed: rejected by destination (code 750): Rejected",
        ),
        ({"state": "error"}, "✗ failed: the provider gave no reason (yet)"),
        ({"direction": "in", "state": "received"}, ""),
    ],
)
def test_delivery_state_in_words(fields: dict[str, object], words: str) -> None:
    assert delivery_words(out(**fields)) == words


def test_counter_shows_encoding_segments_and_limits() -> None:
    assert counter_text("") == "0 chars · 0 segments · GSM-7"
    assert counter_text("hello") == "5 chars · 1 segment · GSM-7 · 155 left"
    assert "2 segments · UCS-2 · 63 left" in counter_text("я" * 71)
    assert attachments_text([]) == ""
    assert attachments_text(["https://m/a.jpg"]) == "📎 a.jpg · MMS · ctrl+l removes it"
    assert attachments_text(["https://m/a.jpg", "https://m/b.png"]).endswith("removes b.png")
    assert "over the 2048-character limit" in counter_text("a" * 2049)


def test_notification_sequences_are_sanitised() -> None:
    sequence = notification_sequences("Text from Ada", "hi;\x1b]0;evil\x07 there")
    assert sequence.startswith("\x07\x1b]9;Text from Ada: hi ")
    assert sequence.count("\x07") == 3  # the bell and the two terminators, nothing injected
    assert "\x1b]777;notify;Text from Ada;" in sequence
    assert "evil" in sequence  # kept as plain text, its escape removed


def test_time_formats() -> None:
    now = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    assert timefmt.short("2024-05-03T14:05:40.000Z", now) == "2024-05-03"
    assert timefmt.short("bad") == ""
    assert timefmt.duration(65) == "1:05"
    assert timefmt.duration(3723) == "1:02:03"
