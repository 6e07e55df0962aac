"""Text from strangers is shown as plain text everywhere in the console, never obeyed.

Message texts, contact names and the provider's words come from the network: markup in them
must not style, crash or click anything, and terminal escape and bidi control sequences and
lone surrogates must never reach the terminal. The property test drives the console against
a real server, through its real callback and ``/api`` routes, and renders every screen.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from textual.command import CommandList
from textual.widgets import Input

from console_helpers import TOKEN, bubbles, console_app, until
from smsconsole.core.records import MATCH_END, MATCH_START
from smsconsole.tui.app import SmsConsoleApp
from smsconsole.tui.commands import highlighted
from smsconsole.tui.notify import notification_sequences
from smsconsole.tui.plain import BIDI_CONTROLS, clean
from smsconsole.tui.screens.dialogs import IncomingCall
from smsconsole.tui.widgets.conversation_list import ConversationList
from smsconsole.tui.widgets.thread_view import ThreadView, lay_out

OURS = "+19195550187"
SERIAL = itertools.count(1)

MARKUP = ["[/]", "[/foo]", "[b]", "[bold red]x", "[@click=app.quit]win[/]", "[link=file:///x]"]
ESCAPES = ["\x1b[2J", "\x1b]0;owned\x07", "\x9b31m", "\x1bP+q\x1b\\", "\r", "\x00", "\x7f"]
BIDI = sorted(BIDI_CONTROLS)
hostile = st.lists(
    st.sampled_from(MARKUP + ESCAPES + BIDI + ["\ud800", "x" * 10_000, "[", "]", "\n"])
    | st.text(max_size=12),
    min_size=1,
    max_size=6,
).map("".join)


JSON_TYPE = {"Content-Type": "application/json"}


def as_json(value: object) -> str:
    """JSON as a stranger may send it: a lone surrogate as its escape, ``\\ud800``."""
    return json.dumps(value)


def sms(n: int, text: str, remote: str) -> dict[str, Any]:
    return {
        "eventType": "sms",
        "direction": "in",
        "messageId": f"m-hostile-{n}",
        "from": remote,
        "to": OURS,
        "text": text,
        "time": f"2026-11-27T10:{n // 60 % 60:02d}:{n % 60:02d}Z",
        "state": "received",
    }


def incoming_call(n: int, remote: str) -> dict[str, Any]:
    return {
        "eventType": "incomingcall",
        "callId": f"c-hostile{n:017d}",
        "from": remote,
        "to": OURS,
        "callState": "active",
        "time": f"2026-11-27T11:{n // 60 % 60:02d}:{n % 60:02d}Z",
    }


def obeyable(screen_text: str) -> set[str]:
    """What a terminal would obey, found in rendered output."""
    found = {ch for ch in screen_text if ch in BIDI_CONTROLS or "\ud800" <= ch <= "\udfff"}
    found |= {ch for ch in screen_text if ord(ch) < 0x20 and ch not in "\n"}
    found |= {ch for ch in screen_text if 0x7F <= ord(ch) < 0xA0}
    return found


def rendered(app: SmsConsoleApp) -> str:
    """Render the whole screen, toasts and dialogs included (what a repaint would do)."""
    return app.export_screenshot()


async def push(http: httpx.AsyncClient, path: str, payload: dict[str, Any]) -> bool:
    """POST a callback; True if stored. A refusal must be a 4xx, never a 500."""
    response = await http.post(
        path, content=as_json(payload), headers=JSON_TYPE, auth=("bandwidth", "callback-secret")
    )
    assert response.status_code < 500, response.text
    return response.is_success


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(texts=["[/]", "[@click=app.quit]x[/] \x1b[2J\x1b]0;t\x07 \u202eevil\u202c", "y" * 10_000])
@given(texts=st.lists(hostile, min_size=2, max_size=3))
async def test_hostile_text_is_shown_plain_everywhere(
    server: Any, tmp_path: Path, texts: list[str]
) -> None:
    app = console_app(server.url, tmp_path / f"run{next(SERIAL)}")
    api = httpx.AsyncClient(
        base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )
    async with api, app.run_test(size=(100, 30), notifications=True) as pilot:
        await until(pilot, lambda: app.inbox_screen.status.state == "connected" and app.live)
        for text in texts:
            n = next(SERIAL)
            remote = f"+1415555{n:04d}"
            # The stranger's words as a name, a text (list row, toast, bubble) and a caller.
            named = await api.put(
                f"/api/contacts/{remote}", content=as_json({"name": text[:200]}), headers=JSON_TYPE
            )
            assert named.status_code < 500, named.text
            stored = await push(
                server.http, "/callbacks/messages", sms(n, f"needle{n} {text}", remote)
            )
            conversation = f"{OURS[1:]}-{remote[1:]}"
            if stored:
                await until(pilot, lambda c=conversation: c in app.inbox.conversations)
                row = app.inbox_screen.query_one(ConversationList).row_text(conversation)
                assert clean(named.json().get("name", "") if named.is_success else "")[:20] in row
            # Out of the composer (a call never prompts while the operator writes).
            app.inbox_screen.query_one(ConversationList).focus()
            await pilot.pause()
            if await push(server.http, "/callbacks/calls", incoming_call(n, remote)):
                await until(pilot, lambda: isinstance(app.screen, IncomingCall))
                assert obeyable(rendered(app)) == set()
                await pilot.press("escape")
                await until(pilot, lambda: not isinstance(app.screen, IncomingCall))
            assert app.is_running
            if not stored:
                continue
            # Open it: the thread's title and bubble show the words as they are.
            app.inbox_screen.open(conversation)
            await until(pilot, lambda m=f"needle{n} ": any(m in b for b in bubbles(app)))
            assert obeyable(rendered(app)) == set()
            view = app.inbox_screen.query_one(ThreadView)
            [message] = [m for m in view.messages if m.text and f"needle{n} " in m.text]
            laid = lay_out(message, 60)
            body = "".join(row.text for row in laid.rows if row.kind == "body")
            # Every character is there (brackets and all), only what a terminal obeys is not.
            assert "".join(body.split()) == "".join(clean(message.text, lines=True).split())
            # Search from the palette: the hit shows the text, the matched word highlighted.
            await pilot.press("ctrl+p")
            await until(pilot, lambda: app.screen.query(Input).first().has_focus)
            await pilot.press(*f"needle{n}")
            await until(pilot, lambda: app.screen.query_one(CommandList).option_count > 0)
            assert obeyable(rendered(app)) == set()
            await pilot.press("escape")
        assert app.is_running
        assert app.return_code is None


def test_highlighted_snippet_marks_the_match_and_shows_the_rest_as_is() -> None:
    snippet = f"Can we talk about the {MATCH_START}invoice{MATCH_END}? [@click=app.quit]x [/]"
    content = highlighted(snippet)
    assert content.plain == "Can we talk about the invoice? [@click=app.quit]x [/]"
    [span] = content.spans
    assert content.plain[span.start : span.end] == "invoice"
    # A text's own brackets are text; a stray mark (a text may hold one) is dropped.
    stray = f"[{MATCH_START}in{MATCH_END}] {MATCH_END}a\x1b{MATCH_START}b"
    shown = highlighted(stray)
    assert shown.plain == "[in] a\ufffdb"
    assert [shown.plain[s.start : s.end] for s in shown.spans] == ["in"]


def test_clean_leaves_nothing_a_terminal_obeys() -> None:
    assert clean("plain words") == "plain words"
    assert clean("a\x1b[2Jb") == "a\ufffd[2Jb"
    assert clean("\u202eevil\u202c") == "evil"
    assert clean("\ud800x") == "\ufffdx"
    assert clean("one\r\ntwo") == "one  two"
    assert clean("one\r\ntwo\u2028three", lines=True) == "one\ntwo\nthree"
    assert clean("\x9b31m") == "\ufffd31m"
    assert clean("tab\there") == "tab here"
    assert clean("[b]kept[/b]") == "[b]kept[/b]"  # markup is not escaped: it is never parsed


@given(st.text())
def test_clean_output_is_always_obeyable_free(text: str) -> None:
    assert obeyable(clean(text)) == set()
    assert obeyable(clean(text, lines=True)) == set()
    clean(text).encode("utf-8")  # writable to a terminal


@given(st.text(), st.text())
def test_notification_sequences_carry_no_control_of_their_own(title: str, body: str) -> None:
    sequences = notification_sequences(title, body)
    # Only the framing: BEL, then OSC 9 and OSC 777, each ended by BEL.
    assert sequences.count("\x1b") == 2
    assert sequences.count("\x07") == 3
    sequences.encode("utf-8")
